"""Speedup with an honest interval, and how each look at the data is allowed to decide.

What is measured. Each timing round runs the baseline and the candidate once each, moments
apart, in an order a coin flip picks. A round's datum is its log ratio,
d = mean over cases of log(baseline time / candidate time): one number per round comparing
the two sides under the same conditions (clock speed, cache state, whatever else the machine
was doing), so slow drift and periodic load cancel inside the round instead of turning into a
fake speedup. The reported speedup is exp(median of d); per case, the same with that case's
log ratios alone. (CaseTiming.baseline_s and candidate_s are each side's median time.)

The interval, and why it is exact. Each round's d falls below the true median with
probability 1/2, independently of the other rounds: for an unchanged candidate the coin flip
makes the two runs of a round exchangeable, so even a machine that favours the first or the
second run of a pair, or a load that comes and goes, cannot tilt it. So the number of rounds
below the truth is a fair-coin count, and the interval from the c-th smallest to the c-th
largest d misses the truth only when that count is below c or above n - c: a binomial
probability, exact at every n (the sign-test interval for the median). Nothing is assumed
about the shape of the noise, not even symmetry, and nothing is resampled: the same samples
always give the same interval. The bootstrap of a ratio of medians used before was far too
narrow at 5 rounds (its "95%" interval held the truth in 32 of 36 real evaluations). At least
6 rounds are needed for any 95% interval: with 5, all on one side happens 1 time in 16.

Why looks are planned, and why they cost little. Timing stops as soon as the interval settles
the verdict, and peeking again and again at a growing sample while waiting for a win inflates
false wins (with a plain 95% interval at each of 7 looks, about 10% of A/A evaluations end
"significant" instead of 5%). So the interval is checked only at planned round counts (8, 12,
16, 24, 32, 48, 64, 96, ...), and the 5% error is spent look by look: the first look may miss
the truth with probability 0.8% (at 8 rounds that allows only the smallest-to-largest
interval, so only clear cases stop there), the second adds 0.4%, each later one 4/5 of the one
before, so all planned looks together never take more than 2.8%; the last look (when the
budget or max_runs ends timing) takes everything left. The fair-coin counts of all looks form
one random walk, so the chance that any look so far has missed is computed exactly by
stepping the walk's distribution forward round by round and removing the paths that left a
look's band (the exact group-sequential boundary of the sign test), instead of adding up each
look's own error (the union bound). Successive looks share most of their rounds, so the last
look keeps nearly the whole 5%: at 110 rounds it cuts 44 values from each end where a single
95% interval would cut 45. Every interval the procedure can report holds the truth with
probability at least 95%; in simulation it held it in 99% of evaluations, because most stop
early on an interval that alone misses less than 1% of the time.

What the recorded noise said (benchmarks/judge_stats_sim.py replays real rounds of the C++
example, quiet and with a background load taking a core 15 s out of every 30 s):
- Median and sign test rather than the Hodges-Lehmann estimate with its signed-rank interval
  (the textbook choice, 95% efficient under normal noise): this machine's noise is
  heavy-tailed even when quiet (3 to 9% of rounds beyond 5%, with a typical spread of 0.6%), and
  under load up to a third of the rounds are disturbed by more than 5%, beyond the 29% the
  Hodges-Lehmann estimate can absorb; the median absorbs up to half. Quiet, the two intervals
  were within 10% of each other; under load the median's was up to 40% narrower, and a 5%
  speedup on loaded matmul was found in 185 of 200 evaluations against 156. The signed-rank
  interval also needs symmetric noise and has no exact sequential boundary.
- Anytime-valid confidence sequences for the median (valid after every single round) were
  1.6 to 9 times as wide at 12 to 48 rounds.
- The minimum or a low quantile (Chen & Revels 2016: under additive noise the minimum is the
  most robust estimate of one program's undisturbed time; codeflash compares minimums). On
  loaded matmul the ratio of minimums over 24 rounds was closer to the truth than the paired
  median (within 1% against 3%), but it throws the pairing away and has no distribution-free
  interval, so it cannot say when to stop or how sure it is; codeflash's rule on it found a 5%
  speedup in 141 of 200 loaded evaluations after 20 s, the median's interval in 185 after a
  median 6.5 s. Keeping the pairing and taking minimums of blocks of two rounds helped quiet
  (intervals 10% narrower) and hurt loaded (3 times as wide at 48 rounds), and its 95%
  interval held the truth only 93% of the time: neighbouring blocks share a load period. Each benchmark
  run already reports its own mean over many iterations, so the within-run advice is the
  benchmark's business.

Per case, the same interval at the same look tells which cases got slower: a case whose
whole interval lies below 1 is a regression, named in the verdict, and with
[timing] allow_case_regressions = false it keeps a candidate from counting as faster. Timing
stops on the overall interval alone, so a small per-case regression found late may go unseen.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

from ..records import CaseTiming, Outcome

CONFIDENCE = 0.95  # of the whole procedure: every interval it can report holds the truth this often
ALPHA = 1.0 - CONFIDENCE
LOOKS = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
FIRST_SPEND = 0.008  # the first look's share: at 8 rounds, just enough for the min-to-max interval
LOOK_SPEND = 0.004  # what the second look adds; each later look adds DECAY times the one before
DECAY = 0.8  # so all planned looks together take at most 0.8% + 2% of the 5%, the last look the rest


@dataclass(frozen=True)
class SpeedupEstimate:
    speedup: float  # exp(median over rounds of the log ratio)
    ci: tuple[float, float]  # the interval of this look; (0, inf) when too few rounds for any
    cases: list[CaseTiming]  # baseline_s / candidate_s: each side's median; speedup and ci as above
    runs: int
    alpha: float = ALPHA  # this interval alone misses the truth with at most this probability
    confidence: float = CONFIDENCE  # of the whole sequential procedure: what "95% CI" means

    @property
    def relative_width(self) -> float:
        """Interval width relative to the speedup."""
        return (self.ci[1] - self.ci[0]) / self.speedup


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    regressions: list[CaseTiming]  # cases whose whole interval lies below 1
    message: str


def estimate(baseline: Sequence[Mapping[str, float]], candidate: Sequence[Mapping[str, float]], *,
             alpha: float, seed: int = 0) -> SpeedupEstimate:
    """Speedup and interval at level 1 - alpha from paired rounds: baseline[i] and candidate[i] were
    timed together. Every round must report the same cases on both sides (the caller checks this).

    `seed` is accepted for compatibility and unused: the interval is exact, nothing is random.
    """
    runs = len(baseline)
    if runs != len(candidate) or runs < 2:
        raise ValueError("need at least two paired timing rounds")
    cases = []
    for name in baseline[0]:
        logs = [math.log(float(b[name]) / float(c[name])) for b, c in zip(baseline, candidate)]
        centre, low, high = median_interval(logs, alpha)
        cases.append(CaseTiming(name=name, baseline_s=statistics.median(float(r[name]) for r in baseline),
                                candidate_s=statistics.median(float(r[name]) for r in candidate),
                                speedup=math.exp(centre), ci=(_exp(low), _exp(high)), runs=runs))
    centre, low, high = median_interval(round_logs(baseline, candidate), alpha)
    return SpeedupEstimate(speedup=math.exp(centre), ci=(_exp(low), _exp(high)), cases=cases, runs=runs,
                           alpha=alpha)


def round_logs(baseline: Sequence[Mapping[str, float]], candidate: Sequence[Mapping[str, float]]) -> list[float]:
    """Per round, the mean over cases of log(baseline / candidate): the datum the verdict rests on."""
    names = list(baseline[0])
    return [sum(math.log(float(b[name]) / float(c[name])) for name in names) / len(names)
            for b, c in zip(baseline, candidate)]


def overall_interval(baseline: Sequence[Mapping[str, float]], candidate: Sequence[Mapping[str, float]],
                     alpha: float) -> tuple[float, float]:
    """The overall interval alone: all a look needs to decide whether to stop."""
    _, low, high = median_interval(round_logs(baseline, candidate), alpha)
    return _exp(low), _exp(high)


# ---- verdicts ---------------------------------------------------------------------------------

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


def settled(ci: tuple[float, float], min_effect: float) -> Outcome | None:
    """The verdict if more rounds cannot change it, else None: the interval must lie wholly on one
    side of each boundary (1 / (1 + min_effect) and 1 + min_effect). An interval inside both
    boundaries settles "no significant change"; one that straddles a boundary does not."""
    outcome = classify(ci, min_effect)
    if outcome is not Outcome.NO_SIGNIFICANT_CHANGE:
        return outcome
    low, high = ci
    if 1.0 / (1.0 + min_effect) < low and high < 1.0 + min_effect:
        return outcome
    return None


def decide(estimate_: SpeedupEstimate, min_effect: float, allow_case_regressions: bool) -> Decision:
    """The verdict from the final interval, naming every case that got slower.

    With more than one case, a case whose own interval lies wholly below 1 is a regression even
    when the overall speedup is a win; unless regressions are allowed, such a candidate is
    reported as no significant change instead of faster.
    """
    outcome = classify(estimate_.ci, min_effect)
    regressions = [case for case in estimate_.cases if case.ci[1] < 1.0] if len(estimate_.cases) > 1 else []
    level = f"{estimate_.confidence * 100:.0f}%"
    low, high = estimate_.ci
    figures = f"{estimate_.speedup:.3f}x ({level} CI {low:.3f}-{_number(high, 3)}, {estimate_.runs} runs)"
    if outcome is Outcome.FASTER and regressions and not allow_case_regressions:
        names = ", ".join(f"{case.name} is {1 / case.speedup:.2f}x slower" for case in regressions)
        return Decision(Outcome.NO_SIGNIFICANT_CHANGE, regressions,
                        f"no significant change: {figures}; not counted as faster because {names} "
                        f"([timing] allow_case_regressions = false)")
    slower = "; ".join(f"{case.name} is {1 / case.speedup:.2f}x slower ({level} CI {1 / case.ci[1]:.2f}-"
                       f"{_number(1 / case.ci[0] if case.ci[0] > 0 else math.inf, 2)})" for case in regressions)
    label = {Outcome.FASTER: "faster", Outcome.SLOWER: "slower"}.get(outcome, "no significant change")
    return Decision(outcome, regressions, f"{label}: {figures}" + (f"; {slower}" if slower else ""))


def relative_spread(values: Sequence[float]) -> float:
    """Interquartile range over median: half of all runs lie within this fraction."""
    ordered = sorted(values)
    return (_quantile(ordered, 0.75) - _quantile(ordered, 0.25)) / statistics.median(ordered)


# ---- the interval for the median ----------------------------------------------------------------

def median_interval(values: Sequence[float], alpha: float) -> tuple[float, float, float]:
    """(median, low, high): low and high are the c-th smallest and c-th largest value, with c the
    sign test's depth for level 1 - alpha; (median, -inf, inf) when no interval reaches it."""
    ordered = sorted(values)
    depth = sign_depth(len(ordered), alpha)
    centre = statistics.median(ordered)
    if depth == 0:
        return centre, -math.inf, math.inf
    return centre, ordered[depth - 1], ordered[len(ordered) - depth]


def sign_depth(n: int, alpha: float) -> int:
    """The largest c with miss_chance(n, c) <= alpha (0 when even c = 1 misses more often)."""
    depth, below, term = 0, 0, 1  # below: ways for fewer than depth+1 heads; term: comb(n, depth)
    while depth + 1 <= (n + 1) // 2:
        below += term
        if _chance(below, n) > alpha:
            break
        depth += 1
        term = term * (n - depth + 1) // depth
    return depth


def miss_chance(n: int, depth: int) -> float:
    """The chance that the interval from the depth-th smallest to the depth-th largest of n values
    misses their median: fewer than `depth` of n fair coins, or more than n - depth, come up
    heads. From exact integer counts with one rounding, so sign_depth(n, miss_chance(n, c)) == c."""
    if depth <= 0:
        return 0.0
    return _chance(sum(math.comb(n, k) for k in range(depth)), n)


def _chance(below: int, n: int) -> float:
    return min(1.0, 2 * below / 2 ** n)


# ---- the plan of looks ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LookPlan:
    """Round counts at which the interval is checked, and the error allowed up to each of them."""

    looks: tuple[int, ...]
    allowed: tuple[float, ...]  # cumulative: the chance that any look so far missed the truth
    alpha: float = ALPHA

    def alpha_at(self, runs: int) -> float:
        """The level (one look's own miss chance) of a planned look at `runs`; 0.0 if none."""
        if runs not in self.looks:
            return 0.0
        index = self.looks.index(runs) + 1
        depth = sequential_depths(self.looks[:index], self.allowed[:index])[-1]
        return miss_chance(runs, depth)

    def final_alpha(self, runs: int) -> float:
        """The level of a last look at `runs` that spends all the error the earlier looks left."""
        earlier = [i for i, look in enumerate(self.looks) if look < runs]
        looks = tuple(self.looks[i] for i in earlier) + (runs,)
        allowed = tuple(self.allowed[i] for i in earlier) + (self.alpha,)
        return miss_chance(runs, sequential_depths(looks, allowed)[-1])


def look_plan(min_runs: int, max_runs: int, alpha: float = ALPHA) -> LookPlan:
    """Planned looks between min_runs and max_runs (reaching max_runs is the last look, which
    spends what is left); a look whose share allows no interval is left out."""
    looks: list[int] = []
    allowed: list[float] = []
    for runs in LOOKS:
        if runs < min_runs or runs >= max_runs:
            continue
        later = len(looks)  # looks planned before this one
        limit = FIRST_SPEND + LOOK_SPEND * (1 - DECAY ** later) / (1 - DECAY)
        if limit < alpha and sequential_depths((*looks, runs), (*allowed, limit))[-1] > 0:
            looks.append(runs)
            allowed.append(limit)
    return LookPlan(tuple(looks), tuple(allowed), alpha)


def fewest_runs(alpha: float = ALPHA) -> int:
    """The fewest rounds for which an interval at level 1 - alpha exists (6 at 5%)."""
    runs = 1
    while sign_depth(runs, alpha) == 0:
        runs += 1
    return runs


@lru_cache(maxsize=512)
def sequential_depths(looks: tuple[int, ...], allowed: tuple[float, ...]) -> tuple[int, ...]:
    """Per look, the largest depth c that keeps the chance that any look so far missed the truth
    within that look's allowance. The count of rounds below the truth is one fair-coin walk for
    all looks; its distribution is stepped forward round by round, and at each look the paths
    whose interval missed are removed (counted once, at the first look they missed)."""
    walk = [1.0]  # walk[s]: the chance that s rounds so far lie below the truth and no look missed
    missed = 0.0
    depths = []
    for n, allowance in zip(looks, allowed):
        while len(walk) <= n:
            walk = [(a + b) * 0.5 for a, b in zip(walk + [0.0], [0.0] + walk)]
        depth, outside = 0, 0.0
        while depth + 1 <= (n + 1) // 2:
            wider = outside + walk[depth] + (walk[n - depth] if n - depth != depth else 0.0)
            if missed + wider > allowance:
                break
            depth, outside = depth + 1, wider
        missed += outside
        walk = [p if depth == 0 or depth <= s <= n - depth else 0.0 for s, p in enumerate(walk)]
        depths.append(depth)
    return tuple(depths)


def _exp(value: float) -> float:
    return 0.0 if value == -math.inf else math.exp(value)


def _number(value: float, digits: int) -> str:
    return "inf" if math.isinf(value) else f"{value:.{digits}f}"


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks of sorted data."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
