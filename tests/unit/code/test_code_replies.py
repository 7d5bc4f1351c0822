"""The reply corpus: every hand-written model reply is extracted (or rejected) as its case says,
and an accepted one splices into the real fixture file without syntax errors."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lessonl.code import extract, language_for, list_functions, locate, parse_spec, splice
from lessonl.code.languages import parse
from lessonl.errors import ExtractionError

ROOT = Path(__file__).resolve().parents[2] / "fixtures"
CASES = sorted((ROOT / "replies").glob("*.md"))
_SECTION = re.compile(r"^=== (\w+) ===\n", re.M)


def read_case(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    raw = path.read_text(encoding="utf-8")
    parts = _SECTION.split(raw)
    header = dict(line.split(": ", 1) for line in parts[0].strip().splitlines())
    sections = {name: body for name, body in zip(parts[1::2], parts[2::2])}
    return header, sections


def test_the_corpus_is_large_and_varied():
    headers = [read_case(p)[0] for p in CASES]
    assert len(CASES) >= 30
    assert sum(h["expect"].startswith("reject") for h in headers) >= 10
    assert {language_for(parse_spec(h["target"])[0]) for h in headers} == {"c", "cpp", "python"}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_reply_is_extracted_or_rejected_as_expected(path: Path):
    header, sections = read_case(path)
    file, name, line = parse_spec(header["target"])
    language = language_for(file)
    text = (ROOT / "code" / file).read_text(encoding="utf-8")
    ref = locate(text, language, file, name=name, line=line)
    reply = sections["reply"]
    if header["expect"].startswith("reject"):
        expected_reason = header["expect"].split(":", 1)[1].strip()
        with pytest.raises(ExtractionError) as info:  # a helper that leaves code out is refused by the splice
            splice(text, ref, extract(reply, ref, language))
        assert expected_reason in str(info.value)
        assert info.value.file == file and info.value.hint, "a rejection names the file and says what to do"
        return
    extraction = extract(reply, ref, language)
    assert extraction.function_code == sections["function"].rstrip("\n")
    assert not extraction.unchanged
    new_text = splice(text, ref, extraction)
    assert not parse(new_text, language).root_node.has_error or parse(text, language).root_node.has_error
    before = {r.qualified_name for r in list_functions(text, language)}
    after = {r.qualified_name for r in list_functions(new_text, language)}
    assert sorted(after - before) == sections["new_functions"].split()
    assert before <= after, "no existing function may disappear"
    old_lines = set(text.splitlines())
    added_includes = [l for l in new_text.splitlines() if l not in old_lines
                      and l.startswith(("#include", "import ", "from "))]
    assert added_includes == [l for l in sections["new_includes"].splitlines() if l]
    spliced = [_as_written(new_text, r) for r in list_functions(new_text, language)
               if r.qualified_name == ref.qualified_name]
    assert extraction.function_code in spliced, "the span now holds exactly the extracted function"


def _as_written(text: str, ref) -> str:
    """A function's text with its indentation in the file taken off (how extract returns it)."""
    data = text.encode("utf-8")
    column = ref.start_byte - (data.rfind(b"\n", 0, ref.start_byte) + 1)
    lines = ref.text.split("\n")
    return "\n".join([lines[0]] + [l[column:] if l[:column].strip() == "" else l for l in lines[1:]])


_COMPILERS = {"c": ["gcc", "-std=c99"], "cpp": ["g++", "-std=c++17"]}
_ACCEPTED = [p for p in CASES if read_case(p)[0]["expect"] == "ok"]


@pytest.mark.parametrize("path", _ACCEPTED, ids=[p.stem for p in _ACCEPTED])
def test_accepted_reply_still_compiles_after_splicing(path: Path, tmp_path: Path):
    """The real compiler (gcc/g++ -fsyntax-only, or CPython's compile) accepts every spliced file."""
    header, sections = read_case(path)
    file, name, line = parse_spec(header["target"])
    language = language_for(file)
    text = (ROOT / "code" / file).read_text(encoding="utf-8")
    ref = locate(text, language, file, name=name, line=line)
    new_text = splice(text, ref, extract(sections["reply"], ref, language))
    if language == "python":
        compile(new_text, file, "exec")
        return
    compiler = _COMPILERS[language]
    if shutil.which(compiler[0]) is None:
        pytest.skip(f"{compiler[0]} is not installed")
    (tmp_path / file).write_text(new_text, encoding="utf-8")
    header_file = file.rsplit(".", 1)[0] + (".hpp" if language == "cpp" else ".h")
    shutil.copy(ROOT / "code" / header_file, tmp_path / header_file)
    result = subprocess.run([*compiler, "-fsyntax-only", str(tmp_path / file)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
