"""From a model reply to a candidate file: extract the function, splice it into the original.

A reply that cannot be used is not an error of the job: it becomes a REJECTED candidate whose
reason goes into its lesson, so the model learns what went wrong.
"""
from __future__ import annotations

from ..code import encode_source, extract, splice
from ..errors import ExtractionError, SpliceError
from ..records import Candidate, Outcome, Verdict
from .target import Target


def make_candidate(target: Target, agent: str, model: str, round_: int, reply: str,
                   prompt_lesson_ids: list[str]) -> Candidate:
    candidate = Candidate(agent=agent, model=model, round=round_, reply=reply,
                          prompt_lesson_ids=list(prompt_lesson_ids))
    try:
        extraction = extract(reply, target.ref, target.language)
        candidate.code = extraction.code
        candidate.new_file_text = splice(target.text, target.ref, extraction)
        encode_source(candidate.new_file_text, target.encoding, target.file_rel)  # a Latin-1 file holds Latin-1 only
    except (ExtractionError, SpliceError) as exc:
        candidate.rejection = exc.message + (f" ({exc.hint})" if exc.hint else "")
        candidate.new_file_text = None
    return candidate


def rejected_verdict(candidate: Candidate) -> Verdict:
    reason = candidate.rejection or "the reply could not be used"
    return Verdict(outcome=Outcome.REJECTED, message=reason, log_tail=reason, stage="reply")
