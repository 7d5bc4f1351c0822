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
class BehaviourReport:
    """What the behaviour check (original and rewrite side by side on every real call) and the
    reach check (how often the tests and the benchmark call the target) found."""

    # matched: every checked call agreed | mismatch: `difference` says where they differ |
    # not_applicable: the original disagrees with itself or breaks when run twice (reason) |
    # counted: only calls were counted (reason) | unavailable: not even a counter fits (reason) |
    # off: [check] behaviour = false or no function named
    status: str
    calls_tests: int = 0
    calls_benchmark: int = 0
    checked: int = 0  # calls on which both versions ran and were compared
    compared: list[str] = field(default_factory=list)  # "return value", "y", "out[0..n)"
    not_compared: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    difference: str = ""  # mismatch: the first difference in words
    reason: str = ""
    wall_s: float = 0.0  # time of the check's own build, tests and benchmark run
    build_s: float = 0.0  # of which its build

    @property
    def calls(self) -> int:
        return self.calls_tests + self.calls_benchmark

    def summary(self) -> str:
        """One line for a verdict: "behaviour: matched on 6 calls (tests 4, benchmark 2)"."""
        counts = f"tests {self.calls_tests}, benchmark {self.calls_benchmark}"
        if self.status == "matched":
            unchecked = self.calls - self.checked
            extra = f"; {unchecked} more only counted" if unchecked > 0 else ""
            text = f"behaviour: matched on {self.checked} calls ({counts}{extra})"
        elif self.status == "mismatch":
            text = f"behaviour: differs from the original: {self.difference}"
        elif self.status in ("not_applicable", "counted"):
            text = f"behaviour check not applicable: {self.reason}; calls: {counts}"
        elif self.status == "unavailable":
            text = f"behaviour check unavailable: {self.reason}"
        else:
            text = f"behaviour check off{': ' + self.reason if self.reason else ''}"
        if self.status in ("matched", "mismatch") and (self.compared or self.not_compared):
            parts = []
            if self.compared:
                parts.append("compared: " + ", ".join(self.compared))
            if self.not_compared:
                parts.append("not compared: " + ", ".join(f"{what} ({why})" for what, why in self.not_compared))
            text += "; " + "; ".join(parts)
        return text

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["not_compared"] = [list(pair) for pair in self.not_compared]
        d["summary"] = self.summary()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "BehaviourReport":
        fields_ = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        fields_["not_compared"] = [tuple(pair) for pair in d.get("not_compared", [])]
        return cls(**fields_)


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
    behaviour: BehaviourReport | None = None  # the behaviour and reach checks, when they ran
    case_regressions: list[str] = field(default_factory=list)  # cases whose whole interval lies below 1
    sanitizers: str = ""  # the sanitizer build's result when [check] sanitizers is set, e.g. "clean (address)"
    # where the verdict was decided: reply (refused before any build) | build | test | check
    # (behaviour or sanitizer check) | bench (timing, and figures refused as forged)
    stage: str = ""

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
            "behaviour": self.behaviour.to_json() if self.behaviour else None,
            "case_regressions": list(self.case_regressions),
            "sanitizers": self.sanitizers,
            "stage": self.stage,
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
            behaviour=BehaviourReport.from_json(d["behaviour"]) if d.get("behaviour") else None,
            case_regressions=list(d.get("case_regressions", [])),
            sanitizers=d.get("sanitizers", ""),
            stage=d.get("stage", ""),
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

    kind: str  # "started" | "profiling" | "profiled" | "round_started" | "candidate_judged" | "lesson_banked"
    #          | "warning" | "finished"
    round: int = 0  # 0-based
    rounds: int = 0
    judged: int = 0  # candidates judged so far in the whole job
    total: int = 0  # candidates expected in the whole job
    best_speedup: float | None = None  # best verified (outcome faster) speedup so far
    message: str = ""
    agent: str = ""
    outcome: str = ""
    speedup: float | None = None
    function: str = ""  # FILE::NAME in a batch (several functions' events on one stream); "" in optimize

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
