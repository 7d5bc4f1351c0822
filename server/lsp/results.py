"""Turning a finished OptimizationResult into what the editor shows and may apply.

- Improved: a `workspace/applyEdit` whose edits carry one ChangeAnnotation (label with the
  speedup and interval, needsConfirmation: true) so that the client previews it and the
  person decides; plus `lessonl/result` with the diff, speedup, models and lessons. A client
  with its own review (`experimental.lessonl.reviewUI`) gets the new text in `lessonl/result`
  instead of the applyEdit, and the proposal is kept (`ls.proposals`) so that Accept after an
  edit can be merged with the same rule (`lessonl.mergeResult`, proposals.py).
- No improvement: `lessonl/result` and a message; no edit.
- The document changed while the job ran: the function is re-located (`relocate`) and the
  edit rebased onto the current text; if the function itself changed, or the user edited
  the very lines the rewrite touches, the result is stale and nothing is applied.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..code.rebase import rebase
from ..errors import StaleTargetError
from . import render, targets
from .proposals import Proposal

if TYPE_CHECKING:
    from .jobs import Job
    from .server import LessonLServer

NOTIFICATION = "lessonl/result"


def summary(job: "Job", status: str, message: str, result: Any = None, lessons: list[Any] | None = None) -> dict[str, Any]:
    """The payload of `lessonl/result` and the return value of `lessonl.optimize`."""
    out: dict[str, Any] = {"jobId": job.id, "status": status, "message": message, "uri": job.uri,
                           "root": str(job.key[0]), "file": job.key[1], "function": job.name,
                           "improved": False, "speedup": None, "ci": None, "diff": "", "models": [],
                           "bestModel": None, "lessons": [render.lesson_json(l) for l in lessons or []],
                           "resultId": None, "attempts": 0, "wallSeconds": None, "tokens": None,
                           "applied": None, "behaviour": None, "regressions": []}
    if result is not None:
        best = getattr(result, "best", None)
        attempts = list(getattr(result, "attempts", []) or [])
        tokens = getattr(result, "tokens", None)
        out.update(
            improved=bool(result.improved), speedup=result.speedup,
            ci=list(result.ci) if result.ci else None, diff=result.diff or "",
            models=sorted({a.candidate.model for a in attempts if a.candidate.model}),
            bestModel=best.candidate.model if best is not None else None,
            resultId=getattr(result, "result_id", None), attempts=len(attempts),
            wallSeconds=getattr(result, "wall_s", None),
            tokens=tokens.to_json() if tokens is not None else None)
        if best is not None:
            out.update(behaviour=best.verdict.behaviour.summary() if best.verdict.behaviour else None,
                       regressions=render.regressions(best.verdict))
    return out


def justifying_lessons(result: Any) -> list[Any]:
    for name in ("lessons", "justifying_lessons", "justifying"):
        found = getattr(result, name, None)
        if found is not None:
            return list(found)
    return []


def merged_text(start_text: str, new_text: str, current: str, function: Any, file: str) -> str:
    """The file as it should read with the rewrite (start_text -> new_text) applied to what is
    in the editor now. One rule for the server's applyEdit and a client's own review
    (`lessonl.mergeResult`): the function is re-located, the rewrite's hunks move with the
    user's unrelated edits; StaleTargetError where the user touched the function or its lines."""
    if current == start_text:
        return new_text
    from ..code import relocate

    relocate(current, function)  # StaleTargetError if the function itself changed
    merged = rebase(start_text, new_text, current)
    if merged is None:
        raise StaleTargetError(f"{function.qualified_name} was edited near the rewritten lines",
                               file=file, hint="run the optimization again")
    return merged


def workspace_edit(ls: LessonLServer, uri: str, version: int | None, current: str, merged: str,
                   label: str, description: str, confirm: bool = True) -> types.WorkspaceEdit:
    """The edit from `current` to `merged`; `confirm`: the client asks the person first (False
    where the person already said yes, e.g. a batch win's Accept)."""
    from ..code import text_edits

    caps = ls.client_capabilities.workspace
    we = caps.workspace_edit if caps else None
    annotate = bool(we and we.change_annotation_support is not None)
    annotation_id = "lessonl"
    edits: list[Any] = []
    for spec in text_edits(current, merged):
        rng = types.Range(start=types.Position(line=spec.start_line, character=spec.start_character),
                          end=types.Position(line=spec.end_line, character=spec.end_character))
        edits.append(types.AnnotatedTextEdit(range=rng, new_text=spec.new_text, annotation_id=annotation_id)
                     if annotate else types.TextEdit(range=rng, new_text=spec.new_text))
    if we and we.document_changes:
        return types.WorkspaceEdit(
            document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=edits)],
            change_annotations={annotation_id: types.ChangeAnnotation(
                label=label, needs_confirmation=confirm, description=description)} if annotate else None)
    return types.WorkspaceEdit(changes={uri: edits})


def _allows_unisolated(job: "Job") -> bool:
    from ..config import load_config
    from ..errors import LessonLError

    try:
        return bool(load_config(job.key[0]).sandbox.allow_unisolated)
    except LessonLError:
        return False


async def deliver(ls: LessonLServer, job: "Job", result: Any) -> dict[str, Any]:
    lessons = justifying_lessons(result)
    name = job.name
    if not result.improved or not getattr(result, "new_text", None):
        message = f"LessonL: no verified speedup for {name}. {result.message}".strip()
        out = summary(job, "no_improvement", message, result, lessons)
        ls.protocol.notify(NOTIFICATION, out)
        ls.tell(message)
        return out
    speed = render.speedup(result.speedup, result.ci)
    label = f"LessonL: {name} {speed} faster"
    if result.unisolated and not await ls.off_loop(_allows_unisolated, job):
        message = (f"LessonL: {name} looked {speed} faster, but it was judged without a sandbox, so a "
                   f"candidate could have forged that; nothing was offered for applying. Install bubblewrap, "
                   f"or set [sandbox] allow_unisolated = true in lessonl.toml to accept such rewrites.")
        out = summary(job, "unisolated", message, result, lessons)
        ls.protocol.notify(NOTIFICATION, out)
        ls.tell(message, types.MessageType.Warning)
        return out
    _, current, version = await ls.off_loop(targets.document, ls, job.uri)
    try:
        merged = await ls.off_loop(merged_text, job.start_text, result.new_text, current, job.function, job.key[1])
    except StaleTargetError as exc:
        message = (f"LessonL: {name} is {speed} faster, but the function changed while LessonL "
                   f"ran; nothing was applied ({exc.message}). The diff is in the result.")
        out = summary(job, "stale", message, result, lessons)
        ls.protocol.notify(NOTIFICATION, out)
        ls.tell(message, types.MessageType.Warning)
        return out
    out = summary(job, "improved", label, result, lessons)
    if ls.client_declares("reviewUI"):
        # The client shows its own review and applies the text on Accept: no applyEdit, so the
        # person confirms once and the job ends now instead of waiting for the decision.
        out["newText"], out["baseVersion"] = merged, version
        ls.proposals.add(Proposal(job_id=job.id, result_id=out["resultId"], uri=job.uri, file=job.key[1],
                                  function=job.function, start_text=job.start_text, new_text=result.new_text))
        ls.protocol.notify(NOTIFICATION, out)
        ls.log(f"{label}: sent to the editor's review")
        return out
    ls.protocol.notify(NOTIFICATION, out)
    caps = ls.client_capabilities.workspace
    if not (caps and caps.apply_edit):
        out["applied"] = False
        ls.tell(f"{label}. This editor cannot apply edits from the server; see the diff in the result.")
        return out
    notes = "".join(f" {note}." for note in [out["behaviour"], *out["regressions"]] if note)
    edit = await ls.off_loop(workspace_edit, ls, job.uri, version, current, merged, label,
                             f"Verified by your build, tests and benchmarks; "
                             f"{len(lessons)} lesson(s) justify it.{notes}")
    response = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label))
    out["applied"] = bool(response and response.applied)
    if out["applied"]:
        ls.log(f"{label}: applied")
    else:
        reason = getattr(response, "failure_reason", None) if response else None
        ls.tell(f"{label}; the edit was not applied" + (f" ({reason})" if reason else "") + ".")
    return out
