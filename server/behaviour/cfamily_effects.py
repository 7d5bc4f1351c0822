"""Effects outside the arguments that a quick read of a C or C++ body shows.

Hints only: when running the original against itself fails (output printed twice, a global
counter bumped twice, a random generator advanced twice), these say why in words.
"""
from __future__ import annotations

import tree_sitter as ts

_OUTPUT = {"printf", "puts", "putchar", "fprintf", "fputs", "fputc", "putc", "fwrite", "fflush", "perror",
           "vprintf", "vfprintf", "dprintf", "write", "fopen", "freopen", "fclose", "remove", "rename",
           "tmpfile", "system", "exit", "abort"}
_STATE = {"rand", "srand", "random", "srandom", "drand48", "srand48", "lrand48", "rand_r", "time", "clock",
          "clock_gettime", "gettimeofday", "getenv", "setenv", "putenv", "scanf", "fscanf", "getchar", "fgets",
          "fread", "strtok", "malloc_stats"}
_STREAMS = {"cout", "cerr", "clog", "cin", "wcout", "wcerr"}
_DECLARATIONS = ("declaration", "parameter_declaration", "optional_parameter_declaration", "for_range_loop")


def effects_of(bodies: list[ts.Node], file_scope: set[str], parameters: set[str]) -> list[str]:
    """What the bodies do beyond their arguments, each said once, in the order first seen."""
    out: list[str] = []

    def note(text: str) -> None:
        if text not in out:
            out.append(text)

    for body in bodies:
        locals_ = _local_names(body) | parameters
        stack = [body]
        while stack:
            node = stack.pop()
            t = node.type
            if t == "call_expression":
                name = _callee(node)
                if name in _OUTPUT or name in _STATE:
                    note(f"calls {name}")
            elif t in ("qualified_identifier", "identifier") and _text(node).split("::")[-1] in _STREAMS \
                    and node.parent is not None and node.parent.type != "qualified_identifier":
                note(f"uses std::{_text(node).split('::')[-1]}")
            elif t in ("assignment_expression", "update_expression"):
                target = node.child_by_field_name("left") or node.child_by_field_name("argument")
                base = _base_name(target)
                if base and base not in locals_ and base in file_scope:
                    note(f"assigns the global `{base}`")
            elif t == "declaration" and _is_static_local(node):
                for name in _declared_names(node):
                    note(f"keeps state in the static local `{name}`")
            stack.extend(reversed(node.named_children))
    return out


def file_scope_variables(root: ts.Node) -> set[str]:
    """Names of variables declared outside any function (in namespaces and linkage blocks too)."""
    names: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            if child.type == "declaration":
                names |= _declared_names(child)
            elif child.type in ("namespace_definition", "linkage_specification", "declaration_list",
                                "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif"):
                stack.append(child)
    return names


def _callee(call: ts.Node) -> str:
    fn = call.child_by_field_name("function")
    if fn is None:
        return ""
    if fn.type == "qualified_identifier":
        return _text(fn).split("::")[-1]
    return _text(fn) if fn.type == "identifier" else ""


def _base_name(node: ts.Node | None) -> str:
    """The variable an lvalue expression writes into: `g`, `g[i]`, `g.x`, `*g` -> "g"."""
    while node is not None:
        t = node.type
        if t == "identifier":
            return _text(node)
        if t == "qualified_identifier":
            return _text(node).split("::")[-1]
        if t in ("subscript_expression", "field_expression", "pointer_expression", "parenthesized_expression"):
            node = node.child_by_field_name("argument") or (node.named_children[0] if node.named_children else None)
            continue
        return ""
    return ""


def _local_names(body: ts.Node) -> set[str]:
    names: set[str] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in _DECLARATIONS:
            names |= _declared_names(node)
        stack.extend(node.named_children)
    return names


def _declared_names(decl: ts.Node) -> set[str]:
    names: set[str] = set()
    for child in decl.children_by_field_name("declarator") if decl.type != "for_range_loop" else \
            [decl.child_by_field_name("declarator")]:
        node = child
        while node is not None and node.type not in ("identifier", "function_declarator"):
            inner = node.child_by_field_name("declarator")
            if inner is None:
                inner = next((c for c in node.named_children if c.type in (
                    "identifier", "pointer_declarator", "reference_declarator", "array_declarator",
                    "init_declarator", "parenthesized_declarator")), None)
            node = inner
        if node is not None and node.type == "identifier":
            names.add(_text(node))
    return names


def _is_static_local(decl: ts.Node) -> bool:
    words = [_text(c) for c in decl.children if c.type in ("storage_class_specifier", "type_qualifier")]
    return "static" in words and "const" not in words and "constexpr" not in words


def _text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""
