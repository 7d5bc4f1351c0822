"""A managed local model server: clear errors for what users get wrong, shared by the agents
that name one file, and never left running. A stand-in script takes the place of the real
llama.cpp server (same command line, real HTTP, real processes); the real one is exercised by
tests/integration/test_local_model.py."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from lessonl.agents import AgentClient
from lessonl.config import AgentConfig
from lessonl.errors import AgentError, ConfigError, ToolMissingError
from lessonl.localmodel import (LocalServerDiedError, LocalServerMissingError,
                                LocalServerStartError, ModelFileError, PortInUseError, ServerPool, ServerSpec,
                                local_models)
from lessonl.localmodel import process as process_module
from lessonl.localmodel.http import request

from .lifecycle_support import FAKE_SERVER, LAUNCHER, gone, read_pids


def spec(path: Path, **extra: object) -> ServerSpec:
    return ServerSpec(model_path=path, launcher=LAUNCHER, startup_timeout=20, **extra)  # type: ignore[arg-type]


def agent(name: str, model_path: Path | str, **extra: object) -> AgentConfig:
    return AgentConfig(name=name, model="", model_path=str(model_path), **extra)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SmallConfig:
    """The two fields local_models reads from a ProjectConfig, frozen like the real one."""

    root: Path
    agents: tuple[AgentConfig, ...]


# ---- errors a user can act on -------------------------------------------------------------------
async def test_a_missing_gguf_file_is_a_config_error_naming_the_file_and_setting(tmp_path: Path,
                                                                                   pool: ServerPool) -> None:
    config = SmallConfig(tmp_path, (agent("local", "models/nowhere.gguf"),))
    with pytest.raises(ModelFileError) as info:
        async with local_models(config, pool=pool, launcher=LAUNCHER):
            pass
    assert isinstance(info.value, ConfigError)
    message = str(info.value)
    assert str(tmp_path / "models" / "nowhere.gguf") in message
    assert "agents[0].model_path" in message and "existing .gguf file" in message
    assert pool.running() == []


async def test_a_file_that_is_not_gguf_is_refused_before_anything_starts(tmp_path: Path, pool: ServerPool) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_text("<html>404 Not Found</html>")
    with pytest.raises(ModelFileError, match="is not a GGUF model file"):
        async with local_models(SmallConfig(tmp_path, (agent("local", bogus),)), pool=pool, launcher=LAUNCHER):
            pass
    assert pool.running() == []


async def test_without_llama_cpp_python_the_error_says_which_extra_to_install(
        gguf: Path, pool: ServerPool, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real launcher is used (no stand-in), and one of the modules it needs is not installed.
    monkeypatch.setattr(process_module, "SERVER_MODULES", ("json", "lessonl_test_module_that_is_not_installed"))
    with pytest.raises(LocalServerMissingError) as info:
        await pool.acquire(ServerSpec(model_path=gguf))
    assert isinstance(info.value, ToolMissingError)
    assert "pip install 'lessonl[local]'" in str(info.value)
    assert "lessonl_test_module_that_is_not_installed" in str(info.value)
    assert pool.running() == []


async def test_a_port_already_taken_is_reported_with_its_number(gguf: Path, pool: ServerPool) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError) as info:
            await pool.acquire(spec(gguf, port=port))
    assert f"port {port}" in str(info.value) and "already in use" in str(info.value)
    assert pool.running() == []


async def test_a_server_that_exits_while_starting_names_its_log(gguf: Path, pool: ServerPool,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_LLAMA_MODE", "exit")
    with pytest.raises(LocalServerStartError) as info:
        await pool.acquire(spec(gguf))
    error = info.value
    assert isinstance(error, AgentError)
    assert "exited with status 3 while starting" in str(error)
    assert error.log_path and error.log_path in str(error)
    assert "failed to load model (injected)" in Path(error.log_path).read_text()
    assert "cannot load that GGUF file" in str(error)  # the hint reads the log
    assert pool.running() == []


async def test_a_server_that_never_answers_times_out_and_is_killed_with_its_children(
        gguf: Path, pool: ServerPool, pidfile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_LLAMA_MODE", "silent")
    with pytest.raises(LocalServerStartError, match="did not answer within 1.5 s"):
        await pool.acquire(replace(spec(gguf), startup_timeout=1.5))
    for pid in read_pids(pidfile):
        assert gone(pid), f"process {pid} of the server outlived its failed start"


# ---- lifecycle ------------------------------------------------------------------------------------
async def test_agents_naming_one_file_share_one_server_that_stops_with_the_job(
        tmp_path: Path, gguf: Path, pool: ServerPool, pidfile: Path) -> None:
    config = SmallConfig(tmp_path, (agent("a", gguf, temperature=0.2), agent("b", gguf, temperature=0.6),
                                    AgentConfig(name="remote", model="m", base_url="http://127.0.0.1:9/v1")))
    async with local_models(config, pool=pool, launcher=LAUNCHER) as local:
        a, b, remote = local.config.agents
        assert a.base_url == b.base_url and a.base_url.startswith("http://127.0.0.1:")
        assert a.model == b.model == "tiny-coder.Q4"  # the name the server lists
        assert (a.temperature, b.temperature) == (0.2, 0.6)
        assert remote == config.agents[2]  # endpoint agents are left alone
        assert len(pool.running()) == 1 and pool.refs(local.servers[0].spec) == 2
        reply = request("GET", a.base_url + "/models")
        assert reply.status == 200 and reply.json()["data"][0]["id"] == "tiny-coder.Q4"
        log = local.servers[0].log_path
        pids = read_pids(pidfile)
    assert pool.running() == []
    assert all(gone(pid) for pid in pids), "the server or its child outlived the job"
    assert log is not None and "--n_ctx" in log.read_text() and "--n_threads" in log.read_text()


async def test_a_resolved_config_starts_nothing_more_when_resolved_again(
        tmp_path: Path, gguf: Path, pool: ServerPool) -> None:
    config = SmallConfig(tmp_path, (agent("a", gguf),))
    async with local_models(config, pool=pool, launcher=LAUNCHER) as outer:
        async with local_models(outer.config, pool=pool, launcher=LAUNCHER) as inner:
            assert inner.servers == [] and inner.config == outer.config
            assert len(pool.running()) == 1
    assert pool.running() == []


async def test_cancelling_a_job_while_its_server_starts_leaves_no_process(
        gguf: Path, pool: ServerPool, pidfile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_LLAMA_MODE", "silent")
    task = asyncio.ensure_future(pool.acquire(spec(gguf)))
    pids = await asyncio.to_thread(read_pids, pidfile)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert all(gone(pid) for pid in pids)
    assert pool.running() == []


async def test_a_server_that_dies_mid_run_turns_the_agent_error_into_one_naming_the_log(
        tmp_path: Path, gguf: Path, pool: ServerPool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_LLAMA_DIE_AFTER", "1")
    config = SmallConfig(tmp_path, (agent("local", gguf, max_retries=1),))
    with pytest.raises(LocalServerDiedError) as info:
        async with local_models(config, pool=pool, launcher=LAUNCHER) as local:
            client = AgentClient(local.config.agents[0])
            try:
                first = await client.chat([{"role": "user", "content": "hi"}])
                assert "histogram" in first.text  # answered, then crashed
                await client.chat([{"role": "user", "content": "again"}])  # -> AgentError: cannot connect
            finally:
                await client.close()
    error = info.value
    assert isinstance(error, AgentError)
    assert isinstance(error.__cause__, AgentError)  # the agent's own error stays attached
    assert "stopped (exit status 9)" in str(error) and error.log_path in str(error)
    assert "crashing after 1 chat requests" in str(error)  # the log's last lines
    assert "lessons banked so far are kept" in str(error)
    assert pool.running() == []


async def test_check_reports_a_dead_server_and_a_new_job_starts_a_fresh_one(
        gguf: Path, pool: ServerPool) -> None:
    server = await pool.acquire(spec(gguf))
    server.check()  # healthy: no error
    assert server.process is not None
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=5)
    with pytest.raises(LocalServerDiedError, match="stopped"):
        server.check()
    fresh = await pool.acquire(spec(gguf))
    try:
        assert fresh is not server and fresh.alive
    finally:
        await pool.release(fresh)
        await pool.release(server)
    assert pool.running() == []


# ---- no process outlives LessonL --------------------------------------------------------------------
OWNER = textwrap.dedent("""
    import asyncio, sys, time
    from pathlib import Path
    from lessonl.localmodel import ServerPool, ServerSpec
    spec = ServerSpec(model_path=Path(sys.argv[1]), launcher=(sys.executable, sys.argv[2]), startup_timeout=20)
    server = asyncio.run(ServerPool(log_dir=Path(sys.argv[3])).acquire(spec))
    print(server.process.pid, flush=True)
    if sys.argv[4] == "exit":
        sys.exit(0)      # never released: the atexit hook must stop it
    time.sleep(600)      # killed with SIGKILL by the test: the kernel must stop it
""")


@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_a_server_never_outlives_the_process_that_started_it(tmp_path: Path, gguf: Path, pidfile: Path,
                                                             how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if how == "sigkill":
        # The kernel signals the server itself (PR_SET_PDEATHSIG), not processes the server
        # started; llama.cpp's server starts none, so the stand-in starts none here either.
        monkeypatch.setenv("FAKE_LLAMA_CHILD", "0")
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(gguf), str(FAKE_SERVER), str(tmp_path / "logs"), how],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        server_pid = int(owner.stdout.readline())
        pids = read_pids(pidfile)
        assert server_pid in pids
        if how == "sigkill":
            owner.kill()
        owner.wait(timeout=30)
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
    assert all(gone(pid, timeout=10) for pid in pids), f"server processes left after the owner's {how}"


# ---- one server, several language-server jobs (each in its own thread and event loop) ----------
def test_two_jobs_on_their_own_threads_and_loops_share_one_server(gguf: Path, pool: ServerPool, pidfile: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """As lsp/jobs.py runs them: the second job asks while the server is still starting (from
    another loop), and the first job's thread ends while the second still uses the server."""
    import threading

    monkeypatch.setenv("FAKE_LLAMA_START_DELAY", "1.5")
    shared = spec(gguf)
    got: dict[str, object] = {}
    first_done = threading.Event()

    def first_job() -> None:
        async def main() -> None:
            server = await pool.acquire(shared)
            got["first"] = server
            await pool.release(server)  # the job ends; its thread ends right after
        asyncio.run(main())

    def second_job() -> None:
        async def main() -> None:
            server = await pool.acquire(shared)
            got["second"] = server
            await asyncio.to_thread(first_done.wait, 30)
            await asyncio.sleep(0.5)  # a parent-death signal would have arrived by now
            got["alive_after_first"] = server.alive
            client = AgentClient(AgentConfig(name="b", model=server.model_name, base_url=server.base_url,
                                             max_retries=0))
            try:
                got["reply"] = (await client.chat([{"role": "user", "content": "hi"}])).text
            finally:
                await client.close()
                await pool.release(server)
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported below, in the test's thread
            got["error"] = exc

    first = threading.Thread(target=first_job, name="job-1")
    first.start()
    for _ in range(200):  # until the first job has asked and the start is under way
        if pool.refs(shared) == 1:
            break
        threading.Event().wait(0.01)
    second = threading.Thread(target=second_job, name="job-2")
    second.start()
    first.join(30)
    first_done.set()
    second.join(30)
    assert "error" not in got, got.get("error")
    assert got["first"] is got["second"]  # one server for both jobs
    assert got["alive_after_first"], "the server died with the thread of the job that started it"
    assert "histogram" in str(got["reply"])
    pids = read_pids(pidfile)
    assert pool.running() == []
    assert all(gone(pid) for pid in pids), "the last job's release must stop the server"
