"""Code a model left out: `// ... rest unchanged ...`, `# ... existing code ...`, a lone `...`.

Such a placeholder stands in for lines the reply does not hold, so the candidate would be a
broken or different program; it is refused before any build, saying what stands where.

Not placeholders: C's variadic `...`, C++ packs, folds and `catch (...)` (the parser reads them
as such; only a `...` it cannot read counts), Python's Ellipsis in stubs, Protocols, abstract
methods and type hints (`Callable[..., int]`, `tuple[int, ...]`), `[...]` or `a + ... + z` in a
comment about the maths, and comments that describe code (`// fast path`, `// handle the
remaining elements...`). A comment without dots counts only where code should follow and does
not (`// rest unchanged` right before the closing brace), and nothing the original function
itself contains counts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter as ts

from ..errors import ExtractionError
from .functions import Scan
from .signature import collapse


class ElisionError(ExtractionError):
    """A reply leaves code out and puts a placeholder in its place."""


@dataclass(frozen=True)
class Elision:
    row: int  # 0-based row in the scanned text
    placeholder: str  # as written, whitespace collapsed


_ONLY_DOTS = re.compile(r"^(\.{3,}|…+|(\.\s){2,}\.)$")
_LEADING_DOTS = re.compile(r"^(\.{3,}|…)")
_TRAILING_DOTS = re.compile(r"(\.{3,}|…)\W*$")
_AFTER_LEADING_DOTS = re.compile(
    r"\b(rest|remaining|remainder|unchanged|same|before|above|existing|original|previous|omitted|elided|other|"
    r"more|etc|similar|code|implementation|logic|body|as is|as-is|continue[sd]?|here)\b")
_BEFORE_TRAILING_DOTS = re.compile(
    r"\b(unchanged|same as|as before|as above|existing code|omitted|elided|for brevity|etc|goes here|code here|"
    r"and so on|rest of the code|rest of the function|rest of the implementation)\b")
_ANYWHERE = re.compile(
    r"\b(omitted|elided|removed|skipped|truncated|left out|not shown|abbreviated|shortened)\b.*"
    r"\bfor (brevity|clarity|space|conciseness)\b|\b(code|implementation|logic) (goes )?here\W*$")
_STAND_IN = re.compile(
    r"^((the )?(rest|remainder)( of (the )?[\w ]{1,40}?)?|(the )?(existing|original|previous|old|unchanged|other|"
    r"remaining|same) [\w ]{0,30}?(code|implementation|logic|body|lines|statements|members|methods|functions|"
    r"fields|cases)|(your |the )?(code|implementation|logic)|same as (before|above|the original|original))"
    r"( (is|are|remains?|stays?|goes|go))?( (unchanged|the same|as before|as above|as is|as-is|here|omitted|"
    r"elided))?\W*$")


def find_elision(s: Scan, start: int, end: int, original: str, body: ts.Node | None = None) -> Elision | None:
    """The first placeholder in `s.data[start:end]`; `body` is the target's own Python body,
    where even a lone `...` is one (the original function was not a stub)."""
    kept = {collapse(line) for line in original.split("\n") if line.strip()}
    stack = [s.tree.root_node]
    while stack:
        node = stack.pop()
        if node.end_byte <= start or node.start_byte >= end:
            continue
        found = _placeholder(s, node, end, body)
        if found is not None and collapse(_line(s.data, node.start_byte)) not in kept:
            return Elision(node.start_point[0], found)
        stack.extend(reversed(node.children))
    return None


def _placeholder(s: Scan, node: ts.Node, end: int, body: ts.Node | None) -> str | None:
    if node.type == "comment":
        text = node.text.decode("utf-8", "replace")
        own_line = not _line(s.data, node.start_byte)[:node.start_point[1]].strip()
        if is_placeholder_comment(text, own_line, own_line and _nothing_follows(s.data, node, end)):
            return collapse(text)
        return None
    if node.type == "..." and node.parent is not None and node.parent.type == "ERROR":
        return "..."  # C/C++: a `...` the parser cannot read as a pack, a fold or variadic parameters
    if s.language == "python" and node.type == "expression_statement" and node.named_child_count == 1 \
            and node.named_children[0].type == "ellipsis":
        block = node.parent
        if block is not None and (block == body or _does_something(block, node)):
            return "..."
    return None


def is_placeholder_comment(comment: str, own_line: bool = True, nothing_follows: bool = False) -> bool:
    """Whether a comment stands in for left-out code (see the module's docstring for what does not)."""
    text = _comment_text(comment)
    if not own_line:  # after code on its line it annotates that code; `f(a, /* ... */)` still stands in
        return bool(_ONLY_DOTS.match(text)) and comment.lstrip().startswith("/*")
    if _ONLY_DOTS.match(text):
        return True
    if _ANYWHERE.search(text):
        return True
    lead = _LEADING_DOTS.match(text)
    if lead and _AFTER_LEADING_DOTS.search(text[lead.end():]):
        return True
    if _TRAILING_DOTS.search(text) and _BEFORE_TRAILING_DOTS.search(text):
        return True
    return nothing_follows and _STAND_IN.match(text.strip(" .…()[]")) is not None


def _comment_text(comment: str) -> str:
    text = comment.strip()
    if text.startswith("/*"):
        text = text[2:-2] if text.endswith("*/") else text[2:]
        text = " ".join(line.strip().lstrip("*") for line in text.split("\n"))
    else:
        text = text.lstrip("/#!")
    return collapse(text).strip(" :-").lower()


def _nothing_follows(data: bytes, node: ts.Node, end: int) -> bool:
    """The comment is the last thing in its block: the next code closes the block (or dedents)."""
    column = node.start_point[1]
    pos = data.find(b"\n", node.end_byte)
    while 0 <= pos < end:
        nxt = data.find(b"\n", pos + 1)
        line = data[pos + 1:nxt if nxt >= 0 else len(data)]
        pos = nxt
        code = line.strip()
        if not code or code.startswith((b"//", b"/*", b"#")) and not code.startswith((b"#if", b"#e", b"#d")):
            continue
        return code.startswith((b"}", b")", b"]")) or len(line) - len(line.lstrip()) < column
    return True


def _does_something(block: ts.Node, ellipsis: ts.Node) -> bool:
    """A `...` among real statements stands for left-out code; alone (with a docstring) it is a stub."""
    for child in block.named_children:
        if child == ellipsis or child.type in ("comment", "pass_statement"):
            continue
        if child.type == "expression_statement" and child.named_child_count == 1 and \
                child.named_children[0].type in ("string", "ellipsis", "concatenated_string"):
            continue
        return True
    return False


def _line(data: bytes, offset: int) -> str:
    start = data.rfind(b"\n", 0, offset) + 1
    stop = data.find(b"\n", offset)
    return data[start:stop if stop >= 0 else len(data)].decode("utf-8", "replace")


def elision_error(what: str, line: int, placeholder: str, language: str, file: str | None,
                  file_line: int | None) -> ElisionError:
    """The refusal, worded to become a lesson: what was left out, where, and what to do instead."""
    mark = "#" if language == "python" else "//"
    return ElisionError(
        f"the reply leaves code out of {what}: line {line} of the reply is the placeholder `{placeholder}` "
        "where code should be", file=file, line=file_line,
        hint=f"write out the complete code, every line of it; never stand in for code with `...` or a comment "
             f"like `{mark} ... rest unchanged ...` (the rewrite replaces the whole function, it is not a patch)")


def skip_placeholders(s: Scan, start: int, node_start: int) -> int:
    """Where an item's doc comment really starts: `// ... other helpers unchanged ...` right above
    a function is a note about the reply, not the function's doc comment, and stays out of the file."""
    root = s.tree.root_node
    pos = cut = start
    while pos < node_start:
        comment = root.descendant_for_byte_range(pos, pos + 1)
        if comment is None or comment.type != "comment":
            break
        pos = comment.end_byte
        while pos < node_start and s.data[pos:pos + 1].isspace():
            pos += 1
        if is_placeholder_comment(comment.text.decode("utf-8", "replace")):
            cut = pos
    return cut
