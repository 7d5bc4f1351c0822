"""Code lenses: over functions LessonL has optimized, "LessonL: 1.84× faster (95% CI ...)"
(-> Show lessons), and over hot functions of the saved profile, "LessonL: 41% of benchmark
time · Optimize" (-> lessonl.optimize). A function that is both gets both, hot lens first.

Only functions with a stored result or a fresh share of at least `lessonl.hotspotThreshold`
(default 5%) get one, so cold files and files LessonL never touched stay clean; a share
measured on another text of the function is stale and shows nothing. Off with the setting
`lessonl.codeLens: false`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from . import hotspots, render, targets
from .validation import InvalidParams

if TYPE_CHECKING:
    from .server import LessonLServer


def lenses_for(ls: LessonLServer, uri: str) -> list[types.CodeLens]:
    target = targets.resolve(ls, uri)
    settings = ls.settings.for_root(target.state.root) if target.state is not None else None
    if target.problem or target.state is None or settings is None or not settings.code_lens:
        return []
    bank = ls.workspaces.bank(target.state)
    found = []
    for ref in targets.functions(ls, target):
        line = types.Position(line=ref.start_line - 1, character=0)
        at = types.Range(start=line, end=line)
        hot = hotspots.share(target.state, target.file_rel, ref)
        if hot is not None and hot.inclusive_share >= settings.hotspot_threshold:
            found.append(types.CodeLens(range=at, command=types.Command(
                title=hot_title(hot.inclusive_share), command="lessonl.optimize",
                arguments=[uri, ref.start_line - 1, 0])))
        result = bank.latest_result(target.file_rel, ref.qualified_name, ref.text_hash) if bank else None
        if result is not None:
            found.append(types.CodeLens(range=at, command=types.Command(
                title=_title(result, ref), command="lessonl.showLessons", arguments=[uri, ref.start_line - 1, 0])))
    return found


def hot_title(share: float) -> str:
    return f"LessonL: {hotspots.percent(share)} of benchmark time · Optimize"


def _title(result: Any, ref: Any) -> str:
    if not result.improved:
        return "LessonL: no verified speedup yet"
    applied = " (applied)" if ref.text_hash == result.new_function_hash else ""
    return f"LessonL: {render.speedup(result.speedup, result.ci)} faster{applied}"


def register(server: LessonLServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: LessonLServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        try:
            return await ls.off_loop(lenses_for, ls, params.text_document.uri)
        except InvalidParams:  # the request itself is wrong: the client gets the error
            raise
        except Exception as exc:
            ls.log(f"LessonL: code lens failed: {type(exc).__name__}: {exc}", types.MessageType.Warning)
            return []
