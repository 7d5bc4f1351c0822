"""The behaviour and reach checks on real repositories, as the issue that asked for them tried them.

- A C++ function whose tests are weak (1,000 elements; the benchmark uses 1,000,003): a rewrite
  unrolled by four that forgets the tail passes the tests, and must be `incorrect` with the
  first difference in words.
- A Python package under `src/`, installed with `pip install -e .` into the repository's own
  `.venv`: in a scratch copy `import fastdup` would load the user's tree; every command must
  import the scratch copy's code, so a wrong rewrite is `incorrect` and a fast one `faster`.
- Reach: a function nobody calls is an error, not a verdict.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lessonl.engine.evaluate import evaluate_reply
from lessonl.errors import ReachError
from lessonl.judge import check_repository
from lessonl.records import Outcome
from test_evaluate_support import CANDIDATES, FAST_TIMING, snapshot

pytestmark = pytest.mark.slow

REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"
WHEELHOUSE = Path(sys.prefix) / "wheelhouse"  # dev/setup downloads it into .venv
OVERRIDES = {"timing": FAST_TIMING}


def reply(kind: str, name: str) -> str:
    return (CANDIDATES / kind / name).read_text()


# ---- weak tests (C++) -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def axpy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("axpy") / "axpy"
    shutil.copytree(REPOS / "axpy-weak-tests", target)
    return target


async def test_a_rewrite_that_forgets_the_tail_passes_the_tests_but_is_incorrect(axpy: Path) -> None:
    before = snapshot(axpy)
    verdict = await evaluate_reply("axpy.cpp::axpy_sum", reply("axpy", "no_tail.md"), cwd=axpy, overrides=OVERRIDES)
    assert verdict.outcome is Outcome.INCORRECT, verdict.message
    assert verdict.behaviour is not None and verdict.behaviour.status == "mismatch"
    # the benchmark's input has three elements the unrolled loop never reaches
    assert "from the benchmark" in verdict.message
    assert "y[1000000] was 6.5 with the original and 4.0 with the rewrite" in verdict.message, verdict.message
    assert verdict.behaviour.difference in verdict.log_tail
    assert snapshot(axpy) == before


async def test_a_correct_unrolled_rewrite_matches_on_every_call(axpy: Path) -> None:
    verdict = await evaluate_reply("axpy.cpp::axpy_sum", reply("axpy", "unrolled.md"), cwd=axpy, overrides=OVERRIDES)
    assert verdict.outcome.is_correct, verdict.message + verdict.log_tail
    behaviour = verdict.behaviour
    assert behaviour is not None and behaviour.status == "matched", behaviour
    assert behaviour.calls_tests == 1 and behaviour.calls_benchmark >= 2
    assert behaviour.checked == behaviour.calls
    assert "y" in behaviour.compared and "return value" in behaviour.compared
    assert behaviour.summary().startswith(f"behaviour: matched on {behaviour.checked} calls (tests 1, benchmark ")


async def test_check_reports_how_often_tests_and_benchmark_call_the_function(axpy: Path) -> None:
    _, report = await check_repository(axpy, function=str(axpy / "axpy.cpp") + "::axpy_sum", overrides=OVERRIDES)
    assert report.behaviour is not None
    assert report.behaviour.calls_tests == 1 and report.behaviour.calls_benchmark >= 2
    assert report.behaviour.status == "matched"


async def test_a_function_nobody_calls_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    repo = tmp_path / "axpy"
    shutil.copytree(REPOS / "axpy-weak-tests", repo)
    with (repo / "axpy.cpp").open("a") as handle:
        handle.write("\n// Nobody calls this one.\ndouble axpy_unused(double a) {\n    return 2.0 * a;\n}\n")
    with pytest.raises(ReachError) as caught:
        await check_repository(repo, function=str(repo / "axpy.cpp") + "::axpy_unused", overrides=OVERRIDES)
    assert "neither the tests nor the benchmark call `axpy_unused`" in caught.value.message
    assert caught.value.file == "axpy.cpp"


# ---- a src/ layout installed editable (Python) ----------------------------------------------

@pytest.fixture(scope="module")
def fastdup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository with its own .venv holding pytest and `pip install -e .` of itself."""
    if not (WHEELHOUSE / ".complete").is_file():
        pytest.fail(f"{WHEELHOUSE} is missing: run dev/setup (it downloads the wheels these tests install)")
    repo = tmp_path_factory.mktemp("fastdup") / "fastdup"
    shutil.copytree(REPOS / "fastdup-src", repo)
    subprocess.run([sys.executable, "-m", "venv", str(repo / ".venv")], check=True)
    pip = [str(repo / ".venv" / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "--no-index", "--find-links", str(WHEELHOUSE)]
    subprocess.run([*pip, "setuptools>=68", "wheel", "pytest"], check=True, cwd=repo)
    subprocess.run([*pip, "--no-build-isolation", "-e", "."], check=True, cwd=repo)
    return repo


def test_the_editable_install_points_at_the_users_tree(fastdup: Path, tmp_path: Path) -> None:
    """The trap itself: from a copy of the repository, `import fastdup` finds the original."""
    copy = tmp_path / "copy"
    shutil.copytree(fastdup, copy, symlinks=True, ignore=shutil.ignore_patterns(".venv"))
    (copy / ".venv").symlink_to(fastdup / ".venv")
    found = subprocess.run([str(copy / ".venv" / "bin" / "python"), "-c", "import fastdup; print(fastdup.__file__)"],
                           cwd=copy, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(found).resolve().is_relative_to(fastdup.resolve())


async def test_editable_src_layout_a_wrong_rewrite_is_incorrect(fastdup: Path) -> None:
    before = snapshot(fastdup / "src")
    verdict = await evaluate_reply("src/fastdup/core.py::dedupe", reply("fastdup", "sorted_set.md"), cwd=fastdup,
                                   overrides=OVERRIDES)
    assert verdict.outcome is Outcome.INCORRECT, verdict.message + verdict.log_tail
    assert verdict.behaviour is not None and verdict.behaviour.status == "mismatch"
    assert "from the benchmark" in verdict.message and "return value" in verdict.message, verdict.message
    assert snapshot(fastdup / "src") == before


async def test_editable_src_layout_a_fast_rewrite_is_faster(fastdup: Path) -> None:
    verdict = await evaluate_reply("src/fastdup/core.py::dedupe", reply("fastdup", "dict_fromkeys.md"), cwd=fastdup,
                                   overrides=OVERRIDES)
    assert verdict.outcome is Outcome.FASTER, verdict.message + verdict.log_tail
    assert verdict.speedup > 5
    behaviour = verdict.behaviour
    assert behaviour is not None and behaviour.status == "matched"
    assert behaviour.calls_tests == 2 and behaviour.calls_benchmark >= 3
