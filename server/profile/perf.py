"""perf (Debian `linux-perf`) for C and C++: `perf record -g` around the benchmark command,
`perf script` read back here into stacks of frames (symbol, object file, source line).

The event is the software `cpu-clock` (works in containers and virtual machines without a
PMU, and with perf_event_paranoid 2 for one's own processes); call graphs by frame pointers,
which the profile build keeps (-fno-omit-frame-pointer, see workspace).
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from ..records import FunctionRef
from .index import FunctionIndex, symbol_name
from .tally import Tally

RECORD_EVENT = "cpu-clock"
SCRIPT_FIELDS = "comm,tid,period,ip,sym,dso,srcline"
FRAME = re.compile(r"^\s+([0-9a-f]+)\s+(.*?)\s+\(([^()]*)\)\s*$")
SRCLINE = re.compile(r"^\s+(\S.*?):(\d+)\s*$")
NOT_PERMITTED = re.compile(r"perf_event_open|not permitted|Permission denied|perf_event_paranoid|"
                           r"No permission|Operation not permitted", re.I)


@dataclass
class Frame:
    symbol: str
    dso: str
    file: str | None = None
    line: int | None = None


@dataclass
class Sample:
    comm: str
    frames: list[Frame] = field(default_factory=list)  # leaf first


def record_command(command: str, data_path: Path, frequency: int = 4000) -> str:
    """The shell command that runs `command` under perf record."""
    return (f"perf record -e {RECORD_EVENT} -F {frequency} -g -q -o {shlex.quote(str(data_path))} -- "
            f"/bin/sh -c {shlex.quote(command)}")


def script_command(data_path: Path) -> list[str]:
    return ["perf", "script", "-f", "-i", str(data_path), "-F", SCRIPT_FIELDS, "--full-source-path"]


def not_permitted(output: str) -> bool:
    return bool(NOT_PERMITTED.search(output))


def parse_script(text: str) -> list[Sample]:
    """Samples of `perf script -F comm,tid,period,ip,sym,dso,srcline`: a header line per sample,
    then one line per frame (`ip symbol (dso)`), each followed by its source line when known."""
    samples: list[Sample] = []
    current: Sample | None = None
    for raw in text.splitlines():
        if not raw.strip():
            current = None
            continue
        if not raw[0].isspace():
            current = Sample(comm=raw.split()[0] if raw.split() else "")
            samples.append(current)
            continue
        if current is None:
            continue
        frame = FRAME.match(raw)
        if frame:
            symbol = frame.group(2)
            symbol = re.sub(r"\+0x[0-9a-f]+$", "", symbol)
            current.frames.append(Frame(symbol=symbol, dso=frame.group(3)))
            continue
        src = SRCLINE.match(raw)
        if src and current.frames and current.frames[-1].file is None:
            if src.group(1) not in ("??",) and not src.group(1).startswith("["):
                current.frames[-1].file = src.group(1)
                current.frames[-1].line = int(src.group(2))
    return samples


class NativeMapper:
    """Frames to the repository's functions: by source line first (innermost: an inlined
    function's lines name it), then by symbol name for frames of the binaries built in the
    copy; a symbol and a source line that name different functions are the inlined one inside
    the other (both are on the stack)."""

    def __init__(self, index: FunctionIndex, copy_dirs: list[Path]) -> None:
        self.index = index
        self.copy_dirs = [str(d) for d in copy_dirs]
        self._cache: dict[tuple[str, str, str | None, int | None], list[tuple[FunctionRef, int | None]]] = {}

    def own_object(self, dso: str) -> bool:
        return any(dso.startswith(d.rstrip("/") + "/") for d in self.copy_dirs)

    def map(self, frame: Frame) -> list[tuple[FunctionRef, int | None]]:
        key = (frame.symbol, frame.dso, frame.file, frame.line)
        if key not in self._cache:
            self._cache[key] = self._map(frame)
        return self._cache[key]

    def _map(self, frame: Frame) -> list[tuple[FunctionRef, int | None]]:
        by_line = None
        rel = self.index.resolve(frame.file) if frame.file else None
        if rel is not None and frame.line is not None:
            by_line = self.index.at(rel, frame.line)
        by_name = None
        if self.own_object(frame.dso) or rel is not None:
            named = self.index.named(symbol_name(frame.symbol)) if frame.symbol and frame.symbol != "[unknown]" else []
            if len(named) > 1 and rel is not None:  # overloads: the one holding the line, else the file's
                named = ([r for r in named if r.file == rel and frame.line and r.start_line <= frame.line <= r.end_line]
                         or [r for r in named if r.file == rel] or named)
            by_name = named[0] if named else None
        if by_line is not None and by_name is not None and by_name != by_line:
            return [(by_line, frame.line), (by_name, None)]
        if by_line is not None:
            return [(by_line, frame.line)]
        if by_name is not None:
            return [(by_name, None)]
        return []

    def why_unmapped(self, frame: Frame) -> str:
        if frame.dso.startswith("[kernel"):
            return "kernel (system calls, page faults)"
        if not self.own_object(frame.dso):
            return f"library: {Path(frame.dso).name or frame.dso}"
        if frame.symbol in ("", "[unknown]"):
            return "no symbol (stripped or generated code)"
        if frame.file and not self.index.resolve(frame.file):
            return f"library code compiled into your program ({Path(frame.file).name})"
        return "not a function the locator finds in the repository (generated, or inlined away)"


def tally_samples(samples: list[Sample], mapper: NativeMapper) -> Tally:
    tally = Tally()
    for sample in samples:
        chain: list[tuple[FunctionRef, int | None]] = []
        for frame in sample.frames:
            chain.extend(mapper.map(frame))
        leaf_unmapped = None
        if sample.frames and not mapper.map(sample.frames[0]):
            leaf = sample.frames[0]
            leaf_unmapped = (symbol_name(leaf.symbol) or leaf.symbol or "[unknown]", mapper.why_unmapped(leaf))
        elif not sample.frames:
            leaf_unmapped = ("[no stack]", "the sample has no stack")
        tally.add_stack(chain, 1.0, leaf_unmapped)
        tally.samples += 1
    return tally
