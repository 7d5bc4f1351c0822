"""A second real LSP client: headless Neovim asks the LessonL server for the code actions,
a hover and the "Show lessons" command on the bundled C++ example, and shows the hotspot code
lenses (vim.lsp.codelens) of the Python example's saved profile.

Needs Debian's `neovim` package (0.7.2 or newer); skipped, saying so, only when nvim is absent.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lessonl import __version__
from lessonl_store import LessonBank
from lessonl_store.records import Lesson

from tests.support.saved_profile import PY_CORE, save_profile

PROBE = Path(__file__).parent / "nvim" / "lsp_probe.lua"
NVIM = shutil.which("nvim")

pytestmark = [pytest.mark.nvim,
              pytest.mark.skipif(NVIM is None, reason="nvim not installed (Debian: apt-get install neovim)")]


def run_probe(repo: Path, file: Path, line: int, tmp_path: Path, **extra: str) -> dict:
    out = tmp_path / "nvim-report.json"
    env = dict(os.environ, LESSONL_OUT=str(out), LESSONL_ROOT=str(repo), LESSONL_FILE=str(file),
               LESSONL_LINE=str(line), LESSONL_CMD=json.dumps([sys.executable, "-m", "lessonl", "serve"]),
               HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"), XDG_DATA_HOME=str(tmp_path / "data"),
               **extra)
    proc = subprocess.run([NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {PROBE}"],
                          env=env, cwd=repo, capture_output=True, text=True, timeout=90)
    assert out.exists(), f"nvim wrote no report (exit {proc.returncode}): {proc.stderr[-2000:]}"
    report = json.loads(out.read_text())
    assert report["errors"] == [], report
    return report


def test_neovim_gets_the_code_actions_the_hover_and_the_lessons(cpp_repo, tmp_path):
    bank = LessonBank.open(cpp_repo / ".lessonl")
    bank.add(Lesson(text="Loop interchange (i,k,j) makes B's accesses contiguous.", outcome="faster",
                    speedup=3.1, round=0, agent="a", model="model-a", file="kernels.cpp",
                    qualified_name="matmul", function_hash="x", ci=(2.9, 3.3)))
    if hasattr(bank, "close"):
        bank.close()
    kernels = cpp_repo / "kernels.cpp"
    line = next(i for i, text in enumerate(kernels.read_text().splitlines()) if "sum += a[i * n + k]" in text)

    report = run_probe(cpp_repo, kernels, line, tmp_path)

    assert report["server_info"] == {"name": "lessonl", "version": __version__}
    actions = {a["title"]: a for a in report["code_actions"]}
    assert set(actions) == {"Optimize this function (LessonL)", "Show lessons for this function"}
    # Neovim 0.7 resolves only edits, so the server sends the command with the action.
    assert actions["Optimize this function (LessonL)"]["command"]["command"] == "lessonl.optimize"
    assert actions["Optimize this function (LessonL)"]["command"]["arguments"] == [kernels.as_uri(), line, 4]
    hover = report["hover"]["contents"]
    assert hover["kind"] == "markdown"
    assert "Loop interchange (i,k,j)" in hover["value"] and "3.10× (95% CI 2.90–3.30)" in hover["value"]
    shown = report["show_lessons"]
    assert shown["status"] == "ok" and shown["function"] == "matmul"
    assert [l["text"] for l in shown["lessons"]] == ["Loop interchange (i,k,j) makes B's accesses contiguous."]
    assert any("1 lesson(s) for matmul" in m for m in report["messages"])


def test_neovim_shows_the_hotspot_code_lenses(py_repo, tmp_path):
    save_profile(py_repo)  # count_primes 41%, moving_average 30%, find_duplicates 3% (cold), join_words stale
    core = py_repo / PY_CORE
    lines = core.read_text().splitlines()
    line = next(i for i, text in enumerate(lines) if "is_prime = True" in text)

    report = run_probe(py_repo, core, line, tmp_path, LESSONL_FILETYPE="python", LESSONL_CODELENS="1")

    def_line = {name: next(i for i, text in enumerate(lines) if text.startswith(f"def {name}"))
                for name in ("count_primes", "moving_average")}
    assert report["code_lenses"] == [
        {"line": def_line["moving_average"], "title": "LessonL: 30% of benchmark time · Optimize",
         "command": "lessonl.optimize"},
        {"line": def_line["count_primes"], "title": "LessonL: 41% of benchmark time · Optimize",
         "command": "lessonl.optimize"}]
    # drawn on those lines as virtual text, as a person sees them
    shown = {mark["line"]: mark["text"] for mark in report["lens_virtual_text"]}
    assert "LessonL: 41% of benchmark time · Optimize" in shown[def_line["count_primes"]]
    assert "LessonL: 30% of benchmark time · Optimize" in shown[def_line["moving_average"]]
    assert len(shown) == 2
