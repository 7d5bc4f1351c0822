"""How many elements a pointer parameter covers, so the original can get a copy of them.

A wrong guess is not harmless: too few elements and the original writes past the end of its
copy. So a guess from parameter names (`n`, `len`, the only integer) is only taken when the
original's own body touches the pointer through plain subscripts (`y[i]`, `y[i + 1]`) and
nothing else; `c[i * n + j]`, `p + k` or handing the pointer to another function make the
extent unknown, and the user can declare it in `[check] lengths`. The one call that says how far
it reaches is memcpy / memmove / memcmp / memset with a size of `count * sizeof` an element of the
pointer's own type (`n * sizeof *p`, `n * sizeof(int)`, `sizeof(T) * rows * cols`): its count
is the extent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import tree_sitter as ts

from ..code.signature import leaf_tokens
from .cfamily_params import Param

UNKNOWN_WHY = "a pointer whose extent LessonL cannot know; declare it in [check] lengths"
IGNORED_WHY = "ignored by [check] ignore"
RETURNED_POINTER_WHY = ('a returned pointer is not compared (declare its extent as "return" in [check] lengths '
                        'to compare what it points to)')
_TYPE_NOISE = {"const", "volatile", "restrict", "__restrict", "__restrict__", "register", "static", "extern",
               "__extension__"}
# (function, which arguments are pointers whose extent the size gives), with `std::` and
# `__builtin_` spellings too.
_MEM_CALLS = {"memcpy": (0, 1), "memmove": (0, 1), "memcmp": (0, 1), "memset": (0,)}
_GENERIC = ("n", "len", "length", "size", "count", "num", "N", "nelem", "nelems", "nelements", "n_elements",
            "num_elements", "numel", "cnt", "sz", "nitems", "n_items", "length_", "size_")


@dataclass(frozen=True)
class Extent:
    expr: str | None  # a C expression of the parameters, or None when unknown
    source: str  # "lengths" | "array" | "name" | "guess" | "single" | ""


def lengths_entry(lengths: Mapping[str, str], qualified_name: str, name: str) -> str | None:
    """[check] lengths for `name`: "ns::f.out" (or "f.out") before the plain "out"."""
    bare = qualified_name.split("::")[-1]
    for key in (f"{qualified_name}.{name}", f"{bare}.{name}", name):
        value = lengths.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def ignored(ignore: Iterable[str], qualified_name: str, name: str) -> bool:
    """[check] ignore names `name`: "ns::f.work", "f.work" or the plain "work"."""
    bare = qualified_name.split("::")[-1]
    keys = {str(k).strip() for k in ignore}
    return bool(keys & {f"{qualified_name}.{name}", f"{bare}.{name}", name})


def extent_of(p: Param, params: list[Param], qualified_name: str, lengths: Mapping[str, str],
              body: ts.Node | None) -> Extent:
    declared = lengths_entry(lengths, qualified_name, p.name)
    if declared is not None:
        return Extent(declared, "lengths")
    if p.array_size:
        return Extent(p.array_size, "array")
    integers = [q for q in params if q.integer and q.index != p.index]
    own = _own_length(p.name, integers)
    if own is not None:
        return Extent(own, "name")
    uses = _uses(p.name, body, _Sizes(p, params, body))
    sized = {u.removeprefix("count:") for u in uses if u.startswith("count:")}
    uses = {u for u in uses if not u.startswith("count:")}
    if sized:
        # memcpy(p, src, n * sizeof *p) reaches exactly n elements. With plain subscripts beside it
        # the count must be a length parameter itself, as a guess from a name would be.
        if len(sized) == 1 and uses <= {"single", "subscript"}:
            (count,) = sized
            if "subscript" not in uses or count in {q.name for q in integers}:
                return Extent(count, "call")
        return Extent(None, "")
    if uses and uses <= {"single"}:
        return Extent("1", "single")
    if uses <= {"single", "subscript"}:
        generic = [q.name for q in integers if q.name in _GENERIC]
        if len(generic) == 1:
            return Extent(generic[0], "guess")
        if len(integers) == 1:
            return Extent(integers[0].name, "guess")
    return Extent(None, "")


def _own_length(name: str, integers: list[Param]) -> str | None:
    """An integer parameter named for this pointer: `x_len`, `n_x`, `nx`, `x_count`..."""
    wanted = {f"{name}_len", f"{name}_length", f"{name}_size", f"{name}_count", f"{name}_n", f"{name}_num",
              f"{name}len", f"{name}size", f"n_{name}", f"n{name}", f"num_{name}", f"len_{name}", f"size_{name}",
              f"count_{name}", f"{name}Len", f"{name}Size", f"{name}Count", f"num{name.capitalize()}",
              f"n{name.capitalize()}"}
    found = [q.name for q in integers if q.name in wanted]
    return found[0] if len(found) == 1 else None


def _uses(name: str, body: ts.Node | None, sizes: "_Sizes | None" = None) -> set[str]:
    """How the body uses `name`: "single" (`*p`, `p->f`, `p[0]`), "subscript" (`p[i]`,
    `p[i + 1]`), "count:EXPR" (handed to memcpy & co. with a size of EXPR elements), "other"
    (anything that could reach further)."""
    kinds: set[str] = set()
    if body is None:
        return {"other"}
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "identifier" and node.text.decode("utf-8", "replace") == name:
            kinds.add(_use(node, sizes))
            continue
        stack.extend(node.named_children)
    return kinds


def _use(ident: ts.Node, sizes: "_Sizes | None" = None) -> str:
    parent = ident.parent
    if parent is None:
        return "other"
    if sizes is not None:
        count = sizes.mem_call_count(ident)
        if count is not None:
            return f"count:{count}"
    if parent.type == "pointer_expression" and _operator(parent) == "*":
        return "single"
    if parent.type == "field_expression" and _operator(parent) == "->":
        return "single"
    if parent.type == "subscript_expression" and parent.child_by_field_name("argument") is not None \
            and parent.child_by_field_name("argument").id == ident.id:
        index = _index(parent)
        if index is None:
            return "other"
        if index.type == "number_literal" and index.text.strip(b"uUlL") in (b"0", b"0x0"):
            return "single"
        return "subscript" if _simple(index) else "other"
    return "other"


def _operator(node: ts.Node) -> str:
    op = node.child_by_field_name("operator")
    return op.text.decode() if op is not None else ""


def _index(subscript: ts.Node) -> ts.Node | None:
    index = subscript.child_by_field_name("index")
    if index is not None:
        return index
    indices = subscript.child_by_field_name("indices")
    if indices is not None and len(indices.named_children) == 1:
        return indices.named_children[0]
    return None


def _simple(expr: ts.Node) -> bool:
    """An index within what a loop over the length reaches: `i`, `3`, `i + 1`, `n - 1 - i`."""
    t = expr.type
    if t in ("identifier", "number_literal"):
        return True
    if t == "parenthesized_expression":
        return all(_simple(c) for c in expr.named_children)
    if t == "binary_expression" and _operator(expr) in ("+", "-"):
        return all(_simple(c) for c in expr.named_children)
    return False


class _Sizes:
    """Reads the size argument of memcpy & co. as a count of the pointer's elements."""

    def __init__(self, p: Param, params: list[Param], body: ts.Node | None):
        self.p = p
        self.element = _words(p.type_text) if p.depth == 1 and not p.void_pointee else None
        self.integers = {q.name for q in params if q.integer and q.index != p.index}
        # pointers whose element type is known: the parameters, then the body's own declarations
        self.pointees: dict[str, list[str] | None] = {q.name: _words(q.type_text) for q in params
                                               if q.kind == "pointer" and q.depth == 1}
        self.variables: set[str] = {q.name for q in params}
        if body is not None:
            self._declarations(body)

    def _declarations(self, body: ts.Node) -> None:
        stack = [body]
        while stack:
            node = stack.pop()
            if node.type == "declaration":
                type_node = node.child_by_field_name("type")
                quals = [leaf for c in node.children if c.type == "type_qualifier" for leaf in leaf_tokens(c)]
                words = _words(" ".join(quals + (leaf_tokens(type_node) if type_node is not None else [])))
                for decl in node.children_by_field_name("declarator"):
                    if decl.type == "init_declarator":
                        decl = decl.child_by_field_name("declarator")
                    depth = 0
                    while decl is not None and decl.type == "pointer_declarator":
                        depth += 1
                        decl = decl.child_by_field_name("declarator")
                    if decl is None or decl.type != "identifier":
                        continue
                    name = _node_text(decl)
                    self.variables.add(name)
                    found = words if depth == 1 else None
                    # a name declared twice (shadowing, another scope) counts only when the types agree
                    self.pointees[name] = found if self.pointees.get(name, found) == found else None
            stack.extend(node.named_children)

    def mem_call_count(self, ident: ts.Node) -> str | None:
        """The element count when `ident` is an argument of memcpy / memmove / memcmp / memset
        whose size is `count * sizeof` an element of the pointer's type; None otherwise."""
        if self.element is None:
            return None
        arg = ident
        while arg.parent is not None and arg.parent.type in ("parenthesized_expression", "cast_expression"):
            arg = arg.parent
        args = arg.parent
        call = args.parent if args is not None and args.type == "argument_list" else None
        if call is None or call.type != "call_expression":
            return None
        fn = _node_text(call.child_by_field_name("function")).replace(" ", "")
        fn = fn.removeprefix("std::").removeprefix("::").removeprefix("__builtin_")
        positions = _MEM_CALLS.get(fn)
        values = [c for c in args.named_children if c.type != "comment"]
        if positions is None or len(values) != 3 or not any(values[i].id == arg.id for i in positions):
            return None
        return self._count(values[2])

    def _count(self, size: ts.Node) -> str | None:
        """`n * sizeof *p` -> "n"; `sizeof(T) * rows * cols` -> "rows * cols"; `sizeof *p` -> "1"."""
        factors = _factors(size)
        sized = [f for f in factors if f.type == "sizeof_expression"]
        if len(sized) != 1 or not self._element_size(sized[0]):
            return None
        rest = [f for f in factors if f.id != sized[0].id]
        if not all(self._count_expr(f) for f in rest):
            return None
        return " * ".join(_node_text(f) for f in rest) or "1"

    def _element_size(self, node: ts.Node) -> bool:
        """`sizeof *q`, `sizeof q[0]`, `sizeof(T)` where q points to / T is the pointer's element type."""
        inner = node.child_by_field_name("value") or node.child_by_field_name("type")
        if inner is None:
            inner = next(iter(node.named_children), None)
        while inner is not None and inner.type == "parenthesized_expression" and len(inner.named_children) == 1:
            inner = inner.named_children[0]
        if inner is None:
            return False
        if inner.type == "type_descriptor":
            if any(c.type.startswith("abstract_") for c in inner.named_children):
                return False
            return _words(" ".join(leaf_tokens(inner))) == self.element
        if inner.type in ("identifier", "type_identifier") and _node_text(inner) not in self.variables:
            return _words(_node_text(inner)) == self.element  # `sizeof(T)` read as an expression
        pointer = None
        if inner.type == "pointer_expression" and _operator(inner) == "*":
            pointer = inner.child_by_field_name("argument")
        elif inner.type == "subscript_expression":
            index = _index(inner)
            if index is not None and index.type == "number_literal" and index.text.strip(b"uUlL") in (b"0", b"0x0"):
                pointer = inner.child_by_field_name("argument")
        if pointer is None or pointer.type != "identifier":
            return False
        return self.pointees.get(_node_text(pointer)) == self.element

    def _count_expr(self, node: ts.Node) -> bool:
        """Integer parameters and literals with + - * and parentheses."""
        t = node.type
        if t == "identifier":
            return _node_text(node) in self.integers
        if t == "number_literal":
            return True
        if t == "parenthesized_expression":
            return all(self._count_expr(c) for c in node.named_children)
        if t == "binary_expression" and _operator(node) in ("+", "-", "*"):
            return all(self._count_expr(c) for c in node.named_children)
        return False


def _factors(node: ts.Node) -> list[ts.Node]:
    """The factors of a product: `a * b * sizeof x` -> [a, b, sizeof x]."""
    if node.type == "binary_expression" and _operator(node) == "*":
        return [f for c in node.named_children for f in _factors(c)]
    if node.type == "parenthesized_expression" and len(node.named_children) == 1 \
            and node.named_children[0].type == "binary_expression" and _operator(node.named_children[0]) == "*":
        return _factors(node.named_children[0])
    return [node]


def _words(type_text: str) -> list[str]:
    return [w for w in type_text.replace("::", " :: ").split() if w not in _TYPE_NOISE]


def _node_text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""
