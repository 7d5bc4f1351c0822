"""`lessonl batch` end to end: the bundled examples (real compilers, tests and benchmarks), the
fake LLM endpoint over real HTTP, the real lesson bank. A batch of functions to a report with
wins, the wins judged together, patches that `patch -p1` applies, resume, --apply, and cancel."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from lessonl.cancel import CancelToken
from lessonl.engine.batch import run_batch
from lessonl.engine.batch_request import BatchRequest
from lessonl.engine.batch_state import BatchState
from lessonl.records import ProgressEvent
from lessonl_store import LessonBank
from tests.support import cpp_replies as C
from tests.support import python_replies as P
from tests.support.batch_script import script_functions
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.loop_script import code_requests, overrides

pytestmark = pytest.mark.slow

HISTOGRAM_WIN = "for (int value : data) {"
PREFIX_WIN = "total += in[i];"


def fast_timing(repo: Path) -> None:
    toml = repo / "lessonl.toml"
    toml.write_text(toml.read_text().replace("[timing]\n", "[timing]\nbudget = 3\nmax_runs = 8\n", 1))


def batch(repo: Path, fake: FakeOpenAI, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lessonl", "batch", *args, "--rounds", "1", "--agents", "coder-2",
                           "--base-url", fake.base_url, "--model", "fake-model"],
                          cwd=repo, capture_output=True, text=True, timeout=timeout, env=os.environ.copy())


def test_cpp_batch_report_patches_resume_and_apply(cpp_repo: Path, fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fast_timing(cpp_repo)
    script_functions(fake_openai, "fake-model", {"histogram": [C.HISTOGRAM_FASTER], "prefix_sum": [C.PREFIX_SUM_FASTER]})
    original = (cpp_repo / "kernels.cpp").read_text()

    done = batch(cpp_repo, fake_openai, "kernels.cpp::histogram", "kernels.cpp::prefix_sum", "kernels.cpp::nope",
                 "--patch", str(tmp_path / "patches"), "--json")

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    items = {i["qualified_name"]: i for i in data["items"]}
    assert [items[n]["status"] for n in ("histogram", "prefix_sum", "nope")] == ["won", "won", "failed"]
    assert "nope" in items["nope"]["message"]  # the missing function is reported, the rest still ran
    for name in ("histogram", "prefix_sum"):
        summary = items[name]["summary"]
        assert summary["speedup"] > 1.5 and summary["ci"][0] > 1.03 and summary["diff"].startswith("--- a/kernels.cpp")
        assert summary["lessons"], "the win's lessons are in the report"
    combined = data["combined"]
    assert combined["applied"] == ["kernels.cpp::histogram", "kernels.cpp::prefix_sum"] and combined["conflicts"] == {}
    assert combined["verdict"]["outcome"] == "faster" and combined["composes"] is True
    assert combined["verdict"]["ci"][0] > 1.03  # the whole benchmark, both wins in one copy
    assert data["agents"][0]["agent"] == "coder-2" and data["agents"][0]["attempts"] == 2
    assert data["agents"][0]["prompt_tokens"] > 0 and data["agents"][0]["wins"] == 2
    assert "kernels.cpp::histogram:" in done.stderr and "kernels.cpp::prefix_sum:" in done.stderr  # progress named
    report = cpp_repo / ".lessonl" / "batch"
    assert json.loads((report / "report.json").read_text())["combined"]["verdict"]["outcome"] == "faster"
    assert "## All wins together" in (report / "report.md").read_text()
    assert "<svg" in (report / "report.html").read_text()
    assert (cpp_repo / "kernels.cpp").read_text() == original  # nothing written without --apply

    # -- one patch per win; `patch -p1` applies them one after the other onto a clean copy ----------
    patches = sorted((tmp_path / "patches").iterdir())
    assert [p.name for p in patches] == ["01-kernels.cpp--histogram.patch", "02-kernels.cpp--prefix_sum.patch"]
    clean = tmp_path / "clean"
    shutil.copytree(cpp_repo, clean, ignore=shutil.ignore_patterns(".lessonl"))
    for patch in patches:
        applied = subprocess.run(["patch", "-p1", "-i", str(patch)], cwd=clean, capture_output=True, text=True)
        assert applied.returncode == 0, applied.stdout + applied.stderr
    patched = (clean / "kernels.cpp").read_text()
    assert HISTOGRAM_WIN in patched and PREFIX_WIN in patched

    # -- a second run skips both (same code), asks the model nothing, and --apply writes the earlier
    #    wins, replayed around an edit of another function ------------------------------------------
    asked = len(code_requests(fake_openai))
    edited = original.replace("double sum = 0.0;", "double sum = 0.0;  // my edit")
    (cpp_repo / "kernels.cpp").write_text(edited)
    again = batch(cpp_repo, fake_openai, "kernels.cpp::histogram", "kernels.cpp::prefix_sum", "--no-combine",
                  "--apply", "--json")
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert [(i["status"], i["skipped_reason"]) for i in data["items"]] == [
        ("skipped", "done earlier on unchanged code")] * 2
    assert data["items"][0]["summary"]["speedup"] == items["histogram"]["summary"]["speedup"]
    assert len(code_requests(fake_openai)) == asked
    assert [a["skipped"] for a in data["applied"]] == [None, None]
    text = (cpp_repo / "kernels.cpp").read_text()
    assert HISTOGRAM_WIN in text and PREFIX_WIN in text and "// my edit" in text

    # -- a third run recognises the applied wins -------------------------------------------------------
    third = batch(cpp_repo, fake_openai, "kernels.cpp::histogram", "--no-combine", "--json",
                  "--report", str(tmp_path / "elsewhere" / "r.md"))
    assert third.returncode == 1, third.stderr  # nothing left to win: applied earlier
    assert json.loads(third.stdout)["items"][0]["skipped_reason"] == "applied earlier"
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["r.html", "r.json", "r.md"]


async def test_python_batch_two_jobs_one_bank(py_repo: Path, fake_openai: FakeOpenAI) -> None:
    script_functions(fake_openai, "model-a", {"find_duplicates": [P.FIND_DUPLICATES_FASTER],
                                              "join_words": [P.JOIN_WORDS_FASTER]})
    events: list[ProgressEvent] = []
    result = await run_batch(BatchRequest(py_repo, targets=[("hotspots/core.py", "find_duplicates"),
                                                            ("hotspots/core.py", "join_words")],
                                          overrides=overrides(fake_openai, ["model-a"]), jobs=2),
                             on_progress=events.append)
    assert [(i.qualified_name, i.status) for i in result.items] == [("find_duplicates", "won"), ("join_words", "won")]
    assert result.combined.verdict is not None and result.combined.composes
    assert result.combined.applied == ["hotspots/core.py::find_duplicates", "hotspots/core.py::join_words"]
    # both in flight at once: the second started before the first finished
    order = [(e.kind, e.function) for e in events if e.kind in ("function_started", "function_finished")]
    assert [k for k, _ in order[:2]] == ["function_started", "function_started"]
    judged = {e.function for e in events if e.kind == "candidate_judged"}
    assert judged == {"hotspots/core.py::find_duplicates", "hotspots/core.py::join_words"}
    bank = LessonBank.open(py_repo / ".lessonl")  # one bank: both functions' lessons
    assert {l.qualified_name for l in bank.lessons()} == {"find_duplicates", "join_words"}
    state = BatchState.load(py_repo / ".lessonl")
    assert set(state.functions) == {"hotspots/core.py::find_duplicates", "hotspots/core.py::join_words"}
    assert Path(result.report_paths["html"]).is_file()
    assert fake_openai.pending == 0


async def test_cancel_stops_the_batch_and_still_reports(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.respond(lambda body: Reply.slow(C.HISTOGRAM_FASTER, 60))
    cancel = CancelToken()

    def on_progress(event: ProgressEvent) -> None:
        if event.kind == "round_started":
            cancel.cancel()

    started = time.monotonic()
    result = await asyncio.wait_for(run_batch(
        BatchRequest(cpp_repo, targets=[("kernels.cpp", "histogram"), ("kernels.cpp", "prefix_sum"),
                                        ("kernels.cpp", "matmul")],
                     overrides=overrides(fake_openai, ["model-a"]), jobs=2),
        on_progress=on_progress, cancel=cancel), 120)
    assert time.monotonic() - started < 60  # not the model's 60 s
    assert result.cancelled
    assert {i.status for i in result.items} == {"cancelled"}
    assert "not started" in result.items[2].message
    assert "cancelled" in Path(result.report_paths["md"]).read_text()
    assert BatchState.load(cpp_repo / ".lessonl").functions == {}  # nothing recorded: all run again


def test_ctrl_c_exits_130(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.respond(lambda body: Reply.slow(C.HISTOGRAM_FASTER, 60))
    proc = subprocess.Popen([sys.executable, "-m", "lessonl", "batch", "kernels.cpp::histogram",
                             "kernels.cpp::prefix_sum", "--rounds", "1", "--base-url", fake_openai.base_url,
                             "--model", "fake-model"],
                            cwd=cpp_repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not fake_openai.chat_requests and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fake_openai.chat_requests, "the batch never reached the agents"
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "cancelled" in err and "Traceback" not in err
    assert [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE] == []


async def test_top_n_takes_the_hottest_by_own_time_from_the_saved_profile(py_repo: Path,
                                                                          fake_openai: FakeOpenAI) -> None:
    from tests.support.saved_profile import save_profile

    save_profile(py_repo, stale=())  # count_primes 38% own time, moving_average 30%, join_words 20%
    fake_openai.respond(lambda body: C.NO_CODE)
    events: list[ProgressEvent] = []
    result = await run_batch(BatchRequest(py_repo, targets=None, top=2, overrides=overrides(fake_openai, ["model-a"])),
                             on_progress=events.append)
    assert [(i.qualified_name, i.status) for i in result.items] == [("count_primes", "no_win"),
                                                                    ("moving_average", "no_win")]
    assert not any(e.kind == "batch_profile" and "profiling" in e.message for e in events)  # the saved one served
    assert result.combined.verdict is None and result.combined.message == "no verified wins to combine"
