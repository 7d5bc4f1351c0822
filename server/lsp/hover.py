"""Hover on a function: its latest LessonL result and the lessons that justified it, and, for a
function of the saved profile, its share of the benchmark's time (fresh figures only).

Answered from the bank in an executor, so a running job (its own thread) never delays it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from . import hotspots, render, targets
from .validation import InvalidParams

if TYPE_CHECKING:
    from .server import LessonLServer

MAX_LESSONS = 5


def markdown_for(ls: LessonLServer, uri: str, line0: int, character: int) -> str | None:
    target = targets.resolve(ls, uri, line0, character)
    if target.function is None or target.state is None:
        return None  # not in a function, or not in a LessonL repository: stay silent
    name = target.function.qualified_name
    if not target.state.ok:
        return f"LessonL: configuration is invalid: {target.state.error}"
    bank = ls.workspaces.bank(target.state)
    if bank is None:
        return f"LessonL: {target.state.bank_error}"
    result = bank.latest_result(target.file_rel, name, target.function.text_hash)
    lessons = _justifying(bank, result) or bank.for_function(target.file_rel, name)
    hot = _hot_part(target)
    if result is None and not lessons:
        if hot:
            return "\n\n".join([f"**LessonL** · `{name}`", hot, "No optimization run yet for this function."])
        return f"LessonL: no results or lessons for `{name}` yet."
    parts = _result_part(name, result, target.function)
    return "\n\n".join(parts[:1] + ([hot] if hot else []) + parts[1:] + _lessons_part(result, lessons))


def _hot_part(target: Any) -> str | None:
    """'Takes **41%** of benchmark time (12% in its own body) · cprofile, 2026-12-05 20:10 UTC'."""
    hot = hotspots.share(target.state, target.file_rel, target.function)
    if hot is None:
        return None
    saved = hotspots.saved(target.state)
    how = f" · {saved.profiler}, {render.when(saved.measured_at)}" if saved is not None else ""
    return (f"Takes **{hotspots.percent(hot.inclusive_share)}** of benchmark time "
            f"({hotspots.percent(hot.self_share)} in its own body){how}")


def _justifying(bank: Any, result: Any) -> list[Any]:
    if result is None or not result.lesson_ids:
        return []
    found = [bank.get(i) for i in result.lesson_ids]
    return [lesson for lesson in found if lesson is not None]


def _result_part(name: str, result: Any, function: Any) -> list[str]:
    head = f"**LessonL** · `{name}`"
    if result is None:
        return [head, "No optimization run yet for this version of the function."]
    models = ", ".join(result.models) or "unknown models"
    if result.improved:
        line = (f"Latest verified result: **{render.speedup(result.speedup, result.ci)} faster** · "
                f"{render.when(result.created)} · models: {models}")
    else:
        line = (f"Latest run: no verified speedup ({render.one_line(result.message, 120)}) · "
                f"{render.when(result.created)} · models: {models}")
    state = ""
    if function.text_hash == result.new_function_hash:
        state = "The optimized version is in place."
    elif function.text_hash != result.function_hash:
        state = "The function has changed since this run."
    return [head, line] + ([state] if state else [])


def _lessons_part(result: Any, lessons: list[Any]) -> list[str]:
    if not lessons:
        return []
    justified = result is not None and result.lesson_ids
    title = "Lessons that justified it:" if justified else f"Lessons learned ({len(lessons)}):"
    best = sorted(lessons, key=lambda lesson: lesson.speedup * lesson.factor, reverse=True)
    return [title + "\n" + "\n".join(render.lesson_markdown(l) for l in best[:MAX_LESSONS])]


def register(server: LessonLServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: LessonLServer, params: types.HoverParams) -> types.Hover | None:
        pos = params.position
        try:
            text = await ls.off_loop(markdown_for, ls, params.text_document.uri, pos.line, pos.character)
        except InvalidParams:  # the request itself is wrong: the client gets the error
            raise
        except Exception as exc:  # a broken bank must not turn hover into an error popup
            ls.log(f"LessonL: hover failed: {type(exc).__name__}: {exc}", types.MessageType.Warning)
            return None
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
