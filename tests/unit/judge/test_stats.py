"""Speedup estimates, intervals, classification and the stopping rule."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonl.judge import stats
from lessonl.records import Outcome


def _rounds(centre: float, noise: float, runs: int, seed: int, cases: tuple[str, ...] = ("a", "b")) -> list[dict]:
    rng = random.Random(seed)
    return [{case: centre * (1 + rng.gauss(0, noise)) for case in cases} for _ in range(runs)]


def test_speedup_is_the_ratio_of_medians_per_case_and_their_geometric_mean() -> None:
    baseline = [{"a": 4.0, "b": 9.0}, {"a": 4.0, "b": 9.0}, {"a": 100.0, "b": 9.0}]
    candidate = [{"a": 2.0, "b": 9.0}, {"a": 2.0, "b": 9.0}, {"a": 2.0, "b": 9.0}]
    result = stats.estimate(baseline, candidate)
    by_name = {case.name: case for case in result.cases}
    assert by_name["a"].speedup == pytest.approx(2.0)  # the 100.0 outlier does not move the median
    assert by_name["b"].speedup == pytest.approx(1.0)
    assert result.speedup == pytest.approx(2.0 ** 0.5)
    assert result.runs == 3 and all(case.runs == 3 for case in result.cases)


def test_a_clear_ten_percent_speedup_is_faster() -> None:
    baseline = _rounds(1.0, 0.01, 20, seed=1)
    candidate = _rounds(1 / 1.1, 0.01, 20, seed=2)
    result = stats.estimate(baseline, candidate)
    assert result.ci[0] <= result.speedup <= result.ci[1]
    assert 1.05 < result.ci[0] and result.ci[1] < 1.15
    assert stats.classify(result.ci, 0.03) is Outcome.FASTER


def test_a_clear_slowdown_is_slower() -> None:
    result = stats.estimate(_rounds(1.0, 0.01, 20, seed=3), _rounds(1.2, 0.01, 20, seed=4))
    assert stats.classify(result.ci, 0.03) is Outcome.SLOWER


def test_an_effect_smaller_than_min_effect_is_no_significant_change() -> None:
    result = stats.estimate(_rounds(1.0, 0.001, 30, seed=5), _rounds(1 / 1.01, 0.001, 30, seed=6))
    assert result.ci[0] > 1.0  # real, but below the 3% the user asked for
    assert stats.classify(result.ci, 0.03) is Outcome.NO_SIGNIFICANT_CHANGE


def test_classification_boundaries() -> None:
    assert stats.classify((1.03, 1.2), 0.03) is Outcome.FASTER
    assert stats.classify((1.029, 1.2), 0.03) is Outcome.NO_SIGNIFICANT_CHANGE
    assert stats.classify((0.8, 1 / 1.03), 0.03) is Outcome.SLOWER
    assert stats.classify((0.8, 0.98), 0.03) is Outcome.NO_SIGNIFICANT_CHANGE
    assert stats.classify((1.0, 1.0), 0.0) is Outcome.NO_SIGNIFICANT_CHANGE


def test_the_interval_is_reproducible_for_the_same_samples() -> None:
    baseline, candidate = _rounds(1.0, 0.05, 10, seed=7), _rounds(1.0, 0.05, 10, seed=8)
    assert stats.estimate(baseline, candidate).ci == stats.estimate(baseline, candidate).ci


def test_fewer_than_two_rounds_is_refused() -> None:
    with pytest.raises(ValueError):
        stats.estimate([{"a": 1.0}], [{"a": 1.0}])


timings = st.floats(min_value=1e-6, max_value=10.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(timings, timings), min_size=2, max_size=12), st.floats(min_value=0.0, max_value=0.2))
def test_identical_samples_are_never_faster_or_slower(rounds: list[tuple[float, float]], min_effect: float) -> None:
    samples = [{"x": x, "y": y} for x, y in rounds]
    result = stats.estimate(samples, [dict(r) for r in samples], resamples=200)
    assert result.speedup == pytest.approx(1.0)
    assert stats.classify(result.ci, min_effect) is Outcome.NO_SIGNIFICANT_CHANGE


@settings(max_examples=40, deadline=None)
@given(st.lists(timings, min_size=2, max_size=12), st.floats(min_value=0.01, max_value=0.2))
def test_swapping_sides_swaps_the_verdict(values: list[float], min_effect: float) -> None:
    baseline = [{"x": v} for v in values]
    candidate = [{"x": v * 0.5 + 1e-3 * i} for i, v in enumerate(values)]
    forward = stats.classify(stats.estimate(baseline, candidate, resamples=200).ci, min_effect)
    backward = stats.classify(stats.estimate(candidate, baseline, resamples=200).ci, min_effect)
    mirror = {Outcome.FASTER: Outcome.SLOWER, Outcome.SLOWER: Outcome.FASTER,
              Outcome.NO_SIGNIFICANT_CHANGE: Outcome.NO_SIGNIFICANT_CHANGE}
    assert backward is mirror[forward]


def test_stop_rule_runs_at_least_min_runs_then_stops_on_the_first_reason() -> None:
    narrow = stats.estimate(_rounds(1.0, 0.001, 6, seed=9), _rounds(1.0, 0.001, 6, seed=10))
    wide = stats.estimate(_rounds(1.0, 0.3, 6, seed=11), _rounds(1.0, 0.3, 6, seed=12))
    rule = dict(min_runs=5, max_runs=40, budget_s=20.0, target_ci_width=0.04)
    assert stats.stop_reason(narrow, 4, 100.0, **rule) is None
    assert "target_ci_width" in stats.stop_reason(narrow, 6, 1.0, **rule)
    assert stats.stop_reason(wide, 6, 1.0, **rule) is None
    assert "budget" in stats.stop_reason(wide, 6, 25.0, **rule)
    assert "max_runs" in stats.stop_reason(wide, 40, 1.0, **rule)


def test_relative_spread_is_iqr_over_median() -> None:
    assert stats.relative_spread([1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx(2.0 / 3.0)
