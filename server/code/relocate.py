"""Find the target function again after the document changed while a job ran.

Edits elsewhere in the file only move the function; an edit inside it means the rewrite
was made for code that no longer exists, so applying it would silently undo the user's work.
"""
from __future__ import annotations

from ..errors import StaleTargetError
from ..records import FunctionRef
from .functions import Definition, Scan, scan, to_ref


def relocate(current_text: str, ref: FunctionRef) -> FunctionRef:
    """`ref` as it sits in `current_text`; StaleTargetError if its own text changed or it is gone."""
    s = scan(current_text, ref.language)
    found = find_definition(s, ref)
    if found is not None:
        return to_ref(s, found, ref.file)
    same_name = [d for d in s.definitions if d.qualified_name == ref.qualified_name]
    if same_name:
        raise StaleTargetError(
            f"`{ref.qualified_name}` was edited after the job started; its result was made for the old code",
            file=ref.file or None, line=to_ref(s, same_name[0], ref.file).start_line,
            hint="run the optimization again on the current code")
    raise StaleTargetError(f"`{ref.qualified_name}` is no longer in the file", file=ref.file or None,
                           hint="it was renamed, moved or deleted after the job started; run it again")


def find_definition(s: Scan, ref: FunctionRef) -> Definition | None:
    """The definition whose exact text is `ref.text`, the one nearest its old place if several."""
    wanted = ref.text.encode("utf-8")
    for d in s.definitions:  # the usual case: nothing moved
        if d.end_byte == ref.end_byte and d.start_byte == ref.start_byte \
                and s.data[d.start_byte:d.end_byte] == wanted:
            return d
    same = [d for d in s.definitions if d.end_byte - d.outer.start_byte <= len(wanted)  # cheap test first
            and s.data[d.start_byte:d.end_byte] == wanted]
    if not same:
        return None
    return min(same, key=lambda d: (abs(d.start_byte - ref.start_byte), d.qualified_name != ref.qualified_name))
