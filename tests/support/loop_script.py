"""Scripting the fake OpenAI server for whole optimization runs.

Each agent gets its own model name, so its requests can be routed to its own queues of code
replies and lesson replies whatever order the concurrent requests arrive in.
"""
from __future__ import annotations

from typing import Any, Sequence

from lessonl import prompts

from .fake_openai import Body, FakeOpenAI, Recorded, Reply

FAST_TIMING = {"budget": 3, "max_runs": 8}


def is_lesson(body: Body) -> bool:
    return any(prompts.LESSON_TASK in str(m.get("content", "")) for m in body.get("messages", []))


def is_code(body: Body) -> bool:
    return any(prompts.CODE_TASK in str(m.get("content", "")) for m in body.get("messages", []))


def script_agent(fake: FakeOpenAI, model: str, code: Sequence[Reply | str],
                 lessons: Sequence[Reply | str] = ()) -> None:
    """Queue `code` replies for the agent's code prompts and `lessons` for its lesson prompts."""
    fake.on(lambda b: b.get("model") == model and is_code(b), *code)
    fake.on(lambda b: b.get("model") == model and is_lesson(b), *lessons)


def agent_config(fake: FakeOpenAI, name: str, model: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "preset": "custom", "base_url": fake.base_url, "model": model,
            "api_key_env": "", "temperature": 0.2, "seed": 1, "persona": "", "timeout": 10, **extra}


def overrides(fake: FakeOpenAI, models: Sequence[str], rounds: int = 1, k: int = 4,
              **sections: Any) -> dict[str, Any]:
    """Config overrides for a fast run against the fake: one agent per model. The benchmark's
    profile stays out of the prompts (no profiler run per test) unless a test passes
    profile={"prompt": True} (tests/integration/test_loop_profile.py)."""
    result: dict[str, Any] = {
        "agents": [agent_config(fake, f"agent-{m.split('-')[-1]}", m) for m in models],
        "loop": {"rounds": rounds, "k": k},
        "timing": dict(FAST_TIMING),
        "profile": {"prompt": False},
    }
    for key, value in sections.items():
        result[key] = {**result.get(key, {}), **value} if isinstance(value, dict) else value
    return result


def code_requests(fake: FakeOpenAI) -> list[Recorded]:
    return [r for r in fake.chat_requests if r.body and is_code(r.body)]


def lesson_requests(fake: FakeOpenAI) -> list[Recorded]:
    return [r for r in fake.chat_requests if r.body and is_lesson(r.body)]
