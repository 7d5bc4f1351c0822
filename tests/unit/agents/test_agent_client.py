"""AgentClient against the real fake server: retries, Retry-After, errors people can act on,
cancellation within 2 s, and token accounting."""
from __future__ import annotations

import asyncio
import socket
import time

import pytest

from lessonl.agents import AgentClient, RetryPolicy
from lessonl.cancel import CancelToken
from lessonl.errors import AgentError, Cancelled
from tests.support.fake_openai import FakeOpenAI, Reply

FAST = RetryPolicy(attempts=3, backoff_s=0.01, max_wait_s=5)
MESSAGES = [{"role": "system", "content": "be fast"}, {"role": "user", "content": "rewrite f"}]


def agent(fake: FakeOpenAI, **extra) -> AgentClient:
    config = {"name": "a1", "base_url": fake.base_url, "model": "model-a", "api_key_env": "",
              "temperature": 0.3, "seed": 7, "timeout": 5, **extra}
    return AgentClient(config, env={}, retry=extra.pop("retry", FAST))


async def test_reply_text_and_token_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.text("```cpp\nint f();\n```", prompt_tokens=11, completion_tokens=5))
    async with agent(fake_openai) as client:
        reply = await client.chat(MESSAGES, max_tokens=100, frequency_penalty=0.5)
    assert reply.text == "```cpp\nint f();\n```"
    assert (reply.prompt_tokens, reply.completion_tokens, reply.attempts) == (11, 5, 1)
    assert (client.usage.prompt_tokens, client.usage.completion_tokens, client.usage.requests) == (11, 5, 1)
    body = fake_openai.chat_requests[0].body
    assert body["messages"] == MESSAGES
    assert (body["model"], body["temperature"], body["seed"]) == ("model-a", 0.3, 7)
    assert (body["max_tokens"], body["frequency_penalty"]) == (100, 0.5)


async def test_temperature_argument_overrides_the_agents(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, "ok")
    async with agent(fake_openai) as client:
        await client.chat(MESSAGES, temperature=0.9)
    assert fake_openai.chat_requests[0].body["temperature"] == 0.9


async def test_429_waits_for_retry_after_then_succeeds(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.rate_limited(1), "ok")
    async with agent(fake_openai) as client:
        started = time.monotonic()
        reply = await client.chat(MESSAGES)
    assert reply.text == "ok" and reply.attempts == 2
    assert time.monotonic() - started >= 0.95
    gap = fake_openai.chat_requests[1].at - fake_openai.chat_requests[0].at
    assert gap >= 0.95


async def test_retry_after_is_capped(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.rate_limited(3600), "ok")
    capped = RetryPolicy(attempts=2, backoff_s=0.01, max_wait_s=0.2)
    client = AgentClient({"name": "a", "base_url": fake_openai.base_url, "model": "m"}, env={}, retry=capped)
    started = time.monotonic()
    assert (await client.chat(MESSAGES)).text == "ok"
    assert time.monotonic() - started < 2
    await client.close()


@pytest.mark.parametrize("fault", [Reply.error(500), Reply.error(503), Reply.malformed(),
                                   Reply.empty_choices(), Reply.dropped()],
                         ids=["500", "503", "malformed-json", "empty-choices", "dropped"])
async def test_transient_fault_then_success(fake_openai: FakeOpenAI, fault: Reply) -> None:
    fake_openai.on(None, fault, "recovered")
    async with agent(fake_openai) as client:
        reply = await client.chat(MESSAGES)
    assert reply.text == "recovered"
    assert reply.attempts == 2
    assert len(fake_openai.chat_requests) == 2


async def test_slow_reply_times_out_and_is_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.slow("too late", 3), "in time")
    async with agent(fake_openai, timeout=0.5) as client:
        reply = await client.chat(MESSAGES)
    assert reply.text == "in time"


async def test_persistent_500_is_an_agent_error_naming_agent_and_url(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, *[Reply.error(500)] * 3)
    async with agent(fake_openai) as client:
        with pytest.raises(AgentError) as info:
            await client.chat(MESSAGES)
    text = str(info.value)
    assert "a1" in text and fake_openai.base_url in text and "3 tries" in text
    assert "running" in text  # local endpoint: ask whether the server is up
    assert len(fake_openai.chat_requests) == 3


async def test_unauthorised_is_not_retried_and_names_the_env_var(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.error(401, "bad key"), "never")
    client = AgentClient({"name": "cloud", "base_url": fake_openai.base_url, "model": "m",
                          "api_key_env": "MY_LLM_KEY"}, env={}, retry=FAST)
    with pytest.raises(AgentError) as info:
        await client.chat(MESSAGES)
    await client.close()
    assert "MY_LLM_KEY" in str(info.value)
    assert len(fake_openai.chat_requests) == 1


async def test_api_key_comes_from_the_named_env_var(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, "ok")
    client = AgentClient({"name": "cloud", "base_url": fake_openai.base_url, "model": "m",
                          "api_key_env": "MY_LLM_KEY"}, env={"MY_LLM_KEY": "sekrit"})
    await client.chat(MESSAGES)
    await client.close()
    assert fake_openai.chat_requests[0].headers.get("authorization") == "Bearer sekrit"


async def test_endpoint_down_is_a_clear_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = AgentClient({"name": "down", "base_url": f"http://127.0.0.1:{port}/v1", "model": "m"},
                         env={}, retry=FAST)
    with pytest.raises(AgentError) as info:
        await client.chat(MESSAGES)
    await client.close()
    assert "cannot connect" in str(info.value) and str(port) in str(info.value)


async def test_missing_model_is_rejected_up_front() -> None:
    with pytest.raises(AgentError, match="model"):
        AgentClient({"name": "x", "base_url": "http://127.0.0.1:1/v1", "model": ""}, env={})


async def test_cancel_aborts_the_request_in_flight_within_2_s(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.slow("late", 10))
    cancel = CancelToken()
    async with agent(fake_openai, timeout=30) as client:
        asyncio.get_running_loop().call_later(0.3, cancel.cancel)
        started = time.monotonic()
        with pytest.raises(Cancelled):
            await client.chat(MESSAGES, cancel=cancel)
        assert time.monotonic() - started < 2.3


async def test_cancel_during_backoff(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.rate_limited(30), "never")
    cancel = CancelToken()
    slow = RetryPolicy(attempts=3, backoff_s=1, max_wait_s=60)
    client = AgentClient({"name": "a", "base_url": fake_openai.base_url, "model": "m"}, env={}, retry=slow)
    asyncio.get_running_loop().call_later(0.3, cancel.cancel)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        await client.chat(MESSAGES, cancel=cancel)
    await client.close()
    assert time.monotonic() - started < 2
    assert len(fake_openai.chat_requests) == 1


async def test_one_endpoint_one_model_many_agents(fake_openai: FakeOpenAI) -> None:
    """Agents sharing an endpoint and model still differ by temperature and seed."""
    fake_openai.respond(lambda body: f"seed {body.get('seed')}")
    clients = [AgentClient({"name": f"a{i}", "base_url": fake_openai.base_url, "model": "fake-model",
                            "temperature": 0.2 * i, "seed": i}, env={}) for i in (1, 2, 3)]
    replies = await asyncio.gather(*(c.chat(MESSAGES) for c in clients))
    for c in clients:
        await c.close()
    assert sorted(r.text for r in replies) == ["seed 1", "seed 2", "seed 3"]
    assert sorted(r.body["temperature"] for r in fake_openai.chat_requests) == pytest.approx([0.2, 0.4, 0.6])
