"""Does a call sit inside a loop of its caller? Then the callee's cost multiplies, which is
worth telling a model (a hoisted call, a batched one). Read with tree-sitter on the caller's
file: the call site line lies in the body of a for / while / do loop (or a comprehension)
within the caller's span. Without a sampled call line, any call of the callee's name in a loop of the
caller counts; with one outside every loop (a return address's line is sometimes the line
before the call), the calls of that name decide when all of them lie in loops."""
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
    if line is not None and caller.start_line <= line <= caller.end_line and \
            any(start <= line <= end for start, end in spans):
        return True
    bare = re.split(r"::|\.", callee_name)[-1]
    calls = [any(start <= at <= end for start, end in spans)
             for at in _call_lines(tree.root_node, caller.start_byte, caller.end_byte, bare)]
    if line is not None:  # a sampled call line (a return address's line can be one off): every call in a loop
        return bool(calls) and all(calls)
    return any(calls)


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
