"""C types as far as comparing two values of them goes, read from the file itself.

C has no templates, so the generator has to pick the comparison: an arithmetic type has a
runtime function (`lessonl_eq_d` for double...), a struct defined in the file (before the
target) gets a generated field-by-field function, a typedef the file does not define
(`size_t`, `int32_t`, a struct from a header) is left to `_Generic` (C11, or GCC/Clang in any
mode) at compile time, which reports a struct it cannot compare at run time. Pointers and
unions are not compared: their bits mean nothing across two runs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter as ts

from ..code.signature import leaf_tokens

_QUALIFIERS = {"const", "volatile", "restrict", "__restrict", "__restrict__", "register", "static", "extern",
               "inline", "__inline", "__inline__", "_Atomic", "_Thread_local", "__thread", "__extension__"}


_FLOAT_FUNCTIONS = ("lessonl_eq_f", "lessonl_eq_d", "lessonl_eq_ld")


@dataclass(frozen=True)
class Comparison:
    """How to compare values of one type: `fn` is an expression of type lessonl_eq_fn (it may
    use `{x}`, an expression of the type, for `_Generic`); None with `why` when not compared."""

    fn: str | None
    why: str = ""


@dataclass
class StructDef:
    spelled: str  # how the type is written: "struct point" or the typedef name
    body: ts.Node  # field_declaration_list


@dataclass
class CTypes:
    """Typedefs and struct definitions that end before `limit` (where the comparators go)."""

    typedefs: dict[str, tuple[ts.Node, int]] = field(default_factory=dict)  # name -> (type node, pointer depth)
    structs: dict[str, StructDef] = field(default_factory=dict)  # "struct tag" / typedef name -> definition
    functions: dict[str, str] = field(default_factory=dict)  # comparator name -> C text, in dependency order
    notes: list[tuple[str, str]] = field(default_factory=list)  # (field path, why) of fields left out

    @classmethod
    def read(cls, root: ts.Node, limit: int) -> "CTypes":
        types = cls()
        stack = [root]
        while stack:
            node = stack.pop()
            for child in node.named_children:
                if child.start_byte >= limit:
                    continue
                if child.type.startswith("preproc_"):
                    stack.append(child)
                elif child.type == "type_definition":
                    types._typedef(child, limit)
                elif child.type in ("declaration", "struct_specifier"):
                    spec = child if child.type == "struct_specifier" else child.child_by_field_name("type")
                    types._struct(spec, None, limit)
        return types

    def _typedef(self, node: ts.Node, limit: int) -> None:
        type_node = node.child_by_field_name("type")
        for decl in node.children_by_field_name("declarator"):
            depth = 0
            while decl is not None and decl.type == "pointer_declarator":
                depth += 1
                decl = decl.child_by_field_name("declarator")
            if decl is not None and decl.type == "type_identifier":
                name = _text(decl)
                self.typedefs[name] = (type_node, depth)
                if depth == 0:
                    self._struct(type_node, name, limit)

    def _struct(self, spec: ts.Node | None, alias: str | None, limit: int) -> None:
        if spec is None or spec.type != "struct_specifier":
            return
        body = spec.child_by_field_name("body")
        name = spec.child_by_field_name("name")
        if body is None or body.end_byte > limit:
            return
        if name is not None:
            self.structs[f"struct {_text(name)}"] = StructDef(f"struct {_text(name)}", body)
        if alias is not None:
            self.structs[alias] = StructDef(alias if name is None else f"struct {_text(name)}", body)

    # ---- choosing a comparison --------------------------------------------------------------

    def compare(self, type_node: ts.Node | None, depth: int = 0, path: str = "") -> Comparison:
        """The comparison for a value of `type_node` with `depth` more pointer levels."""
        if depth > 0:
            return Comparison(None, "a pointer: the two versions' addresses differ")
        if type_node is None:
            return Comparison(None, "LessonL cannot read its type")
        t = type_node.type
        words = [w for w in leaf_tokens(type_node) if w not in _QUALIFIERS]
        if t in ("primitive_type", "sized_type_specifier"):
            fn = _arithmetic(words)
            if fn is None and words != ["void"]:
                fn = "LESSONL_EQ({x})"  # the parser calls `size_t`, `uint8_t` primitive too
            return Comparison(fn) if fn else Comparison(None, f"LessonL does not compare `{' '.join(words)}`")
        if t == "enum_specifier":
            return Comparison("LESSONL_EQ({x})")
        if t == "union_specifier":
            return Comparison(None, "a union: LessonL cannot tell which member holds the value")
        if t == "struct_specifier":
            name = type_node.child_by_field_name("name")
            key = f"struct {_text(name)}" if name is not None else ""
            if key in self.structs:
                return Comparison(self._struct_function(key, path))
            if type_node.child_by_field_name("body") is not None:
                return Comparison(None, "an unnamed struct")
            return Comparison(None, "its struct definition is not in this file before the function")
        if t == "type_identifier":
            name = _text(type_node)
            if name in self.structs:
                return Comparison(self._struct_function(name, path))
            if name in self.typedefs:
                inner, more = self.typedefs[name]
                if inner is not None and inner.id != type_node.id:
                    return self.compare(inner, more, path)
            if name in ("bool",):
                return Comparison("lessonl_eq_uc")
            return Comparison("LESSONL_EQ({x})")  # size_t, int32_t, a header's struct: told apart at compile time
        return Comparison(None, f"LessonL does not compare `{' '.join(words)}`")

    def may_hold_float(self, fn: str | None, seen: frozenset[str] = frozenset()) -> bool:
        """Whether values compared by `fn` may hold floating values (a `_Generic` choice may)."""
        if fn is None:
            return False
        if fn in _FLOAT_FUNCTIONS or fn.startswith("LESSONL_EQ("):
            return True
        text = self.functions.get(fn)
        if not text or fn in seen:
            return False
        if any(f in text for f in _FLOAT_FUNCTIONS) or "LESSONL_EQ(" in text:
            return True
        return any(name in text and self.may_hold_float(name, seen | {fn}) for name in self.functions if name != fn)

    def _struct_function(self, key: str, path: str) -> str:
        name = "__lessonl_eq_" + re.sub(r"\W", "_", key.replace("struct ", "s_"))
        if name in self.functions:
            return name
        self.functions[name] = ""  # placeholder: a struct that contains itself through a typedef stops here
        sd = self.structs[key]
        x, y = "lessonl_x", "lessonl_y"
        lines = [f"LESSONL_FN int {name}(const void *lessonl_a, const void *lessonl_b, "
                 "struct lessonl_diff *lessonl_d) {",
                 f"  const {sd.spelled} *{x} = (const {sd.spelled} *)lessonl_a, "
                 f"*{y} = (const {sd.spelled} *)lessonl_b;"]
        for fd in sd.body.named_children:
            if fd.type != "field_declaration":
                continue
            lines += self._field(fd, x, y, path)
        lines += ["  (void)lessonl_x;", "  (void)lessonl_y;", "  (void)lessonl_d;", "  return 1;", "}"]
        text = "\n".join(lines) + "\n"
        del self.functions[name]
        self.functions[name] = text  # after the functions it calls, which were added while building it
        return name

    def _field(self, fd: ts.Node, x: str, y: str, path: str) -> list[str]:
        type_node = fd.child_by_field_name("type")
        bitfield = any(c.type == "bitfield_clause" for c in fd.children)
        out: list[str] = []
        declarators = fd.children_by_field_name("declarator")
        if not declarators:
            self.notes.append((f"{path}.(anonymous member)", "an anonymous struct or union member"))
        for decl in declarators:
            depth, arrays, name = 0, 0, None
            node = decl
            while node is not None:
                if node.type == "field_identifier":
                    name = _text(node)
                    break
                if node.type == "pointer_declarator":
                    depth += 1
                elif node.type == "array_declarator":
                    arrays += 1
                elif node.type != "parenthesized_declarator":
                    break
                node = node.child_by_field_name("declarator") or next(iter(node.named_children), None)
            if name is None:
                continue
            where = f"{path}.{name}"
            a, b = f"{x}->{name}", f"{y}->{name}"
            fail = f"{{ lessonl_prepend(lessonl_d, \".{name}\"); return 0; }}"
            enum = type_node is not None and type_node.type == "enum_specifier"
            if bitfield or (depth == 0 and arrays == 0 and enum):
                out.append(f"  if ({a} != {b}) {{ lessonl_diff_ll(lessonl_d, (long long){a}, (long long){b}); "
                           f"lessonl_prepend(lessonl_d, \".{name}\"); return 0; }}")
                continue
            if depth > 0 or arrays > 1:
                self.notes.append((where, "a pointer field" if depth else "an array of arrays"))
                continue
            c = self.compare(type_node, 0, where)
            if c.fn is None:
                self.notes.append((where, c.why))
                continue
            if arrays == 1:
                fn = c.fn.format(x=f"{a}[0]")
                count = f"(long long)(sizeof {a} / sizeof {a}[0])"
                out.append(f"  if (!lessonl_eq_span({a}, {b}, {count}, sizeof {a}[0], {fn}, lessonl_d)) {fail}")
            else:
                fn = c.fn.format(x=a)
                out.append(f"  if (!{fn}(&{a}, &{b}, lessonl_d)) {fail}")
        return out


def _arithmetic(words: list[str]) -> str | None:
    """`unsigned long int` -> "lessonl_eq_ul"; None for what is not arithmetic (void)."""
    w = [x for x in words if x != "int" or len(words) == 1]
    longs = w.count("long")
    unsigned = "unsigned" in w
    if "double" in w:
        return "lessonl_eq_ld" if longs else "lessonl_eq_d"
    if "float" in w:
        return "lessonl_eq_f"
    if "_Bool" in w or "bool" in w:
        return "lessonl_eq_uc"
    if "char" in w:
        return "lessonl_eq_uc" if unsigned else "lessonl_eq_sc" if "signed" in w else "lessonl_eq_c"
    if "short" in w:
        return "lessonl_eq_us" if unsigned else "lessonl_eq_s"
    if longs >= 2:
        return "lessonl_eq_ull" if unsigned else "lessonl_eq_ll"
    if longs == 1:
        return "lessonl_eq_ul" if unsigned else "lessonl_eq_l"
    if w and set(w) <= {"int", "signed", "unsigned"}:
        return "lessonl_eq_u" if unsigned else "lessonl_eq_i"
    return None


def _text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""
