"""Benchmark output parsers: every format ends as seconds per case."""
from __future__ import annotations

import json

import pytest

from lessonl.judge.benchparse import BenchParseError, parse

GOOGLE = {
    "context": {"library_build_type": "release"},
    "benchmarks": [
        {"name": "matmul/96", "run_type": "iteration", "iterations": 10, "real_time": 450.5, "cpu_time": 449.0,
         "time_unit": "us"},
        {"name": "matmul/192", "run_type": "iteration", "iterations": 3, "real_time": 4.5, "time_unit": "ms"},
        {"name": "matmul/192_mean", "run_name": "matmul/192", "run_type": "aggregate", "aggregate_name": "mean",
         "real_time": 99.0, "time_unit": "ms"},
    ],
}


def test_google_benchmark_uses_real_time_in_its_unit_and_skips_aggregates() -> None:
    cases = parse("some log line\n" + json.dumps(GOOGLE), "google-benchmark")
    assert cases == pytest.approx({"matmul/96": 450.5e-6, "matmul/192": 4.5e-3})


def test_google_benchmark_repetitions_give_their_median() -> None:
    doc = {"benchmarks": [{"name": "a", "run_type": "iteration", "real_time": t, "time_unit": "ns"}
                          for t in (10.0, 30.0, 11.0)]}
    assert parse(json.dumps(doc), "google-benchmark") == pytest.approx({"a": 11e-9})


def test_google_benchmark_error_entry_is_a_parse_error() -> None:
    doc = {"benchmarks": [{"name": "a", "real_time": 1.0, "time_unit": "ns", "error_occurred": True,
                           "error_message": "boom"}]}
    with pytest.raises(BenchParseError, match="boom"):
        parse(json.dumps(doc), "google-benchmark")


def test_pytest_benchmark_uses_the_median_in_seconds() -> None:
    doc = {"machine_info": {}, "benchmarks": [
        {"name": "test_slow_sum", "fullname": "tests/test_b.py::test_slow_sum", "stats": {"median": 0.02, "mean": 0.5}},
        {"name": "test_dedupe", "fullname": "tests/test_b.py::test_dedupe", "stats": {"mean": 0.003}},
    ]}
    assert parse(json.dumps(doc, indent=2), "pytest-benchmark") == pytest.approx(
        {"test_slow_sum": 0.02, "test_dedupe": 0.003})


def test_pytest_benchmark_duplicate_names_fall_back_to_fullname() -> None:
    doc = {"benchmarks": [{"name": "test_x", "fullname": "a.py::test_x", "stats": {"median": 1.0}},
                          {"name": "test_x", "fullname": "b.py::test_x", "stats": {"median": 2.0}}]}
    assert set(parse(json.dumps(doc), "pytest-benchmark")) == {"a.py::test_x", "b.py::test_x"}


def test_regex_with_case_and_unit() -> None:
    output = "matmul took 12.5 ms\nhistogram took 300 us\n"
    cases = parse(output, "regex", regex=r"(?P<case>\w+) took (?P<value>[0-9.]+) (?P<unit>ms|us)", unit="s")
    assert cases == pytest.approx({"matmul": 12.5e-3, "histogram": 300e-6})


def test_regex_without_case_takes_the_median_of_all_matches() -> None:
    output = "time: 5\ntime: 7\ntime: 6\n"
    assert parse(output, "regex", regex=r"time: (?P<value>[0-9.]+)", unit="ms") == pytest.approx({"time": 6e-3})


def test_wall_format_is_the_process_wall_time() -> None:
    assert parse("anything", "wall", wall_s=1.25) == {"wall": 1.25}


@pytest.mark.parametrize("fmt, output", [
    ("google-benchmark", "Segmentation fault? no JSON here"),
    ("google-benchmark", '{"benchmarks": []}'),
    ("pytest-benchmark", '{"benchmarks": [{"name": "t", "stats": {}}]}'),
    ("regex", "nothing to see"),
])
def test_unparseable_output_raises_with_a_snippet(fmt: str, output: str) -> None:
    with pytest.raises(BenchParseError) as info:
        parse(output, fmt, regex=r"time: (?P<value>[0-9.]+)", unit="s")
    assert output.strip()[:20] in str(info.value)
    assert info.value.snippet


def test_long_output_snippet_shows_head_and_tail() -> None:
    output = "HEAD " + "x" * 5000 + " TAIL"
    with pytest.raises(BenchParseError) as info:
        parse(output, "google-benchmark")
    assert "HEAD" in info.value.snippet and "TAIL" in info.value.snippet and len(info.value.snippet) < 1000


def test_zero_time_is_rejected() -> None:
    with pytest.raises(BenchParseError, match="not positive"):
        parse("time: 0", "regex", regex=r"time: (?P<value>[0-9.]+)", unit="s")
