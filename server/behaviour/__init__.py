"""The behaviour check: the rewrite and the original run side by side on every real call.

`instrument(original, candidate_text, settings, dual=True)` gives the target file's text for
the check slot (see `records` for the protocol the generated wrappers speak); `report` reads
what they wrote back into counts, the first difference, and words for the verdict.
"""
from __future__ import annotations

from ..records import FunctionRef
from .records import (PHASE_ENV, PHASES, REPORT_ENV, CheckSettings, InstrumentError, Instrumented)

__all__ = ["instrument", "CheckSettings", "Instrumented", "InstrumentError", "REPORT_ENV", "PHASE_ENV",
           "PHASES"]


def instrument(original: FunctionRef, candidate_text: str, settings: CheckSettings, *,
               dual: bool = True) -> Instrumented:
    """The file `candidate_text` (the target's file with the candidate in place of `original`;
    for the reference run, the unchanged file) with its target function instrumented.

    dual=True: the original (`original.text`) and the candidate both run on every call and are
    compared; where that is impossible the result has mode "count" and says why. dual=False:
    only calls are counted (mode "count"). InstrumentError when not even that is possible.
    """
    if original.language == "python":
        from .python import instrument as python_instrument

        return python_instrument(original, candidate_text, settings, dual=dual)
    from .cfamily import instrument as cfamily_instrument

    return cfamily_instrument(original, candidate_text, settings, dual=dual)
