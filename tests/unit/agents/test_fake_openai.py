"""The fake OpenAI server is itself a spec: real HTTP, scripted replies, recorded bodies, faults."""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.support.fake_openai import FakeOpenAI, Reply, by_model, embed, prompt_contains


def post(fake: FakeOpenAI, path: str, body: dict, timeout: float = 5) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(fake.base_url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def chat(model: str = "fake-model", text: str = "hello") -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}]}


def test_listens_on_loopback_with_a_free_port(fake_openai: FakeOpenAI) -> None:
    assert fake_openai.base_url.startswith("http://127.0.0.1:")
    assert fake_openai.port > 0
    with socket.create_connection(("127.0.0.1", fake_openai.port), timeout=2):
        pass


def test_lists_models(fake_openai: FakeOpenAI) -> None:
    with urllib.request.urlopen(fake_openai.base_url + "/models", timeout=5) as response:
        data = json.loads(response.read())
    assert [m["id"] for m in data["data"]] == fake_openai.models


def test_scripted_replies_come_in_order_and_bodies_are_recorded(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, "first", Reply.text("second", completion_tokens=7))
    status1, _, body1 = post(fake_openai, "/chat/completions", chat(text="one"))
    status2, _, body2 = post(fake_openai, "/chat/completions", chat(text="two"))
    assert (status1, status2) == (200, 200)
    assert json.loads(body1)["choices"][0]["message"]["content"] == "first"
    reply2 = json.loads(body2)
    assert reply2["choices"][0]["message"]["content"] == "second"
    assert reply2["usage"]["completion_tokens"] == 7
    assert [r.prompt for r in fake_openai.chat_requests] == ["one", "two"]
    assert fake_openai.pending == 0


def test_rules_route_by_model_and_prompt(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(by_model("model-b"), "for b")
    fake_openai.on(prompt_contains("lesson"), "a lesson")
    fake_openai.respond(lambda body: f"echo {body['model']}")
    replies = [json.loads(post(fake_openai, "/chat/completions", chat(m, t))[2])["choices"][0]["message"]["content"]
               for m, t in [("model-a", "write a lesson"), ("model-b", "code"), ("model-b", "code"),
                            ("model-a", "code")]]
    assert replies == ["a lesson", "for b", "echo model-b", "echo model-a"]


def test_unscripted_request_is_a_server_error(fake_openai: FakeOpenAI) -> None:
    status, _, body = post(fake_openai, "/chat/completions", chat())
    assert status == 500
    assert "no scripted reply" in json.loads(body)["error"]["message"]


def test_rate_limit_carries_retry_after(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.rate_limited(3))
    status, headers, _ = post(fake_openai, "/chat/completions", chat())
    assert status == 429
    assert headers["Retry-After"] == "3"


def test_malformed_and_empty_choices(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.malformed(), Reply.empty_choices())
    _, _, raw = post(fake_openai, "/chat/completions", chat())
    with pytest.raises(ValueError):
        json.loads(raw)
    _, _, raw = post(fake_openai, "/chat/completions", chat())
    assert json.loads(raw)["choices"] == []


def test_slow_reply_is_slow(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.slow("late", 0.4))
    started = time.monotonic()
    status, _, _ = post(fake_openai, "/chat/completions", chat())
    assert status == 200
    assert time.monotonic() - started >= 0.4


def test_dropped_connection_gives_no_http_answer(fake_openai: FakeOpenAI) -> None:
    fake_openai.on(None, Reply.dropped())
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        post(fake_openai, "/chat/completions", chat())


def test_embeddings_are_deterministic_and_similar_for_shared_words(fake_openai: FakeOpenAI) -> None:
    body = {"model": "embed", "input": ["loop over data once", "loop over data twice", "zebra giraffe"]}
    _, _, raw = post(fake_openai, "/embeddings", body)
    vectors = [d["embedding"] for d in json.loads(raw)["data"]]
    cos = lambda a, b: sum(x * y for x, y in zip(a, b))  # noqa: E731 - unit vectors
    assert vectors[0] == embed("loop over data once", fake_openai.embedding_dim)
    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2])
    assert len(fake_openai.embedding_requests) == 1


def test_stop_frees_the_port() -> None:
    fake = FakeOpenAI().start()
    port = fake.port
    fake.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
