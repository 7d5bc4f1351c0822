"""Turning an agent's explanation into a banked lesson."""
from __future__ import annotations

import re

from lessonl_store.records import Lesson

from ..records import Candidate, Verdict
from .target import Target

MAX_LESSON_CHARS = 800  # ~250 tokens, the reference's cap; keeps prompts of k lessons small


def clean_lesson(text: str) -> str:
    """One paragraph of prose: models sometimes add code blocks or a 'Lesson:' label."""
    text = re.sub(r"```.*?(```|$)", " ", text, flags=re.S)
    text = re.sub(r"^\s*(\*\*)?(lesson|explanation|answer)(\*\*)?\s*:\s*", "", text.strip(), flags=re.I)
    text = " ".join(text.split())
    if len(text) > MAX_LESSON_CHARS:
        cut = text[:MAX_LESSON_CHARS]
        end = cut.rfind(". ")
        text = cut[: end + 1] if end > MAX_LESSON_CHARS // 2 else cut.rstrip() + "..."
    return text


def lesson_for(target: Target, candidate: Candidate, verdict: Verdict, text: str) -> Lesson:
    """The bank record: speedup is the algorithm's effective speedup (0 unless correct)."""
    return Lesson(
        text=text,
        outcome=verdict.outcome.value,
        speedup=verdict.effective_speedup,
        ci=verdict.ci if verdict.outcome.is_correct else None,
        round=candidate.round,
        agent=candidate.agent,
        model=candidate.model,
        file=target.file_rel,
        qualified_name=target.ref.qualified_name,
        function_hash=target.ref.text_hash,
        source_code=target.ref.text,
        candidate_code=candidate.code or "",
    )
