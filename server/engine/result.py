"""What the engine hands back: the fastest verified rewrite (or why there is none)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..records import Attempt, FunctionRef, TokenUsage


@dataclass
class OptimizationResult:
    """The outcome of one job.

    `improved` is true only when some candidate's verdict was FASTER (its whole 95% interval
    above 1 + min_effect); then `best`, `diff`, `new_text` (the whole file with the rewrite),
    `speedup` and `ci` describe it. Otherwise they are empty and `message` says why: we never
    propose a regression or an unverified change. `justifying_lessons` are lessonl_store Lesson
    objects: those in the prompt that produced the winner, then the winner's own lesson.
    """

    target: FunctionRef
    improved: bool
    best: Attempt | None
    diff: str
    new_text: str | None
    speedup: float | None
    ci: tuple[float, float] | None
    justifying_lessons: list[Any] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    tokens: TokenUsage = field(default_factory=TokenUsage)
    wall_s: float = 0.0
    message: str = ""
    result_id: str | None = None  # id of the StoredResult kept in the bank (for hover)
    rounds: int = 0  # rounds actually run
    warnings: list[str] = field(default_factory=list)
    judge_s: float = 0.0  # summed wall time of the judge's evaluations (baseline included)
    profile: Any = None  # the lessonl.profile FunctionShare the code prompts showed; None: no profile
    profile_s: float = 0.0  # wall time spent obtaining it (0 when the profile was off)
    original_text: str = ""  # the whole file when the job started (the diff's base; for apply)
    agent_tokens: dict[str, TokenUsage] = field(default_factory=dict)  # per agent name (a batch's report)

    @property
    def unisolated(self) -> bool:
        """Judged without a sandbox (UNISOLATED warning): the verdict could be forged."""
        verdict_warnings = self.best.verdict.warnings if self.best is not None else []
        return any(w.startswith("UNISOLATED") for w in [*self.warnings, *verdict_warnings])

    @property
    def lessons(self) -> list[Any]:
        return self.justifying_lessons

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target.to_json(),
            "improved": self.improved,
            "best": self.best.to_json() if self.best else None,
            "diff": self.diff,
            "new_text": self.new_text,
            "speedup": self.speedup,
            "ci": list(self.ci) if self.ci else None,
            "justifying_lessons": [lesson.to_json() for lesson in self.justifying_lessons],
            "attempts": [a.to_json() for a in self.attempts],
            "tokens": self.tokens.to_json(),
            "wall_s": self.wall_s,
            "message": self.message,
            "result_id": self.result_id,
            "rounds": self.rounds,
            "warnings": list(self.warnings),
            "judge_s": self.judge_s,
            "profile": self.profile.to_json() if self.profile is not None else None,
            "profile_s": self.profile_s,
            "agent_tokens": {name: usage.to_json() for name, usage in self.agent_tokens.items()},
            "unisolated": self.unisolated,
        }
