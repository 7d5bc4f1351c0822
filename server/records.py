"""Plain records that cross module boundaries.

Every face (CLI, language server, extension) and every engine stage speaks in these
dataclasses, so no module needs to know how another one is built. They serialise to
plain JSON-able dicts with `to_json()` because results travel to editors and to disk.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """What the judge concluded about one candidate."""

    REJECTED = "rejected"  # refused before any build: unparseable reply, changed signature, bad splice
    NOT_COMPILABLE = "not_compilable"
    INCORRECT = "incorrect"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    FASTER = "faster"
    SLOWER = "slower"
    NO_SIGNIFICANT_CHANGE = "no_significant_change"

    @property
    def is_correct(self) -> bool:
        """Builds and passes the tests: only these carry a meaningful speedup."""
        return self in (Outcome.FASTER, Outcome.SLOWER, Outcome.NO_SIGNIFICANT_CHANGE)


@dataclass(frozen=True)
class FunctionRef:
    """One function located in one file (positions are 1-based lines, byte offsets in UTF-8)."""

    file: str  # path relative to the repository root, POSIX separators
    qualified_name: str  # e.g. "ns::Matrix::mul" or "Class.method"
    name: str  # bare name
    language: str  # "c" | "cpp" | "python"
    start_line: int  # 1-based, first line of the leading doc comment/decorators if any
    end_line: int  # 1-based, inclusive
    start_byte: int
    end_byte: int  # exclusive
    text: str  # exact source text of the span
    text_hash: str  # sha256 hex of `text`, the function's content identity
    signature: str = ""  # normalised signature, for rejection of changed signatures

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def spec(self) -> str:
        """How a user names it on the command line: FILE::name@LINE."""
        return f"{self.file}::{self.qualified_name}@{self.start_line}"


@dataclass(frozen=True)
class CaseTiming:
    """One benchmark case: robust centres of baseline and candidate, and their ratio."""

    name: str
    baseline_s: float
    candidate_s: float
    speedup: float  # baseline / candidate
    ci: tuple[float, float]  # 95% interval of the speedup
    runs: int

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["ci"] = list(self.ci)
        return d


@dataclass
class Verdict:
    """The judge's answer for one candidate."""

    outcome: Outcome
    speedup: float | None = None  # geometric mean over cases of baseline/candidate
    ci: tuple[float, float] | None = None
    cases: list[CaseTiming] = field(default_factory=list)
    runs: int = 0  # interleaved timing rounds (pairs) that were run
    log_tail: str = ""  # first compiler errors, failing test output, ...
    message: str = ""  # one line for people
    wall_s: float = 0.0  # wall time of the whole evaluation
    process_s: float = 0.0  # summed wall time of the build/test/bench processes it ran
    warnings: list[str] = field(default_factory=list)

    @property
    def effective_speedup(self) -> float:
        """The algorithm's speedup: 0 for anything that is not correct."""
        if not self.outcome.is_correct or self.speedup is None:
            return 0.0
        return self.speedup

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "speedup": self.speedup,
            "ci": list(self.ci) if self.ci else None,
            "cases": [c.to_json() for c in self.cases],
            "runs": self.runs,
            "log_tail": self.log_tail,
            "message": self.message,
            "wall_s": self.wall_s,
            "process_s": self.process_s,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Verdict":
        return cls(
            outcome=Outcome(d["outcome"]),
            speedup=d.get("speedup"),
            ci=tuple(d["ci"]) if d.get("ci") else None,
            cases=[CaseTiming(**{**c, "ci": tuple(c["ci"])}) for c in d.get("cases", [])],
            runs=d.get("runs", 0),
            log_tail=d.get("log_tail", ""),
            message=d.get("message", ""),
            wall_s=d.get("wall_s", 0.0),
            process_s=d.get("process_s", 0.0),
            warnings=list(d.get("warnings", [])),
        )


@dataclass
class Candidate:
    """One agent's attempt in one round."""

    agent: str
    model: str
    round: int
    reply: str  # raw model reply
    code: str | None = None  # extracted function (plus helpers), None if extraction failed
    new_file_text: str | None = None  # the file with the candidate spliced in
    rejection: str | None = None  # why it was refused before building
    prompt_lesson_ids: list[str] = field(default_factory=list)  # lessons in the prompt that produced it

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Attempt:
    """A candidate, its verdict, and the lesson its agent wrote about it."""

    candidate: Candidate
    verdict: Verdict
    lesson_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate.to_json(),
            "verdict": self.verdict.to_json(),
            "lesson_id": self.lesson_id,
        }


@dataclass
class TokenUsage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0

    def add(self, prompt: int, completion: int) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.requests += 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ProgressEvent:
    """What the engine tells a face while it works (rendered as $/progress, a CLI line, ...)."""

    kind: str  # "started" | "round_started" | "candidate_judged" | "lesson_banked" | "warning" | "finished"
    round: int = 0  # 0-based
    rounds: int = 0
    judged: int = 0  # candidates judged so far in the whole job
    total: int = 0  # candidates expected in the whole job
    best_speedup: float | None = None  # best verified (outcome faster) speedup so far
    message: str = ""
    agent: str = ""
    outcome: str = ""
    speedup: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
