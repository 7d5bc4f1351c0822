"""Loop settings reach the model as configured, asserted on the request bodies the fake
endpoint recorded: [loop] temperature for agents that set none, an agent's own temperature
where it sets one, [loop] lesson_temperature for lessons; and the default three agents, which
share one endpoint and model, still differ (seed and persona) while using [loop] temperature."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.agents.defaults import DEFAULT_AGENTS
from lessonl.engine import OptimizeRequest, optimize
from tests.support import cpp_replies as R
from tests.support.fake_openai import Body, FakeOpenAI
from tests.support.loop_script import FAST_TIMING, code_requests, is_lesson, lesson_requests, script_agent

pytestmark = pytest.mark.slow


async def test_loop_temperature_applies_to_agents_without_their_own(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    script_agent(fake_openai, "model-a", [R.NO_CODE], ["No code was given."])
    script_agent(fake_openai, "model-b", [R.NO_CODE], ["No code was given."])
    agents = [{"name": "plain", "base_url": fake_openai.base_url, "model": "model-a", "timeout": 10},
              {"name": "hot", "base_url": fake_openai.base_url, "model": "model-b", "timeout": 10,
               "temperature": 0.9}]
    settings = {"agents": agents, "timing": FAST_TIMING,
                "loop": {"rounds": 1, "temperature": 0.7, "lesson_temperature": 0.3}}

    await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram", overrides=settings))

    code = {r.model: r.body["temperature"] for r in code_requests(fake_openai)}
    assert code == {"model-a": 0.7, "model-b": 0.9}
    assert sorted(r.body["temperature"] for r in lesson_requests(fake_openai)) == [0.3, 0.3]


async def test_the_default_agents_differ_by_seed_and_persona_and_use_loop_temperature(
        cpp_repo: Path, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESSONL_BASE_URL", fake_openai.base_url)  # the defaults, on the fake endpoint
    monkeypatch.setenv("LESSONL_MODEL", "model-a")

    def answer(body: Body) -> str:
        return "No code was given." if is_lesson(body) else R.NO_CODE

    fake_openai.respond(answer)
    settings = {"timing": FAST_TIMING, "loop": {"rounds": 1, "temperature": 0.5}}

    await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram", overrides=settings))

    requests = code_requests(fake_openai)
    assert len(requests) == len(DEFAULT_AGENTS) == 3
    assert {r.body["model"] for r in requests} == {"model-a"}
    assert [r.body["temperature"] for r in requests] == [0.5, 0.5, 0.5]
    assert sorted(r.body["seed"] for r in requests) == [1, 2, 3]
    systems = {r.body["messages"][0]["content"] for r in requests}
    assert len(systems) == 3  # three personas: the prompts differ, not only the samples
