"""Reading back what the instrumented processes wrote: counts summed over processes, the first
difference in words, and nothing believed beyond reason."""
from __future__ import annotations

import json
from pathlib import Path

from lessonl.behaviour.report import MAX_BYTES, read_events

SITE = "axpy.cpp::axpy_sum"


def write(path: Path, *events: dict) -> Path:
    with path.open("a") as handle:
        for event in events:
            handle.write(json.dumps({"v": 1, "site": SITE, **event}) + "\n")
    return path


def test_counts_are_summed_over_processes_and_phases(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl",
                 {"event": "reached", "phase": "tests", "pid": 1},
                 {"event": "summary", "phase": "tests", "pid": 1, "calls": 3, "checked": 3},
                 {"event": "reached", "phase": "tests", "pid": 2},
                 {"event": "summary", "phase": "tests", "pid": 2, "calls": 1, "checked": 1},
                 {"event": "reached", "phase": "benchmark", "pid": 3},
                 {"event": "summary", "phase": "benchmark", "pid": 3, "calls": 50, "checked": 40})
    events = read_events(path, SITE)
    assert events.calls == {"tests": 4, "benchmark": 50}
    assert events.checked == {"tests": 4, "benchmark": 40}
    assert events.total_calls == 54 and events.mismatch is None


def test_a_process_that_died_before_its_summary_still_counts_one_call(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", {"event": "reached", "phase": "tests", "pid": 7})
    assert read_events(path, SITE).calls["tests"] == 1


def test_the_first_mismatch_becomes_a_sentence(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl",
                 {"event": "mismatch", "phase": "benchmark", "pid": 3, "call": 2, "what": "y[1000000]",
                  "original": "6.5", "rewrite": "4.0"},
                 {"event": "mismatch", "phase": "tests", "pid": 4, "call": 1, "what": "return value",
                  "original": "1", "rewrite": "2"})
    mismatch = read_events(path, SITE).mismatch
    assert mismatch is not None
    assert mismatch.sentence() == ("on call 2 from the benchmark, y[1000000] was 6.5 with the original "
                                   "and 4.0 with the rewrite")


def test_an_exception_on_one_side_reads_as_what_each_version_did(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", {"event": "mismatch", "phase": "tests", "pid": 1, "call": 1,
                                        "what": "exception", "original": "returned [1, 2]",
                                        "rewrite": "raised IndexError('list index out of range')"})
    assert read_events(path, SITE).mismatch.sentence() == (
        "on call 1 from the tests, the original returned [1, 2] and the rewrite raised "
        "IndexError('list index out of range')")


def test_other_sites_garbage_and_duplicates_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('not json\n[1, 2]\n{"event": "summary", "site": "other", "phase": "tests", "calls": 9}\n')
    write(path, {"event": "uncompared", "phase": "tests", "pid": 1, "what": "ctx", "why": "an opaque pointer"},
          {"event": "uncompared", "phase": "tests", "pid": 2, "what": "ctx", "why": "an opaque pointer"},
          {"event": "summary", "phase": "elsewhere", "pid": 1, "calls": 5})
    events = read_events(path, SITE)
    assert events.total_calls == 0
    assert events.uncompared == [("ctx", "an opaque pointer")]


def test_a_missing_file_means_no_calls_and_a_flood_is_cut(tmp_path: Path) -> None:
    assert read_events(tmp_path / "missing.jsonl", SITE).total_calls == 0
    path = tmp_path / "flood.jsonl"
    line = json.dumps({"v": 1, "site": SITE, "event": "reached", "phase": "tests", "pid": 1}) + "\n"
    path.write_text(line * (MAX_BYTES // len(line) + 10))
    events = read_events(path, SITE)
    assert events.truncated and events.calls["tests"] == 1
