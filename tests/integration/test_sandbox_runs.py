"""A benchmark run may create scratch files (they are removed before the next run), but never
change a file of its copy: the next run would time something else."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.config import load_config
from lessonl.errors import BaselineError
from lessonl.judge import Judge
from lessonl.records import Outcome

pytestmark = pytest.mark.slow

CONFIG = ('[test]\ncommand = "{python} -c \'import mod; assert mod.f() == 1\'"\n'
          '[bench]\ncommand = "{python} bench.py"\nformat = "wall"\n'
          '[timing]\nmin_runs = 6\nmax_runs = 8\nbudget = 5\n')
MOD = "def f():\n    return 1\n"
BENCH = "import mod\nfor _ in range(20000):\n    mod.f()\nopen('scratch.tmp', 'w').write('made by every run')\n"
TAMPERING = ("import sys\n\nif sys.argv[0].endswith('bench.py'):\n    open('data.txt', 'a').write('x')\n\n\n"
             "def f():\n    return 1\n")


def repo(tmp_path: Path, bench: str = BENCH) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "lessonl.toml").write_text(CONFIG)
    (root / "mod.py").write_text(MOD)
    (root / "bench.py").write_text(bench)
    (root / "data.txt").write_text("data\n")
    return root


async def test_a_candidate_whose_benchmark_changes_a_file_of_its_copy_is_rejected(tmp_path: Path,
                                                                                   monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path)
    verdict = await Judge(load_config(root)).evaluate("mod.py", TAMPERING, function="f")
    assert verdict.outcome is Outcome.REJECTED and verdict.stage == "bench", verdict.message
    assert "changed files of its copy (changed: data.txt)" in verdict.message
    assert (root / "data.txt").read_text() == "data\n" and not (root / "scratch.tmp").exists()


async def test_files_a_benchmark_run_creates_are_removed_before_the_next(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path, bench=BENCH.replace("open('scratch.tmp', 'w')", "open('scratch.tmp', 'x')"))
    verdict = await Judge(load_config(root)).evaluate("mod.py", MOD, function="f")  # 'x' fails if it is left
    assert verdict.outcome is Outcome.NO_SIGNIFICANT_CHANGE, verdict.message + verdict.log_tail


async def test_a_baseline_benchmark_that_changes_the_repository_copy_is_a_clear_error(tmp_path: Path,
                                                                                      monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = repo(tmp_path, bench=BENCH + "open('data.txt', 'a').write('x')\n")
    with pytest.raises(BaselineError) as raised:
        await Judge(load_config(root)).check_baseline()
    assert "changed files of its copy (changed: data.txt)" in str(raised.value)
    assert raised.value.key == "bench.command" and "/tmp" in raised.value.hint
