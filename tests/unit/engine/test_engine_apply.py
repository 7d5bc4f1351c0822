"""apply_result writes a verified rewrite only onto the function it was made for."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.code import locate
from lessonl.engine import OptimizationResult, apply_result
from lessonl.errors import StaleTargetError, TargetError
from lessonl.records import Attempt, Candidate, Outcome, Verdict

ORIGINAL = """#include <vector>

int helper(int x) { return x; }

int sum(const std::vector<int>& v) {
    int s = 0;
    for (std::size_t i = 0; i < v.size(); ++i) s += v[i];
    return s;
}

int tail() { return 0; }
"""
REWRITE = ORIGINAL.replace("for (std::size_t i = 0; i < v.size(); ++i) s += v[i];", "for (int x : v) s += x;")


def result_for(repo: Path, improved: bool = True) -> OptimizationResult:
    (repo / "k.cpp").write_text(ORIGINAL)
    ref = locate(ORIGINAL, "cpp", "k.cpp", name="sum")
    verdict = Verdict(Outcome.FASTER, speedup=1.5, ci=(1.4, 1.6))
    best = Attempt(Candidate("a", "m", 0, "reply", code="...", new_file_text=REWRITE), verdict)
    return OptimizationResult(target=ref, improved=improved, best=best if improved else None, diff="",
                              new_text=REWRITE if improved else None, speedup=1.5, ci=(1.4, 1.6),
                              original_text=ORIGINAL)


def test_unchanged_file_gets_the_rewrite(tmp_path: Path) -> None:
    result = result_for(tmp_path)
    assert apply_result(result, tmp_path) == tmp_path / "k.cpp"
    assert (tmp_path / "k.cpp").read_text() == REWRITE


def test_edits_elsewhere_in_the_file_are_kept(tmp_path: Path) -> None:
    result = result_for(tmp_path)
    edited = ORIGINAL.replace("int tail() { return 0; }", "int tail() { return 42; }")
    (tmp_path / "k.cpp").write_text(edited)
    apply_result(result, tmp_path)
    text = (tmp_path / "k.cpp").read_text()
    assert "for (int x : v) s += x;" in text and "return 42;" in text


def test_a_changed_function_is_stale_and_the_file_is_untouched(tmp_path: Path) -> None:
    result = result_for(tmp_path)
    edited = ORIGINAL.replace("int s = 0;", "int s = 1;")
    (tmp_path / "k.cpp").write_text(edited)
    with pytest.raises(StaleTargetError):
        apply_result(result, tmp_path)
    assert (tmp_path / "k.cpp").read_text() == edited


def test_a_deleted_file_is_stale(tmp_path: Path) -> None:
    result = result_for(tmp_path)
    (tmp_path / "k.cpp").unlink()
    with pytest.raises(StaleTargetError):
        apply_result(result, tmp_path)


def test_nothing_to_apply_without_an_improvement(tmp_path: Path) -> None:
    result = result_for(tmp_path, improved=False)
    with pytest.raises(TargetError):
        apply_result(result, tmp_path)
    assert (tmp_path / "k.cpp").read_text() == ORIGINAL


def test_write_leaves_no_temporary_files_and_keeps_the_mode(tmp_path: Path) -> None:
    result = result_for(tmp_path)
    (tmp_path / "k.cpp").chmod(0o640)
    apply_result(result, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.cpp"]
    assert (tmp_path / "k.cpp").stat().st_mode & 0o777 == 0o640


def test_a_rewrite_judged_without_a_sandbox_is_not_written_unless_allowed(tmp_path: Path) -> None:
    from lessonl.errors import UnisolatedError

    result = result_for(tmp_path)
    result.best.verdict.warnings.append("UNISOLATED: candidate code runs without a sandbox on this machine")
    assert result.unisolated and result.to_json()["unisolated"] is True
    with pytest.raises(UnisolatedError) as raised:
        apply_result(result, tmp_path)
    assert raised.value.key == "sandbox.allow_unisolated"
    assert (tmp_path / "k.cpp").read_text() == ORIGINAL
    apply_result(result, tmp_path, allow_unisolated=True)
    assert (tmp_path / "k.cpp").read_text() == REWRITE
