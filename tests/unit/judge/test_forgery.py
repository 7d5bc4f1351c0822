"""Benchmark figures a rewrite cannot have produced honestly are refused."""
from lessonl.judge.benchparse import BenchRun
from lessonl.judge.forgery import problem


def run(cases: dict[str, float], counts: dict[str, int] | None = None, accounted: float | None = None,
        wall: float = 0.05) -> BenchRun:
    return BenchRun(cases, counts or {name: 1 for name in cases},
                    sum(cases.values()) if accounted is None else accounted, wall)


BASE = [run({"a": 0.02, "b": 0.02}, wall=0.05) for _ in range(6)]


def test_an_honest_speedup_passes() -> None:
    assert problem(BASE, [run({"a": 0.01, "b": 0.01}, wall=0.031) for _ in range(6)]) is None


def test_extra_timing_lines_are_another_shape() -> None:
    forged = [run({"a": 0.01, "b": 0.01}, counts={"a": 4, "b": 4}, wall=0.05) for _ in range(6)]
    reason = problem(BASE, forged)
    assert reason and "shape" in reason and "a 4x (the original: 1x)" in reason


def test_more_measured_time_than_the_process_ran_is_impossible() -> None:
    forged = [run({"a": 0.2, "b": 0.2}, wall=0.05) for _ in range(6)]
    assert "cannot be true" in (problem(BASE, forged) or "")


def test_claimed_savings_must_show_in_the_process_time() -> None:
    forged = [run({"a": 1e-9, "b": 1e-9}, wall=0.05) for _ in range(6)]  # tiny figures, the same process time
    assert "not there" in (problem(BASE, forged) or "")


def test_adaptive_benchmarks_that_fill_a_fixed_time_are_not_suspect() -> None:
    # Google Benchmark style: more iterations of a faster function, the same measured total
    base = [run({"a": 1e-6}, accounted=0.5, wall=0.6) for _ in range(6)]
    faster = [run({"a": 1e-8}, accounted=0.5, wall=0.6) for _ in range(6)]
    assert problem(base, faster) is None


def test_a_benchmark_that_reports_more_than_it_runs_itself_is_left_alone() -> None:
    base = [run({"a": 0.4}, wall=0.1) for _ in range(6)]  # e.g. CPU time summed over threads
    assert problem(base, [run({"a": 0.3}, wall=0.08) for _ in range(6)]) is None
