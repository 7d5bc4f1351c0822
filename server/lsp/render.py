"""Words and JSON shapes shared by hover, messages and notifications, so they agree."""
from __future__ import annotations

import time
from typing import Any

CORRECT = {"faster", "slower", "no_significant_change"}


def speedup(value: float | None, ci: Any = None) -> str:
    """'1.84× (95% CI 1.78–1.90)': a speedup is never shown without its interval."""
    if value is None:
        return "no measured speedup"
    text = f"{value:.2f}×"
    if ci:
        text += f" (95% CI {ci[0]:.2f}–{ci[1]:.2f})"
    return text


def when(timestamp: float | None) -> str:
    if not timestamp:
        return "unknown date"
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))


def outcome(value: str) -> str:
    return str(value).replace("_", " ")


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lesson_json(lesson: Any) -> dict[str, Any]:
    """The lesson fields an editor shows (no code: the lessons list must stay small)."""
    return {
        "id": lesson.id,
        "text": lesson.text,
        "outcome": str(lesson.outcome),
        "speedup": lesson.speedup if str(lesson.outcome) in CORRECT else None,
        "ci": list(lesson.ci) if getattr(lesson, "ci", None) else None,
        "round": lesson.round,
        "agent": lesson.agent,
        "model": lesson.model,
        "file": lesson.file,
        "function": lesson.qualified_name,
        "factor": lesson.factor,
        "created": lesson.created,
    }


def lesson_markdown(lesson: Any) -> str:
    tag = outcome(lesson.outcome)
    if str(lesson.outcome) in CORRECT:
        tag += f", {speedup(lesson.speedup, getattr(lesson, 'ci', None))}"
    return f"- *{tag}* ({lesson.model or lesson.agent}): {one_line(lesson.text)}"


def regressions(verdict: Any) -> list[str]:
    """"BM_gemm/64 is 1.39× slower (95% CI 1.31–1.47)" for each case whose interval lies below 1."""
    slow = set(getattr(verdict, "case_regressions", None) or [])
    out = []
    for case in getattr(verdict, "cases", None) or []:
        if case.name in slow and case.speedup:
            low, high = case.ci
            out.append(f"{case.name} is {1 / case.speedup:.2f}× slower (95% CI {1 / high:.2f}–{1 / low:.2f})")
    return out


def result_json(result: Any) -> dict[str, Any]:
    """A StoredResult as the editor sees it."""
    return {
        "id": result.id,
        "file": result.file,
        "function": result.qualified_name,
        "improved": result.improved,
        "speedup": result.speedup,
        "ci": list(result.ci) if result.ci else None,
        "models": list(result.models),
        "message": result.message,
        "rounds": result.rounds,
        "attempts": result.attempts,
        "created": result.created,
        "lessonIds": list(result.lesson_ids),
    }
