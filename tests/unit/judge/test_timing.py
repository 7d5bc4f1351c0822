"""Interleaved timing with fake benchmark runners on a virtual clock: when it stops, and why."""
from __future__ import annotations

import random

import pytest

from lessonl.cancel import CancelToken
from lessonl.errors import Cancelled
from lessonl.judge import stats
from lessonl.judge.timing import CaseMismatch, interleave
from lessonl.records import Outcome

DEFAULTS = dict(min_runs=6, max_runs=200, budget_s=20.0, min_effect=0.03)


class Bench:
    """Both sides of a benchmark: every run costs `run_s` of virtual time and reports each case's
    time times lognormal noise; the candidate is `speedup` times faster."""

    def __init__(self, speedup: float, noise: float, seed: int, run_s: float = 0.125,
                 cases: tuple[str, ...] = ("a", "b"), contamination: float = 0.0) -> None:
        self.speedup, self.noise, self.run_s, self.cases = speedup, noise, run_s, cases
        self.contamination = contamination
        self.rng = random.Random(seed)
        self.now = 0.0
        self.calls: list[str] = []

    def clock(self) -> float:
        return self.now

    def _run(self, side: str, scale: float) -> dict[str, float]:
        self.now += self.run_s
        self.calls.append(side)
        spread = self.noise * (20 if self.rng.random() < self.contamination else 1)
        return {case: scale * self.rng.lognormvariate(0, spread) for case in self.cases}

    async def baseline(self) -> dict[str, float]:
        return self._run("baseline", 1.0)

    async def candidate(self) -> dict[str, float]:
        return self._run("candidate", 1.0 / self.speedup)


async def _time(bench: Bench, **overrides):
    return await interleave(bench.baseline, bench.candidate, **{**DEFAULTS, "clock": bench.clock, **overrides})


async def test_a_clear_win_stops_at_the_first_look() -> None:
    bench = Bench(1.2, 0.01, seed=1)
    samples = await _time(bench)
    assert samples.stop == "decided: faster" and samples.runs == 8 and samples.looks == [8]
    assert samples.estimate.alpha == stats.look_plan(6, 200).alpha_at(8) == stats.miss_chance(8, 1)
    assert stats.classify(samples.estimate.ci, 0.03) is Outcome.FASTER
    assert samples.elapsed_s == (8 + 1) * 2 * 0.125  # warm-up included
    assert bench.calls[:2] == ["baseline", "candidate"] and len(samples.baseline) == 8


async def test_no_change_on_a_quiet_machine_stops_early_too() -> None:
    samples = await _time(Bench(1.0, 0.005, seed=2))
    assert samples.stop == "decided: no significant change" and samples.runs <= 16


async def test_a_speedup_on_the_boundary_keeps_timing_until_the_budget_is_spent() -> None:
    bench = Bench(1.03, 0.01, seed=3)
    samples = await _time(bench, budget_s=10.0)
    assert samples.stop == "budget spent (10 s)"
    assert samples.elapsed_s == 10.0 and samples.runs == 39  # 0.25 s per round after the warm-up
    assert samples.looks == [8, 12, 16, 24, 32]
    assert samples.estimate.alpha == stats.look_plan(6, 200).final_alpha(39)  # all the error left
    assert samples.estimate.ci[0] < 1.03 < samples.estimate.ci[1]


async def test_max_runs_ends_timing_with_all_error_left_to_spend() -> None:
    samples = await _time(Bench(1.03, 0.01, seed=4), max_runs=20, budget_s=1000.0)
    assert samples.stop == "reached max_runs (20)" and samples.runs == 20


async def test_at_least_six_rounds_run_even_past_the_budget() -> None:
    samples = await _time(Bench(1.5, 0.01, seed=5), min_runs=2, budget_s=0.0)
    assert samples.stop == "budget spent (0 s)" and samples.runs == 6
    assert samples.estimate.alpha == stats.miss_chance(6, 1)  # the one 95% interval 6 rounds allow
    assert samples.estimate.ci[0] > 1.0


async def test_both_orders_occur_within_rounds() -> None:
    bench = Bench(1.03, 0.01, seed=6)
    await _time(bench, max_runs=30, warmup=False)
    firsts = bench.calls[0::2]
    assert "baseline" in firsts and "candidate" in firsts


async def test_different_cases_on_the_two_sides_are_a_mismatch() -> None:
    async def baseline() -> dict[str, float]:
        return {"a": 1.0, "b": 1.0}

    async def candidate() -> dict[str, float]:
        return {"a": 1.0, "c": 1.0}

    with pytest.raises(CaseMismatch) as caught:
        await interleave(baseline, candidate, **DEFAULTS)
    assert caught.value.baseline == {"a", "b"} and caught.value.candidate == {"a", "c"}
    assert "missing: b; extra: c" in str(caught.value)


async def test_a_cancelled_token_stops_timing() -> None:
    token = CancelToken()
    bench = Bench(1.0, 0.01, seed=7)

    async def baseline() -> dict[str, float]:
        if len(bench.calls) > 6:
            token.cancel()
        return await bench.baseline()

    with pytest.raises(Cancelled):
        await interleave(baseline, bench.candidate, **DEFAULTS, cancel=token, clock=bench.clock)


async def test_the_sequential_interval_covers_the_truth_under_heavy_tailed_noise() -> None:
    # 300 evaluations at true speedups around the boundary, one round in ten badly disturbed:
    # the reported 95% interval must hold the truth in about 95% of them (or more)
    hits = trials = 0
    for seed in range(300):
        speedup = (1.0, 1.03, 1.05)[seed % 3]
        samples = await _time(Bench(speedup, 0.02, seed=100 + seed, contamination=0.1), budget_s=8.0)
        low, high = samples.estimate.ci
        hits += low <= speedup <= high
        trials += 1
    assert hits / trials >= 0.93


async def test_repeated_looks_do_not_inflate_false_verdicts() -> None:
    # min_effect = 0 makes every look a chance to call an A/A candidate faster or slower: the
    # worst case for peeking. With looks at 8, 12, 16, 24, 32, 48 and a last one at 60 rounds the
    # plan allows exactly 4.2% such verdicts in all; peeking at the same looks with a plain 95%
    # interval each time gives about twice as many.
    planned = peeked = 0
    trials = 1000
    for seed in range(trials):
        samples = await _time(Bench(1.0, 0.02, seed=seed), min_effect=0.0, max_runs=60, budget_s=1000.0)
        planned += stats.classify(samples.estimate.ci, 0.0) is not Outcome.NO_SIGNIFICANT_CHANGE
        bench = Bench(1.0, 0.02, seed=seed)
        baseline = [await bench.baseline() for _ in range(60)]
        candidate = [await bench.candidate() for _ in range(60)]
        peeked += any(stats.classify(stats.overall_interval(baseline[:n], candidate[:n], 0.05), 0.0)
                      is not Outcome.NO_SIGNIFICANT_CHANGE for n in (8, 12, 16, 24, 32, 48, 60))
    assert planned / trials <= 0.042 + 3 * (0.042 * 0.958 / trials) ** 0.5
    assert peeked / trials > 0.08


async def test_a_win_with_a_case_that_looks_slower_keeps_timing_until_that_case_is_decided() -> None:
    """Overall 1.2x faster but one case ~0.9x with wide noise: the win alone would settle at the
    first look; timing goes on while that case's interval still reaches 1."""
    import random as _random
    from lessonl.judge.timing import interleave

    rng = _random.Random(3)
    clock = {"t": 0.0}

    async def baseline() -> dict[str, float]:
        clock["t"] += 0.05
        return {"big": 2.0 * (1 + rng.gauss(0, 0.01)), "small": 1.0 * (1 + abs(rng.gauss(0, 0.15)))}

    async def candidate() -> dict[str, float]:
        clock["t"] += 0.05
        return {"big": 1.0 * (1 + rng.gauss(0, 0.01)), "small": 1.1 * (1 + abs(rng.gauss(0, 0.15)))}

    samples = await interleave(baseline, candidate, min_runs=6, max_runs=200, budget_s=60.0, min_effect=0.03,
                               clock=lambda: clock["t"], warmup=False)
    small = next(case for case in samples.estimate.cases if case.name == "small")
    assert samples.stop == "decided: faster"
    assert samples.runs > samples.looks[0]  # not at the first look, where the overall win was clear
    assert small.ci[1] < 1.0  # stopped once the slower case was established
