"""Round trip on realistic files: extracting any function from a reply and splicing it back
changes nothing, whether the reply holds just the function or the whole file."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from lessonl.code import extract, language_for, list_functions, splice, unified_diff, text_edits
from lessonl.code.indent import dedent, line_indent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "code"
FILES = ["linalg.cpp", "imgproc.c", "hotspots.py", "win_strings.cpp"]


def _read(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def _cases():
    for name in FILES:
        text = _read(name)
        for ref in list_functions(text, language_for(name), name):
            yield pytest.param(name, ref, id=f"{name}::{ref.qualified_name}@{ref.start_line}")


def test_fixtures_are_realistic_sizes():
    for name in FILES[:3]:
        assert len(_read(name).splitlines()) >= 250, name
    assert "\r\n" in _read("win_strings.cpp") and "\n" not in _read("win_strings.cpp").replace("\r\n", "")


@pytest.mark.parametrize("name,ref", list(_cases()))
def test_function_reply_splices_back_to_the_identical_file(name: str, ref):
    text = _read(name)
    language = language_for(name)
    fence = "python" if language == "python" else language
    reply = f"Here is the function:\n\n```{fence}\n{dedent(ref.text, _indent(text, ref))}\n```\n"
    extraction = extract(reply, ref, language)
    assert extraction.unchanged
    assert splice(text, ref, extraction) == text


@pytest.mark.parametrize("name", FILES)
def test_whole_file_reply_splices_back_to_the_identical_file_for_every_function(name: str):
    text = _read(name)
    language = language_for(name)
    reply = f"```\n{text}\n```"
    for ref in list_functions(text, language, name):
        new = splice(text, ref, extract(reply, ref, language))
        assert new == text, f"{ref.qualified_name}@{ref.start_line}:\n{unified_diff(text, new, name)}"


@pytest.mark.parametrize("name", FILES)
def test_a_changed_body_changes_only_that_line(name: str):
    text = _read(name)
    language = language_for(name)
    for ref in list_functions(text, language, name):
        if ref.end_line - ref.start_line < 3:
            continue
        code = dedent(ref.text, _indent(text, ref)).split("\n")
        if language == "python":
            at = next(i for i, line in enumerate(code) if line.rstrip().endswith(":") and "def " in line) + 1
            body_indent = code[at][: len(code[at]) - len(code[at].lstrip())]
            added = body_indent + "_rewritten = True"
        else:
            at = len(code) - 1
            added = "    /* rewritten */"
        code.insert(at, added)
        new = splice(text, ref, extract("```\n" + "\n".join(code) + "\n```", ref, language))
        changed = [l for l in unified_diff(text, new, name).splitlines(keepends=True)
                   if l.startswith(("+", "-")) and not l.startswith(("+++", "---"))]
        newline = "\r\n" if "\r\n" in text else "\n"
        assert changed == ["+" + _indent(text, ref) + added + newline], ref.spec
        assert len(text_edits(text, new)) == 1


def _indent(text: str, ref) -> str:
    """The whitespace before the function's first line in the file."""
    return line_indent(text.encode("utf-8"), ref.start_byte)


STDLIB = ["textwrap", "difflib", "json.decoder", "argparse", "dataclasses", "functools", "asyncio.tasks"]


@pytest.mark.parametrize("module", STDLIB)
def test_round_trip_on_the_python_standard_library(module: str):
    """Real code nobody wrote for these tests: every function of the module splices back unchanged."""
    path = Path(importlib.import_module(module).__file__)
    text = path.read_text(encoding="utf-8")
    refs = list_functions(text, "python", path.name)
    assert len(refs) >= 5
    for ref in refs:
        reply = f"```python\n{dedent(ref.text, _indent(text, ref))}\n```"
        assert splice(text, ref, extract(reply, ref, "python")) == text, ref.spec
