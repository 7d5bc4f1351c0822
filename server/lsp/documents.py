"""Document lifecycle: config files get diagnostics; source files warm their root's bank.

Opening a source file in a LessonL repository loads that root's config and lesson bank in the
background, so the first hover does not pay for reading a large bank.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

from . import diagnostics

if TYPE_CHECKING:
    from .server import LessonLServer


def warm(ls: LessonLServer, uri: str) -> None:
    state = ls.workspaces.state_for(Path(to_fs_path(uri) or uri))
    if state is not None and state.ok:
        bank = ls.workspaces.bank(state)
        if bank is not None:
            bank.count()  # reads every lesson chunk into the bank's in-memory copy


def register(server: LessonLServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: LessonLServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        if diagnostics.is_config(uri):
            await diagnostics.on_open(ls, uri)
        else:
            try:
                await ls.off_loop(warm, ls, uri)
            except Exception as exc:  # hover will report a broken bank when asked
                ls.log(f"LessonL: could not preload the lesson bank: {type(exc).__name__}: {exc}")

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: LessonLServer, params: types.DidSaveTextDocumentParams) -> None:
        await diagnostics.on_save(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LessonLServer, params: types.DidCloseTextDocumentParams) -> None:
        diagnostics.on_close(ls, params.text_document.uri)
