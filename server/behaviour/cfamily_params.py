"""The parameters of a C or C++ function as the check wrapper needs them.

The wrapper forwards every parameter by name, so each needs one (an unnamed `int` gets a
private name in the wrapper's header); what else it does with one depends on how it is
declared: a data pointer may get a copy for the original, a reference is classified again by
the C++ compiler from `decltype`, anything else is an input both versions share.
"""
from __future__ import annotations

from dataclasses import dataclass

import tree_sitter as ts

from ..code.signature import function_declarator, leaf_tokens

_ATTRIBUTES = {"attribute_declaration", "attribute_specifier", "ms_declspec_modifier", "comment"}
_INTEGER_WORDS = {"int", "long", "short", "unsigned", "signed", "size_t", "ssize_t", "ptrdiff_t", "intptr_t",
                  "uintptr_t", "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t",
                  "uint64_t", "index_t", "Py_ssize_t", "size_type", "difference_type", "idx_t", "uint", "ulong"}
_NOT_INTEGER_WORDS = {"double", "float", "char", "bool", "_Bool", "wchar_t", "void"}


class ParameterProblem(Exception):
    """A parameter the wrapper cannot forward: the message says why, for the verdict."""


@dataclass
class Param:
    index: int  # 0-based position
    name: str  # as the wrapper names it
    kind: str  # "value" | "pointer" | "lref" | "rref"
    const: bool  # value/reference: its type is const; pointer: what it points to is const
    depth: int = 0  # pointer levels ("double **p": 2)
    type_text: str = ""  # the type as written, without the declarator ("const double")
    type_node: ts.Node | None = None
    array_size: str = ""  # `double a[16]`: "16"
    integer: bool = False  # a by-value integer (a length candidate)
    void_pointee: bool = False
    indirect: bool = False  # a function pointer or a pointer to an array: `type_node` is not its type

    @property
    def writable_pointer(self) -> bool:
        return self.kind == "pointer" and not self.const and not self.void_pointee


@dataclass
class Parameters:
    params: list[Param]
    renames: list[tuple[int, str]]  # (byte offset in the definition's text, " name") for unnamed parameters
    variadic: bool = False  # C's `...`
    pack: bool = False  # a C++ parameter pack
    knr: bool = False  # an old-style C definition


def read_parameters(definition: ts.Node) -> Parameters:
    """The definition's parameters; ParameterProblem when one cannot be named safely."""
    fdecl = function_declarator(definition)
    plist = fdecl.child_by_field_name("parameters") if fdecl is not None else None
    out = Parameters(params=[], renames=[])
    if plist is None:
        return out
    out.variadic = any(c.type in ("...", "variadic_parameter") for c in plist.children)
    nodes = [c for c in plist.named_children if c.type not in _ATTRIBUTES and c.type != "variadic_parameter"]
    if any(c.type == "identifier" for c in nodes):
        out.knr = True
        return out
    if len(nodes) == 1 and _is_void(nodes[0]):
        return out
    index = 0
    for node, macro_name in _merge_macro_names(nodes):
        if node.type in ("variadic_parameter_declaration", "variadic_type_parameter_declaration"):
            out.pack = True
        elif node.type not in ("parameter_declaration", "optional_parameter_declaration"):
            raise ParameterProblem(f"parameter {index + 1} (`{_text(node)}`) is not a plain declaration")
        else:
            out.params.append(_param(index, node, out.renames, macro_name))
        index += 1
    return out


def _merge_macro_names(nodes: list[ts.Node]) -> list[tuple[ts.Node, str | None]]:
    """`const float* RESTRICT a` parses as a declaration of `RESTRICT` followed by an error
    holding `a`: the name is the error's identifier (the macro is a qualifier)."""
    out: list[tuple[ts.Node, str | None]] = []
    for node in nodes:
        idents = [c for c in node.named_children if c.type == "identifier"]
        if node.type == "ERROR" and out and out[-1][1] is None and len(idents) == len(node.named_children) == 1 \
                and out[-1][0].type == "parameter_declaration":
            out[-1] = (out[-1][0], _text(idents[0]))
            continue
        out.append((node, None))
    return out


def _is_void(node: ts.Node) -> bool:
    return node.type == "parameter_declaration" and node.child_by_field_name("declarator") is None \
        and " ".join(leaf_tokens(node)) == "void"


def _param(index: int, node: ts.Node, renames: list[tuple[int, str]], macro_name: str | None = None) -> Param:
    type_node = node.child_by_field_name("type")
    quals = [c for c in node.children if c.type == "type_qualifier"]
    type_words = [t for q in quals for t in leaf_tokens(q)]
    type_text = " ".join(type_words + (leaf_tokens(type_node) if type_node is not None else []))
    chain = _declarator_chain(node.child_by_field_name("declarator"))
    name_node = chain[-1] if chain and chain[-1].type == "identifier" else None
    shape = [n for n in chain if n.type != "identifier"]
    if macro_name is not None:
        name = macro_name
    elif name_node is None:
        name = f"__lessonl_arg{index}"
        renames.append((_rename_offset(node, type_node, shape, index), " " + name))
    else:
        name = _text(name_node)
    const = "const" in type_words or _const_in_type(type_node)
    function = any(n.type in ("function_declarator", "abstract_function_declarator") for n in shape)
    parenthesized = any(n.type == "parenthesized_declarator" for n in shape) and not _ref_to_array(shape)
    if function or parenthesized:  # a function pointer, a pointer to an array: handed over as it is
        return Param(index, name, "value", True, type_text=type_text, type_node=type_node, indirect=True)
    if shape and shape[0].type in ("reference_declarator", "abstract_reference_declarator"):
        ref = "rref" if any(c.type == "&&" for c in shape[0].children) else "lref"
        return Param(index, name, ref, const, type_text=type_text, type_node=type_node)
    pointers = [n for n in shape if n.type in ("pointer_declarator", "abstract_pointer_declarator")]
    arrays = [n for n in shape if n.type in ("array_declarator", "abstract_array_declarator")]
    if pointers or arrays:
        depth = len(pointers) + len(arrays)
        pointee_const = const if depth == 1 else _qualified_const(shape[-2] if len(shape) >= 2 else None)
        size = ""
        if arrays and not pointers:
            size_node = arrays[-1].child_by_field_name("size")
            size = _text(size_node) if size_node is not None and size_node.type != "*" else ""
            size = "" if size.startswith("static") else size
        void = depth == 1 and type_text.replace("const", "").replace("volatile", "").split() == ["void"]
        return Param(index, name, "pointer", pointee_const, depth=depth, type_text=type_text, type_node=type_node,
                     array_size=size if len(arrays) == 1 and not pointers else "", void_pointee=void)
    return Param(index, name, "value", const, type_text=type_text, type_node=type_node,
                 integer=_integer_type(type_node, type_text))


def _declarator_chain(node: ts.Node | None) -> list[ts.Node]:
    """Declarators from the outermost to the name: `* const * p` -> [ptr, ptr, identifier]."""
    chain: list[ts.Node] = []
    while node is not None:
        chain.append(node)
        if node.type == "identifier":
            break
        nxt = node.child_by_field_name("declarator")
        if nxt is None and node.type != "array_declarator":
            nxt = next((c for c in node.named_children if c.type != "type_qualifier" and c.type not in _ATTRIBUTES),
                       None)
        node = nxt
    return chain


def _ref_to_array(shape: list[ts.Node]) -> bool:
    """`double (&a)[3]`: a reference to an array, which the C++ compiler handles like any reference."""
    return bool(shape) and shape[0].type == "array_declarator" and any(n.type == "reference_declarator" for n in shape)


def _rename_offset(node: ts.Node, type_node: ts.Node | None, shape: list[ts.Node], index: int) -> int:
    """Where a name can go in an unnamed parameter: after the type, or after a plain `*`/`&`."""
    if not shape:
        anchor = type_node if type_node is not None else node
        return anchor.end_byte
    if all(n.type in ("abstract_pointer_declarator", "abstract_reference_declarator") for n in shape):
        return shape[0].end_byte
    raise ParameterProblem(f"parameter {index + 1} (`{_text(node)}`) has no name and a declarator LessonL cannot "
                           "give one")


def _qualified_const(node: ts.Node | None) -> bool:
    return node is not None and any(c.type == "type_qualifier" and _text(c) == "const" for c in node.children)


def _const_in_type(type_node: ts.Node | None) -> bool:
    return False if type_node is None else any(c.type == "type_qualifier" and _text(c) == "const"
                                               for c in type_node.children)


def _integer_type(type_node: ts.Node | None, type_text: str) -> bool:
    if type_node is None:
        return False
    words = set(type_text.replace("::", " ").split()) - {"const", "volatile", "std", "register"}
    if words & _NOT_INTEGER_WORDS:
        return False
    return bool(words) and words <= _INTEGER_WORDS | {"long"}


def template_arguments(wrappers: list[ts.Node]) -> list[str] | None:
    """The explicit template arguments that name the function's own template parameters
    (`<T, N>`), so a call compiles even where they cannot be deduced; None if one is unnamed
    before a named one (no explicit list can be written)."""
    if not wrappers:
        return []
    plist = wrappers[-1].child_by_field_name("parameters")
    names: list[str] = []
    gap = False
    for p in plist.named_children if plist is not None else []:
        if p.type in _ATTRIBUTES:
            continue
        name = _template_parameter_name(p)
        if name is None:
            gap = True
            continue
        if gap:
            return None
        names.append(name)
    return names


def _template_parameter_name(p: ts.Node) -> str | None:
    t = p.type
    if t in ("type_parameter_declaration", "variadic_type_parameter_declaration"):
        ident = next((c for c in p.named_children if c.type == "type_identifier"), None)
        if ident is None:
            return None
        return _text(ident) + ("..." if t.startswith("variadic") else "")
    if t == "optional_type_parameter_declaration":
        name = p.child_by_field_name("name")
        return _text(name) if name is not None else None
    if t in ("parameter_declaration", "optional_parameter_declaration", "variadic_parameter_declaration"):
        chain = _declarator_chain(p.child_by_field_name("declarator"))
        if chain and chain[-1].type == "identifier":
            return _text(chain[-1]) + ("..." if t.startswith("variadic") else "")
        return None
    if t == "template_template_parameter_declaration":
        inner = next((c for c in p.named_children if c.type.endswith("parameter_declaration")), None)
        return _template_parameter_name(inner) if inner is not None else None
    return None


def default_value_spans(definition: ts.Node) -> list[tuple[int, int]]:
    """Byte ranges of ` = value` in the parameter list (a definition after a prototype that
    carries them must not repeat them)."""
    fdecl = function_declarator(definition)
    plist = fdecl.child_by_field_name("parameters") if fdecl is not None else None
    spans: list[tuple[int, int]] = []
    for p in plist.named_children if plist is not None else []:
        if p.type != "optional_parameter_declaration":
            continue
        eq = next((c for c in p.children if c.type == "="), None)
        if eq is not None:
            start = eq.start_byte
            prev = eq.prev_sibling
            if prev is not None:
                start = prev.end_byte
            spans.append((start, p.end_byte))
    return spans


def _text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""
