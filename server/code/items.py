"""Tree-sitter work on what a reply's code holds: its top-level items (functions, classes,
constants, typedefs, includes, imports), the names each defines and uses, and their text.

Extraction asks these questions of every block of a reply, the splice asks "which of these
does the file already have", and the prompt context asks "which names does the function use".
"""
from __future__ import annotations

import tree_sitter as ts

from .functions import Scan, leading_start
from .indent import dedent, line_indent
from .signature import collapse, declarator_name_node, function_name_node, name_parts

_C_ITEM_TYPES = {"function_definition", "template_declaration", "declaration", "type_definition",
                 "alias_declaration", "using_declaration", "struct_specifier", "class_specifier", "union_specifier",
                 "enum_specifier", "preproc_def", "preproc_function_def", "namespace_alias_definition",
                 "static_assert_declaration", "concept_definition"}
_C_MEMBER_TYPES = {"function_definition", "template_declaration", "declaration", "alias_declaration",
                   "type_definition", "struct_specifier", "class_specifier", "enum_specifier"}
_C_TYPES = ("struct_specifier", "class_specifier", "union_specifier", "enum_specifier")
_PY_IMPORTS = {"import_statement", "import_from_statement", "future_import_statement"}
_NAME_TYPES = {"identifier", "type_identifier", "field_identifier", "qualified_identifier", "operator_name",
               "destructor_name", "template_function"}
_C_USES = {"identifier", "type_identifier", "namespace_identifier"}


def items(root: ts.Node, language: str) -> list[ts.Node]:
    """Top-level definitions of a block, looking through namespaces and extern "C"."""
    out: list[ts.Node] = []
    for child in root.named_children:
        t = child.type
        if language == "python":
            if t in _PY_IMPORTS or t in ("function_definition", "decorated_definition", "class_definition") or \
                    is_assignment(child):
                out.append(child)
        elif t in ("namespace_definition", "linkage_specification"):
            body = child.child_by_field_name("body")
            if body is not None:
                out.extend(items(body, language))
        elif t in ("preproc_ifdef", "preproc_if", "preproc_else"):
            out.extend(items(child, language))
        elif t == "preproc_include" or t in _C_ITEM_TYPES:
            out.append(child)
    return out


def is_assignment(node: ts.Node) -> bool:
    return node.type == "expression_statement" and bool(node.named_children) \
        and node.named_children[0].type == "assignment"


def is_class(node: ts.Node | None) -> bool:
    """Only a class has members; an enclosing function's other statements are not helpers."""
    if node is not None and node.type == "decorated_definition":
        node = node.child_by_field_name("definition")
    return node is not None and node.type not in ("function_definition",)


def class_members(container: ts.Node, language: str) -> list[ts.Node]:
    node = container
    if node.type in ("decorated_definition", "template_declaration", "declaration"):
        node = next((c for c in node.named_children if c.type in (
            "class_definition", "class_specifier", "struct_specifier")), node)
    body = node.child_by_field_name("body")
    if body is None:
        return []
    if language == "python":
        return [c for c in body.named_children if c.type in ("function_definition", "decorated_definition")
                or is_assignment(c)]
    return [c for c in body.named_children if c.type in _C_MEMBER_TYPES]


def is_include(node: ts.Node, language: str) -> bool:
    return node.type in _PY_IMPORTS if language == "python" else node.type == "preproc_include"


def skip_reason(node: ts.Node, language: str) -> str | None:
    """Why an item of a reply is not taken over ("" to leave it out silently); None to take it."""
    names = defined_names(node, language)
    if "main" in names:
        return "left out `main` (a usage example, not part of the rewrite)"
    if node.has_error:
        return f"left out a definition with syntax errors at line {node.start_point[0] + 1} of the reply"
    if language != "python" and node.type == "declaration" and not names:
        return ""
    return None


def item_start(s: Scan, node: ts.Node) -> int:
    """Where an item's text starts: its doc comment included."""
    return leading_start(s.data, node.start_byte, s.tree.root_node)


def item_end(node: ts.Node) -> int:
    nxt = node.next_sibling
    if nxt is not None and nxt.type == ";" and node.type in _C_TYPES:
        return nxt.end_byte  # `struct S {...};`: the parser leaves the semicolon outside
    return node.end_byte


def item_code(s: Scan, node: ts.Node, start: int | None = None) -> str:
    start = item_start(s, node) if start is None else start
    return dedent(s.data[start:item_end(node)].decode("utf-8"), line_indent(s.data, start)).rstrip()


def node_text(s: Scan, node: ts.Node) -> str:
    return s.data[node.start_byte:node.end_byte].decode("utf-8")


def first_param(node: ts.Node) -> str | None:
    if node.type == "decorated_definition":
        node = node.child_by_field_name("definition") or node
    if node.type != "function_definition":
        return None
    params = node.child_by_field_name("parameters")
    if params is None or not params.named_children:
        return None
    first = params.named_children[0]
    if first.type != "identifier":
        first = first.child_by_field_name("name") or first
    return first.text.decode("utf-8", "replace")


def defined_names(node: ts.Node, language: str) -> set[str]:
    """The names an item defines, used to tell new helpers from ones the file already has."""
    if language == "python":
        return _python_defined(node)
    t = node.type
    if t == "template_declaration":
        inner = [c for c in node.named_children if c.type != "template_parameter_list"]
        return set().union(*(defined_names(c, language) for c in inner)) if inner else set()
    if t == "function_definition":
        name_node = declarator_name_node(node)
        return {"::".join(name_parts(name_node))} if name_node is not None else set()
    if t in _C_TYPES or t in ("concept_definition", "preproc_def", "preproc_function_def", "alias_declaration",
                              "namespace_alias_definition"):
        name = node.child_by_field_name("name")
        return {_text(name)} if name is not None else set()
    if t in ("declaration", "type_definition", "field_declaration"):
        names: set[str] = set()
        for child in node.named_children:
            if child.type in _C_TYPES and child.child_by_field_name("body") is not None:
                names |= defined_names(child, language)
        for decl in node.children_by_field_name("declarator"):
            names |= set(declared(decl))
        return names
    if t == "using_declaration":
        return {collapse(_text(node))}
    return set()


def _python_defined(node: ts.Node) -> set[str]:
    t = node.type
    if t == "decorated_definition":
        node = node.child_by_field_name("definition") or node
        t = node.type
    if t in ("function_definition", "class_definition"):
        name = node.child_by_field_name("name")
        return {_text(name)} if name is not None else set()
    if is_assignment(node):
        left = node.named_children[0].child_by_field_name("left")
        return {_text(n) for n in identifiers(left)} if left is not None else set()
    return set()


def imported_names(node: ts.Node) -> set[str]:
    """The names a Python import binds: `import numpy as np` -> np, `import os.path` -> os."""
    out: set[str] = set()
    for child in node.children_by_field_name("name"):
        if child.type == "aliased_import":
            alias = child.child_by_field_name("alias")
            out |= {_text(alias)} if alias is not None else set()
        elif child.type == "dotted_name":
            parts = [c for c in child.named_children if c.type == "identifier"]
            out |= {_text(parts[0] if node.type == "import_statement" else parts[-1])} if parts else set()
    return out


def declared(decl: ts.Node) -> list[str]:
    """The name a declarator declares: `*p`, `&operator=(...)`, `x = 1`, `a[4]` -> p, operator=, x, a."""
    node: ts.Node | None = decl
    while node is not None and node.type not in _NAME_TYPES:
        if node.type == "function_declarator":
            node = function_name_node(node)
            continue
        node = node.child_by_field_name("declarator") or next(
            (c for c in node.named_children if c.type in _NAME_TYPES or c.type.endswith("declarator")), None)
    return ["::".join(name_parts(node))] if node is not None else []


def identifiers(node: ts.Node) -> list[ts.Node]:
    if node.type == "identifier":
        return [node]
    return [n for c in node.named_children for n in identifiers(c)]


def free_names(node: ts.Node, language: str) -> set[str]:
    """The names a piece of code uses and does not bind itself (its parameters and locals are
    left out, and so are attributes: `obj.name`): what it needs from elsewhere, roughly."""
    used: set[str] = set()
    bound: set[str] = set()
    wanted = {"identifier"} if language == "python" else _C_USES
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in wanted:
            used.add(_text(n))
        elif n.type != "comment":
            _bind(n, language, bound)
            stack.extend(c for c in n.children if not _is_attribute_name(n, c))
    return used - bound


def self_attributes(node: ts.Node) -> set[str]:
    """Python: the X of every `self.X` / `cls.X` a method uses (its class's members)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "attribute":
            obj, attr = n.child_by_field_name("object"), n.child_by_field_name("attribute")
            if obj is not None and attr is not None and obj.type == "identifier" and _text(obj) in ("self", "cls"):
                out.add(_text(attr))
        stack.extend(n.children)
    return out


def _is_attribute_name(parent: ts.Node, child: ts.Node) -> bool:
    return parent.type == "attribute" and child == parent.child_by_field_name("attribute")


def _bind(n: ts.Node, language: str, bound: set[str]) -> None:
    """Add the local names `n` binds (a declaration, parameter, assignment target, loop variable)."""
    if language != "python":
        if n.type in ("declaration", "parameter_declaration", "optional_parameter_declaration", "for_range_loop",
                      "init_declarator"):
            for decl in n.children_by_field_name("declarator"):
                if decl.type != "function_declarator":
                    bound.update(declared(decl))
        return
    fields = {"assignment": "left", "augmented_assignment": "left", "for_statement": "left",
              "for_in_clause": "left", "named_expression": "name", "as_pattern": "alias"}
    if n.type in fields:
        target = n.child_by_field_name(fields[n.type])
        bound.update(_text(i) for i in (identifiers(target) if target is not None else []))
    elif n.type in ("function_definition", "class_definition") and n.child_by_field_name("name") is not None:
        bound.add(_text(n.child_by_field_name("name")))  # a nested def is the function's own
    elif n.type == "parameters" or n.type == "lambda_parameters":
        for p in n.named_children:
            name = p if p.type == "identifier" else p.child_by_field_name("name") or next(
                (c for c in p.named_children if c.type == "identifier"), None)
            bound.update([_text(name)] if name is not None else [])


def error_count(node: ts.Node) -> int:
    if not (node.has_error or node.is_missing):
        return 0
    count = 0
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            count += 1
            continue
        stack.extend(c for c in n.children if c.has_error or c.is_missing)
    return count


def first_error_line(node: ts.Node) -> int:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return n.start_point[0] + 1
        stack.extend(reversed([c for c in n.children if c.has_error or c.is_missing]))
    return node.start_point[0] + 1


def _text(node: ts.Node) -> str:
    return node.text.decode("utf-8", "replace")
