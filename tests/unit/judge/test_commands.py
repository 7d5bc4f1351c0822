"""`{python}` in a command is the interpreter running LessonL; candidates still get a scrubbed
environment whose PATH is the user's."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from lessonl.config import load_config
from lessonl.judge import Judge
from lessonl.judge.commands import expand


def test_python_is_the_running_interpreter_shell_quoted_and_other_placeholders_stay() -> None:
    assert expand("{python} bench.py {function}") == f"{shlex.quote(sys.executable)} bench.py {{function}}"
    assert expand("make -s all") == "make -s all"


def _repo(root: Path) -> Path:
    (root / "check.py").write_text(
        "import os, sys\n"
        "print('interpreter', sys.executable)\n"
        "print('key', os.environ.get('LESSONL_TEST_API_KEY', 'absent'))\n"
        "print('venv on PATH', os.path.dirname(sys.executable) in os.environ['PATH'].split(os.pathsep))\n")
    (root / "bench.py").write_text("print('ok')\n")
    (root / "lessonl.toml").write_text('[test]\ncommand = "{python} check.py"\n'
                                       '[bench]\ncommand = "{python} bench.py {function}"\nformat = "wall"\n')
    return root


async def test_commands_run_the_interpreter_running_lessonl_with_secrets_scrubbed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESSONL_TEST_API_KEY", "sk-must-not-leak")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # a stock PATH: no virtualenv on it
    report = await Judge(load_config(_repo(tmp_path))).check_baseline("f")
    assert f"interpreter {sys.executable}" in report.test.stdout
    assert "key absent" in report.test.stdout
    if str(Path(sys.executable).parent) not in ("/usr/bin", "/bin"):  # found through {python}, not PATH
        assert "venv on PATH False" in report.test.stdout
    assert report.bench_command == f"{shlex.quote(sys.executable)} bench.py f"
