"""Is an OpenAI-compatible endpoint usable? Reachable, serving the model, completing a token.

Used by `lessonl doctor` for every configured agent, and by the embedded default to decide
whether the default endpoint is there. Plain HTTP (stdlib, in a thread) rather than the openai
client, so that a wrong base URL shows the status line the server sent.
"""
from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from urllib.parse import urlparse

from .http import HttpFailure, request


@dataclass
class Check:
    """One step of an agent's health: ok, and what was seen or what to fix."""

    name: str  # reachable | model | completion
    ok: bool | None  # None: not run, because an earlier step failed
    detail: str = ""
    fix: str = ""


@dataclass
class AgentHealth:
    agent: str
    base_url: str
    model: str
    checks: list[Check] = field(default_factory=list)
    latency_s: float | None = None  # of the one-token completion
    managed: str = ""  # the GGUF file when LessonL manages the server

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def first_problem(self) -> Check | None:
        return next((c for c in self.checks if c.ok is False), None)


def _headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def list_models_sync(base_url: str, timeout: float = 2.0, api_key: str = "") -> list[str] | None:
    """The model ids GET {base_url}/models lists; None if the endpoint does not answer so."""
    if not base_url:
        return None
    try:
        reply = request("GET", base_url.rstrip("/") + "/models", headers=_headers(api_key), timeout=timeout)
        return _model_ids(reply.json()) if reply.status == 200 else None
    except (HttpFailure, ValueError):
        return None


def _model_ids(payload: Any) -> list[str]:
    data = payload.get("data", []) if isinstance(payload, dict) else []
    return [str(m.get("id")) for m in data if isinstance(m, dict) and m.get("id")]


async def check_agent(agent: Any, env: Mapping[str, str] = os.environ, timeout: float = 30.0) -> AgentHealth:
    """Run the three checks in order; a failed step leaves the later ones not run."""
    return await asyncio.to_thread(check_agent_sync, agent, env, timeout)


def check_agent_sync(agent: Any, env: Mapping[str, str] = os.environ, timeout: float = 30.0) -> AgentHealth:
    name = str(getattr(agent, "name", "agent"))
    base_url = str(getattr(agent, "base_url", "") or "").rstrip("/")
    model = str(getattr(agent, "model", "") or "")
    key_env = str(getattr(agent, "api_key_env", "") or "")
    api_key = env.get(key_env, "") if key_env else ""
    health = AgentHealth(name, base_url, model)
    headers = _headers(api_key)
    listed = _reachable(health, headers, key_env, api_key, min(timeout, 10.0))
    if listed is None:
        health.checks += [Check("model", None), Check("completion", None)]
        return health
    health.checks.append(_model_listed(model, listed))
    _completion(health, headers, timeout)
    return health


def _reachable(health: AgentHealth, headers: dict[str, str], key_env: str, api_key: str,
               timeout: float) -> list[str] | None:
    url = f"{health.base_url}/models"
    if not health.base_url:
        health.checks.append(Check("reachable", False, "no base_url", "set base_url, a preset, or model_path"))
        return None
    try:
        reply = request("GET", url, headers=headers, timeout=timeout)
    except HttpFailure as exc:
        fix = (f"start the model server at {health.base_url}, or change base_url/preset"
               if _is_local(health.base_url) else "check base_url and your network")
        health.checks.append(Check("reachable", False, f"cannot connect: {_short(exc)}", fix))
        return None
    if reply.status in (401, 403):
        fix = (f"set the environment variable {key_env}" if key_env and not api_key
               else f"check the API key in {key_env or 'api_key_env'}")
        health.checks.append(Check("reachable", False, f"HTTP {reply.status}: credentials refused", fix))
        return None
    if reply.status != 200:
        health.checks.append(Check("reachable", False, f"GET {url}: HTTP {reply.status}",
                                   "check base_url (it usually ends in /v1)"))
        return None
    try:
        listed = _model_ids(reply.json())
    except ValueError:
        health.checks.append(Check("reachable", False, f"GET {url} did not return JSON",
                                   "is this an OpenAI-compatible endpoint? base_url usually ends in /v1"))
        return None
    health.checks.append(Check("reachable", True, f"{len(listed)} model(s) listed"))
    return listed


def _model_listed(model: str, listed: list[str]) -> Check:
    if not model:
        return Check("model", False, "no model name configured", "set model for this agent")
    if model in listed:
        return Check("model", True, model)
    shown = ", ".join(listed[:6]) + (", ..." if len(listed) > 6 else "")
    return Check("model", False, f"'{model}' is not listed" + (f" (listed: {shown})" if listed else ""),
                 "set model to one of the listed names" if listed else "pull or load the model on the server")


def _completion(health: AgentHealth, headers: dict[str, str], timeout: float) -> None:
    body = {"model": health.model, "messages": [{"role": "user", "content": "Say OK."}],
            "max_tokens": 1, "temperature": 0}
    started = time.monotonic()
    try:
        reply = request("POST", f"{health.base_url}/chat/completions", body=body, headers=headers, timeout=timeout)
    except HttpFailure as exc:
        health.checks.append(Check("completion", False, f"no answer: {_short(exc)}",
                                   "the model may still be loading, or be too big for this machine; see the server's log"))
        return
    health.latency_s = time.monotonic() - started
    if reply.status != 200:
        health.checks.append(Check("completion", False, f"HTTP {reply.status}: {_short(reply.text)}",
                                   "check the model name and the server's log"))
        return
    try:
        choices = reply.json().get("choices") or []
    except (ValueError, AttributeError):
        choices = []
    if not choices:
        health.checks.append(Check("completion", False, "the reply had no choices", "see the server's log"))
        return
    health.checks.append(Check("completion", True, f"{health.latency_s * 1000:.0f} ms"))


def _is_local(base_url: str) -> bool:
    return (urlparse(base_url).hostname or "") in ("127.0.0.1", "localhost", "::1", "0.0.0.0")


def _short(value: Any, limit: int = 160) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
