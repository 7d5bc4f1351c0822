"""`lessonl evaluate`, `check` and `calibrate` as a person runs them: a real process in the
repository, exit codes, one JSON object with --json, and clear messages for bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_evaluate_support import CANDIDATES, FAST_TIMING, snapshot

pytestmark = pytest.mark.slow

FAST = [f"--set=timing.{key}={value}" for key, value in FAST_TIMING.items()] + ["--set=test.timeout=4"]


def lessonl(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lessonl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ})


@pytest.fixture
def repo(cpp_repo: Path) -> Path:
    return cpp_repo


def test_evaluate_json_is_one_object_with_the_verdict(repo: Path) -> None:
    before = snapshot(repo)
    done = lessonl("evaluate", "kernels.cpp", "--candidate", str(CANDIDATES / "cpp" / "faster.cpp"),
                   "--function", "matmul", "--json", *FAST, cwd=repo)
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["outcome"] == "faster"
    assert verdict["speedup"] > 1 and verdict["ci"][0] <= verdict["speedup"] <= verdict["ci"][1]
    assert {case["name"] for case in verdict["cases"]} == {"matmul/96", "matmul/192"}
    assert verdict["runs"] >= FAST_TIMING["min_runs"]
    assert {"log_tail", "message"} <= verdict.keys()
    assert snapshot(repo) == before


def test_evaluate_failure_is_still_a_verdict_with_exit_status_0(repo: Path) -> None:
    done = lessonl("evaluate", "kernels.cpp", "--candidate", str(CANDIDATES / "cpp" / "not_compilable.cpp"),
                   *FAST, cwd=repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("not_compilable:")
    assert "error" in done.stdout and "Traceback" not in done.stdout + done.stderr


def test_evaluate_from_a_subfolder_names_the_file_relative_to_the_current_folder(repo: Path) -> None:
    sub = repo / "docs"
    sub.mkdir()
    done = lessonl("evaluate", "../kernels.cpp", "--candidate", str(CANDIDATES / "cpp" / "incorrect.cpp"),
                   "--json", *FAST, cwd=sub)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcome"] == "incorrect"


def test_missing_config_suggests_lessonl_init(tmp_path: Path) -> None:
    (tmp_path / "k.cpp").write_text("int main() {}\n")
    done = lessonl("evaluate", "k.cpp", "--candidate", "k.cpp", cwd=tmp_path)
    assert done.returncode == 2
    assert "lessonl init" in done.stderr and "Traceback" not in done.stderr


def test_missing_candidate_file(repo: Path) -> None:
    done = lessonl("evaluate", "kernels.cpp", "--candidate", "no-such-file.cpp", cwd=repo)
    assert done.returncode == 2
    assert "no-such-file.cpp" in done.stderr and "Traceback" not in done.stderr


def test_broken_baseline_says_nothing_can_be_judged(repo: Path) -> None:
    (repo / "kernels.cpp").write_text((CANDIDATES / "cpp" / "incorrect.cpp").read_text())
    done = lessonl("evaluate", "kernels.cpp", "--candidate", str(CANDIDATES / "cpp" / "faster.cpp"), *FAST, cwd=repo)
    assert done.returncode == 2
    assert "nothing can be judged" in done.stderr and "FAIL matmul" in done.stderr
    assert "Traceback" not in done.stderr


def test_unparseable_benchmark_output_shows_the_snippet(repo: Path) -> None:
    done = lessonl("check", "--set", "bench.command=echo 'total: twelve apples'", cwd=repo)
    assert done.returncode == 2
    assert "total: twelve apples" in done.stderr and "Traceback" not in done.stderr


def test_check_reports_build_tests_and_benchmark(repo: Path) -> None:
    done = lessonl("check", "--function", "prefix_sum", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "build     ok" in done.stdout and "tests     ok" in done.stdout
    assert "prefix_sum/2000" in done.stdout and "prefix_sum/4000" in done.stdout


def test_calibrate_json(repo: Path) -> None:
    done = lessonl("calibrate", "--function", "histogram", "--json", *FAST, cwd=repo)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["outcome"] == "no_significant_change"
    assert set(report["spread"]) == {"histogram/64", "histogram/256"}
    assert report["noise_floor"] >= 0
