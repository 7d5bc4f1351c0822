"""Turns one benchmark run's output into seconds per case.

Every format ends in the same shape, {case name: seconds}, so the statistics never care
which tool printed the numbers. Output that does not parse raises BenchParseError carrying
a snippet, because "could not parse" without the text is useless to the person fixing it.
"""
from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from typing import Any

FORMATS = ("google-benchmark", "pytest-benchmark", "regex", "wall")
UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
SNIPPET_CHARS = 600


class BenchParseError(ValueError):
    """The benchmark printed something this format cannot read."""

    def __init__(self, reason: str, output: str) -> None:
        self.reason = reason
        self.snippet = snippet(output)
        super().__init__(f"{reason}; the output was:\n{self.snippet}")


def snippet(output: str, limit: int = SNIPPET_CHARS) -> str:
    text = output.strip()
    if not text:
        return "(no output)"
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + "\n[...]\n" + text[-half:]


@dataclass
class BenchRun:
    """One run's figures and what they claim: how many figures each case printed (its shape)
    and how much measured time they add up to (`accounted_s`, 0 where the format does not say),
    which the judge holds against the time the process really ran."""

    cases: dict[str, float]
    counts: dict[str, int] = field(default_factory=dict)
    accounted_s: float = 0.0
    wall_s: float = 0.0


def parse(output: str, fmt: str, *, regex: str | None = None, unit: str = "s",
          wall_s: float | None = None) -> dict[str, float]:
    """Seconds per case from one run's stdout (`wall_s` is the whole process's wall time)."""
    return parse_run(output, fmt, regex=regex, unit=unit, wall_s=wall_s).cases


def parse_run(output: str, fmt: str, *, regex: str | None = None, unit: str = "s",
              wall_s: float | None = None) -> BenchRun:
    """parse(), with the run's shape and the measured time its figures account for."""
    if fmt == "google-benchmark":
        run = _google_benchmark_run(output)
    elif fmt == "pytest-benchmark":
        run = _pytest_benchmark_run(output)
    elif fmt == "regex":
        if not regex:
            raise ValueError("format 'regex' needs a regex")
        run = _regex_run(output, regex, unit)
    elif fmt == "wall":
        if wall_s is None:
            raise ValueError("format 'wall' needs the process wall time")
        run = BenchRun({"wall": wall_s}, {"wall": 1})
    else:
        raise ValueError(f"unknown benchmark format {fmt!r}; valid: {', '.join(FORMATS)}")
    bad = [name for name, value in run.cases.items() if not value > 0]
    if bad:
        raise BenchParseError(f"benchmark case {bad[0]!r} reports a time that is not positive", output)
    run.wall_s = wall_s or 0.0
    return run


def parse_google_benchmark(output: str) -> dict[str, float]:
    return _google_benchmark_run(output).cases


def _google_benchmark_run(output: str) -> BenchRun:
    """`real_time` in `time_unit` of every iteration entry; aggregates (mean, median, stddev
    of --benchmark_repetitions) are left out, repeated entries of one name give their median.
    Measured time: real_time x iterations of each entry."""
    document = find_json(output, "benchmarks")
    if document is None:
        raise BenchParseError("no Google Benchmark JSON (an object with \"benchmarks\") in the output", output)
    samples: dict[str, list[float]] = {}
    accounted = 0.0
    for entry in _entries(document, output):
        if entry.get("run_type") == "aggregate" or "aggregate_name" in entry:
            continue
        name = str(entry.get("name") or entry.get("run_name") or "")
        if entry.get("error_occurred"):
            raise BenchParseError(f"benchmark {name!r} reported an error: {entry.get('error_message', '')}", output)
        unit = str(entry.get("time_unit", "ns"))
        if unit not in UNITS or not isinstance(entry.get("real_time"), (int, float)) or not name:
            raise BenchParseError(f"benchmark entry without name, numeric real_time or known time_unit: "
                                  f"{json.dumps(entry)[:200]}", output)
        samples.setdefault(name, []).append(float(entry["real_time"]) * UNITS[unit])
        iterations = entry.get("iterations")
        accounted += samples[name][-1] * (float(iterations) if isinstance(iterations, (int, float)) else 1.0)
    if not samples:
        raise BenchParseError("the Google Benchmark JSON lists no benchmark runs", output)
    return BenchRun({name: statistics.median(values) for name, values in samples.items()},
                    {name: len(values) for name, values in samples.items()}, accounted)


def parse_pytest_benchmark(output: str) -> dict[str, float]:
    return _pytest_benchmark_run(output).cases


def _pytest_benchmark_run(output: str) -> BenchRun:
    """stats.median (else stats.mean), in seconds, per benchmark; `name` unless two share it.
    Measured time: stats.total."""
    document = find_json(output, "benchmarks")
    if document is None:
        raise BenchParseError("no pytest-benchmark JSON (an object with \"benchmarks\") in the output", output)
    entries = _entries(document, output)
    names = [str(e.get("name", "")) for e in entries]
    cases: dict[str, float] = {}
    counts: dict[str, int] = {}
    accounted = 0.0
    for entry, name in zip(entries, names):
        if names.count(name) > 1 or not name:
            name = str(entry.get("fullname") or name)
        stats = entry.get("stats")
        value = None
        if isinstance(stats, dict):
            value = stats.get("median", stats.get("mean"))
        if not isinstance(value, (int, float)):
            raise BenchParseError(f"benchmark {name!r} has no numeric stats.median or stats.mean", output)
        cases[name] = float(value)
        counts[name] = counts.get(name, 0) + 1
        total = stats.get("total") if isinstance(stats, dict) else None
        accounted += float(total) if isinstance(total, (int, float)) else 0.0
    if not cases:
        raise BenchParseError("the pytest-benchmark JSON lists no benchmarks", output)
    return BenchRun(cases, counts, accounted)


def parse_regex(output: str, pattern: str, unit: str) -> dict[str, float]:
    return _regex_run(output, pattern, unit).cases


def _regex_run(output: str, pattern: str, unit: str) -> BenchRun:
    """Every match's `value` group; a `case` group names the case (else all matches are
    samples of one case "time", whose median is taken); a `unit` group overrides `unit`.
    Measured time: the sum of all matches."""
    compiled = re.compile(pattern, re.MULTILINE)
    if "value" not in compiled.groupindex:
        raise ValueError("the benchmark regex needs a named group (?P<value>...)")
    samples: dict[str, list[float]] = {}
    for match in compiled.finditer(output):
        groups = match.groupdict()
        match_unit = groups.get("unit") or unit
        if match_unit not in UNITS:
            raise BenchParseError(f"unknown time unit {match_unit!r} in {match.group(0)!r}; valid: s, ms, us, ns",
                                  output)
        try:
            value = float(groups["value"])
        except (TypeError, ValueError):
            raise BenchParseError(f"the value {groups['value']!r} in {match.group(0)!r} is not a number",
                                  output) from None
        samples.setdefault(groups.get("case") or "time", []).append(value * UNITS[match_unit])
    if not samples:
        raise BenchParseError(f"the benchmark regex {pattern!r} matches nothing in the output", output)
    return BenchRun({name: statistics.median(values) for name, values in samples.items()},
                    {name: len(values) for name, values in samples.items()},
                    sum(sum(values) for values in samples.values()))


def find_json(output: str, key: str) -> dict[str, Any] | None:
    """The first JSON object in `output` that has `key`; tools often print other lines too."""
    decoder = json.JSONDecoder()
    start = output.find("{")
    tries = 0
    while start != -1 and tries < 500:
        tries += 1
        try:
            value, _ = decoder.raw_decode(output, start)
        except ValueError:
            value = None
        if isinstance(value, dict) and key in value:
            return value
        start = output.find("{", start + 1)
    return None


def _entries(document: dict[str, Any], output: str) -> list[dict[str, Any]]:
    entries = document.get("benchmarks")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BenchParseError("\"benchmarks\" is not a list of objects", output)
    return entries
