"""What a profile of the user's benchmark says, as plain records shared by the CLI, the language
server, the prompt and the batch (see docs/design.md, "Profile")."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class LineShare:
    """One source line of a function: its share of that function's own samples (0..1)."""

    line: int  # 1-based, in the file
    share: float
    text: str  # the line's text, stripped of trailing whitespace

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CallerShare:
    """Who calls a hot function: the share (0..1) of the callee's inclusive time spent under this
    caller, and whether the call sits in a loop of the caller (so its cost multiplies)."""

    file: str
    qualified_name: str
    share: float
    in_loop: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FunctionShare:
    """One function the locator finds, with its share (0..1) of the profiled run's samples:
    `self_share` in its own body, `inclusive_share` with everything it calls."""

    file: str  # repository-relative, POSIX separators
    qualified_name: str
    start_line: int
    end_line: int
    self_share: float
    inclusive_share: float
    samples: int  # inclusive samples (or calls x time units for deterministic profilers)
    text_hash: str  # FunctionRef.text_hash when measured: a different hash = stale figure
    lines: list[LineShare] = field(default_factory=list)  # hottest first; empty = not measured
    callers: list[CallerShare] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.file}::{self.qualified_name}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["key"] = self.key
        return data


@dataclass(frozen=True)
class Unmapped:
    """A hot symbol the locator cannot place (generated code, inlined away, a library)."""

    symbol: str
    share: float
    reason: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Hotspots:
    """One profiled run of the benchmark (and the tests, if asked) over a repository."""

    profiler: str  # "perf" | "callgrind" | "cprofile"
    unit: str  # what samples count: "cpu-clock samples" | "instructions" | "microseconds" (cProfile time)
    command: str  # what ran, for the report
    commit: str | None  # `git rev-parse HEAD` when the repository is a git checkout
    file_hashes: dict[str, str]  # sha256 of every file a FunctionShare names, when measured
    measured_at: float  # time.time()
    wall_s: float  # the profiled run's wall time
    total_samples: int
    functions: list[FunctionShare]  # sorted by inclusive_share, highest first
    unmapped: list[Unmapped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. "perf not permitted: used callgrind"
    tests_included: bool = False
    bench_stdout: str = ""  # what the profiled benchmark run printed (capped), to compare its own figures

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["functions"] = [f.to_json() for f in self.functions]
        return data
