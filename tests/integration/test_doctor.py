"""`lessonl doctor` against a real HTTP server on 127.0.0.1 (the fake OpenAI server): a healthy
agent, a wrong model name, an unreachable endpoint, a missing GGUF file."""
from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from lessonl.cli import main
from tests.support.fake_openai import FakeOpenAI, Reply


def add_agents(repo: Path, *agents: dict[str, str]) -> None:
    lines = []
    for agent in agents:
        lines.append("\n[[agents]]")
        lines += [f'{key} = "{value}"' for key, value in agent.items()]
    with (repo / "lessonl.toml").open("a") as handle:
        handle.write("\n".join(lines) + "\n")


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def doctor(repo: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["doctor", str(repo), *extra])
    return code, capsys.readouterr().out


def row(output: str, agent: str) -> list[str]:
    line = next(l for l in output.splitlines() if l.startswith(agent + " "))
    return line.split()


def test_a_healthy_agent_passes_every_check_with_its_latency(cpp_repo: Path, fake_openai: FakeOpenAI,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    fake_openai.on(None, "OK")
    add_agents(cpp_repo, {"name": "coder", "base_url": fake_openai.base_url, "model": "fake-model"})
    code, out = doctor(cpp_repo, capsys)
    assert code == 0, out
    cells = row(out, "coder")
    assert cells[1] == fake_openai.base_url and cells[2:5] == ["ok", "ok", "ok"]
    assert cells[5].isdigit() and cells[6] == "ms"
    assert "all agents ok" in out and "to fix" not in out
    completion = fake_openai.chat_requests
    assert len(completion) == 1 and completion[0].body["max_tokens"] == 1  # one token, not a real job
    assert any(r.method == "GET" and r.path == "/v1/models" for r in fake_openai.requests)


def test_a_model_name_the_server_does_not_list_is_named_with_the_ones_it_does(
        cpp_repo: Path, fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_openai.on(None, Reply.error(404, "model 'qwen-coder-typo' not found"))
    add_agents(cpp_repo, {"name": "typo", "base_url": fake_openai.base_url, "model": "qwen-coder-typo"})
    code, out = doctor(cpp_repo, capsys)
    assert code == 3
    assert row(out, "typo")[2:5] == ["ok", "FAIL", "FAIL"]
    assert "typo: model: 'qwen-coder-typo' is not listed (listed: fake-model, model-a, model-b, model-c)" in out
    assert "set model to one of the listed names" in out
    assert "something needs fixing (see above)" in out


def test_an_unreachable_endpoint_says_to_start_the_server_and_skips_the_later_checks(
        cpp_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = dead_url()
    add_agents(cpp_repo, {"name": "offline", "base_url": url, "model": "m"})
    code, out = doctor(cpp_repo, capsys)
    assert code == 3
    assert row(out, "offline")[2:6] == ["FAIL", "-", "-", "-"]
    assert "offline: reachable: cannot connect" in out and f"start the model server at {url}" in out


def test_one_broken_agent_does_not_hide_the_healthy_ones_and_json_tells_them_apart(
        cpp_repo: Path, fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_openai.on(None, "OK")
    add_agents(cpp_repo, {"name": "good", "base_url": fake_openai.base_url, "model": "model-a"},
               {"name": "bad", "base_url": dead_url(), "model": "model-a"})
    code, out = doctor(cpp_repo, capsys, "--json")
    assert code == 3
    report = json.loads(out)
    assert report["ok"] is False and report["source"].endswith("lessonl.toml")
    by_name = {a["agent"]: a for a in report["agents"]}
    assert by_name["good"]["ok"] is True and by_name["good"]["latency_s"] > 0
    assert by_name["bad"]["ok"] is False
    assert [c["ok"] for c in by_name["bad"]["checks"]] == [False, None, None]


def test_only_the_named_agents_are_checked_and_an_unknown_name_is_a_config_error(
        cpp_repo: Path, fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_openai.on(None, "OK")
    add_agents(cpp_repo, {"name": "good", "base_url": fake_openai.base_url, "model": "model-a"},
               {"name": "bad", "base_url": dead_url(), "model": "model-a"})
    code, out = doctor(cpp_repo, capsys, "--agents", "good")
    assert code == 0 and "bad" not in out
    code = main(["doctor", str(cpp_repo), "--agents", "nobody"])
    err = capsys.readouterr().err
    assert code == 2 and "no agent named nobody" in err and "configured: good, bad" in err


def test_a_missing_gguf_file_is_reported_in_the_table_not_as_a_traceback(
        cpp_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_agents(cpp_repo, {"name": "local", "model_path": "models/missing.gguf"})
    code, out = doctor(cpp_repo, capsys)
    assert code == 3
    assert row(out, "local")[1:3] == ["(managed:", "not"]
    assert f"model file not found: {cpp_repo / 'models' / 'missing.gguf'}" in out
    assert "Traceback" not in out


def test_a_relevance_backend_that_needs_an_endpoint_is_checked_too(
        cpp_repo: Path, fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str]) -> None:
    fake_openai.on(None, "OK")
    add_agents(cpp_repo, {"name": "coder", "base_url": fake_openai.base_url, "model": "fake-model"})
    text = (cpp_repo / "lessonl.toml").read_text()
    relevance = f'\n[relevance]\nbackend = "embeddings"\nbase_url = "{fake_openai.base_url}"\nmodel = "embed"\n'
    (cpp_repo / "lessonl.toml").write_text(text.replace("\n[[agents]]", relevance + "\n[[agents]]", 1))
    code, out = doctor(cpp_repo, capsys)
    assert code == 0 and "relevance backend embeddings: ok" in out
    assert len(fake_openai.embedding_requests) == 1

    (cpp_repo / "lessonl.toml").write_text(text.replace("\n[[agents]]", relevance.replace(
        fake_openai.base_url, dead_url()) + "\n[[agents]]", 1))
    code, out = doctor(cpp_repo, capsys)
    assert code == 3 and "relevance backend embeddings: FAIL: embeddings endpoint failed" in out


def test_a_taken_port_is_reported_with_the_agent_the_port_and_the_fix(
        cpp_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.unit.localmodel.lifecycle_support import write_gguf

    gguf = write_gguf(tmp_path / "models" / "coder.gguf")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        add_agents(cpp_repo, {"name": "local", "model_path": str(gguf)})
        with (cpp_repo / "lessonl.toml").open("a") as handle:
            handle.write(f"port = {port}\n")
        code, out = doctor(cpp_repo, capsys)
    assert code == 3
    assert f"agent 'local' (agents[0].port = {port}): port {port} on 127.0.0.1 is already in use" in out
    assert "choose another port" in out and "Traceback" not in out
