"""The behaviour check for C and C++: the candidate file with its target run twice per call.

Mode "dual": the candidate keeps its definition under `__lessonl_cand_<name>`, the original
(`FunctionRef.text`) is put next to it as `__lessonl_orig_<name>`, and a wrapper with the
target's own header runs both on every call and compares what they leave (see
`records` for the protocol). Mode "count": one statement at the top of the candidate's body
counts its calls; it is what remains when the two versions cannot run side by side, and
`reason` says why. The runtime both modes call travels in the file (`cfamily_runtime`).
"""
from __future__ import annotations

from ..code.functions import Definition, Scan, leading_start, scan, signature_for
from ..code.indent import line_indent
from ..code.signature import Signature
from ..records import FunctionRef
from .cfamily_c import c_plan, c_wrapper_body
from .cfamily_cpp import cpp_lists, cpp_wrapper_body
from .cfamily_ctypes import CTypes
from .cfamily_effects import effects_of, file_scope_variables
from .cfamily_runtime import QUIET_POP, QUIET_PUSH, count_statement, runtime_block, site_block
from .cfamily_target import OriginalUnreadable, Target, header, read_target, renamed_copy
from .records import CheckSettings, InstrumentError, Instrumented

_PREPROC = {"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef", "translation_unit"}
COUNT_ONLY = "only counting was asked for"
_BOM = b"\xef\xbb\xbf"


def instrument(original: FunctionRef, candidate_text: str, settings: CheckSettings, *,
               dual: bool = True) -> Instrumented:
    """`candidate_text` with the target instrumented (see the module's docstring);
    InstrumentError when not even a counter fits (a `constexpr` function)."""
    language = original.language
    site = f"{original.file}::{original.qualified_name}"
    s = scan(candidate_text, language)
    candidate = find_candidate(s, original)
    try:
        target = read_target(original, candidate, settings.lengths, settings.ignore)
    except OriginalUnreadable as e:  # the rewrite alone can still be counted
        return Instrumented(text=_count(s, candidate, site, settings), mode="count", site=site, reason=str(e))
    effects = _effects(s, target)
    if dual and not target.blocker:
        text, compared, not_compared = _dual(s, target, site, settings)
        return Instrumented(text=text, mode="dual", site=site, compared=compared, not_compared=not_compared,
                            effects=effects)
    reason = target.blocker if dual else COUNT_ONLY
    return Instrumented(text=_count(s, candidate, site, settings), mode="count", site=site, reason=reason,
                        effects=effects)


def find_candidate(s: Scan, original: FunctionRef) -> Definition:
    """The candidate's definition: the target's name and signature, nearest the original's place.
    A rewrite may rename parameters, which the signature display counts, so a compatible
    signature (names aside) is the fallback."""
    same = [d for d in s.definitions if d.qualified_name == original.qualified_name]
    exact = [d for d in same if signature_for(d, s.language).display == original.signature]
    if not exact and same:
        reference = _original_signature(original)
        exact = [d for d in same if reference is None or reference.difference(signature_for(d, s.language)) is None]
    if not exact:
        raise InstrumentError(f"the rewrite of `{original.qualified_name}` with the signature "
                              f"`{original.signature}` is not in the file")
    return min(exact, key=lambda d: abs(d.start_byte - original.start_byte))


def _original_signature(original: FunctionRef) -> Signature | None:
    defs = scan(original.text, original.language).definitions
    if not defs:
        return None
    outer = min(defs, key=lambda d: (d.outer.start_byte, -d.end_byte))
    return signature_for(outer, original.language)


# ---- mode "dual" -----------------------------------------------------------------------------

def _dual(s: Scan, t: Target, site: str, settings: CheckSettings) -> tuple[str, list[str], list[tuple[str, str]]]:
    """[prototype] candidate-as-cand, original-as-orig, [C comparators], wrapper: in the
    candidate's place, so all three share its scope, specifiers and template header."""
    cand = t.candidate
    indent = line_indent(s.data, cand.start_byte)
    orig_copy = renamed_copy(t.original_data, t.original, f"__lessonl_orig_{t.copy_suffix}",
                             start=0, end=len(t.original_data))
    cand_copy = renamed_copy(s.data, cand, f"__lessonl_cand_{t.copy_suffix}",
                             start=cand.start_byte, end=cand.end_byte)
    helpers, body, compared, not_compared = _wrapper(s, t, site, indent)
    prototype = f"{header(t, defaults=True)};\n{indent}" if t.needs_prototype else ""
    linkage = 'extern "C" ' if t.extern_c else ""
    replacement = (f"{prototype}{cand_copy}\n\n{indent}{orig_copy}\n\n{helpers}"
                   f"{indent}{linkage}{header(t, defaults=not t.needs_prototype)} {body}")
    line_start = s.data.rfind(b"\n", 0, cand.start_byte) + 1
    if not s.data[line_start:cand.start_byte].strip():  # pragmas need lines of their own
        replacement = f"{QUIET_PUSH}{indent}{replacement}\n{QUIET_POP}"
    text = _with_runtime(s, cand, site, settings, (cand.start_byte, cand.end_byte, replacement))
    return text, compared, not_compared


def _wrapper(s: Scan, t: Target, site: str,
             indent: str) -> tuple[str, str, list[str], list[tuple[str, str]]]:
    """(C comparator functions, the wrapper's body, compared, not compared) for the language."""
    if s.language != "c":
        compared, not_compared = cpp_lists(t)
        return "", cpp_wrapper_body(t, site, indent), compared, not_compared
    types = CTypes.read(s.tree.root_node, t.candidate.start_byte)
    plan = c_plan(t, types)
    body = c_wrapper_body(t, plan, site, indent)
    helpers = "".join(f"{indent}{text.rstrip().replace(chr(10), chr(10) + indent)}\n\n"
                      for text in types.functions.values() if text)
    return helpers, body, plan.compared, plan.not_compared


# ---- mode "count" ----------------------------------------------------------------------------

def _count(s: Scan, cand: Definition, site: str, settings: CheckSettings) -> str:
    body = cand.node.child_by_field_name("body")
    while body is not None and body.type != "compound_statement":  # a function-try-block: its block
        body = next((c for c in body.named_children if c.type == "compound_statement"), None)
    if body is None:
        raise InstrumentError("LessonL cannot find the body of the function to count its calls")
    at = body.start_byte + 1
    return _with_runtime(s, cand, site, settings, (at, at, " " + count_statement(s.language, site)))


# ---- shared ----------------------------------------------------------------------------------

def _with_runtime(s: Scan, cand: Definition, site: str, settings: CheckSettings,
                  edit: tuple[int, int, str]) -> str:
    """The file with the runtime and the site's state at the anchor and `edit` (start, end, text)
    applied inside the target."""
    anchor = _anchor(s, cand)
    head = runtime_block(s.language) + site_block(s.language, site, settings) + "\n"
    start, end, text = edit
    data = s.data
    return (data[:anchor] + head.encode("utf-8") + data[anchor:start] + text.encode("utf-8")
            + data[end:]).decode("utf-8")


def _anchor(s: Scan, d: Definition) -> int:
    """Where the runtime goes: the start of the line of the outermost item holding the target
    that is not a preprocessor block (an include guard, `#ifdef FEATURE`), doc comment included.
    Never inside a namespace or `extern "C" {`."""
    chain = []
    node = d.outer
    while node is not None:
        chain.append(node)
        node = node.parent
    outermost = d.outer
    for n in chain:
        if n.type not in _PREPROC:
            outermost = n
    start = leading_start(s.data, outermost.start_byte, s.tree.root_node)
    line_start = s.data.rfind(b"\n", 0, start) + 1
    return max(line_start, len(_BOM)) if s.data.startswith(_BOM) else line_start


def _effects(s: Scan, t: Target) -> list[str]:
    bodies = [b for b in (t.original.node.child_by_field_name("body"), t.candidate.node.child_by_field_name("body"))
              if b is not None]
    return effects_of(bodies, file_scope_variables(s.tree.root_node), {p.name for p in t.params})
