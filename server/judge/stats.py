"""Speedup with an honest interval, and when to stop timing.

Each timing round runs the baseline and the candidate once each (interleaved, so drift in
clock speed or load hits both alike). Per case the speedup is median(baseline) /
median(candidate): medians shrug off the odd run disturbed by another process. The overall
speedup is the geometric mean of the case ratios, so no single long case dominates.

The 95% interval comes from a paired bootstrap over rounds: resampling round indices (the
same ones for both sides) keeps each round's baseline and candidate together, which is what
makes interleaving pay off. The seed is fixed so a verdict is reproducible from its samples.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from operator import itemgetter
from typing import Mapping, Sequence

from ..records import CaseTiming, Outcome

RESAMPLES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class SpeedupEstimate:
    speedup: float  # geometric mean over cases of median(baseline) / median(candidate)
    ci: tuple[float, float]
    cases: list[CaseTiming]
    runs: int

    @property
    def relative_width(self) -> float:
        """CI width relative to the speedup: the stopping rule's measure of precision."""
        return (self.ci[1] - self.ci[0]) / self.speedup


def estimate(baseline: Sequence[Mapping[str, float]], candidate: Sequence[Mapping[str, float]], *,
             resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = 0) -> SpeedupEstimate:
    """Speedup and interval from paired rounds: baseline[i] and candidate[i] were timed together.

    Every round must report the same cases on both sides (the caller checks this).
    """
    runs = len(baseline)
    if runs != len(candidate) or runs < 2:
        raise ValueError("need at least two paired timing rounds")
    names = list(baseline[0])
    base_cols = [[float(r[name]) for r in baseline] for name in names]
    cand_cols = [[float(r[name]) for r in candidate] for name in names]
    point_logs = [math.log(_median(b) / _median(c)) for b, c in zip(base_cols, cand_cols)]
    case_logs, overall_logs = _bootstrap(base_cols, cand_cols, resamples, random.Random(seed))
    alpha = (1.0 - confidence) / 2
    cases = []
    for c, name in enumerate(names):
        low, high = _interval(case_logs[c], point_logs[c], alpha)
        cases.append(CaseTiming(name=name, baseline_s=_median(base_cols[c]), candidate_s=_median(cand_cols[c]),
                                speedup=math.exp(point_logs[c]), ci=(low, high), runs=runs))
    point = sum(point_logs) / len(point_logs)
    return SpeedupEstimate(speedup=math.exp(point), ci=_interval(overall_logs, point, alpha), cases=cases, runs=runs)


def classify(ci: tuple[float, float], min_effect: float) -> Outcome:
    """faster only if the whole interval clears 1 + min_effect; slower only if it lies wholly
    below 1 / (1 + min_effect); anything else is within noise. Strict at 1, so identical
    timings are never a win even with min_effect = 0."""
    low, high = ci
    if low >= 1.0 + min_effect and low > 1.0:
        return Outcome.FASTER
    if high <= 1.0 / (1.0 + min_effect) and high < 1.0:
        return Outcome.SLOWER
    return Outcome.NO_SIGNIFICANT_CHANGE


def stop_reason(estimate_: SpeedupEstimate | None, runs: int, elapsed_s: float, *, min_runs: int, max_runs: int,
                budget_s: float, target_ci_width: float) -> str | None:
    """Why timing should stop now, or None to run another round."""
    if runs < min_runs:
        return None
    if runs >= max_runs:
        return f"reached max_runs ({max_runs})"
    if estimate_ is not None and estimate_.relative_width < target_ci_width:
        return f"interval narrower than target_ci_width ({target_ci_width:g})"
    if elapsed_s >= budget_s:
        return f"timing budget spent ({budget_s:g} s)"
    return None


def relative_spread(values: Sequence[float]) -> float:
    """Interquartile range over median: half of all runs lie within this fraction."""
    ordered = sorted(values)
    return (_quantile(ordered, 0.75) - _quantile(ordered, 0.25)) / _median(ordered)


def _bootstrap(base_cols: list[list[float]], cand_cols: list[list[float]], resamples: int,
               rng: random.Random) -> tuple[list[list[float]], list[float]]:
    """Log speedups per case and overall for each resample of round indices."""
    runs = len(base_cols[0])
    population = range(runs)
    case_logs: list[list[float]] = [[] for _ in base_cols]
    overall: list[float] = []
    log = math.log
    for _ in range(resamples):
        pick = itemgetter(*rng.choices(population, k=runs))
        total = 0.0
        for c in range(len(base_cols)):
            value = log(_median(pick(base_cols[c])) / _median(pick(cand_cols[c])))
            case_logs[c].append(value)
            total += value
        overall.append(total / len(base_cols))
    return case_logs, overall


def _interval(logs: list[float], point: float, alpha: float) -> tuple[float, float]:
    """Percentile interval, widened if needed so that it always holds the point estimate."""
    ordered = sorted(logs)
    low = min(_quantile(ordered, alpha), point)
    high = max(_quantile(ordered, 1.0 - alpha), point)
    return math.exp(low), math.exp(high)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks of sorted data."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
