"""perf (Debian `linux-perf`) for C and C++: `perf record -g` around the benchmark command,
`perf script` read back here into stacks of frames (symbol, object file, source line).

The event is the software `cpu-clock` (works in containers and virtual machines without a
PMU, and with perf_event_paranoid 2 for one's own processes); call graphs by DWARF unwinding
(see CALL_GRAPH; the profile build also keeps frame pointers, see workspace). Source lines and
inline levels come from addr2line over the programs built in the copy.
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
SCRIPT_FIELDS = "comm,tid,period,ip,sym,dso"  # source lines: addr2line -i, with inline levels
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
    ip: int | None = None
    leaf: bool = False
    inline: list[tuple[str, int]] = field(default_factory=list)  # addr2line -i: innermost first


@dataclass
class Sample:
    comm: str
    frames: list[Frame] = field(default_factory=list)  # leaf first


FREQUENCY = 8000  # samples per second of CPU time (125 us): 0.3 s of benchmark still gives 2400
# DWARF unwinding (4 kB of stack per sample, about 32 MB per second): frame pointers lose the
# caller of every leaf function that sets up no frame (GCC omits it even with -mno-omit-leaf-frame-pointer when a
# leaf needs no stack), and leaves are where benchmarks spend their time.
CALL_GRAPH = "dwarf,4096"
MAX_SIZE_MB = 1024  # perf stops writing beyond this (about 30 s of one busy thread)


MAX_RATE_FILE = Path("/proc/sys/kernel/perf_event_max_sample_rate")


def frequency_allowed(wanted: int = FREQUENCY) -> int:
    """`wanted`, or the kernel's current ceiling when lower: perf refuses a higher -F, and the
    kernel lowers the ceiling by itself when sampling interrupts take too long."""
    try:
        ceiling = int(MAX_RATE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return wanted
    return max(1, min(wanted, ceiling))


def record_command(command: str, data_path: Path, frequency: int | None = None, call_graph: str = CALL_GRAPH) -> str:
    """The shell command that runs `command` under perf record."""
    frequency = frequency or frequency_allowed()
    return (f"perf record -e {RECORD_EVENT} -F {frequency} --call-graph {call_graph} --max-size={MAX_SIZE_MB}M -q "
            f"-o {shlex.quote(str(data_path))} -- /bin/sh -c {shlex.quote(command)}")


def script_command(data_path: Path) -> list[str]:
    return ["perf", "script", "-f", "-i", str(data_path), "-F", SCRIPT_FIELDS]


ADDR2LINE_AT = re.compile(r"^(?:0x[0-9a-f]+: )?(?: \(inlined by\) )?(.*) at (.+?):(\d+|\?)"
                          r"(?: \(discriminator \d+\))?\s*$")
ADDR2LINE_BATCH = 4000


def query_address(frame: Frame) -> int | None:
    """The address to look up: a caller's frame holds the return address, one past its call."""
    if frame.ip is None:
        return None
    return frame.ip if frame.leaf else max(0, frame.ip - 1)


def addr2line_commands(dso: str, addresses: list[int]) -> list[list[str]]:
    return [["addr2line", "-e", dso, "-f", "-i", "-C", "-p", "-a", *(hex(a) for a in addresses[i:i + ADDR2LINE_BATCH])]
            for i in range(0, len(addresses), ADDR2LINE_BATCH)]


def parse_addr2line(text: str) -> dict[int, list[tuple[str, int]]]:
    """`addr2line -f -i -C -p -a` output: address -> [(file, line)], innermost first (the
    source of an inlined function, then where it was inlined, up to the real function)."""
    out: dict[int, list[tuple[str, int]]] = {}
    current: int | None = None
    for raw in text.splitlines():
        if raw.startswith("0x"):
            head = raw.split(":", 1)[0]
            try:
                current = int(head, 16)
            except ValueError:
                current = None
                continue
            out[current] = []
        if current is None:
            continue
        match = ADDR2LINE_AT.match(raw)
        if match and match.group(3) != "?" and not match.group(2).startswith("??"):
            out[current].append((match.group(2), int(match.group(3))))
    return out


def not_permitted(output: str) -> bool:
    return bool(NOT_PERMITTED.search(output))


def parse_script(text: str) -> list[Sample]:
    """Samples of `perf script -F comm,tid,period,ip,sym,dso[,srcline]`: a header line per
    sample, then one line per frame (`ip symbol (dso)`), each followed by its source line when
    srcline is asked for."""
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
        if frame and frame.group(3) == "inlined":
            continue  # perf's own inline expansion of the frame before (addr2line -i does ours)
        if frame:
            symbol = frame.group(2)
            symbol = re.sub(r"\+0x[0-9a-f]+$", "", symbol)
            current.frames.append(Frame(symbol=symbol, dso=frame.group(3), ip=int(frame.group(1), 16),
                                        leaf=not current.frames))
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
        if frame.inline:
            return self._map_inline(frame)
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

    def _map_inline(self, frame: Frame) -> list[tuple[FunctionRef, int | None]]:
        """Each level of the inline chain by its source line (an inlined helper, then the line
        of the function it was inlined into that called it). Looking functions up by name
        parses every source file of the repository once, so it is kept for frames without
        lines in it."""
        chain: list[tuple[FunctionRef, int | None]] = []
        for file, line in frame.inline:
            rel = self.index.resolve(file)
            ref = self.index.at(rel, line) if rel else None
            if ref is None:
                continue
            if chain and chain[-1][0] == ref:
                continue
            chain.append((ref, line))
        if chain:  # the last level is the real function's own line: no need to look up its name
            return chain
        # no level inside the repository's functions (a template of a library, instantiated
        # here, calling back into ours): the symbol may still name one of them
        return self._map(Frame(symbol=frame.symbol, dso=frame.dso, file=frame.inline[-1][0], line=frame.inline[-1][1]))

    def why_unmapped(self, frame: Frame) -> str:
        if frame.dso.startswith("[kernel"):
            return "kernel (system calls, page faults)"
        if not self.own_object(frame.dso):
            return f"library: {Path(frame.dso).name or frame.dso}"
        if frame.symbol in ("", "[unknown]"):
            return "no symbol (stripped or generated code)"
        file = frame.inline[0][0] if frame.inline else frame.file
        if file and not self.index.resolve(file):
            return f"library code compiled into your program ({Path(file).name})"
        return "not a function the locator finds in the repository (generated, or inlined away)"


def tally_samples(samples: list[Sample], mapper: NativeMapper) -> Tally:
    tally = Tally()
    for sample in samples:
        chain: list[tuple[FunctionRef, int | None]] = []
        previous = None
        for frame in sample.frames:
            if (frame.dso, frame.ip) == previous:
                continue  # DWARF unwinding repeats a frame now and then; recursion loses nothing here
            previous = (frame.dso, frame.ip)
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
