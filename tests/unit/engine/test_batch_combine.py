"""Splicing a batch's wins together, applying them only onto unchanged functions, and patches
that `patch -p1` applies."""
from __future__ import annotations

import pickle
import shutil
import subprocess
from pathlib import Path

import pytest

from lessonl.engine.batch_apply import apply_wins, write_patches
from lessonl.engine.batch_combine import splice_wins
from lessonl.engine.batch_request import BatchResult, CombinedVerdict, FunctionJob, FunctionOutcome
from lessonl.records import Outcome, Verdict

from tests.support.batch_fixtures import (HISTOGRAM_NEW, HISTOGRAM_OLD, ORIGINAL, PREFIX_NEW, PREFIX_OLD, histogram_win, item,
                             prefix_win, repo_copy, win)

BOTH = ORIGINAL.replace(HISTOGRAM_OLD, HISTOGRAM_NEW).replace(PREFIX_OLD, PREFIX_NEW)


def test_two_wins_in_one_file_are_spliced_one_after_the_other(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    combined = splice_wins(root, [item(histogram_win()), item(prefix_win())])
    assert combined.applied == ["kernels.cpp::histogram", "kernels.cpp::prefix_sum"]
    assert combined.conflicts == {}
    assert combined.changes == {"kernels.cpp": BOTH}
    assert (root / "kernels.cpp").read_text() == ORIGINAL  # nothing written


def test_overlapping_win_is_a_conflict_and_left_out(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    # prefix_sum's rewrite also changed a line inside histogram (as a careless helper might)
    clash = ORIGINAL.replace(PREFIX_OLD, PREFIX_NEW).replace("counts[bin] += 1;", "++counts[bin];")
    combined = splice_wins(root, [item(histogram_win()), item(win("prefix_sum", clash))])
    assert combined.applied == ["kernels.cpp::histogram"]
    assert "overlaps an earlier win" in combined.conflicts["kernels.cpp::prefix_sum"]
    assert combined.changes["kernels.cpp"] == ORIGINAL.replace(HISTOGRAM_OLD, HISTOGRAM_NEW)


def test_win_whose_function_was_edited_meanwhile_is_a_conflict(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    edited = ORIGINAL.replace("std::int64_t total = 0;", "std::int64_t total = 0;  // edited")
    (root / "kernels.cpp").write_text(edited)
    combined = splice_wins(root, [item(histogram_win()), item(prefix_win())])
    assert combined.applied == ["kernels.cpp::histogram"]
    assert "no longer as optimized" in combined.conflicts["kernels.cpp::prefix_sum"]
    # the other win is replayed onto the edited file, keeping the edit
    assert combined.changes["kernels.cpp"] == edited.replace(HISTOGRAM_OLD, HISTOGRAM_NEW)


def test_apply_writes_only_onto_unchanged_functions(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    edited = ORIGINAL.replace("std::int64_t total = 0;", "std::int64_t total = 0;  // edited")
    (root / "kernels.cpp").write_text(edited)
    verdict = Verdict(Outcome.FASTER, speedup=3.0, ci=(2.5, 3.5))
    result = BatchResult([item(histogram_win()), item(prefix_win())],
                         CombinedVerdict(verdict, applied=["kernels.cpp::histogram", "kernels.cpp::prefix_sum"]),
                         [], 1.0)
    written = {w.key: w for w in apply_wins(result, root, allow_unisolated=False)}
    assert written["kernels.cpp::histogram"].path == str(root / "kernels.cpp")
    assert written["kernels.cpp::prefix_sum"].path is None
    assert "edited" in written["kernels.cpp::prefix_sum"].reason
    assert (root / "kernels.cpp").read_text() == edited.replace(HISTOGRAM_OLD, HISTOGRAM_NEW)


def test_apply_refuses_wins_that_are_incorrect_together_and_unisolated_ones(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    broken = BatchResult([item(histogram_win())], CombinedVerdict(Verdict(Outcome.INCORRECT), ["kernels.cpp::histogram"]),
                         [], 1.0)
    [entry] = apply_wins(broken, root)
    assert entry.path is None and "incorrect" in entry.reason
    unisolated = histogram_win()
    unisolated.unisolated = True
    result = BatchResult([item(unisolated)], CombinedVerdict(), [], 1.0)
    [entry] = apply_wins(result, root)
    assert entry.path is None and "without a sandbox" in entry.reason
    assert (root / "kernels.cpp").read_text() == ORIGINAL
    [entry] = apply_wins(result, root, allow_unisolated=True)
    assert entry.path is not None


@pytest.mark.skipif(shutil.which("patch") is None, reason="the patch program is not installed")
def test_patches_apply_with_patch_p1_one_after_the_other(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    result = BatchResult([item(histogram_win()), item(prefix_win()), item(histogram_win(), "no_win")],
                         CombinedVerdict(), [], 1.0)
    result.items[2].summary.improved = False  # type: ignore[union-attr]
    paths = write_patches(result, tmp_path / "patches")
    assert [p.name for p in paths] == ["01-kernels.cpp--histogram.patch", "02-kernels.cpp--prefix_sum.patch"]
    for path in paths:
        done = subprocess.run(["patch", "-p1", "-i", str(path)], cwd=root, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "kernels.cpp").read_text() == BOTH


def test_jobs_and_outcomes_survive_pickling() -> None:
    job = FunctionJob("/repo", "kernels.cpp", "histogram", None, {"loop": {"rounds": 1}}, {"KEY": "v"})
    assert pickle.loads(pickle.dumps(job)) == job
    outcome = FunctionOutcome("kernels.cpp", "histogram", "won", summary=histogram_win(), node="n1", wall_s=2.0)
    copy = pickle.loads(pickle.dumps(outcome))
    assert copy.summary == outcome.summary and copy.status == "won" and copy.key == "kernels.cpp::histogram"
