"""Does a call sit inside a loop of its caller? Then the callee's cost multiplies, which is
worth telling a model (a hoisted call, a batched one). Read with tree-sitter on the caller's
file: the call site line lies in the body of a for / while / do loop (or a comprehension)
within the caller's span. Without a sampled call line, every call of the callee's name in the
caller counts."""
from __future__ import annotations

import re

from ..code.languages import parse
from ..records import FunctionRef

LOOPS = {"for_statement", "for_range_loop", "while_statement", "do_statement",
         "list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"}
CALLS = {"call_expression", "call"}


def call_in_loop(file_text: str, caller: FunctionRef, callee_name: str, line: int | None = None) -> bool:
    """True when the call of `callee_name` from `caller` (at `line`, 1-based, when known) lies in
    a loop of `caller`."""
    try:
        tree = parse(file_text.encode("utf-8"), caller.language)
    except Exception:  # no grammar, unparsable text: say nothing rather than guess
        return False
    spans = _loop_lines(tree.root_node, caller.start_byte, caller.end_byte)
    if not spans:
        return False
    if line is not None and caller.start_line <= line <= caller.end_line:
        return any(start <= line <= end for start, end in spans)
    bare = re.split(r"::|\.", callee_name)[-1]
    call_lines = _call_lines(tree.root_node, caller.start_byte, caller.end_byte, bare)
    return any(start <= at <= end for at in call_lines for start, end in spans)


def _loop_lines(root, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    for node in _walk(root, start, end):
        if node.type in LOOPS:
            body = node.child_by_field_name("body") if not node.type.endswith(("comprehension", "expression")) else node
            body = body or node
            out.append((body.start_point[0] + 1, body.end_point[0] + 1))
    return out


def _call_lines(root, start: int, end: int, bare: str) -> list[int]:
    out = []
    for node in _walk(root, start, end):
        if node.type in CALLS:
            function = node.child_by_field_name("function")
            text = function.text.decode("utf-8", "replace") if function is not None and function.text else ""
            if re.split(r"::|\.|->", re.sub(r"<.*>", "", text))[-1].strip() == bare:
                out.append(node.start_point[0] + 1)
    return out


def _walk(root, start: int, end: int):
    """Nodes overlapping bytes [start, end)."""
    pending = [root]
    while pending:
        node = pending.pop()
        if node.end_byte <= start or node.start_byte >= end:
            continue
        yield node
        pending.extend(node.children)
