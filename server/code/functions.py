"""Find the functions of a file: their qualified names and exact spans.

A span starts at the first line of the leading doc comment (or decorator / template header)
and ends after the closing brace or the last statement, so that replacing exactly that span
with a rewrite never leaves a stale comment or a duplicated decorator behind.
Only definitions with a body are listed: a prototype cannot be optimized.
"""
from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field

import tree_sitter as ts

from ..errors import TargetError
from ..lru import LRU
from ..records import FunctionRef
from .languages import LANGUAGES, parse
from .signature import Signature, declarator_name_node, function_name_node, name_parts, signature_of

_C_CONTAINERS = {"translation_unit", "declaration_list", "linkage_specification", "preproc_if", "preproc_ifdef",
                 "preproc_else", "preproc_elif", "preproc_elifdef", "field_declaration_list", "ERROR"}
_C_CLASSES = {"class_specifier", "struct_specifier", "union_specifier"}
_PY_CONTAINERS = {"module", "block", "if_statement", "elif_clause", "else_clause", "for_statement",
                  "while_statement", "try_statement", "except_clause", "except_group_clause", "finally_clause",
                  "with_statement", "match_statement", "case_clause"}


@dataclass
class Definition:
    """A function found in a parse tree, with the nodes later stages need."""

    node: ts.Node  # the function_definition
    outer: ts.Node  # template_declaration / decorated_definition wrapping it, else `node`
    wrappers: list[ts.Node]  # template_declarations, outermost first
    scope: list[str]  # enclosing namespaces, classes, functions (names)
    containers: list[ts.Node] = field(default_factory=list)  # enclosing class / function nodes, outermost first
    qualified_name: str = ""
    name: str = ""
    data: bytes = b""  # the parsed text and its tree's root, for the doc comment search
    root: ts.Node | None = None
    _start: int | None = None

    @property
    def start_byte(self) -> int:
        """Where the span starts, leading doc comment included (looked up on first use: a
        10,000-line file has thousands of functions and a job needs one)."""
        if self._start is None:
            self._start = leading_start(self.data, self.outer.start_byte, self.root)
        return self._start

    @property
    def end_byte(self) -> int:
        return self.node.end_byte


@dataclass
class Scan:
    """One parse of one text: reused by listing, splicing and context building."""

    text: str
    data: bytes
    language: str
    tree: ts.Tree
    definitions: list[Definition]


def scan(text: str, language: str) -> Scan:
    """Parse and list definitions; the last few results are kept (locate, context and splice
    of one job all scan the same text). Treat the result as read-only."""
    if language not in LANGUAGES:
        raise TargetError(f"unsupported language {language!r}", hint=f"LessonL handles {', '.join(LANGUAGES)}")
    data = text.encode("utf-8")
    key = (language, data)
    cached = _scans.get(key)
    if cached is not None:
        return cached
    result = _scan(text, data, language)
    _scans.put(key, result)
    return result


_scans: LRU[tuple[str, bytes], Scan] = LRU(8)


def _scan(text: str, data: bytes, language: str) -> Scan:
    tree = parse(data, language)
    found: list[Definition] = []
    if language == "python":
        _walk_python(tree.root_node, [], [], found, data)
    else:
        _walk_c(tree.root_node, [], [], found)
    sep = "." if language == "python" else "::"
    for d in found:
        d.data, d.root = data, tree.root_node
        if language == "python":
            name_node = d.node.child_by_field_name("name")
            own = [name_node.text.decode("utf-8", "replace")] if name_node is not None else ["?"]
        else:
            own = name_parts(declarator_name_node(d.node)) or ["?"]
        d.name = own[-1]
        d.qualified_name = sep.join(d.scope + own)
    found.sort(key=lambda d: (d.outer.start_byte, -d.end_byte))  # doc comments never overlap: same order
    return Scan(text, data, language, tree, found)


def list_functions(text: str, language: str, file: str = "") -> list[FunctionRef]:
    """Every optimizable function in document order (outer functions before nested ones)."""
    s = scan(text, language)
    return [to_ref(s, d, file) for d in s.definitions]


def to_ref(s: Scan, d: Definition, file: str = "") -> FunctionRef:
    body = s.data[d.start_byte:d.end_byte].decode("utf-8")
    return FunctionRef(
        file=file, qualified_name=d.qualified_name, name=d.name, language=s.language,
        start_line=s.data.count(b"\n", 0, d.start_byte) + 1, end_line=d.node.end_point[0] + 1,
        start_byte=d.start_byte, end_byte=d.end_byte, text=body, text_hash=text_hash(body),
        signature=signature_for(d, s.language).display,
    )


def signature_for(d: Definition, language: str) -> Signature:
    return signature_of(d.node, d.wrappers, language)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- walking the trees -----------------------------------------------------------------------

def _walk_c(node: ts.Node, scope: list[str], containers: list[ts.Node], out: list[Definition]) -> None:
    for child in node.named_children:
        t = child.type
        if t == "function_definition":
            _add_c(child, child, [], scope, containers, out)
        elif t == "friend_declaration":  # `friend T operator+(...) {...}`: the span starts at `friend`
            for inner in child.named_children:
                if inner.type == "function_definition":
                    _add_c(inner, child, [], scope, containers, out)
                elif inner.type == "template_declaration":
                    _template(inner, [inner], scope, containers, out)
        elif t == "template_declaration":
            _template(child, [child], scope, containers, out)
        elif t == "namespace_definition":
            name = child.child_by_field_name("name")
            body = child.child_by_field_name("body")
            inner = scope + ([_text(name)] if name is not None else [])
            if body is not None:
                _walk_c(body, inner, containers, out)
        elif t in _C_CLASSES:
            _class(child, child, scope, containers, out)
        elif t in ("declaration", "type_definition", "field_declaration"):
            for spec in child.named_children:
                if spec.type in _C_CLASSES:
                    _class(spec, child, scope, containers, out)
        elif t in _C_CONTAINERS:
            _walk_c(child, scope, containers, out)


def _template(node: ts.Node, wrappers: list[ts.Node], scope: list[str], containers: list[ts.Node],
              out: list[Definition]) -> None:
    for child in node.named_children:
        if child.type == "function_definition":
            _add_c(child, wrappers[0], wrappers, scope, containers, out)
        elif child.type == "template_declaration":
            _template(child, wrappers + [child], scope, containers, out)
        elif child.type in _C_CLASSES:
            _class(child, wrappers[0], scope, containers, out)
        elif child.type in ("declaration", "field_declaration"):
            for spec in child.named_children:
                if spec.type in _C_CLASSES:
                    _class(spec, wrappers[0], scope, containers, out)


def _class(spec: ts.Node, outer: ts.Node, scope: list[str], containers: list[ts.Node],
           out: list[Definition]) -> None:
    body = spec.child_by_field_name("body")
    if body is None:
        return
    name = spec.child_by_field_name("name")
    inner = scope + (name_parts(name) if name is not None else [])
    _walk_c(body, inner, containers + [outer], out)


def _add_c(node: ts.Node, outer: ts.Node, wrappers: list[ts.Node], scope: list[str],
           containers: list[ts.Node], out: list[Definition]) -> None:
    body = node.child_by_field_name("body")
    if body is None or body.type not in ("compound_statement", "try_statement", "function_try_block"):
        return  # `= default`, `= delete`, or a macro the parser misread
    if declarator_name_node(node) is None:
        return
    out.append(Definition(node=node, outer=outer, wrappers=wrappers, scope=list(scope),
                          containers=list(containers)))


def _walk_python(node: ts.Node, scope: list[str], containers: list[ts.Node], out: list[Definition],
                 data: bytes) -> None:
    for child in node.named_children:
        t = child.type
        outer = child
        if t == "decorated_definition":
            inner = child.child_by_field_name("definition")
            if inner is None:
                continue
            child, t = inner, inner.type
        if t == "function_definition":
            out.append(Definition(node=child, outer=outer, wrappers=[], scope=list(scope),
                                  containers=list(containers)))
            body = child.child_by_field_name("body")
            # most bodies hold no nested def or class: skip walking their statements
            if body is not None and (b"def" in data[body.start_byte:body.end_byte]
                                     or b"class" in data[body.start_byte:body.end_byte]):
                _walk_python(body, scope + [_text(child.child_by_field_name("name"))], containers + [outer], out,
                             data)
        elif t == "class_definition":
            body = child.child_by_field_name("body")
            if body is not None:
                _walk_python(body, scope + [_text(child.child_by_field_name("name"))], containers + [outer], out,
                             data)
        elif t in _PY_CONTAINERS:
            _walk_python(child, scope, containers, out, data)


def _text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else "?"


def leading_start(data: bytes, start: int, root: ts.Node) -> int:
    """Move `start` up over the comment lines directly above it (no blank line between)."""
    line_start = data.rfind(b"\n", 0, start) + 1
    if data[line_start:start].strip():
        return start  # code before the definition on its own line: no doc comment of its own
    while line_start > 0:
        prev_end = line_start - 1
        if prev_end > 0 and data[prev_end - 1:prev_end] == b"\r":
            prev_end -= 1
        prev_start = data.rfind(b"\n", 0, prev_end) + 1
        line = data[prev_start:prev_end]
        if not line.strip():
            break
        last = prev_start + len(line.rstrip()) - 1
        node = root.descendant_for_byte_range(last, last + 1)
        if node is None or node.type != "comment":
            break
        comment_line = data.rfind(b"\n", 0, node.start_byte) + 1
        if data[comment_line:node.start_byte].strip():
            break  # a trailing comment of a statement, not a doc comment
        start, line_start = node.start_byte, comment_line
    return start


# ---- locating --------------------------------------------------------------------------------

def locate(text: str, language: str, file: str = "", *, name: str | None = None, line: int | None = None,
           position: tuple[int, int] | None = None) -> FunctionRef:
    """One function by name (optionally @line for overloads), by 1-based line, or by cursor position.

    The cursor may sit anywhere in the doc comment, signature or body; the innermost function wins,
    because a person pointing into a nested function means that one.
    """
    s = scan(text, language)
    where = file or "<text>"
    if position is not None:
        offset = utf16_position_to_byte(text, *position)
        hits = [d for d in s.definitions if d.outer.start_byte <= offset <= d.end_byte]
        after = next((d for d in s.definitions if d.outer.start_byte > offset), None)
        if after is not None and _line_start(s.data, after.start_byte) <= offset:
            hits.append(after)  # in its doc comment, or the indentation before it
        if not hits:
            hits = _defined_elsewhere(s, offset)
        if not hits:
            raise TargetError("the cursor is not inside a function", file=file or None, line=position[0] + 1,
                              hint="put the cursor in the function's signature or body")
        return to_ref(s, _innermost(hits), file)
    if name is None and line is None:
        raise TargetError("no function named", file=file or None, hint="give a name, FILE::NAME@LINE, or a position")
    candidates = s.definitions if name is None else _by_name(s.definitions, name, language)
    if name is not None and not candidates:
        raise TargetError(f"no function named {name!r}" + ("" if file else f" in {where}"), file=file or None,
                          hint=_known(s, name, file))
    if line is not None:
        exact = [d for d in candidates if _start_line(s, d) == line]
        containing = exact or [d for d in candidates if _start_line(s, d) <= line <= d.node.end_point[0] + 1]
        if not containing:
            what = f"{name!r} " if name else ""
            raise TargetError(f"no function {what}at line {line}", file=file or None, line=line,
                              hint=_listing(s, candidates) if name else "pick a line inside a function")
        return to_ref(s, _innermost(containing), file)
    if len(candidates) > 1:
        raise TargetError(f"{name!r} is ambiguous" + ("" if file else f" in {where}"), file=file or None,
                          hint="add @LINE to pick one: " + _listing(s, candidates, file))
    return to_ref(s, candidates[0], file)


def _known(s: Scan, name: str, file: str) -> str:
    """Close matches first, then the file's functions in order: what the person probably meant."""
    names = list(dict.fromkeys(d.qualified_name for d in s.definitions))
    if not names:
        return "the file defines no functions"
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(close) + "?"
    shown = names[:12]
    more = len(names) - len(shown)
    return "functions found: " + ", ".join(shown) + (
        f" and {more} more (`lessonl functions {file or 'FILE'}` lists all)" if more else "")


def _by_name(defs: list[Definition], name: str, language: str) -> list[Definition]:
    wanted = _norm(name)
    exact = [d for d in defs if _norm(d.qualified_name) == wanted]
    if exact:
        return exact
    return [d for d in defs if _norm(d.qualified_name).endswith("." + wanted) or d.name == name]


def _norm(name: str) -> str:
    return name.strip().replace("::", ".").replace(" ", "").lstrip(".")


def _defined_elsewhere(s: Scan, offset: int) -> list[Definition]:
    """The cursor on a member's declaration (`double total() const;` in its class) means its
    out-of-class definition in the same file, when there is exactly one that matches."""
    if s.language == "python":
        return []
    node = s.tree.root_node.descendant_for_byte_range(offset, offset)
    while node is not None and node.type not in ("field_declaration", "declaration"):
        node = node.parent
    if node is None:
        return []
    fdecl = node.child_by_field_name("declarator")
    while fdecl is not None and fdecl.type != "function_declarator":
        fdecl = fdecl.child_by_field_name("declarator")
    if fdecl is None:
        return []
    scope: list[str] = []
    parent = node.parent
    while parent is not None:
        if parent.type in ("class_specifier", "struct_specifier", "union_specifier", "namespace_definition"):
            name = parent.child_by_field_name("name")
            if name is not None:
                scope.insert(0, "::".join(name_parts(name)))
        parent = parent.parent
    wanted = "::".join(scope + name_parts(function_name_node(fdecl)))
    same = [d for d in s.definitions if d.qualified_name == wanted]
    if len(same) > 1:  # overloads: compare the parameter lists as written
        params = fdecl.child_by_field_name("parameters")
        key = _param_key(params)
        same = [d for d in same if _param_key(_params_of(d)) == key]
    return same if len(same) == 1 else []


def _params_of(d: Definition) -> ts.Node | None:
    node = d.node.child_by_field_name("declarator")
    while node is not None and node.type != "function_declarator":
        node = node.child_by_field_name("declarator")
    return node.child_by_field_name("parameters") if node is not None else None


def _param_key(params: ts.Node | None) -> list[str]:
    if params is None:
        return []
    return [" ".join(c.child_by_field_name("type").text.decode("utf-8", "replace").split())
            if c.child_by_field_name("type") is not None else c.type for c in params.named_children]


def _line_start(data: bytes, start: int) -> int:
    """The cursor in the indentation before a function's first line still means that function."""
    line_start = data.rfind(b"\n", 0, start) + 1
    return line_start if not data[line_start:start].strip() else start


def _innermost(defs: list[Definition]) -> Definition:
    return max(defs, key=lambda d: (d.node.start_byte, -d.end_byte))


def _start_line(s: Scan, d: Definition) -> int:
    return s.data.count(b"\n", 0, d.start_byte) + 1


def _listing(s: Scan, defs: list[Definition], file: str = "") -> str:
    return ", ".join(f"{file + '::' if file else ''}{d.qualified_name}@{_start_line(s, d)}" for d in defs)


def utf16_position_to_byte(text: str, line0: int, character: int) -> int:
    """An LSP position (0-based line, UTF-16 code units) as a UTF-8 byte offset into `text`."""
    lines = text.split("\n")
    line0 = max(0, min(line0, len(lines) - 1))
    before = sum(len(l.encode("utf-8")) + 1 for l in lines[:line0])
    units = 0
    line_text = lines[line0]
    offset = 0
    for ch in line_text:
        if units >= character:
            break
        units += 2 if ord(ch) > 0xFFFF else 1
        offset += len(ch.encode("utf-8"))
    return before + offset
