"""The loop when things go wrong: endpoints down, one agent failing, retries, cancellation.
Real compiler and processes on the bundled C++ example; a real HTTP fake for the LLMs."""
from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import psutil
import pytest

from lessonl.cancel import CancelToken
from lessonl.engine import OptimizeRequest, optimize
from lessonl.errors import AgentError, Cancelled
from lessonl.records import Outcome, ProgressEvent
from lessonl_store import LessonBank
from lessonl_store.records import Lesson
from tests.support import cpp_replies as R
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.loop_script import agent_config, code_requests, overrides, script_agent

pytestmark = pytest.mark.slow


def seed_lesson(repo: Path) -> Lesson:
    """A lesson from an earlier run, which no failure may lose."""
    lesson = Lesson(text="Counting in one pass over the data avoids rescanning it for every bin.",
                    outcome="faster", speedup=3.0, round=0, agent="earlier", model="earlier-model",
                    file="kernels.cpp", qualified_name="histogram", function_hash="old")
    bank = LessonBank.open(repo / ".lessonl")
    bank.add(lesson)
    _close(bank)
    return lesson


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


_BEFORE: set[int] = set()


@pytest.fixture(autouse=True)
def _children_before_the_test() -> None:
    """What earlier tests left running on purpose (e.g. multiprocessing's resource tracker,
    started by the bank's tests) is not this test's: only processes it started count."""
    _BEFORE.clear()
    _BEFORE.update(p.pid for p in psutil.Process().children(recursive=True))


def no_children_left() -> list[psutil.Process]:
    """Processes this test started that are still alive (zombies reaped first)."""
    deadline = time.monotonic() + 1.0
    while True:
        alive = [p for p in psutil.Process().children(recursive=True)
                 if p.pid not in _BEFORE and p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


async def test_endpoint_down_is_a_clear_error_and_banked_lessons_are_kept(cpp_repo: Path,
                                                                          fake_openai: FakeOpenAI) -> None:
    seeded = seed_lesson(cpp_repo)
    url = dead_url()
    settings = overrides(fake_openai, ["model-a"], rounds=1)
    settings["agents"] = [agent_config(fake_openai, "local-coder", "model-a", base_url=url)]
    with pytest.raises(AgentError) as info:
        await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram", overrides=settings))
    message = str(info.value)
    assert "local-coder" in message and url in message and "cannot connect" in message
    assert "running" in message  # what to do: start the model server
    bank = LessonBank.open(cpp_repo / ".lessonl")
    assert bank.get(seeded.id) is not None


async def test_all_agents_failing_in_a_later_round_keeps_the_lessons_of_earlier_rounds(
        cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    script_agent(fake_openai, "model-a", [R.NO_CODE, *[Reply.error(500)] * 4], ["A reply needs a code block."])
    script_agent(fake_openai, "model-b", [R.NO_CODE, *[Reply.error(503)] * 4], ["Answer with code."])
    settings = overrides(fake_openai, ["model-a", "model-b"], rounds=2)
    with pytest.raises(AgentError, match="all 2 agents failed in round 2"):
        await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram", overrides=settings))
    texts = {l.text for l in LessonBank.open(cpp_repo / ".lessonl").lessons()}
    assert {"A reply needs a code block.", "Answer with code."} <= texts


async def test_all_agents_failing_after_a_verified_win_keeps_the_win(cpp_repo: Path,
                                                                      fake_openai: FakeOpenAI) -> None:
    """Beyond the brief's letter, by design: a verified speedup is not thrown away because the
    endpoint went down later; the job stops early with a warning instead."""
    script_agent(fake_openai, "model-a", [R.HISTOGRAM_FASTER, *[Reply.error(500)] * 4], ["One pass."])
    events: list[ProgressEvent] = []
    result = await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                            overrides=overrides(fake_openai, ["model-a"], rounds=3)),
                            on_progress=events.append)
    assert result.improved and result.rounds == 2
    assert any("stopped after round 1" in w for w in result.warnings)
    assert len(code_requests(fake_openai)) == 1 + 4  # round 3 never started


async def test_one_agent_failing_lets_the_round_go_on_with_a_warning(cpp_repo: Path,
                                                                    fake_openai: FakeOpenAI) -> None:
    script_agent(fake_openai, "model-a", [Reply.error(500)] * 4)
    script_agent(fake_openai, "model-b", [R.HISTOGRAM_FASTER], ["One pass over the data."])
    events: list[ProgressEvent] = []
    result = await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                            overrides=overrides(fake_openai, ["model-a", "model-b"])),
                            on_progress=events.append)
    warnings = [e for e in events if e.kind == "warning"]
    assert any(e.agent == "agent-a" and "HTTP 500" in e.message for e in warnings)
    assert [a.candidate.agent for a in result.attempts] == ["agent-b"]
    assert result.improved and result.best.candidate.agent == "agent-b"
    assert any("agent-a" in w for w in result.warnings)


async def test_transient_faults_are_retried_inside_the_loop(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    script_agent(fake_openai, "model-a", [Reply.rate_limited(1), R.NO_CODE], ["l1"])
    script_agent(fake_openai, "model-b", [Reply.error(500), R.NO_CODE], [Reply.malformed(), "l2"])
    script_agent(fake_openai, "model-c", [Reply.empty_choices(), R.NO_CODE], [Reply.dropped(), "l3"])
    result = await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                            overrides=overrides(fake_openai, ["model-a", "model-b", "model-c"])))
    assert sorted(a.candidate.agent for a in result.attempts) == ["agent-a", "agent-b", "agent-c"]
    assert all(a.verdict.outcome is Outcome.REJECTED and a.lesson_id for a in result.attempts)
    assert not result.improved and result.diff == "" and result.new_text is None
    assert fake_openai.pending == 0 and not result.warnings


async def test_cancel_mid_round_stops_within_2_s_without_orphans(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    seeded = seed_lesson(cpp_repo)
    # Two slow-to-time candidates and one slow model: cancel lands during builds/timing and a request.
    script_agent(fake_openai, "model-a", [R.HISTOGRAM_SLOWER], ["never asked"])
    script_agent(fake_openai, "model-b", [R.HISTOGRAM_SAME_SPEED], ["never asked"])
    script_agent(fake_openai, "model-c", [Reply.slow(R.HISTOGRAM_FASTER, 30)])
    settings = overrides(fake_openai, ["model-a", "model-b", "model-c"], rounds=3,
                         timing={"budget": 60, "max_runs": 40, "min_runs": 40})
    cancel = CancelToken()
    cancelled_at: list[float] = []

    def on_progress(event: ProgressEvent) -> None:
        if event.kind == "round_started":
            def fire() -> None:
                cancelled_at.append(time.monotonic())
                cancel.cancel()
            asyncio.get_running_loop().call_later(2.5, fire)

    with pytest.raises(Cancelled):
        await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram", overrides=settings),
                       on_progress=on_progress, cancel=cancel)
    assert cancelled_at, "the job ended before the cancel fired"
    assert time.monotonic() - cancelled_at[0] < 2.0
    assert len(code_requests(fake_openai)) == 3  # it really was mid-round
    assert no_children_left() == []
    bank = LessonBank.open(cpp_repo / ".lessonl")
    assert bank.get(seeded.id) is not None


async def test_cancel_before_start_raises_at_once(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    cancel = CancelToken()
    cancel.cancel()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                       overrides=overrides(fake_openai, ["model-a"])), cancel=cancel)
    assert time.monotonic() - started < 2.0
    assert fake_openai.chat_requests == []


def _close(bank: LessonBank) -> None:
    close = getattr(bank, "close", None)
    if callable(close):
        close()


async def test_a_broken_baseline_is_reported_not_the_candidates(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    """The user's own code must build, pass and benchmark before anything is judged."""
    from lessonl.errors import BaselineError

    tests = cpp_repo / "test_kernels.cpp"
    tests.write_text(tests.read_text().replace("int main() {", "int main() {\n    return 1;", 1))
    script_agent(fake_openai, "model-a", [R.HISTOGRAM_FASTER], ["never asked"])
    with pytest.raises(BaselineError):
        await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                       overrides=overrides(fake_openai, ["model-a"])))
    assert no_children_left() == []
    assert LessonBank.open(cpp_repo / ".lessonl").lessons() == []  # nothing learned from a broken baseline
