"""Code actions: "Optimize this function (LessonL)" and "Show lessons for this function".

Offered cheaply: a cached parse of the document and a look at the root's cached config, no
LLM and no build. A client that declares `codeAction.resolveSupport.properties` containing
"command" gets the actions without their command, filled in on codeAction/resolve; every
other client (VS Code lists only "edit", Neovim 0.7 nothing) gets the command at once, since
it would never ask for it. When LessonL cannot run here (no config, bad config, unsupported
language) the action is still offered, disabled, with the reason saying what to do.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from . import targets, validation
from .workspaces import CONFIG_FILES

if TYPE_CHECKING:
    from .server import LessonLServer

OPTIMIZE_TITLE = "Optimize this function (LessonL)"
SHOW_TITLE = "Show lessons for this function"
OPTIMIZE_KIND = types.CodeActionKind.RefactorRewrite
SHOW_KIND = types.CodeActionKind.Refactor


def _wanted(kind: str, only: list[str] | None) -> bool:
    return not only or any(kind == k or kind.startswith(k + ".") for k in only)


def _client_can(ls: LessonLServer, what: str) -> bool:
    doc = ls.client_capabilities.text_document
    ca = doc.code_action if doc else None
    if ca is None:
        return False
    if what == "disabled":
        return bool(ca.disabled_support)
    if what == "resolve":
        return bool(ca.resolve_support and "command" in (ca.resolve_support.properties or []))
    return False


def _running(ls: LessonLServer, target: targets.Target) -> str | None:
    if target.function is None or target.state is None:
        return None
    job = ls.jobs.get((target.state.root, target.file_rel, target.function.qualified_name))
    return f"LessonL is already optimizing {job.describe()}" if job is not None else None


def actions_for(ls: LessonLServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    only = [str(k) for k in params.context.only] if params.context.only else None
    if not (_wanted(OPTIMIZE_KIND, only) or _wanted(SHOW_KIND, only)):
        return []
    pos = params.range.start
    target = targets.resolve(ls, params.text_document.uri, pos.line, pos.character,
                             names=("params.textDocument.uri", "params.range.start.line"))
    validation.check_line(target.text, params.range.end.line, "params.range.end.line", target.path.name)
    if target.language is None and (target.path.name in CONFIG_FILES
                                    or not _client_can(ls, "disabled")):
        return []  # a config file, or a client that would offer an action that cannot run
    if target.language is not None and target.function is None:
        return []  # cursor not in a function: nothing to offer
    name = target.function.qualified_name if target.function else ""
    args = [params.text_document.uri, pos.line, pos.character]
    lazy = _client_can(ls, "resolve")
    problem = target.problem or _running(ls, target)
    disabled = types.CodeActionDisabled(reason=problem) if problem and _client_can(ls, "disabled") else None
    found = []
    for title, kind, command in ((OPTIMIZE_TITLE, OPTIMIZE_KIND, "lessonl.optimize"),
                                 (SHOW_TITLE, SHOW_KIND, "lessonl.showLessons")):
        if not _wanted(kind, only):
            continue
        cmd = types.Command(title=f"{title}: {name}" if name else title, command=command, arguments=args)
        off = disabled if (command == "lessonl.optimize" or target.problem) else None
        found.append(types.CodeAction(
            title=title, kind=kind, disabled=off,
            command=None if lazy else cmd,
            data={"command": command, "arguments": args, "function": name}))
    return found


def register(server: LessonLServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[OPTIMIZE_KIND, SHOW_KIND], resolve_provider=True))
    async def code_action(ls: LessonLServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return await ls.off_loop(actions_for, ls, params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    def resolve(ls: LessonLServer, action: types.CodeAction) -> types.CodeAction:
        data: Any = action.data or {}
        if action.command is None and isinstance(data, dict) and "command" in data:
            title = action.title + (f": {data['function']}" if data.get("function") else "")
            action.command = types.Command(title=title, command=data["command"],
                                           arguments=list(data.get("arguments") or []))
        return action
