"""What a model needs besides the function's text to keep it compiling and correct.

The includes/imports, the declarations (signatures only, never bodies) of the same-file
types, functions, macros and constants the function uses, its own class's members, and the
language standard and flags. Bounded in size: the nearest needs come first, so cutting at the
limit drops the least useful lines.
"""
from __future__ import annotations

import re

import tree_sitter as ts

from ..records import FunctionRef
from .functions import Definition, Scan, scan
from .items import defined_names
from .languages import DISPLAY_NAMES
from .relocate import find_definition, relocate
from .signature import collapse, header_text

_IDENTIFIER_TYPES = {"identifier", "type_identifier", "field_identifier", "namespace_identifier"}
_MAX_ITEM = 600


def prompt_context(text: str, ref: FunctionRef, language: str, standard: str = "", flags: str = "",
                   limit_chars: int = 6000) -> str:
    s = scan(text, language)
    d = find_definition(s, ref)
    if d is None:
        d = find_definition(s, relocate(text, ref))
        assert d is not None
    comment = "#" if language == "python" else "//"
    used = _identifiers(d.node) - {ref.name}
    sections: list[tuple[str, list[str]]] = []
    includes = _includes(s, language)
    if includes:
        sections.append((f"{comment} The file's {'imports' if language == 'python' else 'includes'}:", includes))
    if d.containers:
        summary = _container_summary(s, d.containers[-1], d, language)
        if summary:
            sections.append((f"{comment} The enclosing {_kind(d.containers[-1])} (members, bodies left out):",
                             summary.split("\n")))
    decls = _used_declarations(s, d, used, language)
    if decls:
        sections.append((f"{comment} Declarations from the same file that the function uses (bodies left out):",
                         [line for decl in decls for line in decl.split("\n")]))
    return _bounded(_header(language, standard, flags, comment), sections, limit_chars, comment)


def _bounded(header: str, sections: list[tuple[str, list[str]]], limit: int, comment: str) -> str:
    """Whole lines only, most important sections first; say what was left out."""
    out = [header]
    size = len(header)
    for title, lines in sections:
        if size + len(title) + 2 > limit:
            break
        out.append("")
        out.append(title)
        size += len(title) + 2
        for i, line in enumerate(lines):
            note = f"{comment} ... {len(lines) - i} more lines left out for length"
            if size + len(line) + 1 + len(note) + 1 > limit:
                out.append(note)
                size += len(note) + 1
                break
            out.append(line)
            size += len(line) + 1
    return "\n".join(out)


def _header(language: str, standard: str, flags: str, comment: str) -> str:
    parts = [f"{comment} Language: {DISPLAY_NAMES.get(language, language)}"]
    if standard:
        parts.append(f"standard: {standard}")
    if flags:
        parts.append(f"compiler flags: {flags}" if language != "python" else f"interpreter flags: {flags}")
    return "; ".join(parts)


def _declares_function(node: ts.Node) -> bool:
    decl = node.child_by_field_name("declarator")
    while decl is not None:
        if decl.type == "function_declarator":
            return True
        decl = decl.child_by_field_name("declarator")
    return False


def _kind(node: ts.Node) -> str:
    text = node.type
    if "function" in text:
        return "function"
    return "struct" if "struct" in text else "class"


def _identifiers(node: ts.Node) -> set[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in _IDENTIFIER_TYPES:
            out.add(n.text.decode("utf-8", "replace"))
        elif n.child_count:
            stack.extend(n.children)
    return out


def _includes(s: Scan, language: str) -> list[str]:
    wanted = ("import_statement", "import_from_statement", "future_import_statement") if language == "python" \
        else ("preproc_include",)
    out: list[str] = []

    def walk(node: ts.Node) -> None:
        for child in node.named_children:
            if child.type in wanted:
                out.append(collapse(child.text.decode("utf-8", "replace")))
            elif language != "python" and child.type in ("preproc_ifdef", "preproc_if", "preproc_else"):
                walk(child)

    walk(s.tree.root_node)
    return list(dict.fromkeys(out))


def _top_items(s: Scan) -> list[ts.Node]:
    out: list[ts.Node] = []
    stack = [s.tree.root_node]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            if child.type in ("namespace_definition", "linkage_specification"):
                body = child.child_by_field_name("body")
                if body is not None:
                    stack.append(body)
            elif child.type in ("preproc_ifdef", "preproc_if", "preproc_else"):
                stack.append(child)
            else:
                out.append(child)
    return sorted(out, key=lambda n: n.start_byte)


def _used_declarations(s: Scan, d: Definition, used: set[str], language: str) -> list[str]:
    """Items the function names, plus what the macros among them expand to (IMG_CLAMP -> IMG_MIN)."""
    own = {c.id for c in d.containers} | {d.outer.id}
    items = [i for i in _top_items(s) if i.id not in own and i.type not in (
        "comment", "preproc_include", "import_statement", "import_from_statement", "future_import_statement")]
    names_of = {i.id: _bare_names(i, language) for i in items}
    chosen: set[int] = set()
    wanted = set(used)
    for _ in range(3):  # macros using macros: a short closure is enough in practice
        added = [i for i in items if i.id not in chosen and names_of[i.id] & wanted]
        if not added:
            break
        for item in added:
            chosen.add(item.id)
            if item.type in ("preproc_def", "preproc_function_def"):
                wanted |= set(re.findall(r"[A-Za-z_]\w*", item.text.decode("utf-8", "replace")))
    return [x for x in (_summary(s, i, language) for i in items if i.id in chosen) if x]


def _bare_names(item: ts.Node, language: str) -> set[str]:
    names = set()
    for full in defined_names(item, language):
        parts = full.replace("::", ".").split(".")
        if len(parts) > 1 and (parts[-1] == parts[-2] or parts[-1].startswith("~")):
            continue  # an out-of-class constructor/destructor: the class summary covers it
        names.add(parts[-1])
    return names


def _summary(s: Scan, node: ts.Node, language: str) -> str:
    """A declaration without bodies: what a caller needs to know."""
    t = node.type
    if language == "python":
        if t == "decorated_definition":
            node = node.child_by_field_name("definition") or node
            t = node.type
        if t == "function_definition":
            return _py_header(node) + " ..."
        if t == "class_definition":
            return _container_summary(s, node, None, language)
        return _clip(node.text.decode("utf-8", "replace"))
    if t == "template_declaration":
        inner = next((c for c in node.named_children if c.type != "template_parameter_list"), None)
        params = node.child_by_field_name("parameters")
        prefix = "template " + collapse(params.text.decode("utf-8", "replace")) + " " if params is not None else ""
        return prefix + _summary(s, inner, language) if inner is not None else ""
    if t == "function_definition":
        return header_text(node, []) + ";"
    if t in ("declaration", "type_definition", "struct_specifier", "union_specifier", "enum_specifier") and \
            len(node.text) <= _MAX_ITEM and b"{" in node.text and not _has_function_body(node):
        return node.text.decode("utf-8", "replace").strip() + (";" if t.endswith("_specifier") else "")
    if t in ("class_specifier", "struct_specifier", "union_specifier"):
        return _container_summary(s, node, None, language)
    if t in ("declaration", "type_definition"):
        spec = next((c for c in node.named_children if c.type in ("struct_specifier", "class_specifier")
                     and c.child_by_field_name("body") is not None), None)
        if spec is not None:
            return _container_summary(s, spec, None, language)
    return _clip(node.text.decode("utf-8", "replace"))


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _MAX_ITEM else text[:_MAX_ITEM].rstrip() + " ..."


def _py_header(node: ts.Node) -> str:
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    return collapse(node.text[: end - node.start_byte].decode("utf-8", "replace"))


def _container_summary(s: Scan, container: ts.Node, target: Definition | None, language: str) -> str:
    node = container
    if node.type in ("decorated_definition",):
        node = node.child_by_field_name("definition") or node
    if node.type in ("template_declaration", "declaration", "type_definition"):
        node = next((c for c in node.named_children if c.type in ("class_specifier", "struct_specifier",
                                                                  "union_specifier")), node)
    body = node.child_by_field_name("body")
    if body is None:
        return ""
    if language == "python":
        if node.type == "function_definition":
            return _py_header(node)  # an enclosing function: its signature is what matters
        lines = [_py_header(node)]
        attributes = _instance_attributes(body)
        if attributes:
            lines.append("    # instance attributes: " + ", ".join(attributes))
        for child in body.named_children:
            inner = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
            if inner is None:
                continue
            if target is not None and inner.id == target.node.id:
                lines.append("    # (the function being optimized)")
            elif inner.type == "function_definition":
                decorators = [collapse(c.text.decode("utf-8", "replace")) for c in child.named_children
                              if c.type == "decorator"]
                lines.extend("    " + x for x in decorators)
                lines.append("    " + _py_header(inner) + " ...")
            elif inner.type == "expression_statement" and inner.named_children and \
                    inner.named_children[0].type == "assignment":
                lines.append("    " + collapse(inner.text.decode("utf-8", "replace")))
        return "\n".join(lines)
    head = collapse(s.data[container.start_byte:body.start_byte].decode("utf-8", "replace"))
    lines = [head + " {"]
    # data members first: they are what a method's rewrite most needs, and what a cut must keep
    fields = [c for c in body.named_children if c.type == "field_declaration" and not _declares_function(c)]
    lines.extend("  " + _clip(collapse(c.text.decode("utf-8", "replace"))) for c in fields)
    for child in body.named_children:
        if child in fields:
            continue
        t = child.type
        if t == "comment":
            continue
        if target is not None and child.id in (target.node.id, target.outer.id):
            lines.append("  // (the function being optimized)")
        elif t == "access_specifier":
            lines.append(collapse(child.text.decode("utf-8", "replace")) + ":")
        elif t == "function_definition" and child.child_by_field_name("body") is not None:
            lines.append("  " + header_text(child, []) + ";")
        elif t == "template_declaration":
            lines.append("  " + _summary(s, child, language))
        else:
            lines.append("  " + _clip(collapse(child.text.decode("utf-8", "replace"))))
    lines.append("};")
    return "\n".join(lines)


def _instance_attributes(class_body: ts.Node) -> list[str]:
    """`self.x` names assigned in __init__: a method's rewrite needs to know they exist."""
    out: list[str] = []
    for child in class_body.named_children:
        inner = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if inner is None or inner.type != "function_definition":
            continue
        name = inner.child_by_field_name("name")
        if name is None or name.text != b"__init__":
            continue
        stack = [inner.child_by_field_name("body")]
        while stack:
            n = stack.pop()
            if n is None:
                continue
            if n.type == "assignment":
                left = n.child_by_field_name("left")
                if left is not None and left.type == "attribute" and left.text.startswith(b"self."):
                    out.append(left.text.decode("utf-8", "replace"))
            if n.type not in ("function_definition", "class_definition", "lambda"):
                stack.extend(reversed(n.named_children))
    return list(dict.fromkeys(out))


def _has_function_body(node: ts.Node) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "function_definition":
            return True
        stack.extend(n.named_children)
    return False
