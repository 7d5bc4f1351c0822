"""Benchmark output that a rewrite cannot have produced honestly.

Self-reported times (Google Benchmark, pytest-benchmark, a regex over printed lines) are
text, and a rewrite runs inside the process that prints them: a static destructor or an
`atexit` hook can print `time_ns: 1` after the real figures. So a candidate's runs must look
like the baseline's and fit the physics of the process that printed them:
- the same shape: the same cases, each printed as many times as the baseline prints it;
- no more measured time than the process lived (real_time x iterations for Google Benchmark,
  stats.total for pytest-benchmark, the sum of the matches for a regex);
- where the reported work is a large part of the process, time it claims to save must show up
  in the process's own wall time, which the rewrite cannot print.
The `wall` format and LessonL's own clock cannot be forged this way at all.
"""
from __future__ import annotations

import statistics
from typing import Sequence

from .benchparse import BenchRun

WALL_SLACK = 1.05  # measured time may exceed the process's wall time by clock granularity only
WALL_SLACK_S = 0.005


def problem(baseline: Sequence[BenchRun], candidate: Sequence[BenchRun]) -> str | None:
    """Why the candidate's figures cannot be true, or None."""
    return (_shape(baseline, candidate) or _longer_than_the_process(baseline, candidate)
            or _saved_time_missing(baseline, candidate))


def _shape(baseline: Sequence[BenchRun], candidate: Sequence[BenchRun]) -> str | None:
    known = {tuple(sorted(run.counts.items())) for run in baseline}
    for run in candidate:
        shape = tuple(sorted(run.counts.items()))
        if shape in known or not known:
            continue
        expected = dict(sorted(next(iter(known))))
        odd = [f"{name} {count}x (the original: {expected.get(name, 0)}x)"
               for name, count in run.counts.items() if expected.get(name) != count]
        missing = [f"{name} missing" for name in expected if name not in run.counts]
        return ("the rewrite's benchmark printed its figures in another shape than the original's ("
                + "; ".join([*odd, *missing][:4]) + "): extra or missing timing lines mean the figures "
                "are not the benchmark's own")
    return None


def _longer_than_the_process(baseline: Sequence[BenchRun], candidate: Sequence[BenchRun]) -> str | None:
    if not all(run.accounted_s <= run.wall_s * WALL_SLACK + WALL_SLACK_S for run in baseline if run.wall_s):
        return None  # the user's own benchmark reports more than it runs (e.g. summed over threads)
    for run in candidate:
        if run.wall_s and run.accounted_s > run.wall_s * WALL_SLACK + WALL_SLACK_S:
            return (f"the rewrite's benchmark reported {run.accounted_s:.4g} s of measured time in a process "
                    f"that ran {run.wall_s:.4g} s: that cannot be true")
    return None


def _saved_time_missing(baseline: Sequence[BenchRun], candidate: Sequence[BenchRun]) -> str | None:
    if not baseline or not candidate:
        return None
    reported_b = statistics.median(run.accounted_s for run in baseline)
    reported_c = statistics.median(run.accounted_s for run in candidate)
    wall_b = statistics.median(run.wall_s for run in baseline)
    wall_c = statistics.median(run.wall_s for run in candidate)
    if reported_b > wall_b * WALL_SLACK + WALL_SLACK_S:
        return None  # the figures are not wall time of this process (e.g. CPU time over threads)
    saved = reported_b - reported_c
    if saved <= max(0.05 * wall_b, 0.01):
        return None
    if wall_b - wall_c >= 0.5 * saved - max(0.05 * wall_b, 0.003):  # medians of several runs: little noise
        return None
    return (f"the rewrite's benchmark reported {reported_c:.4g} s of measured time where the original's "
            f"reported {reported_b:.4g} s, yet its process ran {wall_c:.4g} s against {wall_b:.4g} s: "
            f"the time it claims to save is not there")
