"""Code lens over functions LessonL has optimized: "LessonL: 1.84× faster (95% CI ...)".

Only functions with a stored result get one, so files LessonL never touched stay clean.
Off with the setting `lessonl.codeLens: false`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from . import render, targets
from .validation import InvalidParams

if TYPE_CHECKING:
    from .server import LessonLServer


def lenses_for(ls: LessonLServer, uri: str) -> list[types.CodeLens]:
    target = targets.resolve(ls, uri)
    if target.problem or target.state is None or not ls.settings.for_root(target.state.root).code_lens:
        return []
    bank = ls.workspaces.bank(target.state)
    if bank is None:
        return []
    found = []
    for ref in targets.functions(ls, target):
        result = bank.latest_result(target.file_rel, ref.qualified_name, ref.text_hash)
        if result is None:
            continue
        found.append(types.CodeLens(
            range=types.Range(start=types.Position(line=ref.start_line - 1, character=0),
                              end=types.Position(line=ref.start_line - 1, character=0)),
            command=types.Command(title=_title(result, ref), command="lessonl.showLessons",
                                  arguments=[uri, ref.start_line - 1, 0])))
    return found


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
