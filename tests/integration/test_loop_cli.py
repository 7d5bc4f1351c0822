"""`lessonl optimize` end to end as a person runs it: a real process, the real example, the fake
LLM endpoint over HTTP. Exit codes: 0 improved, 1 no improvement, 2 user error, 3 agent failure,
130 cancelled."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support import cpp_replies as R
from tests.support.fake_openai import Body, FakeOpenAI, Reply
from tests.support.loop_script import is_lesson

pytestmark = pytest.mark.slow


def fast_timing(repo: Path) -> None:
    """The test's own copy of the example: short timing budgets keep the run quick."""
    toml = repo / "lessonl.toml"
    toml.write_text(toml.read_text().replace("[timing]\n", "[timing]\nbudget = 3\nmax_runs = 8\n", 1))


def first_code_then(fake: FakeOpenAI, first: str, rest: str = R.NO_CODE) -> None:
    """The first code request gets `first`, later ones `rest`; lesson requests get a lesson."""
    state = {"code": 0}

    def answer(body: Body) -> str:
        if is_lesson(body):
            return "Code B makes one pass over the data."
        state["code"] += 1
        return first if state["code"] == 1 else rest

    fake.respond(answer)


def lessonl(repo: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lessonl", "optimize", *args], cwd=repo, capture_output=True,
                          text=True, timeout=timeout, env=os.environ.copy())


def test_improved_with_json_and_apply(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    fast_timing(cpp_repo)
    first_code_then(fake_openai, R.HISTOGRAM_FASTER)
    done = lessonl(cpp_repo, "kernels.cpp::histogram", "--rounds", "1", "--agents", "coder-2",
                   "--base-url", fake_openai.base_url, "--model", "fake-model", "--json", "--apply")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["improved"] and data["applied"] and data["speedup"] > 1.5
    assert data["ci"][0] > 1.03 and "+    for (int value : data) {" in data["diff"]
    assert "for (int value : data)" in (cpp_repo / "kernels.cpp").read_text()
    assert "round 1" in done.stderr and "faster" in done.stderr  # the live progress lines
    assert {r.model for r in fake_openai.chat_requests} == {"fake-model"}
    assert [a["candidate"]["agent"] for a in data["attempts"]] == ["coder-2"]  # --agents picked one


def test_no_improvement_exits_1_with_a_readable_verdict(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    fast_timing(cpp_repo)
    first_code_then(fake_openai, R.HISTOGRAM_INCORRECT)
    original = (cpp_repo / "kernels.cpp").read_text()
    done = lessonl(cpp_repo, "kernels.cpp::histogram", "--rounds", "1", "--base-url", fake_openai.base_url,
                   "--model", "fake-model", "--apply")
    assert done.returncode == 1, done.stderr
    assert "Verdict: no verified improvement for histogram" in done.stdout
    assert "incorrect" in done.stderr
    assert (cpp_repo / "kernels.cpp").read_text() == original


def test_unknown_function_is_a_user_error(cpp_repo: Path) -> None:
    done = lessonl(cpp_repo, "kernels.cpp::no_such_function", timeout=60)
    assert done.returncode == 2
    assert "no_such_function" in done.stderr and "histogram" in done.stderr  # says what exists
    assert "Traceback" not in done.stderr


def test_missing_separator_is_a_user_error(cpp_repo: Path) -> None:
    done = lessonl(cpp_repo, "kernels.cpp", timeout=60)
    assert done.returncode == 2 and "FILE::FUNCTION" in done.stderr


def test_unknown_agent_name_is_a_user_error(cpp_repo: Path) -> None:
    done = lessonl(cpp_repo, "kernels.cpp::histogram", "--agents", "nobody", timeout=60)
    assert done.returncode == 2
    assert "nobody" in done.stderr and "coder-1" in done.stderr  # names the configured agents


def test_endpoint_down_exits_3(cpp_repo: Path) -> None:
    fast_timing(cpp_repo)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    done = lessonl(cpp_repo, "kernels.cpp::histogram", "--rounds", "1", "--base-url", url, "--model", "m")
    assert done.returncode == 3, done.stderr
    assert url in done.stderr and "Traceback" not in done.stderr


def test_ctrl_c_cancels_cleanly_with_exit_130(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.respond(lambda body: Reply.slow(R.HISTOGRAM_FASTER, 60))
    proc = subprocess.Popen([sys.executable, "-m", "lessonl", "optimize", "kernels.cpp::histogram", "--rounds", "1",
                             "--base-url", fake_openai.base_url, "--model", "fake-model"],
                            cwd=cpp_repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not fake_openai.chat_requests and time.monotonic() < deadline:  # baseline done, agents asked
        time.sleep(0.1)
    assert fake_openai.chat_requests, "the run never reached the agents"
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 3
    assert proc.returncode == 130, err
    assert "cancelled" in err and "Traceback" not in err
    assert [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE] == []
