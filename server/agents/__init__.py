"""LLM agents: one OpenAI-compatible client per configured agent.

The engine only sees `AgentClient.chat()`; endpoints, keys, retries, timeouts and cancellation
stay here so that a flaky or slow endpoint never leaks into the loop's logic.
"""
from .client import AgentClient, ChatReply, RetryPolicy
from .defaults import DEFAULT_AGENTS, PRESET_BASE_URLS

__all__ = ["AgentClient", "ChatReply", "RetryPolicy", "DEFAULT_AGENTS", "PRESET_BASE_URLS"]
