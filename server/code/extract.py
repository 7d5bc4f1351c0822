"""Get the rewritten function out of a model's reply, whatever shape the reply has.

Models answer with prose around fenced blocks (tagged or not), several blocks (original then
rewrite, or rewrite then a usage example), the whole file, the function plus new helpers and
includes, or an answer cut off by the token limit. The last block that defines the function
wins, because models show the original first and their answer last. A rewrite that changes
the signature is refused here, before any build, with a reason worded to become a lesson.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter as ts

from ..errors import ExtractionError
from ..records import FunctionRef
from .functions import Definition, Scan, leading_start, scan, signature_for
from .indent import dedent, leading, line_indent, width
from .languages import DISPLAY_NAMES
from .signature import Signature, collapse, declarator_name_node, name_parts

_TAGS = {
    "c": {"c", "h", "cpp", "c++", "cxx", "cc", "hpp"},
    "cpp": {"cpp", "c++", "cxx", "cc", "hpp", "hxx", "h", "c", "cuda", "cu", "objective-c++"},
    "python": {"python", "py", "python3", "py3", "ipython", "pycon"},
}
_NEUTRAL_TAGS = {"", "code", "text", "plaintext", "plain", "source"}
_C_ITEM_TYPES = {"function_definition", "template_declaration", "declaration", "type_definition",
                 "alias_declaration", "using_declaration", "struct_specifier", "class_specifier", "union_specifier",
                 "enum_specifier", "preproc_def", "preproc_function_def", "namespace_alias_definition",
                 "static_assert_declaration", "concept_definition"}
_C_MEMBER_TYPES = {"function_definition", "template_declaration", "declaration", "alias_declaration",
                   "type_definition", "struct_specifier", "class_specifier", "enum_specifier"}
_PY_IMPORTS = {"import_statement", "import_from_statement", "future_import_statement"}
_PY_KEYWORDS = {"def", "class", "return", "import", "from", "if", "elif", "else", "for", "while", "with", "async",
                "await", "try", "except", "finally", "raise", "pass", "yield", "global", "nonlocal", "assert",
                "del", "lambda", "break", "continue", "match", "case", "print"}
_C_KEYWORDS = {"return", "if", "else", "for", "while", "do", "switch", "case", "default", "break", "continue",
               "static", "inline", "const", "constexpr", "template", "typename", "class", "struct", "namespace",
               "using", "typedef", "void", "int", "float", "double", "char", "long", "unsigned", "auto",
               "extern", "enum", "union", "bool", "size_t", "std", "goto", "public", "private", "protected"}


@dataclass
class Extraction:
    """What a reply contributes: the function (replacing its span) and what it needs around it."""

    function_code: str  # the complete replacement of the span (doc comment, decorators/template, body), LF
    helpers: list[str] = field(default_factory=list)  # new definitions at file/namespace scope
    includes: list[str] = field(default_factory=list)  # new #include lines or import statements
    member_helpers: list[str] = field(default_factory=list)  # new members of the function's own class
    notes: list[str] = field(default_factory=list)  # what was left out of the reply and why
    unchanged: bool = False  # the reply's function is the original, whitespace aside

    @property
    def code(self) -> str:
        """Everything new, as one text for logs and lessons."""
        parts = self.includes + self.helpers + self.member_helpers + [self.function_code]
        return "\n\n".join(p for p in parts if p)


@dataclass
class _Block:
    code: str
    tag: str | None  # None: not fenced at all
    closed: bool


def extract(reply: str, ref: FunctionRef, language: str) -> Extraction:
    """The rewrite of `ref` in `reply`; ExtractionError with a lesson-ready reason if there is none."""
    text = reply.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _error(ref, "the reply is empty", "answer with the complete rewritten function in one code block")
    blocks = _usable_blocks(_code_blocks(text), language, ref)
    original = _original(ref, language)
    chosen: tuple[_Block, Scan, Definition] | None = None
    fallback: tuple[_Block, Scan, Definition] | None = None
    broken: tuple[_Block, Scan, Definition] | None = None
    for block in reversed(blocks):
        code = _blank_prose(block.code, language) if block.tag is None else block.code
        s = scan(code, language)
        d = _target_in(s, ref, original)
        if d is None and original.member_only:
            s = _scan_as_member(code, language)
            d = _target_in(s, ref, original)
        if d is None:
            continue
        if _error_count(d.outer) > original.errors:  # macros may confuse the parser in the original too
            broken = broken or (block, s, d)
            continue
        if _same_code(s.data[d.start_byte:d.end_byte], ref.text):
            fallback = fallback or (block, s, d)  # the original quoted back; keep looking for a rewrite
            continue
        chosen = (block, s, d)
        break
    if chosen is None and broken is not None:
        block, s, d = broken
        line = _first_error_line(d.outer)
        if not block.closed or (block.tag is None and _reaches_end(s, d)):  # no fence: the end tells
            raise _cut_off(ref)
        raise _error(ref, f"the `{ref.name}` in the reply has a syntax error at line {line} of its code block",
                     f"write valid {DISPLAY_NAMES[language]} that compiles")
    unchanged = chosen is None and fallback is not None
    if unchanged:
        chosen = fallback  # the caller decides whether an unchanged copy is worth judging
    if chosen is None:
        renamed = _renamed(blocks, language, original)
        if renamed:
            raise _error(ref, f"the rewrite renames the function from `{ref.name}` to `{renamed}`",
                         f"keep the name and signature exactly `{original.display}`; callers use that name")
        mentioned = [b for b in blocks if re.search(rf"\b{re.escape(ref.name)}\b", b.code)]
        if any(not b.closed for b in mentioned):
            raise _cut_off(ref)
        if mentioned:
            raise _error(ref, f"the reply mentions `{ref.name}` but holds no complete definition of it",
                         f"answer with the whole function, from its signature `{original.display}` to its end")
        raise _error(ref, f"the reply holds no code defining `{ref.name}`",
                     f"answer with the complete rewritten function `{original.display}` in a code block")
    block, s, d = chosen
    new_sig = signature_for(d, language)
    reason = original.signature.difference(new_sig)
    if reason:
        raise _error(ref, f"the rewrite {reason}",
                     f"keep the signature exactly `{original.signature.display}`; callers and tests depend on it")
    function_code = _function_code(s, d, original, language)
    ext = Extraction(function_code=function_code, unchanged=unchanged)
    if unchanged:
        ext.notes.append(f"the reply repeats the original `{ref.name}` without changes")
    _collect_extras(s, d, ref, language, original, ext)
    return ext


def _error(ref: FunctionRef, message: str, hint: str) -> ExtractionError:
    return ExtractionError(message, file=ref.file or None, line=ref.start_line or None, hint=hint)


def _cut_off(ref: FunctionRef) -> ExtractionError:
    return _error(ref, f"the reply was cut off inside `{ref.name}` (the code block ends before the function does)",
                  "answer with shorter prose and the complete function; do not stop mid-function")


# ---- blocks ----------------------------------------------------------------------------------

_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^`\n]*?)[ \t]*$")


def _code_blocks(text: str) -> list[_Block]:
    """Fenced blocks; an unclosed last fence (a truncated reply) runs to the end of the reply."""
    lines = text.split("\n")
    blocks: list[_Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2)
        tag = (info.split()[0] if info else "").lower().lstrip("{.").rstrip("}")
        j = i + 1
        while j < len(lines):
            close = _FENCE.match(lines[j])
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence) and not close.group(2):
                break
            j += 1
        blocks.append(_Block("\n".join(lines[i + 1:j]), tag, closed=j < len(lines)))
        i = j + 1
    if not blocks:
        blocks.append(_Block(text, None, closed=True))
    return blocks


def _usable_blocks(blocks: list[_Block], language: str, ref: FunctionRef) -> list[_Block]:
    ok = [b for b in blocks if b.tag is None or b.tag in _NEUTRAL_TAGS or b.tag in _TAGS[language]]
    if not ok:
        tags = ", ".join(sorted({b.tag or "none" for b in blocks}))
        if any(b.tag in ("diff", "patch") for b in blocks):
            raise _error(ref, "the reply is a diff, not code",
                         f"answer with the complete rewritten function in a ```{language} block, not a patch")
        raise _error(ref, f"the reply's code blocks are not {DISPLAY_NAMES[language]} (tags: {tags})",
                     f"answer in {DISPLAY_NAMES[language]}, in a ```{language} block")
    return ok


def _blank_prose(code: str, language: str) -> str:
    """An unfenced reply: blank the lines of prose (keeping line numbers) so the parser sees code only."""
    out = []
    for line in code.split("\n"):
        out.append("" if _is_prose(line, language) else line)
    return "\n".join(out)


def _is_prose(line: str, language: str) -> bool:
    stripped = line.strip()
    if not stripped or line[:1] in (" ", "\t"):
        return False
    if language != "python" and re.match(r"#+\s", stripped):
        return True  # a markdown heading, not a preprocessor directive
    if re.match(r"^(\d+[.)]|[-*+]|\*\*|>)\s", stripped):
        return True  # list items, bold text, quotes
    first = re.split(r"[^\w']", stripped, maxsplit=1)[0]
    keywords = _PY_KEYWORDS if language == "python" else _C_KEYWORDS
    if first in keywords or not first[:1].isalpha():
        return False
    if language == "python":
        if re.search(r"[=\[\]{}]|\(.*\)\s*:?\s*$", stripped) or stripped.startswith("@"):
            return False
    elif re.search(r"[;{}]|^\w[\w:<>,\s*&]*\s+[*&]*\w[\w:]*\s*\(", stripped) or stripped.endswith(")"):
        return False
    return len(stripped.split()) >= 2


# ---- the target in a block -------------------------------------------------------------------

@dataclass
class _Original:
    signature: Signature
    display: str
    leading: str  # comment lines above the definition
    decorators: str  # Python decorators, with their line breaks
    qualified_decl: str  # C/C++: the declarator's name as written in the file ("Matrix<T>::get")
    qualified: bool
    errors: int  # parse errors in the original (macros the parser cannot see through)
    member_only: bool = False  # parses only inside a class body


def _original(ref: FunctionRef, language: str) -> _Original:
    text = dedent_span(ref.text, language)
    s = scan(text, language)
    outer_defs = [d for d in s.definitions if not d.containers and d.name == ref.name]
    skip = 0
    if not outer_defs and language != "python":
        s, skip = _scan_as_member(text, language), len(_MEMBER_OPEN)  # macros that only parse in a class
        outer_defs = [d for d in s.definitions if len(d.containers) == 1 and d.name == ref.name]
    if not outer_defs:
        raise ExtractionError(f"cannot parse the original `{ref.qualified_name}` on its own",
                              file=ref.file or None, line=ref.start_line or None,
                              hint="its signature probably hides behind macros the parser cannot expand; "
                                   "pick a function whose signature is plain code")
    d = outer_defs[0]
    sig = signature_for(d, language)
    leading = s.data[skip:d.outer.start_byte].decode("utf-8")
    decorators = ""
    if language == "python" and d.outer is not d.node:
        decorators = s.data[d.outer.start_byte:d.node.start_byte].decode("utf-8")
    decl_text, qualified = "", False
    if language != "python":
        node = declarator_name_node(d.node)
        if node is not None:
            decl_text = node.text.decode("utf-8")
            qualified = len(name_parts(node)) > 1
    return _Original(sig, sig.display, leading, decorators, decl_text, qualified, _error_count(d.outer),
                     member_only=skip > 0)


_MEMBER_OPEN = "struct LessonLMember {\n"


def _scan_as_member(code: str, language: str) -> Scan:
    """Parse code as the body of a class: `exception() _GLIBCXX_NOTHROW { }` only reads as a
    constructor there. The wrapper is never part of what is extracted."""
    return scan(_MEMBER_OPEN + code + "\n};\n", language)


def _target_in(s: Scan, ref: FunctionRef, original: _Original) -> Definition | None:
    named = [d for d in s.definitions if _norm(d.name) == _norm(ref.name)]
    if len(named) <= 1:
        return named[0] if named else None
    suffix = [d for d in named if _qualified_match(d.qualified_name, ref.qualified_name)] or named
    same_sig = [d for d in suffix if signature_for(d, s.language).difference(original.signature) is None]
    if same_sig:
        verbatim = [d for d in same_sig if _same_code(s.data[d.start_byte:d.end_byte], ref.text)]
        return verbatim[0] if verbatim and len(same_sig) > 1 else same_sig[-1]
    same_arity = [d for d in suffix if len(signature_for(d, s.language).params) == len(original.signature.params)]
    return (same_arity or suffix)[-1]


def _renamed(blocks: list[_Block], language: str, original: _Original) -> str | None:
    """The name of a function that has the target's exact signature under another name."""
    old = original.signature
    for block in reversed(blocks):
        s = scan(_blank_prose(block.code, language) if block.tag is None else block.code, language)
        for d in s.definitions:
            sig = signature_for(d, language)
            if sig.name != old.name and (sig.template, sig.prefix, sig.params, sig.suffix) == (
                    old.template, old.prefix, old.params, old.suffix):
                return sig.name
    return None


def _norm(name: str) -> str:
    return name.replace(" ", "")


def _qualified_match(found: str, wanted: str) -> bool:
    a, b = found.replace("::", ".").split("."), wanted.replace("::", ".").split(".")
    n = min(len(a), len(b))
    return a[-n:] == b[-n:]


def _error_count(node: ts.Node) -> int:
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


def _first_error_line(node: ts.Node) -> int:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return n.start_point[0] + 1
        stack.extend(reversed([c for c in n.children if c.has_error or c.is_missing]))
    return node.start_point[0] + 1


def _reaches_end(s: Scan, d: Definition) -> bool:
    return not s.data[d.end_byte:].strip()


def _same_code(found: bytes, original: str) -> bool:
    return collapse(found.decode("utf-8", "replace")) == collapse(original)


# ---- the function's own code -----------------------------------------------------------------

def _function_code(s: Scan, d: Definition, original: _Original, language: str) -> str:
    start = d.start_byte
    code = s.data[start:d.end_byte].decode("utf-8")
    if language != "python" and original.qualified_decl:
        code = _requalify(s, d, original, code)
    code = dedent(code, line_indent(s.data, start))
    own_leading = start < d.outer.start_byte
    if language == "python" and d.outer is d.node and original.decorators:
        code = original.decorators + code  # the model dropped the decorators: keep the user's
    if not own_leading and original.leading.strip():
        code = original.leading + code  # keep the user's doc comment when the model dropped it
    return code.rstrip() if "\n" in code or code.strip() else code


def _requalify(s: Scan, d: Definition, original: _Original, code: str) -> str:
    """Write the name as the file does: `Matrix<T>::get` out of class, `get` in class."""
    node = declarator_name_node(d.node)
    if node is None:
        return code
    written = node.text.decode("utf-8")
    if written == original.qualified_decl or (len(name_parts(node)) > 1) == original.qualified:
        return code
    rel_start = len(s.data[d.start_byte:node.start_byte].decode("utf-8"))
    rel_end = rel_start + len(written)
    return code[:rel_start] + original.qualified_decl + code[rel_end:]


def dedent_span(text: str, language: str) -> str:
    """A span's text has no indentation on its first line: remove the rest's common indentation."""
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    header: str | None = None
    if language == "python":
        for line in lines[1:]:
            stripped = line.lstrip()
            if stripped.startswith(("def ", "async ", "@", "class ")):
                header = leading(line)
                break
    else:
        # the closing brace and the doc comment / template lines sit at the function's column
        marks = [line for line in lines[1:] if line.lstrip().startswith(("//", "/*", "template", "[[", "}"))]
        header = min((leading(line) for line in marks), key=width) if marks else None
    if header is None:
        return text
    return dedent(text, header)


# ---- what else the reply brings --------------------------------------------------------------

def _collect_extras(s: Scan, d: Definition, ref: FunctionRef, language: str, original: _Original,
                    ext: Extraction) -> None:
    target_nodes = {d.outer.id} | {c.id for c in d.containers}
    items = _items(s.tree.root_node, language)
    member_parent = d.containers[-1] if d.containers else None
    members = _class_members(member_parent, language) if _is_class(member_parent) else []
    method_target = ref.qualified_name != ref.name and (d.containers == [])
    self_like = original.signature.params[:1] in (("self",), ("cls",))
    for node in items:
        if node.id in target_nodes:
            continue
        if _is_include(node, language):
            ext.includes.append(_node_text(s, node).strip())
            continue
        if _skip_item(s, node, language, ext):
            continue
        code = _item_code(s, node)
        if language == "python" and method_target and self_like and _first_param(node) in ("self", "cls"):
            ext.member_helpers.append(code)
        else:
            ext.helpers.append(code)
    for node in members:
        if node.id == d.outer.id or _skip_item(s, node, language, ext):
            continue
        if language != "python" and node.type == "field_declaration":
            continue
        ext.member_helpers.append(_item_code(s, node))


def _is_class(node: ts.Node | None) -> bool:
    """Only a class has members; an enclosing function's other statements are not helpers."""
    if node is not None and node.type == "decorated_definition":
        node = node.child_by_field_name("definition")
    return node is not None and node.type not in ("function_definition",)


def _items(root: ts.Node, language: str) -> list[ts.Node]:
    """Top-level definitions of a block, looking through namespaces and extern "C"."""
    out: list[ts.Node] = []
    for child in root.named_children:
        t = child.type
        if language == "python":
            if t in _PY_IMPORTS or t in ("function_definition", "decorated_definition", "class_definition") or (
                    t == "expression_statement" and child.named_children
                    and child.named_children[0].type == "assignment"):
                out.append(child)
            elif t == "if_statement" and b"__main__" in child.text:
                continue
        else:
            if t in ("namespace_definition", "linkage_specification"):
                body = child.child_by_field_name("body")
                if body is not None:
                    out.extend(_items(body, language))
            elif t in ("preproc_ifdef", "preproc_if", "preproc_else"):
                out.extend(_items(child, language))
            elif t == "preproc_include" or t in _C_ITEM_TYPES:
                out.append(child)
    return out


def _class_members(container: ts.Node, language: str) -> list[ts.Node]:
    node = container
    if node.type in ("decorated_definition", "template_declaration", "declaration"):
        node = next((c for c in node.named_children if c.type in (
            "class_definition", "class_specifier", "struct_specifier")), node)
    body = node.child_by_field_name("body")
    if body is None:
        return []
    if language == "python":
        return [c for c in body.named_children if c.type in ("function_definition", "decorated_definition")
                or (c.type == "expression_statement" and c.named_children
                    and c.named_children[0].type == "assignment")]
    return [c for c in body.named_children if c.type in _C_MEMBER_TYPES]


def _is_include(node: ts.Node, language: str) -> bool:
    return node.type in _PY_IMPORTS if language == "python" else node.type == "preproc_include"


def _skip_item(s: Scan, node: ts.Node, language: str, ext: Extraction) -> bool:
    names = defined_names(node, language)
    if "main" in names:
        ext.notes.append("left out `main` (a usage example, not part of the rewrite)")
        return True
    if node.has_error:
        ext.notes.append(f"left out a definition with syntax errors at line {node.start_point[0] + 1} of the reply")
        return True
    if language != "python" and node.type == "declaration" and not names:
        return True
    return False


def _item_code(s: Scan, node: ts.Node) -> str:
    start = leading_start(s.data, node.start_byte, s.tree.root_node)
    end = node.end_byte
    nxt = node.next_sibling
    if nxt is not None and nxt.type == ";" and node.type in ("struct_specifier", "class_specifier",
                                                              "union_specifier", "enum_specifier"):
        end = nxt.end_byte
    return dedent(s.data[start:end].decode("utf-8"), line_indent(s.data, start)).rstrip()


def _node_text(s: Scan, node: ts.Node) -> str:
    return s.data[node.start_byte:node.end_byte].decode("utf-8")


def _first_param(node: ts.Node) -> str | None:
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
    t = node.type
    if language == "python":
        if t == "decorated_definition":
            node = node.child_by_field_name("definition") or node
            t = node.type
        if t in ("function_definition", "class_definition"):
            name = node.child_by_field_name("name")
            return {name.text.decode("utf-8", "replace")} if name is not None else set()
        if t == "expression_statement" and node.named_children and node.named_children[0].type == "assignment":
            left = node.named_children[0].child_by_field_name("left")
            return {n.text.decode("utf-8", "replace") for n in _identifiers(left)} if left is not None else set()
        return set()
    if t == "template_declaration":
        inner = [c for c in node.named_children if c.type != "template_parameter_list"]
        return set().union(*(defined_names(c, language) for c in inner)) if inner else set()
    if t == "function_definition":
        name_node = declarator_name_node(node)
        return {"::".join(name_parts(name_node))} if name_node is not None else set()
    if t in ("struct_specifier", "class_specifier", "union_specifier", "enum_specifier", "concept_definition"):
        name = node.child_by_field_name("name")
        return {name.text.decode("utf-8", "replace")} if name is not None else set()
    if t in ("preproc_def", "preproc_function_def", "alias_declaration", "namespace_alias_definition"):
        name = node.child_by_field_name("name")
        return {name.text.decode("utf-8", "replace")} if name is not None else set()
    if t in ("declaration", "type_definition", "field_declaration"):
        names: set[str] = set()
        for child in node.named_children:
            if child.type in ("struct_specifier", "class_specifier", "union_specifier", "enum_specifier") and \
                    child.child_by_field_name("body") is not None:
                names |= defined_names(child, language)
        for decl in node.children_by_field_name("declarator"):
            names |= set(_declared(decl))
        return names
    if t == "using_declaration":
        return {collapse(node.text.decode("utf-8", "replace"))}
    return set()


_NAME_TYPES = {"identifier", "type_identifier", "field_identifier", "qualified_identifier", "operator_name",
               "destructor_name", "template_function"}


def _declared(decl: ts.Node) -> list[str]:
    """The name a declarator declares: `*p`, `&operator=(...)`, `x = 1`, `a[4]` -> p, operator=, x, a."""
    node: ts.Node | None = decl
    while node is not None and node.type not in _NAME_TYPES:
        node = node.child_by_field_name("declarator") or next(
            (c for c in node.named_children if c.type in _NAME_TYPES or c.type.endswith("declarator")), None)
    return ["::".join(name_parts(node))] if node is not None else []


def _identifiers(node: ts.Node) -> list[ts.Node]:
    if node.type == "identifier":
        return [node]
    return [n for c in node.named_children for n in _identifiers(c)]
