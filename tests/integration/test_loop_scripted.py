"""The whole loop on the bundled C++ example: real compiler, tests and benchmark, the real lesson
bank on disk, and a real HTTP fake of the LLM endpoint scripted with one candidate per outcome."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl import prompts
from lessonl.engine import OptimizeRequest, optimize
from lessonl.records import Outcome, ProgressEvent
from lessonl_store import LessonBank
from tests.support import cpp_replies as R
from tests.support.fake_openai import FakeOpenAI
from tests.support.loop_script import code_requests, lesson_requests, overrides, script_agent

pytestmark = pytest.mark.slow

MODELS = ["model-a", "model-b", "model-c", "model-d"]
LESSON = {
    "model-a": "Code B returns counts_total, a name that was never declared, so the compiler stops.",
    "model-b": "Code B skips the value zero in its bounds check, so bin zero of the histogram counts stays empty.",
    "model-c": ("Reducing with a modulus by a large prime costs an integer division, one of the slowest arithmetic "
                "operations a processor executes; multiplying by a precomputed reciprocal would avoid the "
                "divider entirely."),
    "model-d": "Code B counts every element of data in one pass over the input instead of one pass per bin.",
}


async def test_scripted_run_finds_the_faster_candidate_and_learns(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    # Round 1: one candidate per outcome. Round 2: one correct rewrite, the rest give up.
    script_agent(fake_openai, "model-a", [R.HISTOGRAM_NOT_COMPILABLE, R.NO_CODE], [LESSON["model-a"], "a2"])
    script_agent(fake_openai, "model-b", [R.HISTOGRAM_INCORRECT, R.NO_CODE], [LESSON["model-b"], "b2"])
    script_agent(fake_openai, "model-c", [R.HISTOGRAM_SLOWER, R.HISTOGRAM_SAME_SPEED], [LESSON["model-c"], "c2"])
    script_agent(fake_openai, "model-d", [R.HISTOGRAM_FASTER, R.NO_CODE], [LESSON["model-d"], "d2"])
    settings = overrides(fake_openai, MODELS, rounds=2, k=3)
    original = (cpp_repo / "kernels.cpp").read_text()
    events: list[ProgressEvent] = []

    result = await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram", overrides=settings),
                            on_progress=events.append)

    # -- the answer: the verified faster candidate, never the fast-but-wrong one --------------
    outcomes = {(a.candidate.round, a.candidate.agent): a.verdict.outcome for a in result.attempts}
    assert outcomes[(0, "agent-a")] is Outcome.NOT_COMPILABLE
    assert outcomes[(0, "agent-b")] is Outcome.INCORRECT
    assert outcomes[(0, "agent-c")] is Outcome.SLOWER
    assert outcomes[(0, "agent-d")] is Outcome.FASTER
    assert outcomes[(1, "agent-a")] is outcomes[(1, "agent-b")] is outcomes[(1, "agent-d")] is Outcome.REJECTED
    assert outcomes[(1, "agent-c")].is_correct
    assert result.improved and result.best is not None
    assert (result.best.candidate.agent, result.best.candidate.round) == ("agent-d", 0)
    assert result.speedup == result.best.verdict.speedup and result.ci == result.best.verdict.ci
    assert result.ci is not None and result.ci[0] > 1.03
    assert "+    for (int value : data) {" in result.diff and result.diff.startswith("--- ")
    assert result.new_text is not None and "for (int value : data)" in result.new_text
    assert (cpp_repo / "kernels.cpp").read_text() == original  # the user's file is untouched
    assert fake_openai.pending == 0  # every scripted reply was asked for

    # -- the four round-1 lessons are banked with their outcomes and effective speedups -----------
    bank = LessonBank.open(cpp_repo / ".lessonl")
    lessons = {l.text: l for l in bank.lessons()}
    by_model = {m: lessons[LESSON[m]] for m in MODELS}
    verdicts = {a.candidate.model: a.verdict for a in result.attempts if a.candidate.round == 0}
    assert [by_model[m].outcome for m in MODELS] == ["not_compilable", "incorrect", "slower", "faster"]
    for model in MODELS:
        assert by_model[model].speedup == pytest.approx(verdicts[model].effective_speedup)
        assert by_model[model].round == 0 and by_model[model].qualified_name == "histogram"
    assert by_model["model-d"].speedup > 1.5 and 0 < by_model["model-c"].speedup < 1

    # -- round 2's prompts carry the selected lessons, in selection order -------------------------
    # k = 3 of 4 lessons: the speed half (ceil(3/2) = 2 slots) holds only the faster lesson (the
    # only verified faster one with speedup x factor >= 1.1); the relevance half takes the 2 most
    # relevant of the others. All four share Code A (histogram) and near-copies of it as Code B,
    # so their texts decide: model-b's names the function's own words (histogram, bin, counts,
    # value), model-a's one of them (counts_total), model-c's none, in a long text about
    # arithmetic. Relevance order: b, a, c; c is left out.
    expected = [(by_model["model-d"], prompts.SIGNIFICANT), (by_model["model-b"], prompts.NOT_EQUIVALENT),
                (by_model["model-a"], prompts.NOT_COMPILABLE)]
    left_out = by_model["model-c"]
    round2 = [r for r in code_requests(fake_openai) if "### Lessons" in r.prompt]
    assert sorted(r.model for r in round2) == MODELS  # every agent got the lessons
    for request in round2:
        positions = [request.prompt.index(f"Lesson {n} (this lesson {intro}):\n{lesson.text}")
                     for n, (lesson, intro) in enumerate(expected, 1)]
        assert positions == sorted(positions)
        assert left_out.text not in request.prompt
    round1 = [r for r in code_requests(fake_openai) if "### Lessons" not in r.prompt]
    assert len(round1) == 4  # a fresh bank: round 1 has no lessons
    assert all(r.prompt.count("Lesson ") == 0 for r in round1)
    assert result.best.candidate.prompt_lesson_ids == []
    assert [l.text for l in result.justifying_lessons] == [LESSON["model-d"]]

    # -- effectiveness: lessons in round 2's prompts get mean(1.1 if s > speedup else 0.9) --------
    new_speedups = [a.verdict.effective_speedup for a in result.attempts if a.candidate.round == 1]
    for lesson, _ in expected:
        stored = bank.get(lesson.id)
        want = sum(1.1 if s > lesson.speedup else 0.9 for s in new_speedups) / len(new_speedups)
        assert stored.factor == pytest.approx(want)
    assert bank.get(left_out.id).factor == pytest.approx(1.0)  # not in a prompt: untouched

    # -- lesson prompts carry what the judge found ------------------------------------------------
    lesson_prompts = {r.model: r.prompt for r in lesson_requests(fake_openai) if "counts_total" in r.prompt
                      or "value > 0" in r.prompt or "modulus" in r.prompt or "int value : data" in r.prompt}
    assert "does not compile" in lesson_prompts["model-a"] and "counts_total" in lesson_prompts["model-a"]
    assert "FAIL histogram" in lesson_prompts["model-b"]
    assert f"{verdicts['model-c'].speedup:.2f}x" in lesson_prompts["model-c"]
    assert f"{verdicts['model-d'].speedup:.2f}x" in lesson_prompts["model-d"]

    # -- progress and the stored result for hover -------------------------------------------------
    kinds = [e.kind for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert kinds.count("round_started") == 2
    assert kinds.count("candidate_judged") == 8 and kinds.count("lesson_banked") == 8
    judged = [e for e in events if e.kind == "candidate_judged"]
    assert [e.judged for e in judged] == list(range(1, 9)) and all(e.total == 8 for e in judged)
    assert events[-1].best_speedup == result.speedup
    stored = bank.latest_result("kernels.cpp", "histogram")
    assert stored is not None and stored.id == result.result_id
    assert stored.improved and stored.speedup == result.speedup and stored.diff == result.diff
    assert stored.lesson_ids == [l.id for l in result.justifying_lessons]
    assert result.tokens.requests == 16
