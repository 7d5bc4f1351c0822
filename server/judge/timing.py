"""Interleaved timing that goes on while the verdict is open: decide, then stop.

Running all baseline runs first and then all candidate runs would turn any drift (thermal
throttling, a browser waking up) into a fake speedup. Alternating A B / B A with a coin flip
per round spreads drift evenly over both sides, and pairs each baseline run with a candidate
run taken moments apart.

Timing stops early only when the interval settles the verdict (wholly above 1 + min_effect,
wholly below 1 / (1 + min_effect), or wholly between the two), and, for a win, no benchmark case
looks slower without its own interval saying so yet; otherwise it goes on until the budget or
max_runs is spent. The interval is only checked at the planned looks of
`stats.look_plan`, each allowed its share of the 5% error, and the last look spends what is
left, so the reported interval stays a 95% interval however early timing stopped.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from ..cancel import CancelToken
from ..records import Outcome
from . import stats

RunBench = Callable[[], Awaitable[dict[str, float]]]
Clock = Callable[[], float]


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
    stop: str = ""  # "decided: faster", "budget spent (20 s)", "reached max_runs (200)"
    elapsed_s: float = 0.0  # timing time, warm-up included
    estimate: stats.SpeedupEstimate | None = None  # at the last look, with all error left to spend
    looks: list[int] = field(default_factory=list)  # round counts at which the interval was checked

    @property
    def runs(self) -> int:
        return len(self.candidate)


async def interleave(run_baseline: RunBench, run_candidate: RunBench, *, min_runs: int, max_runs: int,
                     budget_s: float, min_effect: float, seed: int = 0, cancel: CancelToken | None = None,
                     warmup: bool = True, clock: Clock = time.monotonic) -> Samples:
    """Time rounds until the verdict is settled, the budget is spent or max_runs is reached; the
    exceptions of the runners pass through.

    At least min_runs rounds are run, and never fewer than the 6 a 95% interval needs, even past
    the budget. With `warmup`, each side runs once unrecorded first: a freshly built binary's
    first run pays for page faults and cold caches that later runs do not. `clock` is for tests
    and simulations (a virtual clock).
    """
    order = random.Random(seed)
    min_runs = max(min_runs, stats.fewest_runs())
    max_runs = max(min_runs, max_runs)
    plan = stats.look_plan(min_runs, max_runs)
    samples = Samples()
    start = clock()
    if warmup:
        await run_baseline()
        await run_candidate()
    while True:
        if cancel is not None:
            cancel.raise_if_cancelled()
        await _round(run_baseline, run_candidate, order, samples)
        samples.elapsed_s = clock() - start
        final = _final_reason(samples, min_runs=min_runs, max_runs=max_runs, budget_s=budget_s)
        if final:
            samples.stop = final
            samples.estimate = stats.estimate(samples.baseline, samples.candidate,
                                              alpha=plan.final_alpha(samples.runs), seed=seed)
            return samples
        alpha = plan.alpha_at(samples.runs)
        if alpha:
            samples.looks.append(samples.runs)
            verdict = stats.settled(stats.overall_interval(samples.baseline, samples.candidate, alpha), min_effect)
            if verdict is not None:
                estimate = stats.estimate(samples.baseline, samples.candidate, alpha=alpha, seed=seed)
                if verdict is Outcome.FASTER and _open_regressions(estimate, min_effect):
                    continue  # a win, but a case looks slower and is not proven either way yet
                samples.stop = f"decided: {verdict.value.replace('_', ' ')}"
                samples.estimate = estimate
                return samples


def _open_regressions(estimate: stats.SpeedupEstimate, min_effect: float) -> list[str]:
    """Cases of a win that look slower (beyond the noise threshold) while their interval still
    reaches 1: stopping now would leave "is this case slower?" unanswered, and the answer decides
    whether the verdict names a regression (or, with allow_case_regressions = false, whether the
    win counts at all). Timing goes on for them, within the budget."""
    if len(estimate.cases) < 2:
        return []
    return [case.name for case in estimate.cases
            if case.speedup < 1.0 / (1.0 + min_effect) and case.ci[1] >= 1.0]


async def _round(run_baseline: RunBench, run_candidate: RunBench, order: random.Random, samples: Samples) -> None:
    """One baseline run and one candidate run, in the order a coin flip picks."""
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


def _final_reason(samples: Samples, *, min_runs: int, max_runs: int, budget_s: float) -> str | None:
    """Why this round is the last one whatever the interval says, or None."""
    if samples.runs < min_runs:
        return None
    if samples.runs >= max_runs:
        return f"reached max_runs ({max_runs})"
    if samples.elapsed_s >= budget_s:
        return f"budget spent ({budget_s:g} s)"
    return None
