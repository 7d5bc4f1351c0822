"""Small engine parts: candidates from replies, lesson texts, the one-line summary, the CLI display."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.cli.optimize import Display
from lessonl.code import locate
from lessonl.engine.candidates import make_candidate, rejected_verdict
from lessonl.engine.lessons import MAX_LESSON_CHARS, clean_lesson, lesson_for
from lessonl.engine.summary import describe
from lessonl.engine.target import Target, resolve_file
from lessonl.errors import TargetError
from lessonl.records import Attempt, Candidate, Outcome, ProgressEvent, Verdict
from tests.support import cpp_replies

REPO = Path(__file__).resolve().parents[3]
KERNELS = (REPO / "examples/cpp-kernels/kernels.cpp").read_text()


def target() -> Target:
    ref = locate(KERNELS, "cpp", "kernels.cpp", name="histogram")
    return Target(root=REPO, path=REPO / "examples/cpp-kernels/kernels.cpp", file_rel="kernels.cpp",
                  text=KERNELS, language="cpp", ref=ref)


def test_a_usable_reply_becomes_a_spliced_candidate() -> None:
    candidate = make_candidate(target(), "a", "m", 2, cpp_replies.HISTOGRAM_FASTER, ["l1", "l2"])
    assert candidate.rejection is None
    assert "for (int value : data)" in candidate.code
    assert candidate.new_file_text is not None
    assert "for (int value : data)" in candidate.new_file_text
    assert "void matmul(" in candidate.new_file_text and "prefix_sum(" in candidate.new_file_text
    assert (candidate.round, candidate.prompt_lesson_ids) == (2, ["l1", "l2"])


def test_a_reply_without_code_is_rejected_with_a_reason() -> None:
    candidate = make_candidate(target(), "a", "m", 0, cpp_replies.NO_CODE, [])
    assert candidate.new_file_text is None and candidate.rejection
    verdict = rejected_verdict(candidate)
    assert verdict.outcome is Outcome.REJECTED and verdict.message == candidate.rejection
    assert verdict.effective_speedup == 0.0


def test_lesson_text_is_one_clean_paragraph() -> None:
    raw = "Lesson: Code B is faster because\n it makes one pass.\n```cpp\nint x;\n```\nDone."
    assert clean_lesson(raw) == "Code B is faster because it makes one pass. Done."
    long = "Word. " * 1000
    assert len(clean_lesson(long)) <= MAX_LESSON_CHARS


def test_lesson_record_carries_the_effective_speedup() -> None:
    t = target()
    candidate = Candidate("agent-x", "model-x", 1, "r", code="code b")
    incorrect = lesson_for(t, candidate, Verdict(Outcome.INCORRECT, speedup=3.0), "wrong")
    assert (incorrect.outcome, incorrect.speedup, incorrect.ci) == ("incorrect", 0.0, None)
    faster = lesson_for(t, candidate, Verdict(Outcome.FASTER, speedup=2.5, ci=(2.0, 3.0)), "fast")
    assert (faster.speedup, faster.ci, faster.round, faster.agent, faster.model) == (2.5, (2.0, 3.0), 1,
                                                                                    "agent-x", "model-x")
    assert (faster.file, faster.qualified_name, faster.function_hash) == ("kernels.cpp", "histogram",
                                                                         t.ref.text_hash)
    assert faster.source_code == t.ref.text and faster.candidate_code == "code b"


def test_describe_says_why_there_is_no_improvement() -> None:
    attempts = [Attempt(Candidate("a", "m", 0, ""), Verdict(Outcome.INCORRECT)),
                Attempt(Candidate("b", "m", 0, ""), Verdict(Outcome.INCORRECT)),
                Attempt(Candidate("c", "m", 0, ""), Verdict(Outcome.SLOWER, speedup=0.5))]
    assert describe(None, attempts) == "no candidate was verifiably faster (3 attempts: 2 incorrect, 1 slower)"
    best = Attempt(Candidate("d", "m", 1, ""), Verdict(Outcome.FASTER, speedup=2.0, ci=(1.8, 2.2)))
    assert describe(best, attempts + [best]).startswith("2.00x faster (95% interval 1.80x to 2.20x), by d in round 2")


def test_files_outside_the_repository_are_refused(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "other.cpp").write_text("int f() { return 1; }\n")
    with pytest.raises(TargetError, match="outside the repository"):
        resolve_file(tmp_path / "repo", str(tmp_path / "other.cpp"))
    with pytest.raises(TargetError, match="no such file"):
        resolve_file(tmp_path / "repo", "missing.cpp")


def test_display_shows_round_agent_outcome_and_speedup() -> None:
    line = Display.render(ProgressEvent("candidate_judged", round=1, rounds=4, judged=5, total=12, agent="coder-2",
                                        outcome="faster", speedup=2.345, best_speedup=2.345))
    assert line == "  [5/12] round 2  coder-2        faster 2.35x   best 2.35x"
    line = Display.render(ProgressEvent("candidate_judged", round=0, judged=1, total=12, agent="coder-1",
                                        outcome="not_compilable"))
    assert "not compilable" in line and "x" not in line.split("not compilable")[1]
    assert Display.render(ProgressEvent("warning", message="agent x failed")) == "  warning: agent x failed"
    assert Display.render(ProgressEvent("round_started", round=1, rounds=4, message="round 2/4 with 3 lessons")) \
        == "round 2/4 with 3 lessons"
