"""What the C/C++ generator needs to know about the target: read once from both definitions.

The original comes as its own text (`FunctionRef.text`), parsed on its own; the candidate is
found in the candidate file. Everything the wrapper depends on (parameters, template
parameters, member kind, return kind) is read from the original, whose header the wrapper
keeps; `blocker` says in words why both versions cannot run side by side, when they cannot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import tree_sitter as ts

from ..code.functions import Definition, scan
from ..code.signature import declarator_name_node, function_declarator, leaf_tokens
from ..records import FunctionRef
from .cfamily_extent import Extent, extent_of, ignored, lengths_entry
from .cfamily_params import Param, ParameterProblem, default_value_spans, read_parameters, template_arguments
from .records import InstrumentError

_CLASS_BODIES = ("field_declaration_list",)
_NORETURN = re.compile(r"\b(_Noreturn|noreturn|__noreturn__)\b")


class OriginalUnreadable(InstrumentError):
    """`FunctionRef.text` does not parse as a definition by itself: no copy of it can be made."""


@dataclass
class Target:
    language: str
    name: str  # as callers write it ("axpy_sum", "operator+")
    copy_suffix: str  # what the renamed copies end with: `__lessonl_orig_<copy_suffix>`
    original: Definition  # in the standalone parse of `original.text`
    original_data: bytes
    candidate: Definition  # in the candidate file's parse
    params: list[Param] = field(default_factory=list)
    renames: list[tuple[int, str]] = field(default_factory=list)  # unnamed parameters, in `original_data`
    template_args: list[str] = field(default_factory=list)
    member: str = ""  # "" (free) | "static" | "const" | "method"
    returns: str = "value"  # "void" | "pointer" | "value"
    return_type: ts.Node | None = None  # C: the return type's node, under `return_depth` pointers
    return_depth: int = 0
    recursive: bool = False
    needs_prototype: bool = False
    blocker: str = ""  # why dual execution is impossible ("" when it is possible)
    extents: dict[int, Extent] = field(default_factory=dict)  # pointer parameters, by index
    return_extent: str | None = None  # [check] lengths "return", for a returned pointer
    extern_c: bool = False  # `extern "C" R f(...) {...}` without braces: the wrapper needs it too
    ignored: set[int] = field(default_factory=set)  # parameters named by [check] ignore, by index

    @property
    def body(self) -> ts.Node | None:
        return self.original.node.child_by_field_name("body")

    @property
    def shares_writable_pointer(self) -> bool:
        """Whether both versions get some writable pointer as it is (no extent, `void *`), so the
        original may legitimately change a read-only input through it, even in the caller's memory."""
        return any(p.kind == "pointer" and not p.const and (p.void_pointee or self.extents.get(p.index) is None
                                                             or self.extents[p.index].expr is None)
                   for p in self.params)


def read_target(original: FunctionRef, candidate: Definition, lengths: Mapping[str, str],
                ignore: Iterable[str] = ()) -> Target:
    """The target as both versions define it. InstrumentError for a compile-time function,
    OriginalUnreadable when `original.text` is no definition on its own."""
    _refuse_compile_time(candidate)
    s = scan(original.text, original.language)
    orig = _outermost(s.definitions)
    if orig is None:
        raise OriginalUnreadable(f"the original `{original.qualified_name}` could not be parsed on its own")
    _refuse_compile_time(orig)
    simple = re.fullmatch(r"[A-Za-z_]\w*", original.name or "") is not None
    t = Target(language=original.language, name=original.name, copy_suffix=original.name if simple else "op",
               original=orig, original_data=s.data, candidate=candidate)
    t.extern_c = candidate.node.parent is not None and candidate.node.parent.type == "linkage_specification"
    t.blocker = _blocker(orig, candidate, original.language) or _read_signature(t) or _read_recursion(t)
    if not t.blocker:
        for p in t.params:
            if p.kind == "pointer":
                t.extents[p.index] = extent_of(p, t.params, original.qualified_name, lengths, t.body)
        if t.returns == "pointer":
            t.return_extent = lengths_entry(lengths, original.qualified_name, "return")
        t.ignored = {p.index for p in t.params if ignored(ignore, original.qualified_name, p.name)}
    return t


def _read_signature(t: Target) -> str:
    """Parameters, template parameters, member kind and return kind; why not dual, or ""."""
    try:
        ps = read_parameters(t.original.node)
    except ParameterProblem as e:
        return str(e)
    if ps.variadic:
        return "it is variadic (`...`): its arguments cannot be handed to two versions"
    if ps.knr:
        return "it is an old-style (K&R) definition"
    if ps.pack:
        return "it takes a parameter pack"
    t.params, t.renames = ps.params, ps.renames
    targs = template_arguments(t.original.wrappers)
    if targs is None:
        return "a template parameter has no name, so the copies cannot be called with explicit arguments"
    t.template_args = targs
    t.member = _member_kind(t.original, t.candidate)
    t.returns, t.return_type, t.return_depth = _return_kind(t.original)
    return "it returns `decltype(auto)`" if t.returns == "decltype(auto)" else ""


def _read_recursion(t: Target) -> str:
    """A free function whose copies call it by name needs a prototype ahead of them, which a
    deduced (`auto`) return type cannot have."""
    t.recursive = _mentions(t.body, t.name) or _mentions(t.candidate.node.child_by_field_name("body"), t.name)
    t.needs_prototype = not _in_class(t.candidate) and (t.recursive or t.copy_suffix == "op")
    if t.returns == "auto":
        if t.needs_prototype:
            return "it is recursive and its return type is deduced (`auto`), so it cannot be declared ahead"
        t.returns = "value" if _returns_a_value(t.body) else "void"
    return ""


def header(t: Target, *, defaults: bool) -> str:
    """The original's header (template line to the body) with every parameter named; without
    default arguments when a prototype ahead of the wrapper already carries them."""
    d = t.original
    start = d.wrappers[0].start_byte if d.wrappers else d.node.start_byte
    body = d.node.child_by_field_name("body")
    end = body.start_byte if body is not None else d.node.end_byte
    edits = [(offset, offset, text) for offset, text in t.renames]
    if not defaults:
        edits += [(a, b, "") for a, b in default_value_spans(d.node)]
    return _apply(t.original_data, start, end, edits).rstrip()


def renamed_copy(data: bytes, d: Definition, new_name: str, *, start: int, end: int) -> str:
    """`data[start:end]` (a whole definition) with its name replaced and `virtual`, `override`
    and `final` dropped: a renamed copy is an ordinary function, whatever the original was."""
    name = declarator_name_node(d.node)
    edits: list[tuple[int, int, str]] = []
    if name is not None:
        edits.append((name.start_byte, name.end_byte, new_name))
    for child in d.node.children:
        if child.type == "virtual":
            edits.append((child.start_byte, _skip_space(data, child.end_byte), ""))
    fdecl = function_declarator(d.node)
    for child in fdecl.children if fdecl is not None else []:
        if child.type == "virtual_specifier":
            edits.append((child.start_byte, child.end_byte, ""))
    return _apply(data, start, end, edits)


def _apply(data: bytes, start: int, end: int, edits: list[tuple[int, int, str]]) -> str:
    out: list[bytes] = []
    pos = start
    for a, b, text in sorted(edits):
        if a < pos or b > end:
            continue
        out += [data[pos:a], text.encode("utf-8")]
        pos = b
    out.append(data[pos:end])
    return b"".join(out).decode("utf-8")


def _skip_space(data: bytes, offset: int) -> int:
    while offset < len(data) and data[offset:offset + 1] in (b" ", b"\t"):
        offset += 1
    return offset


def _outermost(defs: list[Definition]) -> Definition | None:
    return min(defs, key=lambda d: (d.outer.start_byte, -d.end_byte)) if defs else None


def _refuse_compile_time(*defs: Definition) -> None:
    for d in defs:
        words = _prefix_words(d.node)
        for word in ("constexpr", "consteval"):
            if word in words:
                raise InstrumentError(f"it is `{word}`: its body cannot count calls or write a report at run time")


def _prefix_words(node: ts.Node) -> list[str]:
    declarator = node.child_by_field_name("declarator")
    words: list[str] = []
    for child in node.children:
        if declarator is not None and child.start_byte >= declarator.start_byte:
            break
        words += leaf_tokens(child)
    return words


def _prefix_text(node: ts.Node) -> str:
    """The source before the declarator, attributes included (`[[noreturn]] static void`)."""
    declarator = node.child_by_field_name("declarator")
    end = declarator.start_byte if declarator is not None else node.start_byte
    data = node.text
    return data[: end - node.start_byte].decode("utf-8", "replace")


def _blocker(orig: Definition, candidate: Definition, language: str) -> str:
    """Why the two versions cannot be renamed and run side by side ("" when they can)."""
    name_node = declarator_name_node(orig.node)
    if name_node is None:
        return "LessonL cannot find the name in its declarator"
    if name_node.type == "qualified_identifier":
        return ("it is defined outside its class or namespace (`R Scope::name(...)`); the renamed copies "
                "would need declarations there")
    if name_node.type in ("template_function", "template_method") or any(
            _text(w.child_by_field_name("parameters")).replace(" ", "") == "<>" for w in orig.wrappers):
        return "it is an explicit template specialization"
    if name_node.type in ("destructor_name", "operator_cast") or orig.node.child_by_field_name("type") is None:
        return "it is a constructor, destructor or conversion operator"
    if candidate.outer.type == "friend_declaration":
        return "it is a friend defined in its class; renamed copies would only be found by argument-dependent lookup"
    body = orig.node.child_by_field_name("body")
    if body is None or body.type != "compound_statement":
        return "its body is a function-try-block"
    if _has_any(body, ("co_await", "co_yield", "co_return")):
        return "it is a coroutine"
    if _NORETURN.search(_prefix_text(orig.node)):
        return "it never returns"
    words = _prefix_words(orig.node)
    if name_node.type == "identifier" and _text(name_node) == "main" and not _in_class(candidate):
        return "it is the program's entry point"
    if language == "c" and "inline" in words and "static" not in words:
        return ("it is a C `inline` function with external linkage, which may only refer to external "
                "functions (the comparison code is static)")
    fdecl = function_declarator(orig.node)
    if fdecl is not None and any(c.type == "ref_qualifier" and "&&" in _text(c) for c in fdecl.children):
        return "it is an rvalue-qualified (`&&`) member function"
    return ""


def _member_kind(orig: Definition, candidate: Definition) -> str:
    if not _in_class(candidate):
        return ""
    if "static" in _prefix_words(orig.node):
        return "static"
    fdecl = function_declarator(orig.node)
    plist = fdecl.child_by_field_name("parameters") if fdecl is not None else None
    after = [c for c in fdecl.children if plist is not None and c.start_byte >= plist.end_byte] if fdecl else []
    return "const" if any(c.type == "type_qualifier" and _text(c) == "const" for c in after) else "method"


def _in_class(d: Definition) -> bool:
    parent = d.outer.parent
    return parent is not None and parent.type in _CLASS_BODIES


def _return_kind(orig: Definition) -> tuple[str, ts.Node | None, int]:
    """("void" | "pointer" | "value" | "auto" | "decltype(auto)", the type's node, pointer levels)."""
    node = orig.node
    type_node = node.child_by_field_name("type")
    fdecl = function_declarator(node)
    trailing = next((c for c in fdecl.children if c.type == "trailing_return_type"), None) if fdecl else None
    type_text = " ".join(leaf_tokens(type_node)) if type_node is not None else ""
    if type_text.replace(" ", "") == "decltype(auto)":
        return "decltype(auto)", None, 0
    if trailing is not None:
        tail = " ".join(leaf_tokens(trailing)).removeprefix("->").strip()
        if tail == "void":
            return "void", None, 0
        return ("pointer" if tail.endswith("*") else "value"), None, 0
    depth = 0
    d = node.child_by_field_name("declarator")
    while d is not None and fdecl is not None and d.id != fdecl.id:
        if d.type == "pointer_declarator":
            depth += 1
        if d.type == "reference_declarator":
            return "value", None, 0
        d = d.child_by_field_name("declarator") or next(
            (c for c in d.named_children if c.type not in ("type_qualifier", "attribute_declaration")), None)
    words = _prefix_words(node)  # `IMG_HOT void f(...)`: a macro may stand where the type would
    if depth:
        return "pointer", type_node, depth
    if "void" in words:
        return "void", None, 0
    if "auto" in words:
        return "auto", None, 0
    return "value", type_node, 0


def _mentions(body: ts.Node | None, name: str) -> bool:
    if body is None:
        return False
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in ("identifier", "field_identifier") and _text(node) == name:
            return True
        stack.extend(node.named_children)
    return False


def _has_any(body: ts.Node, words: tuple[str, ...]) -> bool:
    text = _text(body)
    return any(re.search(rf"\b{w}\b", text) for w in words)


def _returns_a_value(body: ts.Node | None) -> bool:
    if body is None:
        return False
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "return_statement" and node.named_children:
            return True
        if node.type != "lambda_expression":
            stack.extend(node.named_children)
    return False


def _text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""
