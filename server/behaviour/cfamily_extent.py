"""How many elements a pointer parameter covers, so the original can get a copy of them.

A wrong guess is not harmless: too few elements and the original writes past the end of its
copy. So a guess from parameter names (`n`, `len`, the only integer) is only taken when the
original's own body touches the pointer through plain subscripts (`y[i]`, `y[i + 1]`) and
nothing else; `c[i * n + j]`, `p + k` or handing the pointer to another function make the
extent unknown, and the user can declare it in `[check] lengths`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import tree_sitter as ts

from .cfamily_params import Param

UNKNOWN_WHY = "a pointer whose extent LessonL cannot know; declare it in [check] lengths"
RETURNED_POINTER_WHY = ('a returned pointer is not compared (declare its extent as "return" in [check] lengths '
                        'to compare what it points to)')
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
    uses = _uses(p.name, body)
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


def _uses(name: str, body: ts.Node | None) -> set[str]:
    """How the body uses `name`: "single" (`*p`, `p->f`, `p[0]`), "subscript" (`p[i]`,
    `p[i + 1]`), "other" (anything that could reach further)."""
    kinds: set[str] = set()
    if body is None:
        return {"other"}
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "identifier" and node.text.decode("utf-8", "replace") == name:
            kinds.add(_use(node))
            continue
        stack.extend(node.named_children)
    return kinds


def _use(ident: ts.Node) -> str:
    parent = ident.parent
    if parent is None:
        return "other"
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
