"""Interleaved timing: baseline and candidate alternate, in a random order per round.

Running all baseline runs first and then all candidate runs would turn any drift (thermal
throttling, a browser waking up) into a fake speedup. Alternating A B / B A with a coin flip
per round spreads drift evenly over both sides, and pairs each baseline run with a candidate
run taken moments apart.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from ..cancel import CancelToken
from . import stats

RunBench = Callable[[], Awaitable[dict[str, float]]]
CHECK_RESAMPLES = 400  # the stopping rule needs a rough interval only; the final one uses more


class CaseMismatch(Exception):
    """The two sides reported different benchmark cases."""

    def __init__(self, baseline: set[str], candidate: set[str]) -> None:
        self.baseline, self.candidate = baseline, candidate
        missing = sorted(baseline - candidate)
        extra = sorted(candidate - baseline)
        super().__init__(f"the candidate's benchmark reported other cases than the baseline's "
                         f"(missing: {', '.join(missing) or '-'}; extra: {', '.join(extra) or '-'})")


@dataclass
class Samples:
    baseline: list[dict[str, float]] = field(default_factory=list)
    candidate: list[dict[str, float]] = field(default_factory=list)
    stop: str = ""
    elapsed_s: float = 0.0
    estimate: stats.SpeedupEstimate | None = None

    @property
    def runs(self) -> int:
        return len(self.candidate)


async def interleave(run_baseline: RunBench, run_candidate: RunBench, *, min_runs: int, max_runs: int,
                     budget_s: float, target_ci_width: float, seed: int = 0,
                     cancel: CancelToken | None = None, warmup: bool = True) -> Samples:
    """Time rounds until the stopping rule says enough; the exceptions of the runners pass through.

    With `warmup`, each side runs once unrecorded first: a freshly built binary's first run
    pays for page faults and cold caches that later runs do not.
    """
    order = random.Random(seed)
    min_runs = max(2, min_runs)
    max_runs = max(min_runs, max_runs)
    samples = Samples()
    start = time.monotonic()
    if warmup:
        await run_baseline()
        await run_candidate()
    while True:
        if cancel is not None:
            cancel.raise_if_cancelled()
        if order.random() < 0.5:
            base = await run_baseline()
            cand = await run_candidate()
        else:
            cand = await run_candidate()
            base = await run_baseline()
        if set(base) != set(cand):
            raise CaseMismatch(set(base), set(cand))
        samples.baseline.append(base)
        samples.candidate.append(cand)
        samples.elapsed_s = time.monotonic() - start
        rough = None
        if samples.runs >= min_runs:
            rough = stats.estimate(samples.baseline, samples.candidate, resamples=CHECK_RESAMPLES, seed=seed)
        reason = stats.stop_reason(rough, samples.runs, samples.elapsed_s, min_runs=min_runs, max_runs=max_runs,
                                   budget_s=budget_s, target_ci_width=target_ci_width)
        if reason:
            samples.stop = reason
            samples.estimate = stats.estimate(samples.baseline, samples.candidate, seed=seed)
            return samples
