"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests.

Tests talk to it through the real `openai` client over real sockets, so retries, timeouts,
cancellation and JSON parsing are exercised exactly as against a real endpoint. Replies are
scripted per request (rules matched against the request body, each with a queue of replies or a
function), every request body is recorded, and faults can be injected: HTTP errors, 429 with
Retry-After, slow replies, malformed JSON, empty choices and dropped connections.

Usage:
    with FakeOpenAI() as fake:
        fake.on(by_model("m1"), "```cpp\\nint f() { return 1; }\\n```")
        fake.on(None, Reply.error(500), Reply.text("ok"))     # None matches every chat request
        client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="x")
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable

Body = dict[str, Any]
Predicate = Callable[[Body], bool]


@dataclass
class Reply:
    """One scripted answer. Build with the class methods; `delay` works with every kind."""

    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent verbatim instead of a JSON body (malformed replies)
    payload: Any = None  # sent as JSON instead of a chat completion
    delay: float = 0.0
    drop: bool = False  # close the connection without answering
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @classmethod
    def text(cls, content: str, *, delay: float = 0.0, prompt_tokens: int | None = None,
             completion_tokens: int | None = None) -> "Reply":
        return cls(content=content, delay=delay, prompt_tokens=prompt_tokens,
                   completion_tokens=completion_tokens)

    @classmethod
    def error(cls, status: int = 500, message: str = "injected failure", *,
              retry_after: float | None = None, delay: float = 0.0) -> "Reply":
        headers = {} if retry_after is None else {"Retry-After": _number(retry_after)}
        payload = {"error": {"message": message, "type": "server_error", "code": status}}
        return cls(status=status, headers=headers, payload=payload, delay=delay)

    @classmethod
    def rate_limited(cls, retry_after: float = 1.0) -> "Reply":
        return cls.error(429, "rate limit reached", retry_after=retry_after)

    @classmethod
    def malformed(cls) -> "Reply":
        return cls(raw=b'{"id": "chatcmpl-broken", "choices": [ {"mess')

    @classmethod
    def empty_choices(cls) -> "Reply":
        return cls(payload={"id": "chatcmpl-empty", "object": "chat.completion", "created": 0,
                            "model": "fake", "choices": [],
                            "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1}})

    @classmethod
    def dropped(cls, *, delay: float = 0.0) -> "Reply":
        return cls(drop=True, delay=delay)

    @classmethod
    def slow(cls, content: str, delay: float) -> "Reply":
        return cls.text(content, delay=delay)


Responder = Callable[[Body], "Reply | str"]


@dataclass
class Recorded:
    """One request the server received (the body is parsed JSON, or None if it was not JSON)."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Body | None
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", []))

    @property
    def prompt(self) -> str:
        """All message contents joined: what tests search for lesson texts."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)

    @property
    def model(self) -> str:
        return str((self.body or {}).get("model", ""))


@dataclass
class _Rule:
    predicate: Predicate | None
    replies: deque[Reply | str] | None = None
    responder: Responder | None = None

    def matches(self, body: Body) -> bool:
        if self.replies is not None and not self.replies:
            return False
        return self.predicate is None or bool(self.predicate(body))

    def take(self, body: Body) -> Reply | str:
        if self.responder is not None:
            return self.responder(body)
        assert self.replies is not None
        return self.replies.popleft()


def by_model(model: str) -> Predicate:
    return lambda body: body.get("model") == model


def prompt_contains(text: str) -> Predicate:
    return lambda body: any(text in str(m.get("content", "")) for m in body.get("messages", []))


class FakeOpenAI:
    """The server. Start with `start()` or a `with` block; `base_url` ends in /v1."""

    def __init__(self, models: Iterable[str] = ("fake-model",), embedding_dim: int = 64) -> None:
        self.models = list(models)
        self.embedding_dim = embedding_dim
        self.requests: list[Recorded] = []
        self.default: Reply | str = Reply.error(500, "the fake server has no scripted reply left")
        self._rules: list[_Rule] = []
        self._embed_rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- scripting -------------------------------------------------------------------------
    def on(self, predicate: Predicate | None, *replies: Reply | str) -> "FakeOpenAI":
        """Chat requests matching `predicate` get `replies` in order (first matching rule with
        replies left wins; rules are tried in the order they were added)."""
        with self._lock:
            self._rules.append(_Rule(predicate, replies=deque(replies)))
        return self

    def respond(self, responder: Responder, predicate: Predicate | None = None) -> "FakeOpenAI":
        """Chat requests matching `predicate` are answered by `responder(body)`, forever."""
        with self._lock:
            self._rules.append(_Rule(predicate, responder=responder))
        return self

    def on_embeddings(self, *replies: Reply | str) -> "FakeOpenAI":
        """Override the default (deterministic bag-of-words) embeddings with scripted replies."""
        with self._lock:
            self._embed_rules.append(_Rule(None, replies=deque(replies)))
        return self

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._embed_rules.clear()
            self.requests.clear()

    # --- inspection --------------------------------------------------------------------------
    @property
    def chat_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def embedding_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/embeddings")]

    @property
    def pending(self) -> int:
        """Scripted replies not consumed yet (tests assert 0 to show the script was used up)."""
        with self._lock:
            return sum(len(r.replies) for r in self._rules if r.replies is not None)

    # --- lifecycle ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake server first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeOpenAI":
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- answering (called from handler threads) ----------------------------------------------
    def _record(self, method: str, path: str, headers: dict[str, str], body: Body | None) -> None:
        with self._lock:
            self.requests.append(Recorded(method, path, headers, body, time.time()))

    def _chat_reply(self, body: Body) -> Reply:
        with self._lock:
            rule = next((r for r in self._rules if r.matches(body)), None)
            chosen = rule.take(body) if rule is not None else self.default
        return chosen if isinstance(chosen, Reply) else Reply.text(chosen)

    def _embedding_reply(self, body: Body) -> Reply:
        with self._lock:
            rule = next((r for r in self._embed_rules if r.matches(body)), None)
            if rule is not None:
                chosen = rule.take(body)
                return chosen if isinstance(chosen, Reply) else Reply(payload=json.loads(chosen))
        inputs = body.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        data = [{"object": "embedding", "index": i, "embedding": embed(str(t), self.embedding_dim)}
                for i, t in enumerate(inputs)]
        tokens = sum(len(str(t).split()) for t in inputs)
        return Reply(payload={"object": "list", "data": data, "model": body.get("model", "fake-embed"),
                              "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


def embed(text: str, dim: int = 64) -> list[float]:
    """Deterministic unit vector from hashed words: texts sharing words have a high cosine."""
    vector = [0.0] * dim
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text.lower()):
        slot = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big") % dim
        vector[slot] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def completion(body: Body, reply: Reply) -> dict[str, Any]:
    """The JSON of a non-streaming chat completion carrying `reply.content`."""
    prompt_words = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    prompt_tokens = reply.prompt_tokens if reply.prompt_tokens is not None else prompt_words
    completion_tokens = (reply.completion_tokens if reply.completion_tokens is not None
                         else len((reply.content or "").split()))
    return {
        "id": f"chatcmpl-fake-{int(time.time() * 1e6)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": reply.content}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def _lower(headers: Any) -> dict[str, str]:
    """Header names lower-cased, as HTTP treats them case-insensitively."""
    return {k.lower(): v for k, v in headers.items()}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes; without NODELAY, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms per request, and "instant" replies would not be.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self.fake._record("GET", self.path, _lower(self.headers), None)
        if self.path.rstrip("/").endswith("/models"):
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.fake.models]
            self._send(Reply(payload={"object": "list", "data": data}), {})
        else:
            self._send(Reply.error(404, f"no route {self.path}"), {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        self.fake._record("POST", self.path, _lower(self.headers), body)
        if body is None:
            self._send(Reply.error(400, "request body is not JSON"), {})
        elif self.path.endswith("/chat/completions"):
            if body.get("stream"):
                self._send(Reply.error(400, "the fake server does not stream"), body)
            else:
                self._send(self.fake._chat_reply(body), body)
        elif self.path.endswith("/embeddings"):
            self._send(self.fake._embedding_reply(body), body)
        else:
            self._send(Reply.error(404, f"no route {self.path}"), body)

    def _send(self, reply: Reply, body: Body) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        try:
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply.raw is not None:
                data = reply.raw
            elif reply.payload is not None:
                data = json.dumps(reply.payload).encode()
            else:
                data = json.dumps(completion(body, reply)).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (cancelled or timed out) while we were slow
            self.close_connection = True
