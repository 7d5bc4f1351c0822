"""The records of a batch: what is asked (BatchRequest), the unit of work one function is
(FunctionJob -> FunctionOutcome, plain picklable dataclasses: the unit a Ray task runs), and what
comes back (BatchItem, CombinedVerdict, AgentStats, BatchResult).

`FunctionSummary` is what a batch keeps of one function's result: enough for the report, the
combined judgement, `--apply` and `--patch`, and JSON-able, so that a resumed batch has the same
figures for a function it skips as the run that optimized it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..records import FunctionRef, Verdict
from .result import OptimizationResult

STATUSES = ("won", "no_win", "failed", "skipped", "cancelled")


@dataclass
class BatchRequest:
    """`targets`: [(file, qualified_name)] (a name may carry "@LINE") or None for the `top`
    hottest functions of the saved profile. `rounds` overrides [loop] rounds; `jobs` is how many
    functions are in flight at once (one's LLM requests and builds overlap another's judging;
    timings never overlap). `report`: the report's path stem (default .lessonl/batch/report);
    `resume` False optimizes every function again even if done on unchanged code."""

    root: Path | str
    targets: list[tuple[str, str]] | None = None
    top: int = 3
    rounds: int | None = None
    overrides: dict[str, Any] | None = None
    agent_env: Mapping[str, str] | None = None
    jobs: int = 3  # measured: benchmarks/batch_overhead.py (3 beat 2 for a top-3 batch)
    report: Path | str | None = None
    resume: bool = True
    combine: bool = True  # judge the verified wins together at the end
    # Ray (issue 14, lessonl.engine.batch_ray): the functions run as tasks on the cluster at this
    # address instead of in this process; `ray_git` "URL@COMMIT" makes nodes check the commit out
    # instead of receiving the repository; `ray_retries`: re-runs of a task whose worker died.
    ray_address: str | None = None
    ray_git: str | None = None
    ray_retries: int = 2


@dataclass
class FunctionJob:
    """One function of a batch, self-contained: a worker on another machine needs nothing else."""

    root: str
    file: str
    qualified_name: str
    line: int | None = None
    overrides: dict[str, Any] | None = None
    agent_env: dict[str, str] | None = None
    result_key: str = ""  # the bank stores one result per key: a retried task does not count twice

    @property
    def key(self) -> str:
        return f"{self.file}::{self.qualified_name}"


@dataclass
class LessonNote:
    """A justifying lesson as the report shows it."""

    id: str
    text: str
    outcome: str
    speedup: float | None
    agent: str
    round: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AgentStats:
    """One agent's (model's) share of a batch: what it cost and what it earned."""

    agent: str
    model: str
    attempts: int = 0
    wins: int = 0  # attempts judged faster
    best_wins: int = 0  # functions whose chosen rewrite it wrote
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    time_s: float = 0.0  # judge time of its attempts (wall time of their evaluations)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "AgentStats":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class FunctionSummary:
    """What a batch keeps of one function's optimization (fresh or from an earlier run)."""

    file: str
    qualified_name: str
    function_hash: str  # of the function when it was optimized
    improved: bool
    speedup: float | None = None
    ci: tuple[float, float] | None = None
    outcome: str = ""  # the chosen attempt's verdict outcome, "" without one
    message: str = ""
    diff: str = ""
    original_text: str = ""  # the whole file when optimized (the diff's base)
    new_text: str | None = None  # the whole file with the win
    new_function_hash: str | None = None  # the rewritten function's hash (recognised once applied)
    target: dict[str, Any] = field(default_factory=dict)  # FunctionRef.to_json()
    lessons: list[LessonNote] = field(default_factory=list)
    agents: list[AgentStats] = field(default_factory=list)
    attempts: int = 0
    rounds: int = 0
    wall_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    unisolated: bool = False
    result_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.file}::{self.qualified_name}"

    def ref(self) -> FunctionRef:
        return FunctionRef(**self.target)

    def as_result(self) -> OptimizationResult:
        """An OptimizationResult carrying just what apply_result needs (the win, its base text
        and the UNISOLATED warning, which apply_result refuses without opt-in)."""
        warnings = list(self.warnings)
        if self.unisolated and not any(w.startswith("UNISOLATED") for w in warnings):
            warnings.append("UNISOLATED: judged without a sandbox")
        return OptimizationResult(target=self.ref(), improved=self.improved, best=None, diff=self.diff,
                                  new_text=self.new_text, speedup=self.speedup, ci=self.ci,
                                  message=self.message, warnings=warnings, original_text=self.original_text)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ci"] = list(self.ci) if self.ci else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "FunctionSummary":
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        values["ci"] = tuple(data["ci"]) if data.get("ci") else None
        values["lessons"] = [LessonNote(**l) for l in data.get("lessons", [])]
        values["agents"] = [AgentStats.from_json(a) for a in data.get("agents", [])]
        return cls(**values)


@dataclass
class FunctionOutcome:
    """What running one FunctionJob gave: a status, the full result when it ran to the end, its
    summary (also for failures: empty), the error when it failed, and where it ran."""

    file: str
    qualified_name: str
    status: str  # one of STATUSES
    result: OptimizationResult | None = None
    summary: FunctionSummary | None = None
    message: str = ""
    error: dict[str, Any] | None = None  # failure.error_object's inner dict for a LessonLError
    exit_code: int = 0  # the error's exit code (2 user, 3 internal/agent, 130 cancelled)
    node: str = ""  # host name that ran it
    wall_s: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.file}::{self.qualified_name}"


@dataclass
class BatchItem:
    """One function's line in the batch's report."""

    file: str
    qualified_name: str
    status: str  # one of STATUSES
    result: OptimizationResult | None = None  # None when skipped, failed or cancelled
    message: str = ""
    node: str = ""
    summary: FunctionSummary | None = None  # a skipped function's earlier result too
    skipped_reason: str = ""  # "done earlier on unchanged code" | "applied earlier"
    wall_s: float = 0.0
    exit_code: int = 0
    attempts: list[dict[str, Any]] = field(default_factory=list)  # Ray: each run of its task (batch_ray.Attempt)

    @property
    def key(self) -> str:
        return f"{self.file}::{self.qualified_name}"

    @property
    def retried(self) -> bool:
        return len(self.attempts) > 1

    @property
    def is_win(self) -> bool:
        """A verified win this batch can combine, apply or patch (fresh or from an earlier run)."""
        return (self.summary is not None and self.summary.improved and self.summary.new_text is not None
                and self.status in ("won", "skipped") and self.skipped_reason != "applied earlier")

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "qualified_name": self.qualified_name, "status": self.status,
                "message": self.message, "node": self.node, "skipped_reason": self.skipped_reason,
                "wall_s": self.wall_s, "attempts": list(self.attempts),
                "summary": self.summary.to_json() if self.summary else None}


@dataclass
class CombinedVerdict:
    """The verified wins spliced together into one copy and judged against the original on the
    whole benchmark: `verdict` None when there was nothing (or nothing left) to judge.
    `applied`: keys of the wins in the combined copy; `conflicts`: key -> why it was left out."""

    verdict: Verdict | None = None
    applied: list[str] = field(default_factory=list)
    conflicts: dict[str, str] = field(default_factory=dict)
    composes: bool = False  # the combination is correct and faster than the original
    message: str = ""
    changes: dict[str, str] = field(default_factory=dict)  # file -> combined text (not in JSON)

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict.to_json() if self.verdict else None, "applied": list(self.applied),
                "conflicts": dict(self.conflicts), "composes": self.composes, "message": self.message}


@dataclass
class BatchResult:
    items: list[BatchItem]
    combined: CombinedVerdict
    agents: list[AgentStats]
    wall_s: float
    warnings: list[str] = field(default_factory=list)
    report_paths: dict[str, str] = field(default_factory=dict)  # "md" | "json" | "html" -> path
    cancelled: bool = False

    @property
    def wins(self) -> list[BatchItem]:
        return [i for i in self.items if i.is_win]

    def to_json(self) -> dict[str, Any]:
        return {"items": [i.to_json() for i in self.items], "combined": self.combined.to_json(),
                "agents": [a.to_json() for a in self.agents], "wall_s": self.wall_s,
                "warnings": list(self.warnings), "report_paths": dict(self.report_paths),
                "cancelled": self.cancelled}
