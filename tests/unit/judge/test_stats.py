"""The sign-test interval for the median, the plan of looks, classification and the verdict's wording."""
from __future__ import annotations

import itertools
import math
import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonl.judge import stats
from lessonl.records import CaseTiming, Outcome


def _rounds(centre: float, noise: float, runs: int, seed: int, cases: tuple[str, ...] = ("a", "b")) -> list[dict]:
    rng = random.Random(seed)
    return [{case: centre * (1 + rng.gauss(0, noise)) for case in cases} for _ in range(runs)]


# ---- the exact interval for the median ---------------------------------------------------------

@pytest.mark.parametrize("n", range(1, 11))
def test_the_miss_chance_matches_brute_force_enumeration(n: int) -> None:
    for depth in range(1, (n + 1) // 2 + 1):
        misses = sum(1 for heads in itertools.product((0, 1), repeat=n)
                     if sum(heads) < depth or sum(heads) > n - depth)
        assert stats.miss_chance(n, depth) == misses / 2 ** n


def test_depths_match_the_published_sign_test_table() -> None:
    # two-sided 5% critical values of the sign test (reject if the count is <= k): depth = k + 1
    table = {6: 0, 8: 0, 9: 1, 10: 1, 12: 2, 15: 3, 20: 5, 25: 7, 30: 9}
    for n, critical in table.items():
        assert stats.sign_depth(n, 0.05) == critical + 1, n
    assert stats.sign_depth(5, 0.05) == 0  # no 95% interval from 5 rounds
    assert stats.fewest_runs(0.05) == 6


def test_the_order_statistic_intervals_of_the_textbook() -> None:
    # the interval for a median from X(2) to X(9) of 10 values has confidence 97.85%, and from
    # X(6) to X(15) of 20 values 95.86% (e.g. Hollander & Wolfe, sign-test interval)
    assert stats.sign_depth(10, 0.05) == 2 and 1 - stats.miss_chance(10, 2) == pytest.approx(0.9785, abs=1e-4)
    assert stats.sign_depth(20, 0.05) == 6 and 1 - stats.miss_chance(20, 6) == pytest.approx(0.9586, abs=1e-4)
    values = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 10.0, 4.0, 8.0, 6.0]
    assert stats.median_interval(values, 0.05) == (5.5, 2.0, 9.0)


def test_the_level_of_an_interval_gives_back_its_depth() -> None:
    for n in (6, 9, 24, 100, 333):
        for depth in range(1, stats.sign_depth(n, 0.2) + 1):
            assert stats.sign_depth(n, stats.miss_chance(n, depth)) == depth


def _brute_force_misses(looks: tuple[int, ...], depths: tuple[int, ...]) -> list[float]:
    """Per look, the chance that this or an earlier look's interval missed, over all coin sequences."""
    total = looks[-1]
    missed = [0] * len(looks)
    for heads in itertools.product((0, 1), repeat=total):
        for index, (n, depth) in enumerate(zip(looks, depths)):
            count = sum(heads[:n])
            if depth and (count < depth or count > n - depth):
                for later in range(index, len(looks)):
                    missed[later] += 1
                break
    return [m / 2 ** total for m in missed]


def test_the_sequential_depths_keep_every_look_within_its_allowance_exactly() -> None:
    looks, allowed = (6, 8, 11, 14), (0.04, 0.05, 0.08, 0.1)
    depths = stats.sequential_depths(looks, allowed)
    misses = _brute_force_misses(looks, depths)
    assert all(miss <= limit + 1e-12 for miss, limit in zip(misses, allowed))
    for index in range(len(looks)):  # and no look could cut deeper
        deeper = depths[:index] + (depths[index] + 1,) + depths[index + 1:]
        assert _brute_force_misses(looks, deeper)[index] > allowed[index]
    assert depths[-1] >= stats.sign_depth(14, 0.1) - 1  # overlapping looks cost the last one little


def test_the_plan_spends_little_early_and_leaves_the_last_look_nearly_all() -> None:
    plan = stats.look_plan(6, 200)
    assert plan.looks == (8, 12, 16, 24, 32, 48, 64, 96, 128, 192)
    assert plan.allowed[0] == stats.FIRST_SPEND and max(plan.allowed) < 0.03
    assert stats.sign_depth(8, plan.alpha_at(8)) == 1  # only the smallest-to-largest interval at 8
    assert plan.alpha_at(9) == 0.0
    for runs in (20, 50, 110, 199):  # a last look cuts at most 2 values less than one fixed 95% interval
        assert stats.sign_depth(runs, stats.ALPHA) - 2 <= stats.sign_depth(runs, plan.final_alpha(runs))
    assert plan.final_alpha(7) == stats.miss_chance(7, stats.sign_depth(7, stats.ALPHA))
    assert stats.look_plan(20, 30).looks == (24,)
    assert stats.look_plan(6, 8).looks == ()
    assert max(stats.look_plan(6, 10 ** 6).allowed) < 0.03  # however many looks


def _coverage(draw, runs: int, trials: int, alpha: float, seed: int) -> float:
    rng = random.Random(seed)
    hits = 0
    for _ in range(trials):
        _, low, high = stats.median_interval([draw(rng) for _ in range(runs)], alpha)
        hits += low <= 0.0 <= high
    return hits / trials


def test_coverage_under_paired_normal_noise() -> None:
    coverage = _coverage(lambda rng: rng.gauss(0, 0.02), runs=20, trials=3000, alpha=0.05, seed=1)
    assert coverage == pytest.approx(1 - stats.miss_chance(20, 6), abs=0.015)  # 95.9%


def test_coverage_under_contaminated_heavy_tailed_skewed_noise() -> None:
    def draw(rng: random.Random) -> float:  # one round in five disturbed, upwards only: skewed
        return rng.gauss(0, 0.01) + (abs(rng.gauss(0, 0.3)) if rng.random() < 0.2 else 0.0)

    rng = random.Random(4)
    median = statistics.median(draw(rng) for _ in range(100_000))
    coverage = _coverage(lambda r: draw(r) - median, runs=16, trials=3000, alpha=0.05, seed=2)
    assert coverage == pytest.approx(1 - stats.miss_chance(16, stats.sign_depth(16, 0.05)), abs=0.015)  # 97.9%


# ---- the estimate ------------------------------------------------------------------------------

def test_the_speedup_is_the_median_of_the_round_log_ratios() -> None:
    baseline = [{"a": 4.0, "b": 9.0}] * 4 + [{"a": 100.0, "b": 9.0}]
    candidate = [{"a": 2.0, "b": 9.0}] * 5
    result = stats.estimate(baseline, candidate, alpha=0.05)
    by_name = {case.name: case for case in result.cases}
    assert by_name["a"].speedup == pytest.approx(2.0)  # the 100.0 outlier does not move it
    assert by_name["a"].baseline_s == 4.0 and by_name["a"].candidate_s == 2.0  # each side's median
    assert by_name["b"].speedup == pytest.approx(1.0)
    assert result.speedup == pytest.approx(2.0 ** 0.5)
    assert result.runs == 5 and all(case.runs == 5 for case in result.cases)
    assert result.ci == (0.0, math.inf)  # 5 rounds cannot give a 95% interval


def test_a_clear_ten_percent_speedup_is_faster() -> None:
    result = stats.estimate(_rounds(1.0, 0.01, 20, seed=1), _rounds(1 / 1.1, 0.01, 20, seed=2), alpha=0.05)
    assert result.ci[0] <= result.speedup <= result.ci[1]
    assert 1.05 < result.ci[0] and result.ci[1] < 1.15
    assert stats.classify(result.ci, 0.03) is Outcome.FASTER


def test_a_clear_slowdown_is_slower() -> None:
    result = stats.estimate(_rounds(1.0, 0.01, 20, seed=3), _rounds(1.2, 0.01, 20, seed=4), alpha=0.05)
    assert stats.classify(result.ci, 0.03) is Outcome.SLOWER


def test_an_effect_smaller_than_min_effect_is_no_significant_change() -> None:
    result = stats.estimate(_rounds(1.0, 0.001, 30, seed=5), _rounds(1 / 1.01, 0.001, 30, seed=6), alpha=0.05)
    assert result.ci[0] > 1.0  # real, but below the 3% the user asked for
    assert stats.classify(result.ci, 0.03) is Outcome.NO_SIGNIFICANT_CHANGE


def test_a_smaller_alpha_gives_a_wider_interval() -> None:
    baseline, candidate = _rounds(1.0, 0.05, 24, seed=7), _rounds(1.0, 0.05, 24, seed=8)
    wide = stats.estimate(baseline, candidate, alpha=0.003).ci
    narrow = stats.estimate(baseline, candidate, alpha=0.05).ci
    assert wide[0] < narrow[0] and narrow[1] < wide[1]
    assert stats.overall_interval(baseline, candidate, 0.05) == narrow


def test_fewer_than_two_rounds_is_refused() -> None:
    with pytest.raises(ValueError):
        stats.estimate([{"a": 1.0}], [{"a": 1.0}], alpha=0.05)


timings = st.floats(min_value=1e-6, max_value=10.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(timings, timings), min_size=2, max_size=12), st.floats(min_value=0.0, max_value=0.2))
def test_identical_samples_are_never_faster_or_slower(rounds: list[tuple[float, float]], min_effect: float) -> None:
    samples = [{"x": x, "y": y} for x, y in rounds]
    result = stats.estimate(samples, [dict(r) for r in samples], alpha=0.05)
    assert result.speedup == pytest.approx(1.0)
    assert stats.classify(result.ci, min_effect) is Outcome.NO_SIGNIFICANT_CHANGE


@settings(max_examples=40, deadline=None)
@given(st.lists(timings, min_size=2, max_size=12), st.floats(min_value=0.01, max_value=0.2))
def test_swapping_sides_swaps_the_verdict(values: list[float], min_effect: float) -> None:
    baseline = [{"x": v} for v in values]
    candidate = [{"x": v * 0.5 + 1e-3 * i} for i, v in enumerate(values)]
    forward = stats.classify(stats.estimate(baseline, candidate, alpha=0.05).ci, min_effect)
    backward = stats.classify(stats.estimate(candidate, baseline, alpha=0.05).ci, min_effect)
    mirror = {Outcome.FASTER: Outcome.SLOWER, Outcome.SLOWER: Outcome.FASTER,
              Outcome.NO_SIGNIFICANT_CHANGE: Outcome.NO_SIGNIFICANT_CHANGE}
    assert backward is mirror[forward]


# ---- classification and settling -----------------------------------------------

def test_classification_boundaries() -> None:
    assert stats.classify((1.03, 1.2), 0.03) is Outcome.FASTER
    assert stats.classify((1.029, 1.2), 0.03) is Outcome.NO_SIGNIFICANT_CHANGE
    assert stats.classify((0.8, 1 / 1.03), 0.03) is Outcome.SLOWER
    assert stats.classify((0.8, 0.98), 0.03) is Outcome.NO_SIGNIFICANT_CHANGE
    assert stats.classify((1.0, 1.0), 0.0) is Outcome.NO_SIGNIFICANT_CHANGE


def test_only_an_interval_on_one_side_of_each_boundary_settles_the_verdict() -> None:
    assert stats.settled((1.04, 1.3), 0.03) is Outcome.FASTER
    assert stats.settled((0.8, 0.95), 0.03) is Outcome.SLOWER
    assert stats.settled((0.99, 1.02), 0.03) is Outcome.NO_SIGNIFICANT_CHANGE
    assert stats.settled((1.03, 1.07), 0.03) is Outcome.FASTER
    assert stats.settled((1.02, 1.07), 0.03) is None  # straddles 1.03: more rounds may tell
    assert stats.settled((0.96, 1.01), 0.03) is None  # straddles 1 / 1.03
    assert stats.settled((0.9, 1.2), 0.03) is None
    assert stats.settled((0.0, math.inf), 0.03) is None


# ---- the verdict -------------------------------------------------------------------------------

def _case(name: str, speedup: float, ci: tuple[float, float]) -> CaseTiming:
    return CaseTiming(name=name, baseline_s=1.0, candidate_s=1.0 / speedup, speedup=speedup, ci=ci, runs=24)


def _estimate(speedup: float, ci: tuple[float, float], cases: list[CaseTiming]) -> stats.SpeedupEstimate:
    return stats.SpeedupEstimate(speedup=speedup, ci=ci, cases=cases, runs=24, alpha=0.03)


def test_decide_names_the_cases_that_got_slower() -> None:
    cases = [_case("BM_gemm/64", 1 / 1.39, (1 / 1.47, 1 / 1.31)), _case("BM_gemm/512", 2.1, (2.0, 2.2))]
    decision = stats.decide(_estimate(1.22, (1.18, 1.26), cases), 0.03, allow_case_regressions=True)
    assert decision.outcome is Outcome.FASTER
    assert [case.name for case in decision.regressions] == ["BM_gemm/64"]
    assert decision.message == ("faster: 1.220x (95% CI 1.180-1.260, 24 runs); "
                                "BM_gemm/64 is 1.39x slower (95% CI 1.31-1.47)")


def test_a_case_regression_keeps_a_candidate_from_counting_as_faster_when_not_allowed() -> None:
    cases = [_case("BM_gemm/64", 1 / 1.39, (1 / 1.47, 1 / 1.31)), _case("BM_gemm/512", 2.1, (2.0, 2.2))]
    decision = stats.decide(_estimate(1.22, (1.18, 1.26), cases), 0.03, allow_case_regressions=False)
    assert decision.outcome is Outcome.NO_SIGNIFICANT_CHANGE
    assert decision.message.startswith("no significant change: 1.220x (95% CI 1.180-1.260, 24 runs); ")
    assert decision.message.endswith("not counted as faster because BM_gemm/64 is 1.39x slower "
                                     "([timing] allow_case_regressions = false)")


def test_a_case_that_may_be_unchanged_is_no_regression() -> None:
    cases = [_case("a", 0.98, (0.95, 1.01)), _case("b", 1.5, (1.4, 1.6))]
    decision = stats.decide(_estimate(1.2, (1.15, 1.25), cases), 0.03, allow_case_regressions=False)
    assert decision.outcome is Outcome.FASTER and decision.regressions == []
    assert decision.message == "faster: 1.200x (95% CI 1.150-1.250, 24 runs)"


def test_a_single_case_is_not_named_again() -> None:
    decision = stats.decide(_estimate(0.8, (0.75, 0.85), [_case("a", 0.8, (0.75, 0.85))]), 0.03, False)
    assert decision.outcome is Outcome.SLOWER and decision.regressions == []
    assert decision.message == "slower: 0.800x (95% CI 0.750-0.850, 24 runs)"


def test_an_unbounded_interval_is_written_as_such() -> None:
    decision = stats.decide(_estimate(1.1, (0.0, math.inf), []), 0.03, True)
    assert decision.message == "no significant change: 1.100x (95% CI 0.000-inf, 24 runs)"


def test_relative_spread_is_iqr_over_median() -> None:
    assert stats.relative_spread([1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx(2.0 / 3.0)
