"""LLM agents: one OpenAI-compatible client per configured agent.

The engine only sees `AgentClient.chat()`; endpoints, keys, retries, timeouts and cancellation
stay here so that a flaky or slow endpoint never leaks into the loop's logic. The client (and
with it the openai package, half a second of imports) loads on first use, so that reading the
defaults here costs nothing at start-up.
"""
from typing import Any

from .defaults import DEFAULT_AGENTS, PRESET_BASE_URLS

__all__ = ["AgentClient", "ChatReply", "RetryPolicy", "DEFAULT_AGENTS", "PRESET_BASE_URLS"]


def __getattr__(name: str) -> Any:
    if name in ("AgentClient", "ChatReply", "RetryPolicy"):
        from . import client

        return getattr(client, name)
    raise AttributeError(name)
