"""Files keep their line endings and encoding through the whole pipeline, byte for byte outside
the function: target resolution, splice, the scratch copy the candidate is built in, and
`--apply` into the user's file. Real `lessonl` processes on the bundled examples, the fake
OpenAI server over HTTP for `optimize`."""
from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lessonl.judge.scratch import Scratch
from tests.support import cpp_replies as R
from tests.support.fake_openai import Body, FakeOpenAI
from tests.support.loop_script import code_requests, is_lesson
from tests.support.python_replies import FIND_DUPLICATES_FASTER

pytestmark = pytest.mark.slow

FILE = "hotspots/core.py"
NEW_LINE = "    seen: set[int] = set()"
FAST = ["--set", "timing.budget=3", "--set", "timing.max_runs=8"]


def store(repo: Path, how: str) -> bytes:
    """Rewrite the example's core.py as CRLF, Latin-1 (with its coding line) or UTF-8 with a
    BOM, each with a non-ASCII character outside the function; returns the bytes written."""
    path = repo / FILE
    text = path.read_text().replace('"""Slow on purpose:', '"""Café-grade slow on purpose:', 1)
    if how == "crlf":
        data = text.replace("\n", "\r\n").encode("utf-8")
    elif how == "latin-1":
        data = ("# -*- coding: latin-1 -*-\n" + text).encode("latin-1")
    else:
        data = codecs.BOM_UTF8 + text.encode("utf-8")
    path.write_bytes(data)
    return data


def function_span(data: bytes, newline: bytes) -> tuple[int, int]:
    """Byte offsets of find_duplicates in the file: from its `def` to the next top-level def."""
    start = data.index(b"def find_duplicates")
    return start, data.index(newline + b"def join_words", start)


def assert_only_the_function_changed(before: bytes, after: bytes, how: str) -> None:
    newline = b"\r\n" if how == "crlf" else b"\n"
    start, end = function_span(before, newline)
    new_start, new_end = function_span(after, newline)
    assert after[:new_start] == before[:start], "bytes before the function changed"
    assert after[new_end:] == before[end:], "bytes after the function changed"
    body = after[new_start:new_end]
    if how == "crlf":
        assert after.count(b"\n") == after.count(b"\r\n"), "a bare LF appeared in a CRLF file"
    else:
        assert b"\r" not in after
    encoding = "latin-1" if how == "latin-1" else "utf-8"
    assert NEW_LINE in body.decode(encoding)
    assert after.startswith(codecs.BOM_UTF8) == (how == "bom")
    assert (b"Caf\xe9" in after) == (how == "latin-1") and (b"Caf\xc3\xa9" in after) == (how != "latin-1")


def lessonl(repo: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lessonl", *args], cwd=repo, capture_output=True, text=True,
                          timeout=timeout, env=os.environ.copy())


@pytest.mark.parametrize("how", ["crlf", "latin-1", "bom"])
def test_evaluate_builds_the_candidate_in_the_files_own_bytes(py_repo: Path, how: str) -> None:
    original = store(py_repo, how)
    (py_repo / "reply.md").write_text(FIND_DUPLICATES_FASTER)
    done = lessonl(py_repo, "evaluate", f"{FILE}::find_duplicates", "--candidate", "reply.md", "--json", *FAST)
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["outcome"] == "faster", verdict  # judged: built, tested and timed, not refused
    assert (py_repo / FILE).read_bytes() == original  # the user's file is untouched
    built = (Scratch(py_repo).slot_dir(0) / FILE).read_bytes()  # what the candidate's tests ran on
    assert_only_the_function_changed(original, built, how)


def test_a_character_a_latin_1_file_cannot_hold_is_rejected_before_any_build(py_repo: Path) -> None:
    store(py_repo, "latin-1")
    reply = FIND_DUPLICATES_FASTER.replace("    seen: set[int] = set()", "    seen: set[int] = set()  # → O(1)")
    (py_repo / "reply.md").write_text(reply)
    done = lessonl(py_repo, "evaluate", f"{FILE}::find_duplicates", "--candidate", "reply.md", "--json")
    assert done.returncode == 0, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["outcome"] == "rejected" and verdict["process_s"] == 0
    assert "latin-1 cannot hold" in verdict["message"]


def script(fake: FakeOpenAI, code: str) -> None:
    def answer(body: Body) -> str:
        return "One pass replaces the nested scan." if is_lesson(body) else code

    fake.respond(answer)


@pytest.mark.parametrize("how", ["crlf", "latin-1", "bom"])
def test_optimize_apply_writes_the_rewrite_in_the_files_own_bytes(py_repo: Path, fake_openai: FakeOpenAI,
                                                                  how: str) -> None:
    original = store(py_repo, how)
    script(fake_openai, FIND_DUPLICATES_FASTER)
    toml = py_repo / "lessonl.toml"
    toml.write_text(toml.read_text().replace("[timing]\n", "[timing]\nbudget = 3\nmax_runs = 8\n", 1))
    done = lessonl(py_repo, "optimize", f"{FILE}::find_duplicates", "--rounds", "1", "--agents", "coder-1",
                   "--base-url", fake_openai.base_url, "--model", "fake-model", "--json", "--apply")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["improved"] and data["applied"], data
    assert_only_the_function_changed(original, (py_repo / FILE).read_bytes(), how)


def test_optimize_apply_on_a_crlf_cpp_file_with_flags_read_from_the_makefile(cpp_repo: Path,
                                                                             fake_openai: FakeOpenAI) -> None:
    kernels = cpp_repo / "kernels.cpp"
    original = kernels.read_bytes().replace(b"\n", b"\r\n")
    kernels.write_bytes(original)
    toml = cpp_repo / "lessonl.toml"  # no [code]: the Makefile's CXXFLAGS tell the standard and flags
    toml.write_text(toml.read_text().split("[code]")[0].replace("[timing]\n", "[timing]\nbudget = 3\nmax_runs = 8\n"))
    script(fake_openai, R.HISTOGRAM_FASTER)
    done = lessonl(cpp_repo, "optimize", "kernels.cpp::histogram", "--rounds", "1", "--agents", "coder-1",
                   "--base-url", fake_openai.base_url, "--model", "fake-model", "--json", "--apply")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["applied"]
    after = kernels.read_bytes()
    assert after.count(b"\n") == after.count(b"\r\n") and b"for (int value : data) {\r\n" in after
    start = original.index(b"// Builds a histogram")
    assert after[:start] == original[:start]
    tail = original[original.index(b"\r\n}\r\n", start) + 5:]  # everything after histogram's closing brace
    assert after.endswith(tail)
    [prompt] = [json.dumps(r.body) for r in code_requests(fake_openai)]
    assert "standard: c++17; compiler flags: -O2" in prompt
