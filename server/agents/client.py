"""One agent's connection to an OpenAI-compatible chat endpoint.

We switch the `openai` client's own retries off (max_retries=0) and retry here, because we need
three things it does not give together: a cap on Retry-After (a server asking for 10 minutes
must not hang an editor), retries of malformed or empty replies (common behind local proxies),
and cancellation that aborts the request in flight within moments.
"""
from __future__ import annotations

import asyncio
import email.utils
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence
from urllib.parse import urlparse

import openai

from ..cancel import CancelToken
from ..errors import AgentError, Cancelled
from ..records import TokenUsage
# The trust rule lives in .trust (shared with the embeddings backend); re-exported here.
from .trust import LOCAL_HOSTS, TRUSTED_HOSTS_ENV, trusted_endpoint, withheld_key_hint  # noqa: F401

DEFAULT_TEMPERATURE = 0.2  # the reference's code-generation temperature
PLACEHOLDER_KEY = "lessonl-no-key"  # local servers (ollama, vllm, llama.cpp) ignore the key


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request. Waits double from `backoff_s` up to `max_wait_s`;
    a server's Retry-After is honoured but never beyond `max_wait_s`."""

    attempts: int = 4  # total tries, the first one included
    backoff_s: float = 0.5
    max_wait_s: float = 20.0


@dataclass
class ChatReply:
    text: str
    prompt_tokens: int
    completion_tokens: int
    model: str = ""
    attempts: int = 1  # how many tries it took


class _Retryable(Exception):
    """A failure worth another try; `wait_s` is the server's Retry-After if it sent one."""

    def __init__(self, what: str, wait_s: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.wait_s = wait_s


def _field(config: Any, name: str, default: Any) -> Any:
    """Agent settings may come as a dataclass or a plain dict (tests, overrides)."""
    if isinstance(config, Mapping):
        value = config.get(name, default)
    else:
        value = getattr(config, name, default)
    return default if value is None else value


class AgentClient:
    """Chat with one configured agent. Create once per job; `close()` when done."""

    def __init__(self, agent_config: Any, env: Mapping[str, str] = os.environ,
                 retry: RetryPolicy | None = None) -> None:
        self.name: str = str(_field(agent_config, "name", "agent"))
        self.model: str = str(_field(agent_config, "model", ""))
        self.base_url: str = str(_field(agent_config, "base_url", "")).rstrip("/")
        temperature = _field(agent_config, "temperature", None)
        self.temperature: float | None = None if temperature is None else float(temperature)
        self.seed: int | None = _field(agent_config, "seed", None)
        self.persona: str = str(_field(agent_config, "persona", ""))
        self.timeout: float = float(_field(agent_config, "timeout", 120))
        self.api_key_env: str = str(_field(agent_config, "api_key_env", ""))
        # max_retries (config) counts retries after the first try.
        self.retry = retry or RetryPolicy(attempts=1 + max(0, int(_field(agent_config, "max_retries", 3))))
        self.usage = TokenUsage()
        self._key_missing = bool(self.api_key_env) and not env.get(self.api_key_env)
        if not self.base_url or not self.model:
            raise AgentError(f"agent '{self.name}' has no {'base_url' if not self.base_url else 'model'}",
                             key="agents", hint="set base_url and model for every [[agents]] entry, "
                             "or pass --base-url and --model")
        self._key_withheld = bool(self.api_key_env) and bool(_field(agent_config, "from_repository", False)) \
            and not trusted_endpoint(self.base_url, str(_field(agent_config, "preset", "")), env)
        api_key = env.get(self.api_key_env, "") if self.api_key_env and not self._key_withheld else ""
        self._client = openai.AsyncOpenAI(base_url=self.base_url, api_key=api_key or PLACEHOLDER_KEY,
                                          max_retries=0, timeout=self.timeout)

    @property
    def is_local(self) -> bool:
        return (urlparse(self.base_url).hostname or "") in LOCAL_HOSTS

    async def close(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> "AgentClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def chat(self, messages: Sequence[dict[str, str]], temperature: float | None = None,
                   max_tokens: int | None = None, frequency_penalty: float = 0.0,
                   cancel: CancelToken | None = None) -> ChatReply:
        """One completion, retried on 429/5xx/connection trouble; raises AgentError or Cancelled."""
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            if cancel is not None:
                cancel.raise_if_cancelled()
            try:
                reply = await self._race(self._once(messages, temperature, max_tokens, frequency_penalty), cancel)
                reply.attempts = attempt
                return reply
            except _Retryable as exc:
                last = exc.what
                if attempt == self.retry.attempts:
                    break
                await self._race(asyncio.sleep(self._wait_s(attempt, exc.wait_s)), cancel)
        raise AgentError(f"agent '{self.name}' ({self.model} at {self.base_url}) failed after "
                         f"{self.retry.attempts} tries: {last}", key="agents",
                         hint=self._hint_for_outage())

    def _wait_s(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry.max_wait_s)
        backoff = self.retry.backoff_s * (2 ** (attempt - 1))
        return min(backoff * (1 + 0.1 * random.random()), self.retry.max_wait_s)

    async def _race(self, work: Any, cancel: CancelToken | None) -> Any:
        """Await `work` unless the token fires first; then abort it (closing its HTTP request)."""
        task = asyncio.ensure_future(work)
        if cancel is None:
            return await task
        waiter = asyncio.ensure_future(cancel.wait())
        try:
            done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            waiter.cancel()
            raise
        if task in done:
            waiter.cancel()
            return task.result()
        task.cancel()
        try:
            await asyncio.wait_for(task, timeout=1.5)
        except BaseException:  # noqa: BLE001 - the request is being torn down; its error is moot
            pass
        raise Cancelled("cancelled by the user")

    async def _once(self, messages: Sequence[dict[str, str]], temperature: float | None,
                    max_tokens: int | None, frequency_penalty: float) -> ChatReply:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "temperature": _first(temperature, self.temperature, DEFAULT_TEMPERATURE),
        }
        if max_tokens:
            kwargs["max_tokens"] = max_tokens
        if frequency_penalty:
            kwargs["frequency_penalty"] = frequency_penalty
        if self.seed is not None:
            kwargs["seed"] = int(self.seed)
        try:
            response = await self._client.chat.completions.create(**kwargs)
        except openai.RateLimitError as exc:
            raise _Retryable("HTTP 429 rate limited", _retry_after(exc.response)) from exc
        except openai.InternalServerError as exc:
            raise _Retryable(f"HTTP {exc.status_code} server error: {_short(exc.message)}",
                             _retry_after(exc.response)) from exc
        except openai.APITimeoutError as exc:
            raise _Retryable(f"no answer within {self.timeout:g} s") from exc
        except openai.APIConnectionError as exc:
            raise _Retryable(f"cannot connect: {_short(str(exc.__cause__ or exc))}") from exc
        except openai.APIStatusError as exc:
            raise self._fatal(exc) from exc
        except ValueError as exc:  # malformed JSON body (JSONDecodeError) or invalid fields
            raise _Retryable(f"malformed reply ({_short(str(exc))})") from exc
        if not response.choices:
            raise _Retryable("reply had no choices")
        usage = response.usage
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        self.usage.add(prompt, completion)
        text = response.choices[0].message.content or ""
        return ChatReply(text=text, prompt_tokens=prompt, completion_tokens=completion,
                         model=str(response.model or self.model))

    def _fatal(self, exc: openai.APIStatusError) -> AgentError:
        """4xx errors: retrying cannot help, so say what to change."""
        status = exc.status_code
        where = f"agent '{self.name}' ({self.model} at {self.base_url})"
        if status in (401, 403):
            hint = (f"set the environment variable {self.api_key_env}" if self._key_missing
                    else f"check the API key in {self.api_key_env or 'api_key_env'}")
            if self._key_withheld:
                hint = withheld_key_hint(self.api_key_env, self.base_url, "this agent")
            return AgentError(f"{where} refused the credentials (HTTP {status})", key="agents", hint=hint)
        if status == 404:
            return AgentError(f"{where}: model or URL not found (HTTP 404): {_short(exc.message)}",
                              key="agents", hint="check base_url (usually ends in /v1) and the model name")
        return AgentError(f"{where} rejected the request (HTTP {status}): {_short(exc.message)}",
                          key="agents", hint="check the agent's model and settings")

    def _hint_for_outage(self) -> str:
        if self.is_local:
            return f"is the model server running at {self.base_url}? Start it, or change base_url"
        return "the endpoint may be down or overloaded; try again later or use another agent"


def _retry_after(response: Any) -> float | None:
    """Seconds the server asked us to wait: retry-after-ms, Retry-After seconds or HTTP date."""
    headers = getattr(response, "headers", None) or {}
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _first(*values: float | None) -> float:
    return float(next(v for v in values if v is not None))


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
