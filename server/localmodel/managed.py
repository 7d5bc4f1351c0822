"""Agents that name a GGUF file get a managed server for the length of a job.

    async with local_models(config) as local:
        result = await run(local.config)     # every agent now has a base_url

`local.config` is the same config with each `model_path` agent pointed at its server (agents
naming the same file share one). Leaving the block releases the servers, also on error or
cancellation. If the job failed with an AgentError because a managed server died, the error
that comes out is LocalServerDiedError naming the server's log instead of "cannot connect".
"""
from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Mapping, Sequence

from ..errors import AgentError
from .errors import LocalServerDiedError, PortInUseError
from .pool import POOL, ServerPool
from .process import DEFAULT_N_CTX, STARTUP_TIMEOUT_S, LlamaServer, ServerSpec, check_model_file, default_threads

# Environment knobs (the config has no fields for them; defaults suit most machines).
ENV_N_CTX = "LESSONL_LOCAL_N_CTX"
ENV_THREADS = "LESSONL_LOCAL_THREADS"
ENV_STARTUP_TIMEOUT = "LESSONL_LOCAL_STARTUP_TIMEOUT"


def needs_server(agent: Any) -> bool:
    """A GGUF file and no endpoint. An agent with both uses its endpoint (a server the user
    runs); that also makes resolving a config twice harmless, as resolved agents have both."""
    return bool(getattr(agent, "model_path", "")) and not getattr(agent, "base_url", "")


def spec_for(agent: Any, root: Path | None, env: Mapping[str, str] = os.environ,
             launcher: tuple[str, ...] = (), index: int | None = None) -> ServerSpec:
    """The server an agent needs. A relative model_path is relative to the repository root."""
    raw = Path(os.path.expanduser(str(agent.model_path)))
    if not raw.is_absolute() and root is not None:
        raw = Path(root) / raw
    key = f"agents[{index}].model_path" if index is not None else "agents.model_path"
    path = check_model_file(raw, key=key)
    return ServerSpec(model_path=path, n_ctx=_int(env, ENV_N_CTX, DEFAULT_N_CTX),
                      n_threads=_int(env, ENV_THREADS, default_threads()),
                      port=int(getattr(agent, "port", None) or 0),
                      startup_timeout=float(_int(env, ENV_STARTUP_TIMEOUT, int(STARTUP_TIMEOUT_S))),
                      launcher=launcher)


def port_error_for(error: PortInUseError, agents: Sequence[tuple[int, Any]]) -> PortInUseError:
    """The pool's error, naming the agents (and their setting) that asked for the port."""
    fixed = [(i, a) for i, a in agents if getattr(a, "port", None)]
    if not fixed:
        return error
    names = ", ".join(f"'{a.name}'" for _, a in fixed)
    first = fixed[0][0]
    renamed = PortInUseError(f"agent {names} (agents[{first}].port = {error.port or fixed[0][1].port}): "
                             f"{error.message}", key=f"agents[{first}].port", hint=error.hint, port=error.port)
    return renamed


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        value = int(env.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass
class LocalModels:
    """The servers one job holds. `config` is what the job should run with."""

    config: Any
    servers: list[LlamaServer] = field(default_factory=list)
    pool: ServerPool = POOL

    def check(self) -> None:
        """Raise LocalServerDiedError if a server this job uses has stopped."""
        for server in self.servers:
            server.check()

    def dead(self) -> list[LlamaServer]:
        return [s for s in self.servers if s.process is not None and not s.alive]

    async def release(self) -> None:
        servers, self.servers = self.servers, []
        for server in servers:
            try:
                await self.pool.release(server)
            except asyncio.CancelledError:
                server.stop_now()  # cancelled mid-stop: finish it the blocking way
                raise


class local_models:  # noqa: N801 - used as `async with local_models(config)`
    """Start (or share) the servers a config's model_path agents need; see the module doc."""

    def __init__(self, config: Any, *, pool: ServerPool = POOL, env: Mapping[str, str] = os.environ,
                 launcher: tuple[str, ...] = ()) -> None:
        self.source = config
        self.pool = pool
        self.env = env
        self.launcher = launcher
        self.local: LocalModels | None = None

    async def __aenter__(self) -> LocalModels:
        config = self.source
        root = getattr(config, "root", None)
        agents = list(getattr(config, "agents", ()) or ())
        specs = {i: spec_for(a, root, self.env, self.launcher, i) for i, a in enumerate(agents) if needs_server(a)}
        local = LocalModels(config, pool=self.pool)
        try:
            started = await asyncio.gather(*(self.pool.acquire(s) for s in specs.values()), return_exceptions=True)
            for result in started:
                if isinstance(result, LlamaServer):
                    local.servers.append(result)
            failure = next((r for r in started if isinstance(r, BaseException)), None)
            if isinstance(failure, PortInUseError):
                index = next(i for i, r in zip(specs, started) if r is failure)
                sharing = [(i, agents[i]) for i, s in specs.items() if s == specs[index]]
                raise port_error_for(failure, sharing) from failure
            if failure is not None:
                raise failure
        except BaseException:
            await local.release()
            raise
        by_index = dict(zip(specs, local.servers))
        resolved = [_pointed_at(a, by_index[i]) if i in by_index else a for i, a in enumerate(agents)]
        local.config = replace(config, agents=tuple(resolved)) if by_index else config
        self.local = local
        return local

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> bool:
        local = self.local
        if local is None:
            return False
        died = local.dead()
        await local.release()
        if isinstance(exc, AgentError) and not isinstance(exc, LocalServerDiedError) and died:
            try:
                died[0].check()
            except LocalServerDiedError as error:
                raise error from exc
        return False


def _pointed_at(agent: Any, server: LlamaServer) -> Any:
    """The agent as an ordinary endpoint agent of its managed server. The model name is the
    one the server lists, so `lessonl doctor` and the lessons' `model` field agree."""
    return replace(agent, base_url=server.base_url, model=server.model_name, preset="custom", api_key_env="")
