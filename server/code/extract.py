"""Get the rewritten function out of a model's reply, whatever shape the reply has.

The reply is cut into code blocks (reply.py); the last block that defines the function wins,
because models show the original first and their answer last. What else the reply brings
(includes, helpers, members, also from other blocks the function draws on) is gathered by
extras.py. A rewrite that changes the signature, or leaves code out behind a placeholder
(elision.py), is refused here, before any build, with a reason worded to become a lesson.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import tree_sitter as ts

from ..errors import ExtractionError
from ..records import FunctionRef
from .elision import Elision, ElisionError, elision_error, find_elision, skip_placeholders
from .extras import Hit, collect_extras
from .functions import Definition, Scan, scan, signature_for
from .indent import dedent, leading, line_indent, width
from .items import defined_names, error_count, first_error_line
from .languages import DISPLAY_NAMES
from .reply import Block, code_blocks, cut_off, mentions, refusal, usable_blocks
from .signature import Signature, collapse, declarator_name_node, name_parts

__all__ = ["ElisionError", "Extraction", "dedent_span", "defined_names", "extract"]


@dataclass
class Extraction:
    """What a reply contributes: the function (replacing its span) and what it needs around it."""

    function_code: str  # the complete replacement of the span (doc comment, decorators/template, body), LF
    helpers: list[str] = field(default_factory=list)  # new definitions at file/namespace scope
    includes: list[str] = field(default_factory=list)  # new #include lines or import statements
    member_helpers: list[str] = field(default_factory=list)  # new members of the function's own class
    notes: list[str] = field(default_factory=list)  # what was left out of the reply and why
    unchanged: bool = False  # the reply's function is the original, whitespace aside
    # helpers that leave code out: refused by the splice unless the file already has them
    elided: dict[str, ElisionError] = field(default_factory=dict)

    @property
    def code(self) -> str:
        """Everything new, as one text for logs and lessons."""
        parts = self.includes + self.helpers + self.member_helpers + [self.function_code]
        return "\n\n".join(p for p in parts if p)


def extract(reply: str, ref: FunctionRef, language: str) -> Extraction:
    """The rewrite of `ref` in `reply`; ExtractionError with a lesson-ready reason if there is none."""
    text = reply.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise refusal(ref, "the reply is empty", "answer with the complete rewritten function in one code block")
    blocks = usable_blocks(code_blocks(text), language, ref)
    original = _original(ref, language)
    hit, unchanged, notes = _choose(blocks, ref, original, language)
    reason = original.signature.difference(signature_for(hit.d, language))
    if reason:
        raise refusal(ref, f"the rewrite {reason}",
                      f"keep the signature exactly `{original.signature.display}`; callers and tests depend on it")
    ext = Extraction(function_code=_function_code(hit, original, language), unchanged=unchanged, notes=notes)
    if unchanged:
        ext.notes.append(f"the reply repeats the original `{ref.name}` without changes")
    collect_extras(hit, blocks, ref, language, original.signature, ext)
    return ext


# ---- the target in a block -------------------------------------------------------------------

@dataclass
class _Original:
    signature: Signature
    display: str
    leading: str  # comment lines above the definition
    decorators: str  # Python decorators, with their line breaks
    qualified_decl: str  # C/C++: the declarator's name as written in the file ("Matrix<T>::get")
    qualified: bool
    parenthesized: bool  # C/C++: `uint64_t (Rng::min)()`, kept so against a `min` macro
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
    leading_text = s.data[skip:d.outer.start_byte].decode("utf-8")
    decorators = ""
    if language == "python" and d.outer is not d.node:
        decorators = s.data[d.outer.start_byte:d.node.start_byte].decode("utf-8")
    decl_text, qualified, parens = "", False, False
    node = declarator_name_node(d.node) if language != "python" else None
    if node is not None:
        decl_text, qualified = node.text.decode("utf-8"), len(name_parts(node)) > 1
        parens = _in_parens(s.data, node)
    return _Original(sig, sig.display, leading_text, decorators, decl_text, qualified, parens,
                     error_count(d.outer), member_only=skip > 0)


_MEMBER_OPEN = "struct LessonLMember {\n"


def _scan_as_member(code: str, language: str) -> Scan:
    """Parse code as the body of a class: `exception() _GLIBCXX_NOTHROW { }` only reads as a
    constructor there. The wrapper is never part of what is extracted."""
    return scan(_MEMBER_OPEN + code + "\n};\n", language)


def _find(block: Block, ref: FunctionRef, original: _Original, language: str) -> Hit | None:
    code = block.text(language)
    s = scan(code, language)
    d = _target_in(s, ref, original)
    if d is None and original.member_only:
        s = _scan_as_member(code, language)
        d = _target_in(s, ref, original)
        return Hit(block, s, d, rows_before=1) if d is not None else None
    return Hit(block, s, d) if d is not None else None


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


def _choose(blocks: list[Block], ref: FunctionRef, original: _Original,
            language: str) -> tuple[Hit, bool, list[str]]:
    """(the definition to use, whether it is the original unchanged, notes); a refusal if none is usable."""
    fallback: Hit | None = None
    broken: Hit | None = None
    elided: tuple[Hit, Elision] | None = None
    for block in reversed(blocks):
        if elided is not None and block.thought:
            continue  # the answer left code out: a draft in its <think> block is no answer
        hit = _find(block, ref, original, language)
        if hit is None:
            continue
        body = hit.d.node.child_by_field_name("body") if language == "python" else None
        gap = find_elision(hit.s, hit.d.outer.start_byte, hit.d.end_byte, ref.text, body)
        if gap is not None:
            elided = elided or (hit, gap)  # an earlier complete version may still be usable
        elif error_count(hit.d.outer) > original.errors:  # macros may confuse the parser in the original too
            broken = broken or hit
        elif _same_code(hit.s.data[hit.d.start_byte:hit.d.end_byte], ref.text):
            fallback = fallback or hit  # the original quoted back; keep looking for a rewrite
        else:
            notes = [f"left out a later version of `{ref.name}` that leaves code out"] if elided else []
            return hit, False, notes
    if elided is not None:
        hit, gap = elided
        raise elision_error(f"`{ref.name}`", hit.reply_line(gap.row), gap.placeholder, language,
                            ref.file or None, ref.start_line or None)
    if broken is not None:
        line = first_error_line(broken.d.outer) - broken.rows_before
        if not broken.block.closed or (broken.block.tag is None and _reaches_end(broken.s, broken.d)):
            raise cut_off(ref)  # no fence: the end tells
        raise refusal(ref, f"the `{ref.name}` in the reply has a syntax error at line {line} of its code block",
                      f"write valid {DISPLAY_NAMES[language]} that compiles")
    if fallback is not None:
        return fallback, True, []  # the caller decides whether an unchanged copy is worth judging
    raise _missing(blocks, ref, original, language)


def _missing(blocks: list[Block], ref: FunctionRef, original: _Original, language: str) -> ExtractionError:
    """Why no block holds a usable definition of the function."""
    renamed = _renamed(blocks, language, original)
    if renamed:
        return refusal(ref, f"the rewrite renames the function from `{ref.name}` to `{renamed}`",
                       f"keep the name and signature exactly `{original.display}`; callers use that name")
    mentioned = [b for b in blocks if mentions(b, ref.name)]
    for block in mentioned:  # `for (...) {` leaves no definition the parser can see
        s = scan(block.text(language), language)
        start = s.text.find(ref.name)
        if start < 0:
            continue  # named in its prose only
        gap = find_elision(s, len(s.text[:start].encode("utf-8")), len(s.data), ref.text)
        if gap is not None:
            return elision_error(f"`{ref.name}`", block.line + gap.row + 1, gap.placeholder, language,
                                 ref.file or None, ref.start_line or None)
    if any(not b.closed for b in mentioned):
        return cut_off(ref)
    if mentioned:
        return refusal(ref, f"the reply mentions `{ref.name}` but holds no complete definition of it",
                       f"answer with the whole function, from its signature `{original.display}` to its end")
    return refusal(ref, f"the reply holds no code defining `{ref.name}`",
                   f"answer with the complete rewritten function `{original.display}` in a code block")


def _renamed(blocks: list[Block], language: str, original: _Original) -> str | None:
    """The name of a function that has the target's exact signature under another name."""
    old = original.signature
    for block in reversed(blocks):
        s = scan(block.text(language), language)
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


def _reaches_end(s: Scan, d: Definition) -> bool:
    return not s.data[d.end_byte:].strip()


def _same_code(found: bytes, original: str) -> bool:
    return collapse(found.decode("utf-8", "replace")) == collapse(original)


# ---- the function's own code -----------------------------------------------------------------

def _function_code(hit: Hit, original: _Original, language: str) -> str:
    s, d = hit.s, hit.d
    start = skip_placeholders(s, d.start_byte, d.outer.start_byte)
    code = s.data[start:d.end_byte].decode("utf-8")
    if language != "python" and original.qualified_decl:
        code = _requalify(s, d, start, original, code)
    code = dedent(code, line_indent(s.data, start))
    own_leading = start < d.outer.start_byte
    if language == "python" and d.outer is d.node and original.decorators:
        code = original.decorators + code  # the model dropped the decorators: keep the user's
    if not own_leading and original.leading.strip():
        code = original.leading + code  # keep the user's doc comment when the model dropped it
    return code.rstrip() if "\n" in code or code.strip() else code


def _requalify(s: Scan, d: Definition, start: int, original: _Original, code: str) -> str:
    """Write the name as the file does: `Matrix<T>::get` out of class, `get` in class, and in
    parentheses where the file has them."""
    node = declarator_name_node(d.node)
    if node is None:
        return code
    written = node.text.decode("utf-8")
    name = written
    if written != original.qualified_decl and (len(name_parts(node)) > 1) != original.qualified:
        name = original.qualified_decl
    if original.parenthesized and not _in_parens(s.data, node):
        name = f"({name})"
    if name == written:
        return code
    rel_start = len(s.data[start:node.start_byte].decode("utf-8"))
    return code[:rel_start] + name + code[rel_start + len(written):]


def _in_parens(data: bytes, node: ts.Node) -> bool:
    return data[:node.start_byte].rstrip().endswith(b"(") and data[node.end_byte:].lstrip().startswith(b")")


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
