"""The loop on the bundled Python example: the same engine, pytest as the judge's test step."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.engine import OptimizeRequest, apply_result, optimize
from lessonl.records import Outcome
from lessonl_store import LessonBank
from tests.support.fake_openai import FakeOpenAI
from tests.support.loop_script import overrides, script_agent
from tests.support.python_replies import FIND_DUPLICATES_FASTER

pytestmark = pytest.mark.slow



async def test_python_function_gets_a_verified_faster_rewrite(py_repo: Path, fake_openai: FakeOpenAI) -> None:
    script_agent(fake_openai, "model-a", [FIND_DUPLICATES_FASTER], ["Sets make membership tests constant time."])
    result = await optimize(OptimizeRequest(py_repo, "hotspots/core.py", name="find_duplicates",
                                            overrides=overrides(fake_openai, ["model-a"])))
    assert [a.verdict.outcome for a in result.attempts] == [Outcome.FASTER]
    assert result.improved and result.ci is not None and result.ci[0] > 1.03
    assert "+    seen: set[int] = set()" in result.diff
    assert [l.text for l in result.justifying_lessons] == ["Sets make membership tests constant time."]
    apply_result(result, py_repo)
    assert (py_repo / "hotspots/core.py").read_text() == result.new_text
    stored = LessonBank.open(py_repo / ".lessonl").latest_result("hotspots/core.py", "find_duplicates")
    assert stored is not None and stored.new_function_hash is not None
