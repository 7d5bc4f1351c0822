"""The persistent bank (beyond the paper): lessons from earlier runs steer round 1 too, and the
result is justified by the lessons that were in its prompt plus the winner's own lesson."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.engine import OptimizeRequest, optimize
from lessonl_store import LessonBank
from lessonl_store.records import Lesson
from tests.support import cpp_replies as R
from tests.support.fake_openai import FakeOpenAI
from tests.support.loop_script import code_requests, overrides, script_agent

pytestmark = pytest.mark.slow


async def test_lessons_from_an_earlier_run_reach_the_first_round(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    earlier = Lesson(text="Count each element once: one pass over data beats one pass per bin.",
                     outcome="faster", speedup=3.0, round=2, agent="old-agent", model="old-model",
                     file="kernels.cpp", qualified_name="histogram", function_hash="earlier")
    with LessonBank.open(cpp_repo / ".lessonl") as bank:
        bank.add(earlier)
    script_agent(fake_openai, "model-a", [R.HISTOGRAM_FASTER], ["One pass instead of one per bin."])

    result = await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                            overrides=overrides(fake_openai, ["model-a"])))

    [prompt] = [r.prompt for r in code_requests(fake_openai)]
    assert "Lesson 1 (this lesson significantly improves the code performance):\n" + earlier.text in prompt
    assert result.improved and result.best is not None
    assert result.best.candidate.prompt_lesson_ids == [earlier.id]
    assert [l.text for l in result.justifying_lessons] == [earlier.text, "One pass instead of one per bin."]
    with LessonBank.open(cpp_repo / ".lessonl") as bank:
        used = bank.get(earlier.id)
        # In the round's prompt: factor = mean over the new speedups of (1.1 if s > 3.0 else 0.9).
        assert used.factor == pytest.approx(1.1 if result.speedup > 3.0 else 0.9)
        assert used.uses == 1
        assert bank.latest_result("kernels.cpp", "histogram").lesson_ids == [l.id for l in result.justifying_lessons]
