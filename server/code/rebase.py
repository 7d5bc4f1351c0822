"""Replaying a rewrite onto a file that changed meanwhile.

The engine (`apply_result`) and the language server (a document edited during a job) both need
it: the rewrite was computed against the text at the start, the user's text moved on.
"""
from __future__ import annotations

import difflib


def rebase(base: str, ours: str, theirs: str) -> str | None:
    """Replay the base->ours changes onto theirs; None if a change falls where theirs differs."""
    b, o, t = (s.splitlines(keepends=True) for s in (base, ours, theirs))
    equal = [(i1, i2, j1) for tag, i1, i2, j1, _ in
             difflib.SequenceMatcher(None, b, t, autojunk=False).get_opcodes() if tag == "equal"]
    hunks = [(i1, i2, o[j1:j2]) for tag, i1, i2, j1, j2 in
             difflib.SequenceMatcher(None, b, o, autojunk=False).get_opcodes() if tag != "equal"]
    out = list(t)
    for i1, i2, lines in reversed(hunks):
        block = next(((a1, j1) for a1, a2, j1 in equal if a1 <= i1 and i2 <= a2 and (i1 < a2 or i1 == i2)),
                     None)
        if block is None:
            return None
        start = block[1] + (i1 - block[0])
        out[start:start + (i2 - i1)] = lines
    return "".join(out)
