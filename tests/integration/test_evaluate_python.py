"""The judge on the bundled Python example (pytest tests, pytest-benchmark JSON): every outcome
with real interpreters and processes, and the user's tree untouched."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from lessonl.config import load_config
from lessonl.judge import Judge
from lessonl.records import Outcome
from test_evaluate_support import CANDIDATES, FAST_TIMING, processes_running, snapshot

pytestmark = pytest.mark.slow

FILE = "hotspots/core.py"
OVERRIDES = {"timing": FAST_TIMING, "test": {"timeout": 8}, "bench": {"timeout": 30}}


def candidate(name: str) -> str:
    return (CANDIDATES / "python" / name).read_text()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import copy_example
    return copy_example("python-hotspots", tmp_path_factory.mktemp("py"))


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
    verdict = await judge.evaluate(FILE, candidate("faster.py"), function="find_duplicates")
    assert verdict.outcome is Outcome.FASTER, verdict.message
    assert verdict.ci[0] >= 1.03
    assert [case.name for case in verdict.cases] == ["find_duplicates/600"]


async def test_slower_candidate(judge: Judge) -> None:
    verdict = await judge.evaluate(FILE, candidate("slower.py"), function="find_duplicates")
    assert verdict.outcome is Outcome.SLOWER, verdict.message


async def test_identical_candidate_is_no_significant_change(judge: Judge, repo: Path) -> None:
    verdict = await judge.evaluate(FILE, (repo / FILE).read_text(), function="join_words")
    assert verdict.outcome is Outcome.NO_SIGNIFICANT_CHANGE, verdict.message
    assert [case.name for case in verdict.cases] == ["join_words/6000"]


async def test_incorrect_candidate_shows_the_failing_test(judge: Judge) -> None:
    verdict = await judge.evaluate(FILE, candidate("incorrect.py"), function="find_duplicates")
    assert verdict.outcome is Outcome.INCORRECT
    assert "test_find_duplicates" in verdict.log_tail and "failed" in verdict.log_tail


async def test_syntax_error_is_not_compilable(judge: Judge) -> None:
    verdict = await judge.evaluate(FILE, candidate("not_compilable.py"), function="find_duplicates")
    assert verdict.outcome is Outcome.NOT_COMPILABLE
    assert "hotspots/core.py:" in verdict.log_tail and "SyntaxError" in verdict.log_tail


async def test_import_error_fails_the_tests(judge: Judge) -> None:
    verdict = await judge.evaluate(FILE, candidate("import_error.py"), function="find_duplicates")
    assert verdict.outcome is Outcome.INCORRECT
    assert "hotspots_fast_helpers" in verdict.log_tail


async def test_hanging_candidate_times_out_and_leaves_no_process(judge: Judge) -> None:
    started = time.monotonic()
    verdict = await judge.evaluate(FILE, candidate("hanging.py"), function="find_duplicates")
    assert verdict.outcome is Outcome.TIMEOUT
    assert time.monotonic() - started < 8 + 30
    await asyncio.sleep(0.2)
    leftovers = [p for name in ("python3", "python") for p in processes_running(name, judge.scratch.home)]
    assert leftovers == []


async def test_the_next_candidate_does_not_see_stale_bytecode(judge: Judge) -> None:
    """Python's bytecode cache compares whole-second mtimes and sizes: a candidate written
    within a second of a previous one of the same size must still run its own code."""
    config = load_config(judge.root, {**OVERRIDES, "env": {"PYTHONDONTWRITEBYTECODE": ""}})  # caches on
    judge = Judge(config)
    right = candidate("faster.py")
    wrong = right.replace("reported.add(item)", "reported.add(-999)")  # same size, reports repeats
    assert len(wrong) == len(right) and wrong != right
    first = await judge.evaluate(FILE, wrong, function="find_duplicates")
    second = await judge.evaluate(FILE, right, function="find_duplicates")
    assert (first.outcome, second.outcome) == (Outcome.INCORRECT, Outcome.FASTER)
