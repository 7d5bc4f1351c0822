"""Property-based: the unified diff and the LSP text edits always turn the original into the new
text, for any text (non-ASCII, astral characters, CRLF, no final newline) and for real splices."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonl.code import Extraction, TextEditSpec, list_functions, splice, text_edits, unified_diff
from lessonl.code.indent import dedent, line_indent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "code"
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_unified_diff(old: str, patch: str) -> str:
    """A small `patch`: checks every context and removed line against the original."""
    if not patch:
        return old
    old_lines = old.splitlines(keepends=True) if old else []
    old_lines = _lines(old)
    lines = patch.splitlines(keepends=True)
    assert lines[0].startswith("--- a/") and lines[1].startswith("+++ b/")
    out: list[str] = []
    pos = 0
    i = 2
    while i < len(lines):
        m = _HUNK.match(lines[i])
        assert m, f"expected a hunk header, got {lines[i]!r}"
        start = int(m.group(1))
        count = int(m.group(2)) if m.group(2) is not None else 1
        first = start - 1 if count else start
        out.extend(old_lines[pos:first])
        pos = first
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            mark, body = lines[i][0], lines[i][1:]
            i += 1
            if i < len(lines) and lines[i].startswith("\\ No newline at end of file"):
                body = body[:-1]
                i += 1
            if mark == " ":
                assert old_lines[pos] == body
                out.append(body)
                pos += 1
            elif mark == "-":
                assert old_lines[pos] == body
                pos += 1
            else:
                assert mark == "+"
                out.append(body)
    out.extend(old_lines[pos:])
    return "".join(out)


def _lines(text: str) -> list[str]:
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def apply_text_edits(old: str, edits: list[TextEditSpec]) -> str:
    """Apply LSP edits the way an editor does: positions in UTF-16 code units, all relative to `old`."""
    units = old.encode("utf-16-le")
    line_starts = [0]
    text16 = [units[i:i + 2] for i in range(0, len(units), 2)]
    for i, u in enumerate(text16):
        if u == "\n".encode("utf-16-le"):
            line_starts.append(i + 1)
        elif u == "\r".encode("utf-16-le") and (i + 1 >= len(text16) or text16[i + 1] != "\n".encode("utf-16-le")):
            line_starts.append(i + 1)

    def offset(line: int, character: int) -> int:
        assert 0 <= line < len(line_starts), (line, len(line_starts))
        return line_starts[line] + character

    previous_end = -1
    spans = []
    for e in edits:
        a, b = offset(e.start_line, e.start_character), offset(e.end_line, e.end_character)
        assert previous_end <= a <= b <= len(text16), "edits must be ordered and not overlap"
        previous_end = b
        spans.append((a, b, e.new_text))
    for a, b, new_text in reversed(spans):
        text16[a:b] = [new_text.encode("utf-16-le")[i:i + 2] for i in range(0, len(new_text.encode("utf-16-le")), 2)]
    return b"".join(text16).decode("utf-16-le")


_chars = st.sampled_from(list("ab xy{};()\t") + ["é", "ß", "日本", "😀", "𝔘", "λ", "\u200b"])
_line = st.lists(_chars, max_size=8).map("".join)


def _document(newline: str):
    return st.lists(_line, max_size=12).flatmap(
        lambda ls: st.booleans().map(lambda final: newline.join(ls) + (newline if final and ls else "")))


_docs = st.sampled_from(["\n", "\r\n"]).flatmap(_document)


@settings(max_examples=300, deadline=None)
@given(_docs, _docs)
def test_unified_diff_applied_to_the_old_text_gives_the_new_text(old: str, new: str):
    assert apply_unified_diff(old, unified_diff(old, new, "f.cpp")) == new


@settings(max_examples=300, deadline=None)
@given(_docs, _docs)
def test_text_edits_applied_in_utf16_units_give_the_new_text(old: str, new: str):
    assert apply_text_edits(old, text_edits(old, new)) == new


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab\r\n é😀")), max_size=30),
       st.text(alphabet=st.sampled_from(list("ab\r\n é😀")), max_size=30))
def test_text_edits_handle_lone_carriage_returns_and_mixed_endings(old: str, new: str):
    assert apply_text_edits(old, text_edits(old, new)) == new


def test_identical_texts_give_no_diff_and_no_edits():
    assert unified_diff("a\nb\n", "a\nb\n", "x.py") == ""
    assert text_edits("a\nb\n", "a\nb\n") == []


def test_edit_positions_count_utf16_code_units():
    old = "s = '😀é'; x = 1;\n"
    new = "s = '😀é'; x = 2;\n"
    (edit,) = text_edits(old, new)
    assert (edit.start_line, edit.start_character, edit.end_character, edit.new_text) == (0, 15, 16, "2")
    assert edit.to_lsp()["range"]["start"] == {"line": 0, "character": 15}


def test_missing_final_newline_is_marked_in_the_diff():
    diff = unified_diff("a\nb", "a\nc", "k.c")
    assert diff.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


# ---- real splices ----------------------------------------------------------------------------

_SOURCES = {name: (FIXTURES / name).read_bytes().decode("utf-8") for name in
            ("linalg.cpp", "hotspots.py", "win_strings.cpp", "imgproc.c")}
_LANG = {"linalg.cpp": "cpp", "hotspots.py": "python", "win_strings.cpp": "cpp", "imgproc.c": "c"}
_BODY_LINE = st.lists(st.sampled_from(["x", "y", "1", "+", " ", "é", "ü", "日本", "😀"]), min_size=1, max_size=6)


@st.composite
def _splices(draw):
    name = draw(st.sampled_from(sorted(_SOURCES)))
    text, language = _SOURCES[name], _LANG[name]
    ref = draw(st.sampled_from(list_functions(text, language, name)))
    lines = dedent(ref.text, line_indent(text.encode("utf-8"), ref.start_byte)).replace("\r\n", "\n").split("\n")
    comment = "# " if language == "python" else "// "
    extra = ["    " + comment + "".join(draw(_BODY_LINE)) for _ in range(draw(st.integers(1, 3)))]
    if language == "python":
        lines = lines + extra
    else:
        lines = lines[:-1] + extra + lines[-1:]
    new = splice(text, ref, Extraction(function_code="\n".join(lines)))
    return text, new


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_splices())
def test_diff_and_edits_of_a_real_splice_reproduce_it(case):
    old, new = case
    assert apply_unified_diff(old, unified_diff(old, new, "f")) == new
    assert apply_text_edits(old, text_edits(old, new)) == new
    if "\r\n" in old:
        assert "\n" not in new.replace("\r\n", "")  # CRLF files stay CRLF
