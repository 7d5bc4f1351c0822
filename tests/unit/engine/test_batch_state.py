"""The batch's state file: a function done on unchanged code is skipped, one applied since is
recognised, anything else runs again; a broken file costs re-running, never the batch."""
from __future__ import annotations

import json
from pathlib import Path

from lessonl.code import locate
from lessonl.engine.batch_state import APPLIED_EARLIER, DONE_EARLIER, BatchState, state_path

from tests.support.batch_fixtures import ORIGINAL, histogram_win


def test_recorded_function_is_skipped_while_its_text_is_unchanged(tmp_path: Path) -> None:
    summary = histogram_win()
    BatchState.load(tmp_path).record(summary)
    assert state_path(tmp_path) == tmp_path / "batch" / "state.json"
    state = BatchState.load(tmp_path)  # read back from disk
    skip = state.skip_for(summary.key, locate(ORIGINAL, "cpp", "kernels.cpp", name="histogram").text_hash)
    assert skip is not None and skip.reason == DONE_EARLIER
    assert skip.summary.speedup == summary.speedup and skip.summary.ci == summary.ci
    assert skip.summary.new_text == summary.new_text and skip.summary.lessons == summary.lessons
    assert skip.summary.agents == summary.agents


def test_applied_win_is_recognised_and_an_edit_runs_again(tmp_path: Path) -> None:
    summary = histogram_win()
    state = BatchState.load(tmp_path)
    state.record(summary)
    applied = state.skip_for(summary.key, summary.new_function_hash or "")
    assert applied is not None and applied.reason == APPLIED_EARLIER
    assert state.skip_for(summary.key, "0" * 64) is None  # edited since: optimize again
    assert state.skip_for("kernels.cpp::matmul", summary.function_hash) is None  # never done
    state.forget(summary.key)
    assert BatchState.load(tmp_path).skip_for(summary.key, summary.function_hash) is None


def test_unreadable_state_is_a_warning_and_every_function_runs(tmp_path: Path) -> None:
    path = state_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    state = BatchState.load(tmp_path)
    assert state.functions == {} and "could not be read" in state.warnings[0]
    path.write_text(json.dumps({"version": 99, "functions": {}}))
    assert "version 99" in BatchState.load(tmp_path).warnings[0]
    state.record(histogram_win())  # replaces the broken file, atomically
    assert json.loads(path.read_text())["version"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temporary left behind
