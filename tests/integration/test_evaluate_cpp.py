"""The judge on the bundled C++ example with real g++, make and processes: every outcome,
the user's tree untouched, baseline problems as errors, cancellation."""
from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest

from lessonl.cancel import CancelToken
from lessonl.config import load_config
from lessonl.errors import BaselineError, Cancelled, ToolMissingError
from lessonl.judge import Judge
from lessonl.records import Outcome
from test_evaluate_support import CANDIDATES, FAST_TIMING, processes_running, snapshot

pytestmark = pytest.mark.slow

OVERRIDES = {"timing": FAST_TIMING, "test": {"timeout": 4}, "bench": {"timeout": 30}}


def candidate(name: str) -> str:
    return (CANDIDATES / "cpp" / name).read_text()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy for the module, so the scratch copies and the baseline build are shared."""
    from tests.conftest import copy_example
    return copy_example("cpp-kernels", tmp_path_factory.mktemp("cpp"))


@pytest.fixture(scope="module")
def original(repo: Path) -> dict[str, str]:
    return snapshot(repo)


@pytest.fixture
def judge(repo: Path, original: dict[str, str]) -> Judge:
    return Judge(load_config(repo, OVERRIDES))


@pytest.fixture(autouse=True)
def tree_is_untouched(repo: Path, original: dict[str, str]):
    yield
    assert snapshot(repo) == original, "the judge changed a file in the user's tree"


async def test_faster_candidate(judge: Judge) -> None:
    verdict = await judge.evaluate("kernels.cpp", candidate("faster.cpp"), function="matmul")
    assert verdict.outcome is Outcome.FASTER, verdict.message
    assert verdict.ci[0] >= 1.03 and verdict.ci[0] <= verdict.speedup <= verdict.ci[1]
    assert {case.name for case in verdict.cases} == {"matmul/96", "matmul/192"}
    assert all(case.baseline_s > case.candidate_s for case in verdict.cases)
    assert verdict.runs >= FAST_TIMING["min_runs"]
    assert 0 < verdict.process_s <= verdict.wall_s


async def test_slower_candidate(judge: Judge) -> None:
    verdict = await judge.evaluate("kernels.cpp", candidate("slower.cpp"), function="matmul")
    assert verdict.outcome is Outcome.SLOWER, verdict.message
    assert verdict.ci[1] < 1 / 1.03


async def test_identical_candidate_is_no_significant_change(judge: Judge, repo: Path) -> None:
    verdict = await judge.evaluate("kernels.cpp", (repo / "kernels.cpp").read_text(), function="histogram")
    assert verdict.outcome is Outcome.NO_SIGNIFICANT_CHANGE, verdict.message
    assert verdict.ci[0] <= 1.0 <= verdict.ci[1] or abs(verdict.speedup - 1) < 0.03
    assert {case.name for case in verdict.cases} == {"histogram/64", "histogram/256"}


async def test_incorrect_candidate_shows_the_failing_test_output(judge: Judge) -> None:
    verdict = await judge.evaluate("kernels.cpp", candidate("incorrect.cpp"), function="matmul")
    assert verdict.outcome is Outcome.INCORRECT
    assert "FAIL matmul" in verdict.log_tail and "check(s) failed" in verdict.log_tail
    assert verdict.speedup is None and verdict.effective_speedup == 0.0


async def test_non_compiling_candidate_shows_the_first_compiler_errors(judge: Judge) -> None:
    verdict = await judge.evaluate("kernels.cpp", candidate("not_compilable.cpp"), function="matmul")
    assert verdict.outcome is Outcome.NOT_COMPILABLE
    first = verdict.log_tail.splitlines()[0]
    assert first.startswith("kernels.cpp:") and "error" in first


async def test_hanging_candidate_times_out_and_leaves_no_process(judge: Judge) -> None:
    started = time.monotonic()
    verdict = await judge.evaluate("kernels.cpp", candidate("hanging.cpp"), function="matmul")
    assert verdict.outcome is Outcome.TIMEOUT
    assert "4 s" in verdict.message
    assert time.monotonic() - started < 4 + 60  # the test timeout, plus the build
    await asyncio.sleep(0.2)
    assert processes_running("test_kernels", judge.scratch.home) == []


async def test_crashing_candidate(judge: Judge) -> None:
    verdict = await judge.evaluate("kernels.cpp", candidate("crashing.cpp"), function="matmul")
    assert verdict.outcome is Outcome.CRASHED
    assert "SIGSEGV" in verdict.message


async def test_candidates_judged_concurrently_keep_their_own_verdicts(judge: Judge) -> None:
    faster, incorrect = await asyncio.gather(
        judge.evaluate("kernels.cpp", candidate("faster.cpp"), function="matmul"),
        judge.evaluate("kernels.cpp", candidate("incorrect.cpp"), function="matmul"))
    assert (faster.outcome, incorrect.outcome) == (Outcome.FASTER, Outcome.INCORRECT)


async def test_cancel_stops_a_hanging_candidate_promptly(judge: Judge) -> None:
    token = CancelToken()
    task = asyncio.ensure_future(judge.evaluate("kernels.cpp", candidate("hanging.cpp"), "matmul", cancel=token))
    for _ in range(600):  # wait until its tests are running
        await asyncio.sleep(0.05)
        if processes_running("test_kernels", judge.scratch.home):
            break
    started = time.monotonic()
    token.cancel()
    with pytest.raises(Cancelled):
        await task
    assert time.monotonic() - started < 3
    await asyncio.sleep(0.2)
    assert processes_running("test_kernels", judge.scratch.home) == []


async def test_secrets_do_not_reach_the_benchmark(judge: Judge, monkeypatch: pytest.MonkeyPatch,
                                                  repo: Path) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    config = load_config(repo, {**OVERRIDES, "bench": {"command": "env; ./bench {function}"}})
    report = await Judge(config).check_baseline("prefix_sum")
    assert "sk-must-not-leak" not in report.bench.stdout and "PATH=" in report.bench.stdout


async def test_check_baseline_reports_build_tests_and_cases(judge: Judge) -> None:
    report = await judge.check_baseline("prefix_sum")
    assert report.test.ok and (report.build is None or report.build.ok)
    assert set(report.cases) == {"prefix_sum/2000", "prefix_sum/4000"}
    assert all(value > 0 for value in report.cases.values())


async def test_calibrate_reports_the_noise_floor(judge: Judge) -> None:
    report = await judge.calibrate("histogram")
    assert report.verdict.outcome is Outcome.NO_SIGNIFICANT_CHANGE
    assert set(report.spread) == {"histogram/64", "histogram/256"}
    assert 0 <= report.noise_floor < 0.5


# ---- problems of the user's own code or machine: errors, not verdicts -----------------------


@pytest.fixture
def own_repo(tmp_path: Path) -> Path:
    from tests.conftest import copy_example
    return copy_example("cpp-kernels", tmp_path)


async def test_baseline_whose_tests_fail_means_nothing_can_be_judged(own_repo: Path) -> None:
    (own_repo / "kernels.cpp").write_text(candidate("incorrect.cpp"))
    judge = Judge(load_config(own_repo, OVERRIDES))
    with pytest.raises(BaselineError) as info:
        await judge.evaluate("kernels.cpp", candidate("faster.cpp"), function="matmul")
    assert "nothing can be" in str(info.value) and "FAIL matmul" in str(info.value)


async def test_baseline_that_does_not_build(own_repo: Path) -> None:
    (own_repo / "kernels.cpp").write_text(candidate("not_compilable.cpp"))
    judge = Judge(load_config(own_repo, OVERRIDES))
    with pytest.raises(BaselineError) as info:
        await judge.check_baseline()
    assert "does not build" in str(info.value) and "error" in str(info.value)


async def test_missing_compiler_is_named(own_repo: Path) -> None:
    config = load_config(own_repo, {**OVERRIDES, "build": {"command": "make -s all CXX=lessonl-no-such-cxx"}})
    with pytest.raises(ToolMissingError) as info:
        await Judge(config).check_baseline()
    assert "lessonl-no-such-cxx" in str(info.value)


async def test_unparseable_benchmark_output_shows_the_snippet(own_repo: Path) -> None:
    config = load_config(own_repo, {**OVERRIDES, "bench": {"command": "echo 'Benchmark ran: 12 apples'"}})
    with pytest.raises(BaselineError) as info:
        await Judge(config).evaluate("kernels.cpp", candidate("faster.cpp"), function="matmul")
    assert "Benchmark ran: 12 apples" in str(info.value)


async def test_candidate_that_breaks_the_benchmark_output_is_crashed(own_repo: Path) -> None:
    # This bench prints garbage instead of JSON when it runs a candidate (marked "Candidate:").
    command = "if grep -q 'Candidate:' kernels.cpp; then echo garbage; else ./bench {function}; fi"
    config = load_config(own_repo, {**OVERRIDES, "bench": {"command": command}})
    verdict = await Judge(config).evaluate("kernels.cpp", candidate("faster.cpp"), function="matmul")
    assert verdict.outcome is Outcome.CRASHED
    assert "garbage" in verdict.log_tail


async def test_baseline_build_is_reused_until_the_users_code_changes(own_repo: Path) -> None:
    messages: list[str] = []
    judge = Judge(load_config(own_repo, OVERRIDES), log=messages.append)

    async def baseline_built() -> bool:
        messages.clear()
        verdict = await judge.evaluate("kernels.cpp", candidate("incorrect.cpp"), function="matmul")
        assert verdict.outcome is Outcome.INCORRECT
        return any("baseline" in message for message in messages)

    original = (own_repo / "kernels.cpp").read_text()
    assert await baseline_built()
    assert not await baseline_built()
    (own_repo / "kernels.cpp").write_text(original + "\n// edited by the user\n")
    assert await baseline_built()
    (own_repo / "kernels.cpp").write_text(original)  # back to a state built before: build again
    assert await baseline_built()
    assert not await baseline_built()


def test_scratch_copies_live_outside_the_repository(judge: Judge, repo: Path) -> None:
    assert not judge.scratch.home.resolve().is_relative_to(repo.resolve())
    assert shutil.which("g++") and shutil.which("make")


def _slow_to_compile(source: str, asserts: int = 200) -> str:
    """Valid C++ that g++ needs minutes for: each static_assert runs a million-step constexpr
    loop at compile time (distinct arguments, so no call is memoised)."""
    spin = ["constexpr long lessonl_spin(long seed) {", "    long s = seed;",
            "    for (long i = 0; i < 1000; ++i)", "        for (long j = 0; j < 1000; ++j)",
            "            s += (i ^ j ^ seed) & 1;", "    return s;", "}"]
    spin += [f'static_assert(lessonl_spin({k}) >= 0, "slow to compile, never false");' for k in range(asserts)]
    return source + "\n" + "\n".join(spin) + "\n"


async def test_a_build_that_hangs_is_a_timeout_and_leaves_no_compiler_running(repo: Path) -> None:
    await Judge(load_config(repo, OVERRIDES)).check_baseline("prefix_sum")  # built with the usual timeout
    judge = Judge(load_config(repo, {**OVERRIDES, "build": {"timeout": 6}}))
    started = time.monotonic()
    verdict = await judge.evaluate("kernels.cpp", _slow_to_compile((repo / "kernels.cpp").read_text()), "matmul")
    assert verdict.outcome is Outcome.TIMEOUT, verdict.message
    assert verdict.message == "the build timed out after 6 s"
    assert verdict.log_tail.startswith("the build timed out after 6 s")
    assert time.monotonic() - started < 6 + 20
    await asyncio.sleep(0.2)
    assert processes_running("cc1plus", judge.scratch.home) == []
    # the lesson prompt asks about the compile, not about tests that never ran
    from lessonl.code import locate
    from lessonl.prompts import lesson_messages

    ref = locate((repo / "kernels.cpp").read_text(), "cpp", "kernels.cpp", name="matmul")
    prompt = lesson_messages(ref, ref.text, verdict)[-1]["content"]
    assert "did not finish compiling" in prompt and "compiles but" not in prompt
