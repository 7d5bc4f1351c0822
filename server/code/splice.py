"""Put an extracted rewrite into the file: exactly the function's span changes.

New helpers go where they compile (right before the function, or before its outermost class
when they are free functions), new includes/imports go after the file's last one. The file's
indentation, line endings and final newline are kept, and the result is parsed again: a splice
that introduces a syntax error is refused rather than handed to a compiler or an editor.
"""
from __future__ import annotations

from dataclasses import dataclass

import tree_sitter as ts

from ..errors import SpliceError
from ..records import FunctionRef
from .extract import Extraction
from .functions import Definition, Scan, leading_start, scan
from .indent import indent, line_indent, mixes_tabs
from .items import defined_names
from .languages import DISPLAY_NAMES, parse, reparse
from .relocate import find_definition, relocate
from .signature import collapse


@dataclass
class _Insert:
    offset: int
    order: int  # among inserts at one offset: includes, helpers, member helpers, then the replacement
    text: str
    end: int | None = None  # a replacement when set


def splice(text: str, ref: FunctionRef, extraction: Extraction) -> str:
    """`text` with `ref`'s span replaced by the extraction; SpliceError if the result does not parse."""
    language = ref.language
    s = scan(text, language)
    d = find_definition(s, ref)
    if d is None:
        ref = relocate(text, ref)  # raises StaleTargetError when the function itself changed
        d = find_definition(s, ref)
        assert d is not None
    newline = "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"
    prefix = line_indent(s.data, d.start_byte)
    retab = mixes_tabs(ref.text, prefix)
    old_code = s.data[d.start_byte:d.end_byte].decode("utf-8").replace("\r\n", "\n")
    edits = [_Insert(d.start_byte, 9, _format(extraction.function_code, prefix, newline, retab, old_code),
                     end=d.end_byte)]
    helpers, members = extraction.helpers, extraction.member_helpers
    if helpers or members:  # a whole-file reply repeats what the file has: keep only what is new
        existing = _existing_names(s)
        sep = "." if language == "python" else "::"
        scope = ref.qualified_name[: -len(ref.name)] if ref.qualified_name.endswith(ref.name) else ""
        scope = scope if scope.endswith(sep) else ""
        helpers = [h for h in helpers if not _already_defined(h, language, existing, "")]
        members = [h for h in members if not _already_defined(h, language, existing, scope)]
        for code in helpers + members:  # a new helper that leaves code out cannot be built
            if code in extraction.elided:
                raise extraction.elided[code]
    if members:
        block = "".join(_format(h, prefix, newline, retab) + newline + newline + prefix for h in members)
        edits.append(_Insert(d.start_byte, 2, block))
    if helpers:
        anchor = _anchor(s, d)
        anchor_indent = line_indent(s.data, anchor)
        gap = newline * (3 if language == "python" and not anchor_indent else 2)  # PEP 8: two blank lines
        block = "".join(_format(h, anchor_indent, newline, retab) + gap + anchor_indent for h in helpers)
        edits.append(_Insert(anchor, 1, block))
    includes = _new_includes(s, extraction.includes, language)
    if includes:
        offset, before, after = _include_point(s, d, language)
        lines = "".join(inc + newline for inc in includes)
        edits.append(_Insert(offset, 0, (newline if before else "") + lines + (newline if after else "")))
    new_data, ranges = _apply(s.data, edits)
    new_text = new_data.decode("utf-8")
    if language == "python" and _python_region_is_clean(new_data, ranges):
        return new_text  # the common case, without re-parsing the whole module
    tree = _reparse(s, new_data, edits)
    _check_syntax(s, tree, new_text, ranges, (d.start_byte, d.end_byte), ref)
    return new_text


_CONTINUATIONS = (b"else", b"elif", b"except", b"finally", b")", b"]", b"}", b"#")


def _python_region_is_clean(data: bytes, ranges: list[tuple[int, int]]) -> bool:
    """Parse only the top-level statements that hold the changes (Python's incremental re-parse
    costs nearly a full parse). A clean result is final; anything else gets the full check."""
    lo = data.rfind(b"\n", 0, min(r[0] for r in ranges)) + 1
    while lo > 0 and not _starts_statement(data, lo):
        lo = data.rfind(b"\n", 0, lo - 1) + 1
    hi = max(r[1] for r in ranges)
    while True:
        nl = data.find(b"\n", hi)
        if nl < 0:
            hi = len(data)
            break
        hi = nl + 1
        if hi >= len(data) or _starts_statement(data, hi):
            break
    return not parse(data[lo:hi], "python").root_node.has_error


def _starts_statement(data: bytes, line_start: int) -> bool:
    """A line at column 0 that begins a new top-level statement."""
    first = data[line_start:line_start + 1]
    return bool(first.strip()) and not data.startswith(_CONTINUATIONS, line_start)


def _format(code: str, prefix: str, newline: str, retab: bool, original: str = "") -> str:
    """The code at the file's indentation (the first line lands after the existing one)."""
    code = code.replace("\r\n", "\n").strip("\n").rstrip()
    return indent(code, prefix, retab=retab, original=original).replace("\n", newline)


def _anchor(s: Scan, d: Definition) -> int:
    """Where free helpers go: before the outermost class or function that holds the target."""
    if not d.containers:
        return d.start_byte
    outer = d.containers[0]
    if outer.type in ("class_specifier", "struct_specifier", "union_specifier") and outer.parent is not None \
            and outer.parent.type in ("declaration", "template_declaration", "type_definition"):
        outer = outer.parent
    return leading_start(s.data, outer.start_byte, s.tree.root_node)


def _existing_names(s: Scan) -> set[str]:
    """Every name the file defines, qualified ("ns::Class::member", "Class.method")."""
    names = {d.qualified_name for d in s.definitions}
    _scoped_names(s.tree.root_node, "", s.language, names)
    return names


def _scoped_names(node: ts.Node, scope: str, language: str, out: set[str]) -> None:
    sep = "." if language == "python" else "::"
    for child in node.named_children:
        out.update(scope + n for n in defined_names(child, language))
        t = child.type
        if language == "python":
            inner = child.child_by_field_name("definition") if t == "decorated_definition" else child
            if inner is not None and inner.type == "class_definition":
                name, body = inner.child_by_field_name("name"), inner.child_by_field_name("body")
                if name is not None and body is not None:
                    _scoped_names(body, scope + name.text.decode("utf-8", "replace") + sep, language, out)
            elif t in ("if_statement", "else_clause", "elif_clause", "try_statement", "except_clause",
                       "finally_clause", "block", "with_statement"):
                _scoped_names(child, scope, language, out)
            continue
        if t == "namespace_definition":
            name, body = child.child_by_field_name("name"), child.child_by_field_name("body")
            if body is not None:
                inner_scope = scope + (name.text.decode("utf-8", "replace") + sep if name is not None else "")
                _scoped_names(body, inner_scope, language, out)
        elif t in ("linkage_specification", "declaration_list", "preproc_ifdef", "preproc_if", "preproc_else",
                   "preproc_elif", "template_declaration", "declaration", "type_definition"):
            body = child.child_by_field_name("body") if t == "linkage_specification" else child
            if body is not None:
                _scoped_names(body, scope, language, out)
        elif t in ("class_specifier", "struct_specifier", "union_specifier"):
            name, body = child.child_by_field_name("name"), child.child_by_field_name("body")
            if name is not None and body is not None:
                _scoped_names(body, scope + name.text.decode("utf-8", "replace") + sep, language, out)


def _already_defined(helper: str, language: str, existing: set[str], scope: str) -> bool:
    """A helper the file already has (a whole-file reply repeats them) must not be added twice.

    Members are compared by their qualified name in the function's class; free helpers by
    their bare name anywhere in the file (a same-named free function would clash or shadow).
    """
    tree = parse(helper, language)
    names: set[str] = set()
    for child in tree.root_node.named_children:
        names |= defined_names(child, language)
    if not names:
        return False
    if scope:
        return {scope + n for n in names} <= existing
    sep = "." if language == "python" else "::"
    bare = {n.split(sep)[-1] for n in existing}
    return {n.split(sep)[-1] for n in names} <= bare


def _new_includes(s: Scan, includes: list[str], language: str) -> list[str]:
    have = {collapse(_line_text(s, n)) for n in _include_nodes(s, language)}
    out: list[str] = []
    for inc in includes:
        norm = collapse(inc)
        if norm and norm not in have:
            have.add(norm)
            out.append(inc.strip())
    return out


def _line_text(s: Scan, node: ts.Node) -> str:
    return s.data[node.start_byte:node.end_byte].decode("utf-8")


def _include_nodes(s: Scan, language: str) -> list[ts.Node]:
    wanted = ("import_statement", "import_from_statement", "future_import_statement") if language == "python" \
        else ("preproc_include",)
    out = []
    stack = [s.tree.root_node]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            if child.type in wanted:
                out.append(child)
            elif language != "python" and child.type in ("preproc_ifdef", "preproc_if", "preproc_else",
                                                         "linkage_specification", "declaration_list"):
                stack.append(child)
    return sorted(out, key=lambda n: n.start_byte)


def _include_point(s: Scan, d: Definition, language: str) -> tuple[int, bool, bool]:
    """(offset, blank line before?, blank line after?) for new include lines."""
    before = [n for n in _include_nodes(s, language) if n.end_byte <= d.start_byte]
    if before:
        last = before[-1]
        eol = s.data.find(b"\n", last.end_byte - 1)
        return (len(s.data) if eol < 0 else eol + 1), eol < 0, False
    root = s.tree.root_node
    for child in root.named_children:
        if child.type == "comment":
            continue
        if language == "python" and child.type == "expression_statement" and child.named_children \
                and child.named_children[0].type == "string":
            continue  # the module docstring stays first
        start = s.data.rfind(b"\n", 0, child.start_byte) + 1
        return start, False, True
    return 0, False, True


def _apply(data: bytes, edits: list[_Insert]) -> tuple[bytes, list[tuple[int, int]]]:
    """New bytes, and the byte ranges in them that came from the rewrite."""
    edits.sort(key=lambda e: (e.offset, e.order))
    out: list[bytes] = []
    ranges: list[tuple[int, int]] = []
    pos = 0
    size = 0
    for e in edits:
        out.append(data[pos:e.offset])
        size += e.offset - pos
        chunk = e.text.encode("utf-8")
        out.append(chunk)
        ranges.append((size, size + len(chunk)))
        size += len(chunk)
        pos = e.end if e.end is not None else e.offset
    out.append(data[pos:])
    return b"".join(out), ranges


def _reparse(s: Scan, new_data: bytes, edits: list[_Insert]) -> ts.Tree:
    """Parse the result incrementally from the old tree: only the changed region is re-read."""
    tree = s.tree.copy()  # the cached tree is shared: never edit it in place
    for e in sorted(edits, key=lambda e: (e.offset, e.order), reverse=True):
        end = e.end if e.end is not None else e.offset
        chunk = e.text.encode("utf-8")
        start_point = _point(s.data, e.offset)
        old_end_point = _point(s.data, end)
        rows = chunk.count(b"\n")
        new_end_point = (start_point[0] + rows,
                         (len(chunk) - chunk.rfind(b"\n") - 1) if rows else start_point[1] + len(chunk))
        tree.edit(e.offset, end, e.offset + len(chunk), start_point, old_end_point, new_end_point)
    return reparse(new_data, s.language, tree)


def _point(data: bytes, offset: int) -> tuple[int, int]:
    return data.count(b"\n", 0, offset), offset - (data.rfind(b"\n", 0, offset) + 1)


def _check_syntax(old: Scan, tree: ts.Tree, new_text: str, ranges: list[tuple[int, int]],
                  old_span: tuple[int, int], ref: FunctionRef) -> None:
    root = tree.root_node
    if not root.has_error:
        return
    errors = _error_nodes(root)
    bad = [n for n in errors if any(n.start_byte <= hi and n.end_byte >= lo for lo, hi in ranges)]
    if old.tree.root_node.has_error:
        # The file had parse errors of its own (macros the parser cannot see through):
        # only errors the rewrite adds count.
        # An unbalanced brace shows up far away (at the end of the file), hence the total too.
        lo, hi = old_span
        old_errors = _error_nodes(old.tree.root_node)
        before = [n for n in old_errors if n.start_byte <= hi and n.end_byte >= lo]
        if len(bad) <= len(before) and len(errors) <= len(old_errors):
            return
    node = (bad or errors)[0]
    line = node.start_point[0] + 1
    snippet = new_text.encode("utf-8")[node.start_byte:node.start_byte + 60].decode("utf-8", "replace")
    snippet = collapse(snippet.split("\n")[0]) or "(end of input)"
    what = "a missing token" if node.is_missing else "a syntax error"
    raise SpliceError(
        f"the rewrite of `{ref.qualified_name}` leaves {what} at line {line} of the spliced file: `{snippet}`",
        file=ref.file or None, line=line,
        hint=f"the candidate is not valid {DISPLAY_NAMES.get(old.language, old.language)}; it was not built")


def _error_nodes(root: ts.Node) -> list[ts.Node]:
    out: list[ts.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            out.append(node)
            continue
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return out

