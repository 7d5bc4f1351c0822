"""The signature of a function as the parts a caller depends on, and how two of them differ.

A rewrite that changes the name, the parameters, the return type or the qualifiers would
break callers (or silently change overload resolution), so it is refused before any build.
The reason is worded so that it can become a lesson for the next round.
Parameter names do not count in C/C++ (callers never see them); in Python they do
(keyword arguments), but annotations do not (they change nothing at run time).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter as ts

_ATTRIBUTE_TYPES = {"attribute_declaration", "attribute_specifier", "ms_declspec_modifier", "comment"}
_WRAPPER_DECLARATORS = {"pointer_declarator", "reference_declarator", "attributed_declarator",
                        "parenthesized_declarator"}
_NAME_TYPES = {"identifier", "field_identifier", "type_identifier", "qualified_identifier", "operator_name",
               "destructor_name", "template_function", "template_method"}
_PARAM_TYPES = {"parameter_declaration", "optional_parameter_declaration",
                "variadic_parameter_declaration", "optional_type_parameter_declaration"}


@dataclass(frozen=True)
class Signature:
    language: str
    name: str  # bare name as a caller writes it ("get", "operator()", "~Matrix")
    template: str  # "template < typename T >" per level, "" if none
    prefix: str  # specifiers and return type ("static inline T"; "async def" in Python)
    params: tuple[str, ...]  # one entry per parameter, in the form that is compared
    suffix: str  # after the parameter list: "const noexcept", "-> int", "&&"
    display: str  # the header as written, whitespace collapsed, for messages

    def difference(self, new: "Signature") -> str | None:
        """Why `new` cannot replace `self`, worded for a person and a lesson; None if compatible."""
        p = pretty
        if new.name != self.name:
            return f"renames the function from `{self.name}` to `{new.name}`"
        if new.template != self.template:
            return f"changes the template parameters from `{p(self.template) or 'none'}` to `{p(new.template) or 'none'}`"
        if len(new.params) != len(self.params):
            return (f"changes the number of parameters from {len(self.params)} to {len(new.params)} "
                    f"(`{', '.join(map(p, self.params))}` became `{', '.join(map(p, new.params))}`)")
        for i, (old_p, new_p) in enumerate(zip(self.params, new.params), start=1):
            if old_p != new_p:
                return f"changes parameter {i} from `{p(old_p)}` to `{p(new_p)}`"
        if new.prefix != self.prefix:
            what = "async-ness" if self.language == "python" else "return type or specifiers"
            return f"changes the {what} from `{p(self.prefix) or 'none'}` to `{p(new.prefix) or 'none'}`"
        if new.suffix != self.suffix:
            return (f"changes the qualifiers after the parameter list from `{p(self.suffix) or 'none'}` "
                    f"to `{p(new.suffix) or 'none'}`")
        return None


def signature_of(definition: ts.Node, wrappers: list[ts.Node], language: str) -> Signature:
    """`definition` is a function_definition node; `wrappers` are its template_declarations, outermost first."""
    if language == "python":
        return _python_signature(definition)
    return _c_signature(definition, wrappers, language)


def pretty(tokens: str) -> str:
    """Space-joined tokens as a person writes them: `std :: vector < int >` -> `std::vector<int>`."""
    text = re.sub(r"\s*::\s*", "::", tokens)
    text = re.sub(r"\s*<\s*", "<", text)
    text = re.sub(r"\s+>", ">", text)
    text = re.sub(r"\s+([,)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    return text


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def leaf_tokens(node: ts.Node, skip: frozenset[int] = frozenset()) -> list[str]:
    """The source tokens under a node (comments and attributes left out)."""
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in _ATTRIBUTE_TYPES or n.id in skip:
            continue
        if n.child_count == 0 or n.type in ("string_literal", "raw_string_literal", "char_literal", "string"):
            out.append(n.text.decode("utf-8", "replace"))
            continue
        stack.extend(reversed(n.children))
    return out


def _tokens(node: ts.Node | None, skip: frozenset[int] = frozenset()) -> str:
    return " ".join(leaf_tokens(node, skip)) if node is not None else ""


# ---- C / C++ ---------------------------------------------------------------------------------

def function_declarator(definition: ts.Node) -> ts.Node | None:
    node = definition.child_by_field_name("declarator")
    while node is not None and node.type != "function_declarator":
        if node.type in _WRAPPER_DECLARATORS:
            inner = node.child_by_field_name("declarator")
            if inner is None:
                inner = next((c for c in node.named_children if c.type not in _ATTRIBUTE_TYPES
                              and c.type != "type_qualifier"), None)
            node = inner
        else:
            return None
    return node


def name_parts(node: ts.Node | None) -> list[str]:
    """`ns::Matrix<T>::get` -> ["ns", "Matrix", "get"]: template arguments are not part of a name."""
    if node is None:
        return []
    t = node.type
    if t == "qualified_identifier":
        return name_parts(node.child_by_field_name("scope")) + name_parts(node.child_by_field_name("name"))
    if t in ("template_type", "template_function", "template_method"):
        return name_parts(node.child_by_field_name("name"))
    if t == "destructor_name":
        return ["~" + "".join(name_parts(node.named_children[0]) if node.named_children else [])]
    if t in ("operator_name", "operator_cast"):
        return [_join_operator(leaf_tokens(node))]
    return [node.text.decode("utf-8", "replace")]


def _join_operator(tokens: list[str]) -> str:
    out = ""
    for tok in tokens:
        if out and (out[-1].isalnum() or out[-1] == "_") and (tok[:1].isalnum() or tok[:1] == "_"):
            out += " "
        out += tok
    return out


def declarator_name_node(definition: ts.Node) -> ts.Node | None:
    """The node naming the function (identifier, qualified_identifier, operator_name...)."""
    fdecl = function_declarator(definition)
    if fdecl is not None:
        return function_name_node(fdecl)
    decl = definition.child_by_field_name("declarator")
    return decl if decl is not None and decl.type == "operator_cast" else None


def function_name_node(fdecl: ts.Node) -> ts.Node | None:
    """The name a function_declarator declares, without the parentheses some headers put around it
    to stop a macro (`uint64_t (Rng::min)()` in nanobench.h, against Windows' `min`)."""
    misread = _misread_return_type(fdecl)
    if misread is not None:
        return misread[1]
    node = fdecl.child_by_field_name("declarator")
    while node is not None and node.type == "parenthesized_declarator":
        inner = [c for c in node.named_children if c.type not in _ATTRIBUTE_TYPES]
        if len(inner) != 1 or inner[0].type not in _NAME_TYPES | {"parenthesized_declarator"}:
            break  # `(*f(int))`: a function returning a function pointer, not a parenthesised name
        node = inner[0]
    return node


def _misread_return_type(fdecl: ts.Node) -> tuple[ts.Node, ts.Node] | None:
    """(return type, name) of `uint64_t(min)()` in a class body, which the parser reads as a
    function `uint64_t` taking a `min` and returning a function: C and C++ have no functions
    returning functions, so a function_declarator directly inside another is this (or a macro
    call `NAME(x)(...)` that reads the same way)."""
    inner = fdecl.child_by_field_name("declarator")
    if inner is None or inner.type != "function_declarator":
        return None
    plist = inner.child_by_field_name("parameters")
    params = [c for c in plist.named_children if c.type not in _ATTRIBUTE_TYPES] if plist is not None else []
    if len(params) != 1 or params[0].type != "parameter_declaration" or params[0].named_child_count != 1:
        return None
    name = params[0].child_by_field_name("type")
    returned = inner.child_by_field_name("declarator")
    if name is None or returned is None or name.type not in _NAME_TYPES:
        return None
    return returned, name


def _c_signature(definition: ts.Node, wrappers: list[ts.Node], language: str) -> Signature:
    declarator = definition.child_by_field_name("declarator")
    fdecl = function_declarator(definition)
    name_node = declarator_name_node(definition)
    parts = name_parts(name_node)
    name = parts[-1] if parts else ""
    template = " ".join(
        "template " + _tokens(w.child_by_field_name("parameters")).replace("class ", "typename ")
        for w in wrappers)
    prefix_tokens: list[str] = []
    if definition.parent is not None and definition.parent.type == "friend_declaration":
        prefix_tokens.append("friend")
    for child in definition.children:
        if declarator is not None and child.start_byte >= declarator.start_byte:
            break
        if child.type not in _ATTRIBUTE_TYPES:
            prefix_tokens.extend(leaf_tokens(child))
    misread = _misread_return_type(fdecl) if fdecl is not None else None
    if misread is not None:
        prefix_tokens.extend(leaf_tokens(misread[0]))
    # pointer/reference wrappers belong to the return type: `int *f()`, `A& operator=(...)`
    node = declarator
    while node is not None and fdecl is not None and node.id != fdecl.id:
        for child in node.children:
            if child.type in ("*", "&", "&&", "type_qualifier", "ms_pointer_modifier"):
                prefix_tokens.extend(leaf_tokens(child))
        node = node.child_by_field_name("declarator") or next(
            (c for c in node.named_children if c.type not in {"type_qualifier"} | _ATTRIBUTE_TYPES), None)
    params: list[str] = []
    suffix_tokens: list[str] = []
    if fdecl is not None:
        plist = fdecl.child_by_field_name("parameters")
        if plist is not None:
            for p in plist.named_children:
                if p.type in _ATTRIBUTE_TYPES:
                    continue
                params.append(_param_without_name(p))
            if len(params) == 1 and params[0] == "void":
                params = []
            if any(c.type == "..." for c in plist.children):
                params.append("...")
        after = False
        for child in fdecl.children:
            if plist is not None and child.id == plist.id:
                after = True
                continue
            if after and child.type not in _ATTRIBUTE_TYPES:
                suffix_tokens.extend(leaf_tokens(child))
    elif declarator is not None and declarator.type == "operator_cast":
        abstract = next((c for c in declarator.named_children if c.type == "abstract_function_declarator"), None)
        if abstract is not None:
            plist = abstract.child_by_field_name("parameters")
            params = [_param_without_name(p) for p in plist.named_children] if plist is not None else []
            suffix_tokens = [t for c in abstract.children if plist is None or c.id != plist.id
                             for t in leaf_tokens(c)]
    for child in definition.children:  # `requires` clauses and the like, between declarator and body
        if child.type in ("requires_clause",):
            suffix_tokens.extend(leaf_tokens(child))
    return Signature(language=language, name=name, template=template, prefix=" ".join(prefix_tokens),
                     params=tuple(params), suffix=" ".join(suffix_tokens),
                     display=header_text(definition, wrappers))


def _param_without_name(param: ts.Node) -> str:
    if param.type not in _PARAM_TYPES:
        return _tokens(param)
    node = param.child_by_field_name("declarator")
    name_id: int | None = None
    while node is not None:
        if node.type == "identifier":
            name_id = node.id
            break
        nxt = node.child_by_field_name("declarator")
        if nxt is None:
            nxt = next((c for c in node.named_children if c.type == "identifier"), None)
        node = nxt
    skip = frozenset({name_id}) if name_id is not None else frozenset()
    return _tokens(param, skip)


def header_text(definition: ts.Node, wrappers: list[ts.Node]) -> str:
    """The source from the template/decorators to the body, whitespace collapsed."""
    start = wrappers[0].start_byte if wrappers else definition.start_byte
    body = definition.child_by_field_name("body")
    end = body.start_byte if body is not None else definition.end_byte
    for child in definition.children:  # constructors: stop before `: a(x), b(y)`
        if child.type == "field_initializer_list":
            end = min(end, child.start_byte)
    source = definition.text
    offset = definition.start_byte
    if wrappers:
        source, offset = wrappers[0].text, wrappers[0].start_byte
    text = source[start - offset:end - offset].decode("utf-8", "replace")
    text = re.sub(r"//[^\n]*|/\*.*?\*/", " ", text, flags=re.S)
    return collapse(text).rstrip(":").strip()


# ---- Python ----------------------------------------------------------------------------------

def _python_signature(definition: ts.Node) -> Signature:
    name_node = definition.child_by_field_name("name")
    name = name_node.text.decode("utf-8", "replace") if name_node is not None else ""
    is_async = any(c.type == "async" for c in definition.children)
    params: list[str] = []
    plist = definition.child_by_field_name("parameters")
    for p in plist.named_children if plist is not None else []:
        if p.type == "comment":
            continue
        params.append(_python_param(p))
    body = definition.child_by_field_name("body")
    end = body.start_byte if body is not None else definition.end_byte
    header = definition.text[: end - definition.start_byte].decode("utf-8", "replace")
    return Signature(language="python", name=name, template="", prefix="async def" if is_async else "def",
                     params=tuple(params), suffix="", display=collapse(header).rstrip(":").strip())


def _python_param(p: ts.Node) -> str:
    t = p.type
    if t in ("identifier", "keyword_separator", "positional_separator"):
        return p.text.decode("utf-8", "replace")
    if t == "list_splat_pattern":
        return "*" + _python_param(p.named_children[0]) if p.named_children else "*"
    if t == "dictionary_splat_pattern":
        return "**" + _python_param(p.named_children[0]) if p.named_children else "**"
    if t == "typed_parameter":
        inner = next((c for c in p.named_children if c.type != "type"), None)
        return _python_param(inner) if inner is not None else _tokens(p)
    if t in ("default_parameter", "typed_default_parameter"):
        name = p.child_by_field_name("name")
        value = p.child_by_field_name("value")
        return f"{_python_param(name) if name is not None else ''}={_tokens(value)}"
    return _tokens(p)
