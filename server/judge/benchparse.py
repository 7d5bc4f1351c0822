"""Turns one benchmark run's output into seconds per case.

Every format ends in the same shape, {case name: seconds}, so the statistics never care
which tool printed the numbers. Output that does not parse raises BenchParseError carrying
a snippet, because "could not parse" without the text is useless to the person fixing it.
"""
from __future__ import annotations

import json
import re
import statistics
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


def parse(output: str, fmt: str, *, regex: str | None = None, unit: str = "s",
          wall_s: float | None = None) -> dict[str, float]:
    """Seconds per case from one run's stdout (`wall_s` is the whole process's wall time)."""
    if fmt == "google-benchmark":
        cases = parse_google_benchmark(output)
    elif fmt == "pytest-benchmark":
        cases = parse_pytest_benchmark(output)
    elif fmt == "regex":
        if not regex:
            raise ValueError("format 'regex' needs a regex")
        cases = parse_regex(output, regex, unit)
    elif fmt == "wall":
        if wall_s is None:
            raise ValueError("format 'wall' needs the process wall time")
        cases = {"wall": wall_s}
    else:
        raise ValueError(f"unknown benchmark format {fmt!r}; valid: {', '.join(FORMATS)}")
    bad = [name for name, value in cases.items() if not value > 0]
    if bad:
        raise BenchParseError(f"benchmark case {bad[0]!r} reports a time that is not positive", output)
    return cases


def parse_google_benchmark(output: str) -> dict[str, float]:
    """`real_time` in `time_unit` of every iteration entry; aggregates (mean, median, stddev
    of --benchmark_repetitions) are left out, repeated entries of one name give their median."""
    document = find_json(output, "benchmarks")
    if document is None:
        raise BenchParseError("no Google Benchmark JSON (an object with \"benchmarks\") in the output", output)
    samples: dict[str, list[float]] = {}
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
    if not samples:
        raise BenchParseError("the Google Benchmark JSON lists no benchmark runs", output)
    return {name: statistics.median(values) for name, values in samples.items()}


def parse_pytest_benchmark(output: str) -> dict[str, float]:
    """stats.median (else stats.mean), in seconds, per benchmark; `name` unless two share it."""
    document = find_json(output, "benchmarks")
    if document is None:
        raise BenchParseError("no pytest-benchmark JSON (an object with \"benchmarks\") in the output", output)
    entries = _entries(document, output)
    names = [str(e.get("name", "")) for e in entries]
    cases: dict[str, float] = {}
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
    if not cases:
        raise BenchParseError("the pytest-benchmark JSON lists no benchmarks", output)
    return cases


def parse_regex(output: str, pattern: str, unit: str) -> dict[str, float]:
    """Every match's `value` group; a `case` group names the case (else all matches are
    samples of one case "time", whose median is taken); a `unit` group overrides `unit`."""
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
    return {name: statistics.median(values) for name, values in samples.items()}


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
