"""initialize / initialized / shutdown and workspace folder changes."""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from lsprotocol import types

from . import settings

if TYPE_CHECKING:
    from .server import LessonLServer

# Imported in the background once the client is connected, so that `initialize` is answered
# at once and the first code action does not pay for parser grammars and the bank.
_WARM_MODULES = ("lessonl.code", "lessonl.config", "lessonl_store.bank", "lessonl.bankaccess")


def _warm_up() -> None:
    for name in _WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # reported properly when a feature needs it
            pass


def register(server: LessonLServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: LessonLServer, params: types.InitializeParams) -> None:
        settings.from_initialization_options(ls, params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: LessonLServer, params: types.InitializedParams) -> None:
        ls.executor.submit(_warm_up)
        ls.forward_logging()
        caps = ls.client_capabilities.workspace
        change = caps.did_change_configuration if caps else None
        if change and change.dynamic_registration:
            # Without this registration pull-model clients (VS Code) never tell us of changes.
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(id="lessonl-configuration",
                                       method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                                       register_options=types.DidChangeConfigurationRegistrationOptions(
                                           section=settings.SECTION))]))
            except Exception as exc:
                ls.log(f"LessonL: client refused configuration registration: {exc}")
        try:
            await settings.pull(ls)
        finally:
            ls.workspaces.forget_configs()
            ls.settings_ready.set()
        ls.log(f"LessonL server {ls.version} ready")

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: LessonLServer, params: None) -> None:
        await ls.jobs.cancel_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def folders_changed(ls: LessonLServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.workspaces.forget_configs()
        await settings.pull(ls)
