"""A real `lessonl serve` process driven by pytest-lsp's real client over stdio.

`session(root, ...)` starts the server, initializes it with VS Code's capabilities (the
richest real client we target) and the repository as the workspace folder, and shuts it down
cleanly afterwards. Tests pick the capabilities, settings and initializationOptions.
"""
from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any, AsyncIterator, Union

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = [sys.executable, "-m", "lessonl", "serve"]
CUSTOM_NOTIFICATIONS = ("lessonl/result", "lessonl/progress", "lessonl/lessons", "lessonl/batchResult")


@contextlib.asynccontextmanager
async def session(root: Path | None, *, capabilities: types.ClientCapabilities | None = None,
                  initialization_options: Any = None, configuration: dict[str, Any] | None = None,
                  folders: list[Path] | None = None, env: dict[str, str] | None = None,
                  apply_edits: bool = True, command: list[str] | None = None) -> AsyncIterator[LanguageClient]:
    client: LanguageClient = await ClientServerConfig(server_command=command or SERVER, server_env=env).start()
    fix_code_action_structuring(client)
    client.applied_edits = []  # type: ignore[attr-defined]
    client.custom = {m: [] for m in CUSTOM_NOTIFICATIONS}  # type: ignore[attr-defined]
    for method in CUSTOM_NOTIFICATIONS:
        client.feature(method)(lambda params, _m=method: client.custom[_m].append(params))  # type: ignore[attr-defined]
    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    client.registrations = []  # type: ignore[attr-defined]
    if configuration is not None:
        client.set_configuration(configuration)
    if apply_edits:
        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            client.applied_edits.append(params)  # type: ignore[attr-defined]
            return types.ApplyWorkspaceEditResult(applied=True)
    folders = folders if folders is not None else ([root] if root else [])
    client.init_result = await client.initialize_session(types.InitializeParams(  # type: ignore[attr-defined]
        capabilities=capabilities or client_capabilities("visual-studio-code"),
        root_uri=folders[0].as_uri() if folders else None,
        workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders] or None,
        initialization_options=initialization_options))
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), 30)
        await client.stop()


def fix_code_action_structuring(client: LanguageClient) -> None:
    """lsprotocol structures any `Command | CodeAction` with a "command" key as a Command, which
    drops a CodeAction's kind, disabled and data. A Command's "command" is a string; a
    CodeAction's is an object: decide on that, as the LSP spec's shapes do."""
    converter = client.protocol._converter

    def hook(obj: Any, _: type) -> Any:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)


def open_doc(client: LanguageClient, path: Path, language: str = "cpp", text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id=language, version=1, text=path.read_text() if text is None else text)))
    return uri


def line_of(path: Path, needle: str) -> int:
    """0-based line of the first line containing `needle` (tests find places by text)."""
    for i, line in enumerate(path.read_text().splitlines()):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


async def code_actions(client: LanguageClient, uri: str, line: int, character: int = 4) -> list[Any]:
    pos = types.Position(line=line, character=character)
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=types.Range(start=pos, end=pos),
        context=types.CodeActionContext(diagnostics=[])))


async def hover(client: LanguageClient, uri: str, line: int, character: int = 4) -> types.Hover | None:
    return await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))


async def raw_request(client: LanguageClient, method: str, params: Any, timeout: float = 5) -> Any:
    """Send `params` as they are (the typed client would refuse to serialize malformed ones) over
    the real stdio connection; the answer's result, or the JsonRpcException of its error."""
    from pygls.exceptions import JsonRpcException

    msg_id = str(uuid.uuid4())
    answer: Future[Any] = Future()
    client.protocol._request_futures[msg_id] = answer
    client.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    try:
        return await asyncio.wait_for(asyncio.wrap_future(answer), timeout)
    except JsonRpcException as exc:
        return exc


# --- optimization runs against the fake OpenAI server -------------------------------------

CLIENT_KEY_ENV = "LESSONL_TEST_API_KEY"

# The function the optimization tests work on, a line inside it, and the scripted replies
# (tests/support/cpp_replies.py: real model-style answers whose outcome the real judge decides).
TARGET_LINE = "counts[bin] += 1;"
LESSON_TEXT = "Counting each element once replaces one pass per bin with a single pass over the data."


def fast_settings(fake: Any, *, agents: int = 1, api_key: str = "sk-from-client-settings",
                  extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Client settings ("lessonl" section): one round, agents on the fake server, quick timing."""
    config: dict[str, Any] = {
        "agents": [{"name": f"agent-{i}", "preset": "custom", "base_url": fake.base_url,
                    "model": ("model-a", "model-b", "model-c")[i], "api_key_env": CLIENT_KEY_ENV,
                    "timeout": 60} for i in range(agents)],
        "loop": {"rounds": 1, "k": 2},
        "timing": {"min_runs": 3, "max_runs": 8, "budget": 6},
    }
    for section, values in (extra or {}).items():
        config.setdefault(section, {}).update(values)
    return {"lessonl": {"config": config, "apiKeys": {CLIENT_KEY_ENV: api_key}}}


def script_fake(fake: Any, reply: str | None = None) -> None:
    """Code requests get `reply` (default: the one-pass histogram), lesson requests LESSON_TEXT."""
    from lessonl.prompts import CODE_TASK, LESSON_TASK
    from tests.support.cpp_replies import HISTOGRAM_FASTER
    from tests.support.fake_openai import Reply, prompt_contains

    fake.respond(lambda body: Reply.text(reply or HISTOGRAM_FASTER), prompt_contains(CODE_TASK))
    fake.respond(lambda body: Reply.text(LESSON_TEXT), prompt_contains(LESSON_TASK))


async def execute(client: LanguageClient, command: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(arguments)))


def apply_text_edits(text: str, edits: list[Any]) -> str:
    """Apply LSP edits the way an editor does (positions in UTF-16, applied back to front)."""
    lines = text.splitlines(keepends=True)

    def offset(pos: types.Position) -> int:
        before = sum(len(l) for l in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        units, chars = 0, 0
        for ch in line:
            if units >= pos.character:
                break
            units += 2 if ord(ch) > 0xFFFF else 1
            chars += 1
        return before + chars

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


SLOW_BUILD = {"build": {"command": "sleep 120 && make -s all", "timeout": 300}}


def server_process(client: LanguageClient) -> Any:
    import psutil

    return psutil.Process(client._server.pid)  # the real `lessonl serve` process


def command_line(process: Any) -> str:
    """A process's command line, "" when it is gone meanwhile."""
    import psutil

    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


async def wait_for_descendant(client: LanguageClient, name: str, timeout: float = 60) -> list[Any]:
    """Wait until the server has started a process called `name` (e.g. the slow build's sleep)."""
    server = server_process(client)
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = server.children(recursive=True)
        if any(p.name() == name for p in found if p.is_running()):
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"the server never started {name!r}")


async def wait_gone(processes: list[Any], timeout: float = 15) -> list[Any]:
    """The processes still alive after `timeout` seconds (zombies count as gone)."""
    import psutil

    deadline = asyncio.get_running_loop().time() + timeout
    alive = processes
    while alive and asyncio.get_running_loop().time() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        await asyncio.sleep(0.1)
    return alive
