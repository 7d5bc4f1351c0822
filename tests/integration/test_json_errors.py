"""With --json every command prints one JSON object on stdout, also when it fails:
{"error": {"message", "file", "line", "key", "hint", "exit_code"}}, with the usual exit code."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = {"message", "file", "line", "key", "hint", "exit_code"}


def lessonl(cwd: Path, *args: str) -> tuple[int, dict, str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cwd / ".cache-for-test")}
    done = subprocess.run([sys.executable, "-m", "lessonl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) >= 1, f"nothing on stdout; stderr: {done.stderr}"
    document = json.loads(done.stdout)
    return done.returncode, document, done.stderr


@pytest.fixture
def broken_repo(tmp_path: Path) -> Path:
    (tmp_path / "lessonl.toml").write_text('[test]\ncommand = "true"\n[bench]\ncommand = "true"\nformat = "wal"\n')
    (tmp_path / "k.py").write_text("def f(x):\n    return x\n")
    return tmp_path


@pytest.mark.parametrize("args", [
    ["check", "--json"],
    ["evaluate", "k.py::f", "--candidate", "k.py", "--json"],
    ["calibrate", "--json"],
    ["optimize", "k.py::f", "--json", "--quiet"],
])
def test_a_broken_config_is_one_json_error_naming_the_key(broken_repo: Path, args: list[str]) -> None:
    code, document, stderr = lessonl(broken_repo, *args)
    error = document["error"]
    assert set(error) == KEYS and code == error["exit_code"] == 2
    assert error["key"] == "bench.format" and error["file"].endswith("lessonl.toml") and error["line"] == 5
    assert "wal" in error["message"] and stderr.startswith("lessonl: error:")


def test_evaluate_with_a_missing_candidate(broken_repo: Path) -> None:
    (broken_repo / "lessonl.toml").write_text('[test]\ncommand = "true"\n[bench]\ncommand = "true"\nformat = "wall"\n')
    code, document, _ = lessonl(broken_repo, "evaluate", "k.py::f", "--candidate", "nope.py", "--json")
    assert code == 2 and document["error"]["file"] == "nope.py" and "does not exist" in document["error"]["message"]
    assert document["error"]["hint"]


def test_functions_of_a_missing_file(tmp_path: Path) -> None:
    code, document, _ = lessonl(tmp_path, "functions", "missing.cpp", "--json")
    assert code == 2 and document["error"]["exit_code"] == 2 and "missing.cpp" in json.dumps(document)


@pytest.mark.parametrize("action", [["list"], ["show", "nope"], ["stats"]])
def test_lessons_of_a_folder_that_does_not_exist(tmp_path: Path, action: list[str]) -> None:
    code, document, _ = lessonl(tmp_path, "lessons", "--repo", str(tmp_path / "gone"), *action, "--json")
    assert code == 2 and "does not exist" in document["error"]["message"]


def test_doctor_with_a_broken_config(broken_repo: Path) -> None:
    (broken_repo / "lessonl.toml").write_text('[[agents]]\nname = "a"\npreset = "nope"\n')
    code, document, _ = lessonl(broken_repo, "doctor", "--json")
    assert code == 2 and document["error"]["exit_code"] == 2 and document["error"]["file"].endswith("lessonl.toml")
