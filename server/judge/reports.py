"""What `lessonl check` and `lessonl calibrate` report: records that cross from the judge to
the faces (text in lessonl.judge.render, JSON for --json and the language server)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..records import BehaviourReport, Verdict
from ..procs import ProcResult


@dataclass
class BaselineReport:
    """What `lessonl check` shows: the unchanged code built, tested and benchmarked once."""

    build: ProcResult | None
    test: ProcResult
    bench: ProcResult
    cases: dict[str, float]  # seconds per benchmark case, from the one bench run
    bench_command: str
    wall_s: float
    warnings: list[str] = field(default_factory=list)
    behaviour: BehaviourReport | None = None  # with a target: how often it is called, and the check's promise
    sandbox: str = ""  # what isolates candidate commands here, in words
    python: str = ""  # what {python} stands for and why, when a command uses it

    def to_json(self) -> dict[str, Any]:
        return {
            "build_s": self.build.wall_s if self.build else None,
            "test_s": self.test.wall_s,
            "bench_s": self.bench.wall_s,
            "bench_command": self.bench_command,
            "cases": self.cases,
            "wall_s": self.wall_s,
            "warnings": list(self.warnings),
            "behaviour": self.behaviour.to_json() if self.behaviour else None,
            "sandbox": self.sandbox,
            "python": self.python,
        }


@dataclass
class CalibrationReport:
    """Baseline against itself: how large a speedup this machine reports for no change."""

    verdict: Verdict  # outcome should be no_significant_change; anything else is noise showing
    spread: dict[str, float]  # per case: interquartile range / median of all its runs
    stop: str  # why timing stopped
    min_effect: float  # the configured threshold, to compare with the noise floor

    @property
    def noise_floor(self) -> float:
        """The largest deviation from 1 inside the interval: smaller effects drown in noise."""
        low, high = self.verdict.ci or (1.0, 1.0)
        return max(1.0 - low, high - 1.0, 0.0)

    def to_json(self) -> dict[str, Any]:
        return {**self.verdict.to_json(), "spread": self.spread, "noise_floor": self.noise_floor,
                "stop": self.stop, "min_effect": self.min_effect}
