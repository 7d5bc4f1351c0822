"""`lessonl.mergeResult`: brings a rewrite waiting in a client's own review onto the document
as it reads when the person presses Accept.

A client with `experimental.lessonl.reviewUI` gets the merged text in `lessonl/result` and
applies it itself. If the person edits the file while the review is open, that text no longer
fits; rather than re-implement the rebase in the client, the client asks the server to merge
the rewrite onto the server's copy of the document with the very rule the server uses for
its own applyEdit (`results.merged_text`). The answer carries the document version it was
merged onto, so that the client applies it only to that version.
"""
from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from ..errors import StaleTargetError
from . import results, targets
# At run time, not only for type checkers: pygls reads a command handler's annotations
# (typing.get_type_hints) when it runs the command. No circle: server.py imports no feature.
from .server import LessonLServer

MERGE_COMMAND = "lessonl.mergeResult"


def _arguments(args: tuple[Any, ...]) -> tuple[str, str]:
    if len(args) != 2 or not all(isinstance(a, str) and a for a in args):
        raise JsonRpcInvalidParams(f"{MERGE_COMMAND} expects (resultId or jobId: string, uri: string), "
                                   f"got {list(args)!r}")
    return args[0], args[1]


def merge_payload(ls: LessonLServer, key: str, uri: str) -> dict[str, Any]:
    """{"status": "ok", "newText", "version"} | {"status": "stale" | "unknown", "message"}."""
    proposal = ls.proposals.get(key)
    if proposal is None:
        return {"status": "unknown", "message": "LessonL no longer holds this proposal (the language server "
                "restarted or many results came since); run the optimization again."}
    if proposal.uri != uri:
        raise JsonRpcInvalidParams(f"{MERGE_COMMAND}: result {key} is for {proposal.uri}, not {uri}")
    _, current, version = targets.document(ls, uri)
    try:
        merged = results.merged_text(proposal.start_text, proposal.new_text, current,
                                     proposal.function, proposal.file)
    except StaleTargetError as exc:
        return {"status": "stale", "version": version,
                "message": f"LessonL: {proposal.name} in {proposal.file} changed where the rewrite goes "
                           f"({exc.message}); nothing was applied. Run the optimization again."}
    return {"status": "ok", "newText": merged, "version": version}


async def merge_result(ls: LessonLServer, *args: Any) -> dict[str, Any]:
    key, uri = _arguments(args)
    out = await ls.off_loop(merge_payload, ls, key, uri)
    # The client words the outcome in its review (it knows what Accept did): only log here.
    ls.log(f"LessonL: merge of result {key} onto {uri}: {out['status']}")
    return out


def register(server: LessonLServer) -> None:
    server.command(MERGE_COMMAND)(merge_result)
