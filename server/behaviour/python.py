"""The behaviour check's generator for Python: the candidate module, instrumented.

Dual mode puts, at the target's own place and indentation, the original renamed
`_lessonl_orig_<name>`, the candidate renamed `_lessonl_cand_<name>`, and one statement
binding the target's name to `_lessonl_check.dual(...)` (the runtime, `pyruntime.py`). Both
copies stay where the target was, so a method keeps zero-argument `super()`, name mangling and
its decorators, and a nested function keeps its closure; nothing else in the module moves (no
import is added: `from __future__` must stay first). Count mode, for what cannot be run twice
faithfully (generators, properties, unknown decorators), only puts a call counter first in the
candidate's body.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter as ts

from ..code.functions import Definition, scan, signature_for
from ..code.indent import line_indent
from ..records import FunctionRef
from .records import CheckSettings, InstrumentError, Instrumented

RUNTIME = "_lessonl_check"  # the module name the judge gives pyruntime.py
ORIGINAL_PREFIX = "_lessonl_orig_"
CANDIDATE_PREFIX = "_lessonl_cand_"

# Decorators whose result the runtime wraps faithfully (or that only mark the function).
_WRAPPABLE = {"staticmethod", "classmethod", "functools.lru_cache", "lru_cache", "functools.cache", "cache",
              "typing.final", "final", "typing.override", "typing_extensions.override", "override",
              "typing.no_type_check", "no_type_check", "functools.wraps", "wraps", "torch.no_grad",
              "torch.inference_mode"}
# Decorators that compile the body: neither a Python wrapper nor a counter can go inside.
_COMPILED = re.compile(r"^(numba\.\w+|n?jit|guvectorize|cfunc|stencil|jax\.jit|torch\.jit\.script)$")
_ATTRIBUTE_LIKE = re.compile(r"^(property|functools\.cached_property|cached_property|\w+\.(setter|getter|deleter))$")
# Special methods the runtime itself relies on (copying, comparing, attribute access) or that
# Python calls implicitly in ways two copies cannot mirror.
_UNWRAPPABLE_DUNDERS = {"__eq__", "__ne__", "__hash__", "__deepcopy__", "__copy__", "__reduce__", "__reduce_ex__",
                        "__getstate__", "__setstate__", "__getnewargs__", "__getnewargs_ex__", "__getattr__",
                        "__getattribute__", "__setattr__", "__delattr__", "__new__", "__del__",
                        "__init_subclass__", "__class_getitem__", "__set_name__"}


@dataclass
class _Shape:
    """What the generator needs to know about one definition."""

    name: str
    name_span: tuple[int, int]  # byte offsets of the def's name, relative to the definition's text
    decorators: list[str]  # as written, without "@", whitespace collapsed
    is_async: bool
    is_generator: bool
    params: list[str] = field(default_factory=list)  # "self", "items", "*args", "*", "**kw"


def instrument(original: FunctionRef, candidate_text: str, settings: CheckSettings, *,
               dual: bool = True) -> Instrumented:
    """The candidate module with its target instrumented (see the module docstring).

    dual=False counts calls with an empty `reason`: the caller chose that and says why itself.
    """
    s = scan(candidate_text, "python")
    cand = _find_candidate(s.definitions, original)
    site = f"{original.file}::{original.qualified_name}"
    shape = _shape(cand.node, cand.outer, cand.start_byte, s.data)
    compiled = next((d for d in shape.decorators if _COMPILED.match(_callee(d))), None)
    if compiled is not None:
        raise InstrumentError(f"`@{compiled}` compiles `{original.qualified_name}`: neither a Python wrapper "
                              f"nor a call counter can go inside it")
    effects = _effects(cand.node, s.tree.root_node, s.data)
    reason = ""
    if dual:
        prefix = line_indent(s.data, cand.start_byte)
        in_class = bool(cand.containers) and _inner(cand.containers[-1]).type == "class_definition"
        orig_shape = _original_shape(original, prefix)
        reason = _why_not_dual(original, orig_shape, shape, in_class)
        if not reason:
            assert orig_shape is not None
            ignored = _ignored(shape, original.qualified_name, settings)
            text = _dual_text(s.data, cand, original, orig_shape, shape, prefix, in_class, site, settings, ignored)
            compared, not_compared = _compared(shape, in_class, effects, ignored)
            return Instrumented(text=text, mode="dual", site=site, compared=compared, not_compared=not_compared,
                                effects=effects)
    return Instrumented(text=_count_text(s.data, cand, site), mode="count", site=site, reason=reason,
                        effects=effects)


# ---- finding and reading the definitions -------------------------------------------------------

def _find_candidate(definitions: list[Definition], original: FunctionRef) -> Definition:
    """The candidate's definition: same signature, the same qualified name if possible, the one
    nearest the original's place if several."""
    same = [d for d in definitions
            if d.name == original.name and signature_for(d, "python").display == original.signature]
    if not same:
        raise InstrumentError(f"the rewritten module has no definition `{original.signature}` "
                              f"for `{original.qualified_name}`")
    return min(same, key=lambda d: (d.qualified_name != original.qualified_name,
                                    abs(d.start_byte - original.start_byte)))


def _original_shape(original: FunctionRef, prefix: str) -> _Shape | None:
    """Parse `original.text` alone. Its first line starts at the cut and the others carry the
    file's indentation, so under `if 1:` indented by the same prefix it is valid as it stands
    and byte offsets map back by a constant."""
    head = ("if 1:\n" + prefix) if prefix else ""
    text = head + original.text
    defs = [d for d in scan(text, "python").definitions if not d.containers and d.name == original.name]
    if not defs:
        return None
    d = defs[0]
    data = text.encode("utf-8")
    base = len(head.encode("utf-8"))
    shape = _shape(d.node, d.outer, base, data)
    return shape if d.start_byte == base else None


def _shape(node: ts.Node, outer: ts.Node, base: int, data: bytes) -> _Shape:
    name_node = node.child_by_field_name("name")
    assert name_node is not None
    decorators = []
    if outer.type == "decorated_definition":
        decorators = [" ".join(_text(c, data)[1:].split()) for c in outer.named_children if c.type == "decorator"]
    return _Shape(name=_text(name_node, data), name_span=(name_node.start_byte - base, name_node.end_byte - base),
                  decorators=decorators, is_async=any(c.type == "async" for c in node.children),
                  is_generator=_yields(node.child_by_field_name("body")), params=_params(node, data))


def _inner(node: ts.Node) -> ts.Node:
    if node.type == "decorated_definition":
        inner = node.child_by_field_name("definition")
        return inner if inner is not None else node
    return node


def _yields(body: ts.Node | None) -> bool:
    """A `yield` in the function's own body (not in a nested def, lambda or class)."""
    stack = [body] if body is not None else []
    while stack:
        n = stack.pop()
        if n.type == "yield":
            return True
        stack.extend(c for c in n.named_children
                     if c.type not in ("function_definition", "lambda", "class_definition", "decorated_definition"))
    return False


def _params(node: ts.Node, data: bytes) -> list[str]:
    plist = node.child_by_field_name("parameters")
    out: list[str] = []
    for p in plist.named_children if plist is not None else []:
        if p.type == "keyword_separator":
            out.append("*")
        elif p.type in ("list_splat_pattern", "dictionary_splat_pattern"):
            stars = "**" if p.type == "dictionary_splat_pattern" else "*"
            out.append(stars + next((_text(c, data) for c in p.named_children if c.type == "identifier"), ""))
        elif p.type == "identifier":
            out.append(_text(p, data))
        elif p.type in ("typed_parameter", "default_parameter", "typed_default_parameter"):
            inner = p.child_by_field_name("name") or next((c for c in p.named_children), None)
            if inner is not None and inner.type in ("list_splat_pattern", "dictionary_splat_pattern"):
                stars = "**" if inner.type == "dictionary_splat_pattern" else "*"
                out.append(stars + next((_text(c, data) for c in inner.named_children), ""))
            elif inner is not None:
                out.append(_text(inner, data))
    return out


def _text(node: ts.Node, data: bytes) -> str:
    return data[node.start_byte:node.end_byte].decode("utf-8")


def _callee(decorator: str) -> str:
    """`functools.lru_cache(maxsize=None)` -> `functools.lru_cache`."""
    return decorator.split("(", 1)[0].replace(" ", "")


# ---- deciding ----------------------------------------------------------------------------------

def _why_not_dual(original: FunctionRef, orig: _Shape | None, cand: _Shape, in_class: bool) -> str:
    """Why the two versions cannot both run on every call, in words for the verdict ("" if they can)."""
    name = original.qualified_name
    if orig is None:
        return f"the original text of `{name}` could not be read back as one definition"
    for shape, whose in ((orig, "the original"), (cand, "the rewrite")):
        if shape.is_generator:
            kind = "an async generator" if shape.is_async else "a generator"
            return (f"`{name}` is {kind} in {whose}: its calls hand back iterators consumed later, "
                    f"so the two versions cannot be run and compared call by call")
        for decorator in shape.decorators:
            callee = _callee(decorator)
            if _ATTRIBUTE_LIKE.match(callee):
                return f"`@{decorator}` on `{name}` makes it an attribute, not a call that can run twice"
            if callee in ("overload", "typing.overload"):
                return f"`{name}` is an `@overload` stub, which is never called"
            if callee in ("abstractmethod", "abc.abstractmethod"):
                return f"`{name}` is abstract: subclasses replace it, so there is no call of it to compare"
            if callee not in _WRAPPABLE:
                return (f"`@{decorator}` on `{name}` in {whose}: the check cannot tell whether applying it "
                        f"to two copies of the function is harmless")
    if in_class and cand.name in _UNWRAPPABLE_DUNDERS:
        return (f"`{name}` is the special method `{cand.name}`, which copying and comparing the two "
                f"versions would itself call")
    binding_o, binding_c = _binding_kind(orig), _binding_kind(cand)
    if binding_o != binding_c:
        return f"the rewrite makes `{name}` a {binding_c} where the original is a {binding_o}"
    return ""


def _binding_kind(shape: _Shape) -> str:
    callees = {_callee(d) for d in shape.decorators}
    if "staticmethod" in callees:
        return "staticmethod"
    if "classmethod" in callees:
        return "classmethod"
    return "plain function"


# ---- writing -----------------------------------------------------------------------------------

def _dual_text(data: bytes, cand: Definition, original: FunctionRef, orig_shape: _Shape, shape: _Shape,
               prefix: str, in_class: bool, site: str, settings: CheckSettings, ignored: list[str]) -> str:
    """The candidate's span replaced by: the original renamed, the candidate renamed, the binding."""
    newline = _newline(data)
    name = shape.name
    block = newline.join([
        _renamed(original.text.encode("utf-8"), orig_shape, ORIGINAL_PREFIX + name),
        prefix + _renamed(data[cand.start_byte:cand.end_byte], shape, CANDIDATE_PREFIX + name),
        prefix + _binding(name, site, shape, in_class, settings, ignored),
    ])
    return (data[:cand.start_byte] + block.encode("utf-8") + data[cand.end_byte:]).decode("utf-8")


def _newline(data: bytes) -> str:
    """The file's own line ending (the judge writes the text back byte for byte)."""
    return "\r\n" if data.count(b"\r\n") * 2 > data.count(b"\n") else "\n"


def _renamed(text: bytes, shape: _Shape, new_name: str) -> str:
    lo, hi = shape.name_span
    return (text[:lo] + new_name.encode("utf-8") + text[hi:]).decode("utf-8")


def _binding(name: str, site: str, shape: _Shape, in_class: bool, settings: CheckSettings,
             ignored: list[str]) -> str:
    """`name = __import__("_lessonl_check").dual(...)`: one statement, no new name bound."""
    args = [f"{ORIGINAL_PREFIX}{name}", f"{CANDIDATE_PREFIX}{name}", f"site={ascii(site)}", f"name={ascii(name)}",
            f"params={ascii(shape.params)}", f"method={in_class and _binding_kind(shape) != 'staticmethod'}",
            f"is_async={shape.is_async}", f"max_calls={int(settings.max_calls)}", f"rtol={settings.rtol!r}",
            f"atol={settings.atol!r}", f"rtol_f32={settings.rtol_f32!r}", f"atol_f32={settings.atol_f32!r}"]
    if ignored:
        args.append(f"ignore={ascii(ignored)}")
    return f"{name} = __import__({RUNTIME!r}).dual({', '.join(args)})"


def _count_text(data: bytes, cand: Definition, site: str) -> str:
    """The module with a call counter as the first statement of the candidate's body (after its
    docstring), at the body's own indentation, or `;`-joined when the body shares a line."""
    body = cand.node.child_by_field_name("body")
    if body is None:
        raise InstrumentError(f"the rewritten `{cand.qualified_name}` has no body to count calls in")
    counter = f"__import__({RUNTIME!r}).hit({ascii(site)})"
    newline = _newline(data)
    statements = [c for c in body.named_children if c.type != "comment"]
    if not statements:
        raise InstrumentError(f"the rewritten `{cand.qualified_name}` has no statement to count calls before")
    rest = statements[1:] if _is_docstring(statements[0]) else statements
    if rest:
        at = rest[0].start_byte
        line_start = data.rfind(b"\n", 0, at) + 1
        own_line = not data[line_start:at].strip()
        insert = counter + newline + line_indent(data, at) if own_line else counter + "; "
    else:
        docstring = statements[0]
        at = docstring.end_byte
        line_start = data.rfind(b"\n", 0, docstring.start_byte) + 1
        own_line = not data[line_start:docstring.start_byte].strip()
        insert = newline + line_indent(data, docstring.start_byte) + counter if own_line else "; " + counter
    return (data[:at] + insert.encode("utf-8") + data[at:]).decode("utf-8")


def _is_docstring(node: ts.Node) -> bool:
    return node.type == "expression_statement" and len(node.named_children) == 1 \
        and node.named_children[0].type in ("string", "concatenated_string")


IGNORED_WHY = "ignored by [check] ignore"


def _ignored(shape: _Shape, qualified_name: str, settings: CheckSettings) -> list[str]:
    """The parameters [check] ignore names: "Class.method.param" or "method.param" (the function's
    qualified or bare name) or a plain "param" (any function); "args" for `*args`."""
    keys = {str(key).strip() for key in settings.ignore}
    bare = qualified_name.rsplit(".", 1)[-1]
    names = [p.lstrip("*") for p in shape.params if p.lstrip("*")]
    return [n for n in names if {f"{qualified_name}.{n}", f"{bare}.{n}", n} & keys]


def _compared(shape: _Shape, in_class: bool, effects: list[str],
              ignored: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    kind = _binding_kind(shape)
    names = [p.lstrip("*") for p in shape.params if p.lstrip("*")]
    not_compared: list[tuple[str, str]] = []
    if in_class and kind == "classmethod" and names:
        not_compared.append((names.pop(0), "the class itself: both versions share it, so class attributes they "
                                           "change are not compared"))
    not_compared += [(n, IGNORED_WHY) for n in names if n in ignored]
    names = [n for n in names if n not in ignored]
    not_compared += [(effect, "state outside the arguments, shared by both versions")
                     for effect in effects if effect.startswith(("uses `global", "uses `nonlocal", "changes the"))]
    return ["return value", *names, "exception"], not_compared


# ---- effects: what reading the body shows ------------------------------------------------------

_CALLS = {"print", "open", "input", "exec", "eval", "setattr", "delattr", "breakpoint"}
_MODULE_CALLS = re.compile(r"^(random|time|secrets|uuid|shutil|subprocess|socket|logging|tempfile|"
                           r"(np|numpy)\.random|datetime\.datetime\.now|sys\.stdout|sys\.stderr)(\.|$)")
_OS_WRITES = {"remove", "unlink", "rename", "renames", "replace", "mkdir", "makedirs", "rmdir", "removedirs",
              "write", "system", "chdir", "putenv", "unsetenv", "kill", "truncate", "symlink", "link", "chmod",
              "chown", "utime", "popen", "startfile", "_exit", "fork"}
_MUTATORS = {"append", "extend", "insert", "pop", "popitem", "remove", "discard", "add", "update", "clear",
             "setdefault", "sort", "reverse", "appendleft", "extendleft", "popleft", "__setitem__"}


def _effects(node: ts.Node, root: ts.Node, data: bytes) -> list[str]:
    """Hints of effects outside the arguments, from reading the function (not proof of any)."""
    module_names = _module_names(root, data)
    local = _local_names(node, data)
    declared: set[str] = set()
    out: list[str] = []
    for n in _walk(node.child_by_field_name("body")):
        if n.type in ("global_statement", "nonlocal_statement"):
            keyword = "global" if n.type == "global_statement" else "nonlocal"
            for ident in n.named_children:
                declared.add(_text(ident, data))
                out.append(f"uses `{keyword} {_text(ident, data)}`")
        elif n.type == "call":
            out += _call_effect(n, data, module_names, local)
        elif n.type in ("assignment", "augmented_assignment"):
            target = n.child_by_field_name("left")
            root_name = _root_name(target, data) if target is not None else None
            if target is not None and target.type == "identifier" and root_name in declared:
                out.append(f"assigns the global `{root_name}`")
            elif target is not None and target.type in ("subscript", "attribute") and root_name in module_names \
                    and root_name not in local:
                out.append(f"changes the module-level `{root_name}`")
    return list(dict.fromkeys(out))


def _call_effect(n: ts.Node, data: bytes, module_names: set[str], local: set[str]) -> list[str]:
    func = n.child_by_field_name("function")
    if func is None:
        return []
    name = " ".join(_text(func, data).split())
    if func.type == "identifier":
        return [f"calls {name}"] if name in _CALLS and name not in local else []
    if func.type != "attribute":
        return []
    head, _, method = name.rpartition(".")
    if head == "os" and method in _OS_WRITES or name.startswith("os.environ."):
        return [f"calls {name}"]
    if _MODULE_CALLS.match(name):
        return [f"calls {name}"]
    root_name = _root_name(func, data)
    if method in _MUTATORS and root_name in module_names and root_name not in local:
        return [f"changes the module-level `{root_name}`"]
    return []


def _walk(node: ts.Node | None):
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.named_children))


def _root_name(node: ts.Node, data: bytes) -> str | None:
    """`cache[k].x` -> "cache"."""
    while node.type in ("subscript", "attribute"):
        inner = node.child_by_field_name("value") if node.type == "subscript" else node.child_by_field_name("object")
        if inner is None:
            return None
        node = inner
    return _text(node, data) if node.type == "identifier" else None


def _module_names(root: ts.Node, data: bytes) -> set[str]:
    """Names bound at module level (assignments and imports, also inside top-level if/try)."""
    names: set[str] = set()
    stack = list(root.named_children)
    while stack:
        n = stack.pop()
        if n.type in ("if_statement", "try_statement", "else_clause", "elif_clause", "except_clause",
                      "finally_clause", "block", "with_statement", "expression_statement"):
            stack.extend(n.named_children)
        elif n.type == "assignment":
            left = n.child_by_field_name("left")
            names |= {_text(i, data) for i in _walk(left) if i.type == "identifier"} if left is not None else set()
        elif n.type in ("import_statement", "import_from_statement"):
            for part in n.named_children:
                if part.type == "aliased_import":
                    alias = part.child_by_field_name("alias")
                    if alias is not None:
                        names.add(_text(alias, data))
                elif part.type == "dotted_name" and part != n.child_by_field_name("module_name"):
                    names.add(_text(part, data).split(".")[0])
    return names


def _local_names(node: ts.Node, data: bytes) -> set[str]:
    """Parameters and names the function assigns (they shadow module-level names)."""
    names = {p.lstrip("*") for p in _params(node, data)}
    for n in _walk(node.child_by_field_name("body")):
        target = None
        if n.type in ("assignment", "augmented_assignment", "for_statement", "for_in_clause"):
            target = n.child_by_field_name("left")
        elif n.type == "as_pattern_target":
            target = n
        if target is not None and target.type in ("identifier", "pattern_list", "tuple_pattern", "as_pattern_target"):
            names |= {_text(i, data) for i in _walk(target) if i.type == "identifier"}
    return names
