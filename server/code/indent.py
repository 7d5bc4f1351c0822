"""Indentation by visual columns (tabs stop every 8, as compilers, Python and `diff` count them).

A function is cut out at its indentation and put back at the file's: exact prefixes are the
common case, but files that mix tabs and spaces (GNU style) need widths, or a round trip
would turn `\\t    x` into `      x`.
"""
from __future__ import annotations

TAB = 8


def width(ws: str) -> int:
    col = 0
    for ch in ws:
        col = (col // TAB + 1) * TAB if ch == "\t" else col + 1
    return col


def leading(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def line_indent(data: bytes, offset: int) -> str:
    """The leading whitespace of the line holding `offset`."""
    start = data.rfind(b"\n", 0, offset) + 1
    line = data[start:offset].decode("utf-8", "replace")
    return leading(line)


def dedent(code: str, prefix: str) -> str:
    """Take `prefix` off every line but the first (which starts right at the cut)."""
    if not prefix:
        return code
    lines = code.split("\n")
    out = [lines[0]]
    need = width(prefix)
    for line in lines[1:]:
        if line.startswith(prefix):
            out.append(line[len(prefix):])
            continue
        lead = leading(line)
        if lead and width(lead) >= need and line.strip():
            out.append(" " * (width(lead) - need) + line[len(lead):])
        else:
            out.append(line)  # less indented than the function (a directive, a label): leave it
    return "\n".join(out)


def indent(code: str, prefix: str, *, retab: bool = False, original: str = "") -> str:
    """Put `prefix` before every line but the first; blank lines stay empty.

    retab: write the leading whitespace as tabs plus spaces (the file mixes them, GNU style).
    original: the text being replaced; a line that is unchanged (same text at the same visual
    column) is written with its original whitespace, so a file whose indentation is inconsistent
    still only shows the lines that really changed.
    """
    old_lines = original.split("\n")[1:]
    known = {(width(leading(l)), l.strip()): l for l in old_lines if l.strip()} if retab else {}
    need = width(prefix)
    outdented = {l for l in old_lines if l.strip() and width(leading(l)) < need}
    lines = code.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if not line.strip():
            out.append("")
        elif line in outdented:
            out.append(line)  # left of the function's column in the original: dedent kept it as it was
        elif retab:
            lead = leading(line)
            w = width(prefix) + width(lead)
            out.append(known.get((w, line.strip())) or "\t" * (w // TAB) + " " * (w % TAB) + line[len(lead):])
        else:
            out.append(prefix + line)
    return "\n".join(out)


def mixes_tabs(text: str, prefix: str) -> bool:
    """True when the function's own lines use tabs in a way `prefix` cannot express."""
    lines = [l for l in text.split("\n")[1:] if l.strip()]
    return any("\t" in leading(l) for l in lines) and not all(l.startswith(prefix) for l in lines)
