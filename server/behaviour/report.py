"""What the instrumented processes wrote, read back into counts and words.

Each process of the tests or the benchmark appends its own events (records.py has the
protocol), so a report is summed over processes: a test runner that forks workers, or a
benchmark that runs a binary per case, adds up. Counts come from `summary` events, and from
`reached` events where a process died before its exit handler ran (so reach is never
under-reported as zero); the first mismatch in file order is the one shown.
"""
from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .records import PHASES

MAX_BYTES = 8 * 1024 * 1024  # a flood of forged or runaway events is cut here
PHASE_WORDS = {"tests": "the tests", "benchmark": "the benchmark"}


@dataclass
class Mismatch:
    phase: str
    call: int
    what: str
    original: str
    rewrite: str

    def sentence(self, original_name: str = "the original", rewrite_name: str = "the rewrite") -> str:
        """"on call 2 from the benchmark, y[1000000] was 6.5 with the original and 4.0 with the rewrite"."""
        source = PHASE_WORDS.get(self.phase, self.phase or "a run")
        if self.what == "exception":
            return (f"on call {self.call} from {source}, {original_name} {self.original} and "
                    f"{rewrite_name} {self.rewrite}")
        return (f"on call {self.call} from {source}, {self.what} was {self.original} with "
                f"{original_name} and {self.rewrite} with {rewrite_name}")


@dataclass
class CheckEvents:
    """One check run's events, summed over the processes that wrote them."""

    calls: dict[str, int] = field(default_factory=lambda: {phase: 0 for phase in PHASES})
    checked: dict[str, int] = field(default_factory=lambda: {phase: 0 for phase in PHASES})
    mismatch: Mismatch | None = None
    uncompared: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_checked(self) -> int:
        return sum(self.checked.values())


def read_events(path: Path, site: str) -> CheckEvents:
    """The events of `site` in the JSON Lines file at `path` (missing file: no calls)."""
    events = CheckEvents()
    try:
        data = _read_regular(path, MAX_BYTES + 1)
    except OSError:
        return events
    events.truncated = len(data) > MAX_BYTES
    reached: dict[tuple[str, int], bool] = {}
    summarised: set[tuple[str, int]] = set()
    for raw in data[:MAX_BYTES].splitlines():
        event = _parse(raw)
        if event is None or event.get("site") != site:
            continue
        phase = str(event.get("phase", ""))
        pid = _int(event.get("pid"))
        kind = event.get("event")
        if kind == "reached":
            reached[(phase, pid)] = True
        elif kind == "summary" and phase in events.calls:
            summarised.add((phase, pid))
            events.calls[phase] += max(0, _int(event.get("calls")))
            events.checked[phase] += max(0, _int(event.get("checked")))
        elif kind == "mismatch" and events.mismatch is None:
            events.mismatch = Mismatch(phase=phase, call=max(1, _int(event.get("call"))),
                                       what=_text(event.get("what"), "a value"),
                                       original=_text(event.get("original"), "?"),
                                       rewrite=_text(event.get("rewrite"), "?"))
        elif kind == "uncompared":
            pair = (_text(event.get("what"), "?"), _text(event.get("why"), "?"))
            if pair not in events.uncompared:
                events.uncompared.append(pair)
    for phase, pid in reached.keys() - summarised:  # died before its exit handler: at least one call
        if phase in events.calls:
            events.calls[phase] += 1
    return events


def _parse(raw: bytes) -> dict | None:
    try:
        event = json.loads(raw)
    except ValueError:
        return None
    return event if isinstance(event, dict) else None


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _text(value: object, default: str, limit: int = 200) -> str:
    text = str(value) if value is not None else default
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_regular(path: Path, limit: int) -> bytes:
    """The first `limit` bytes of `path` if it is a regular file. A candidate's run can leave a
    link there (to a file only LessonL may read) or a named pipe (that would block the read)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        chunks, size = [], 0
        while size < limit:
            chunk = os.read(fd, min(1 << 20, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
