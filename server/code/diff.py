"""Turn a rewrite into a minimal unified diff (people, CLI) and LSP text edits (editors).

Both come from one line-level comparison: common leading and trailing lines are cut first,
so a change to one function in a 10,000-line file compares only that function's lines, and
the result cannot wander into unrelated lines that happen to match.
Editors count columns in UTF-16 code units, so edit positions are converted from code points.
"""
from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import asdict, dataclass
from typing import Any, Iterator


@dataclass(frozen=True)
class TextEditSpec:
    """One LSP TextEdit: 0-based lines, UTF-16 character offsets, range end exclusive."""

    start_line: int
    start_character: int
    end_line: int
    end_character: int
    new_text: str

    def to_lsp(self) -> dict[str, Any]:
        return {"range": {"start": {"line": self.start_line, "character": self.start_character},
                          "end": {"line": self.end_line, "character": self.end_character}},
                "newText": self.new_text}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _lsp_lines(text: str) -> list[str]:
    r"""Lines with their endings; only \n, \r\n and a lone \r end a line, as in LSP
    (str.splitlines would also split on \f, \x1c, \u2028 and shift every later position)."""
    if "\r" not in text:
        parts = text.split("\n")
        lines = [p + "\n" for p in parts[:-1]]
        if parts[-1]:
            lines.append(parts[-1])
        return lines
    return _LINE.findall(text)


_Op = tuple[str, int, int, int, int]  # (tag, i1, i2, j1, j2) as difflib gives them


def _opcodes(a: list[str], b: list[str]) -> Iterator[_Op]:
    """Line opcodes (tag, i1, i2, j1, j2) without 'equal', after cutting the common ends."""
    pre = 0
    limit = min(len(a), len(b))
    while pre < limit and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < limit - pre and a[len(a) - 1 - suf] == b[len(b) - 1 - suf]:
        suf += 1
    matcher = difflib.SequenceMatcher(None, a[pre:len(a) - suf], b[pre:len(b) - suf], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            yield tag, i1 + pre, i2 + pre, j1 + pre, j2 + pre


def unified_diff(old: str, new: str, path: str, context: int = 3) -> str:
    """A `diff -u` style patch from a/PATH to b/PATH; empty when nothing changed."""
    a, b = _lsp_lines(old), _lsp_lines(new)
    ops = list(_opcodes(a, b))
    if not ops:
        return ""
    out = [f"--- a/{path}\n", f"+++ b/{path}\n"]
    for group in _groups(ops, context):
        first, last = group[0], group[-1]
        i1, i2 = max(0, first[1] - context), min(len(a), last[2] + context)
        j1, j2 = first[3] - (first[1] - i1), last[4] + (i2 - last[2])
        out.append(f"@@ -{_range(i1, i2 - i1)} +{_range(j1, j2 - j1)} @@\n")
        pos = i1
        for tag, oi1, oi2, oj1, oj2 in group:
            out.extend(_line(" ", line) for line in a[pos:oi1])
            out.extend(_line("-", line) for line in a[oi1:oi2])
            out.extend(_line("+", line) for line in b[oj1:oj2])
            pos = oi2
        out.extend(_line(" ", line) for line in a[pos:i2])
    return "".join(out)


def _groups(ops: list[_Op], context: int) -> Iterator[list[_Op]]:
    """Changes closer than two contexts apart share a hunk, as in `diff -u`."""
    group = [ops[0]]
    for op in ops[1:]:
        if op[1] - group[-1][2] <= 2 * context:
            group.append(op)
        else:
            yield group
            group = [op]
    yield group


def _range(start: int, length: int) -> str:
    if length == 0:
        return f"{start},0"
    return f"{start + 1}" if length == 1 else f"{start + 1},{length}"


def _line(mark: str, line: str) -> str:
    if line.endswith("\n") or line.endswith("\r"):
        return mark + line if line.endswith("\n") else mark + line + "\n"
    return mark + line + "\n\\ No newline at end of file\n"


def text_edits(old: str, new: str) -> list[TextEditSpec]:
    """Edits that turn `old` into `new`, in document order, positions relative to `old`.

    Each changed run of lines becomes one edit, narrowed to the characters that differ so
    that an editor moves the cursor and folds as little as possible.
    """
    a, b = _lsp_lines(old), _lsp_lines(new)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    new_starts = [0]
    for line in b:
        new_starts.append(new_starts[-1] + len(line))
    edits: list[TextEditSpec] = []
    for _tag, i1, i2, j1, j2 in _opcodes(a, b):
        o_start, o_end = starts[i1], starts[i2]
        n_start, n_end = new_starts[j1], new_starts[j2]
        o_start, o_end, n_start, n_end = _narrow(old, new, o_start, o_end, n_start, n_end)
        sl, sc = _position(old, starts, o_start)
        el, ec = _position(old, starts, o_end)
        edits.append(TextEditSpec(sl, sc, el, ec, new[n_start:n_end]))
    return edits


def _narrow(old: str, new: str, os_: int, oe: int, ns: int, ne: int) -> tuple[int, int, int, int]:
    """Cut the characters both sides share, never splitting a \\r\\n pair."""
    while os_ < oe and ns < ne and old[os_] == new[ns]:
        os_ += 1
        ns += 1
    while oe > os_ and ne > ns and old[oe - 1] == new[ne - 1]:
        oe -= 1
        ne -= 1
    while os_ > 0 and old[os_ - 1] == "\r" and os_ < len(old) and old[os_] == "\n":
        os_ -= 1
        ns -= 1
    while oe < len(old) and old[oe - 1:oe] == "\r" and old[oe] == "\n":
        oe += 1
        ne += 1
    return os_, oe, ns, ne


def _position(text: str, starts: list[int], offset: int) -> tuple[int, int]:
    line = bisect.bisect_right(starts, offset) - 1
    if line >= len(starts) - 1 and line > 0 and offset == starts[-1] and not _ends_with_break(text):
        line = len(starts) - 2  # at the very end of a last line without a line break
    return line, utf16_len(text[starts[line]:offset])


def _ends_with_break(text: str) -> bool:
    return text.endswith("\n") or text.endswith("\r")


def utf16_len(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
