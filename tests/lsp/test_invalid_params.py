"""Malformed params are answered with InvalidParams (-32602) that names the param and what it
should be, quickly; never silence, never an "internal error" popup; the server keeps serving.

The requests go out as raw JSON over the real server's stdio (`raw_request`), since the typed
client cannot even build them. pygls alone dropped such requests unanswered (issue 11).
"""
from __future__ import annotations

import asyncio
import json

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from .lsp_client import SERVER, hover, line_of, open_doc, raw_request, session

INVALID_PARAMS = -32602
TARGET = "counts[bin] += 1;"


def _cases(uri: str, line: int) -> list[tuple[str, object, list[str]]]:
    """(method, params, fragments the error message must contain)."""
    pos = {"line": line, "character": 4}
    doc = {"uri": uri}
    ctx = {"diagnostics": []}
    return [
        ("textDocument/hover", {"textDocument": doc, "position": {"line": -1, "character": 0}},
         ["params.position.line", "expected an integer from 0", "got -1"]),
        ("textDocument/hover", "hello", ["params: expected an object (HoverParams)", 'got a string "hello"']),
        ("textDocument/hover", {"position": pos}, ["params.textDocument: missing", "TextDocumentIdentifier"]),
        ("textDocument/hover", {"textDocument": doc, "position": {"line": "3", "character": 0}},
         ["params.position.line: expected an integer", 'got a string "3"']),
        ("textDocument/hover", {"textDocument": doc, "position": {"line": 99999, "character": 0}},
         ["params.position.line", "line 99999 is past the end of kernels.cpp", "expected a line from 0 to"]),
        ("textDocument/hover", {"textDocument": {"uri": "file:///nowhere/x.cpp"}, "position": pos},
         ["params.textDocument.uri", "file:///nowhere/x.cpp", "neither open in the editor nor a file"]),
        ("textDocument/codeAction", {"textDocument": doc, "range": {"start": pos, "end": pos}},
         ["params.context: missing", "CodeActionContext"]),
        ("textDocument/codeAction", {"textDocument": doc, "context": ctx,
                                     "range": {"start": {"line": -1, "character": 0}, "end": pos}},
         ["params.range.start.line", "expected an integer from 0", "got -1"]),
        ("textDocument/codeAction", [1, 2], ["params: expected an object (CodeActionParams)", "got an array"]),
        ("textDocument/codeAction", {"textDocument": doc, "context": ctx,
                                     "range": {"start": pos, "end": {"line": 99999, "character": 0}}},
         ["params.range.end.line", "line 99999 is past the end"]),
        ("textDocument/codeLens", {}, ["params.textDocument: missing"]),
        ("textDocument/codeLens", {"textDocument": 5}, ["params.textDocument: expected an object", "got a number 5"]),
        ("textDocument/codeLens", {"textDocument": {"uri": "file:///nowhere/x.cpp"}},
         ["params.textDocument.uri", "neither open in the editor nor a file"]),
        ("codeAction/resolve", {"title": 3}, ["params.title: expected a string", "got a number 3"]),
        ("workspace/executeCommand", {"command": 5}, ["params.command: expected a string"]),
        ("workspace/executeCommand", {"command": "lessonl.optimize", "arguments": "x"},
         ["params.arguments: expected an array", 'got a string "x"']),
    ]


def _command_cases(uri: str, line: int) -> list[tuple[str, list[object], list[str]]]:
    """(command, arguments, fragments): every lessonl.* command, wrong types and counts."""
    position = "(uri: string, line0: integer >= 0, character: integer >= 0)"
    return [
        ("lessonl.optimize", [uri, -1, 0], ["lessonl.optimize expects", position, "-1"]),
        ("lessonl.optimize", [uri], ["lessonl.optimize expects", position]),
        ("lessonl.optimize", [uri, "3", 0], ["lessonl.optimize expects", position]),
        ("lessonl.optimize", [uri, 99999, 0], ["lessonl.optimize: line0 (argument 2)", "past the end"]),
        ("lessonl.optimize", ["file:///nowhere/x.cpp", 1, 0], ["lessonl.optimize: uri (argument 1)", "neither open"]),
        ("lessonl.showLessons", [uri, -1, 0], ["lessonl.showLessons expects", position]),
        ("lessonl.showLessons", [{"uri": 5}], ["lessonl.showLessons expects", position]),
        ("lessonl.showLessons", [uri, 99999, 4], ["lessonl.showLessons: line0 (argument 2)",
                                                  "line 99999 is past the end of kernels.cpp"]),
        ("lessonl.cancel", [5], ["lessonl.cancel expects no argument", "(jobId: string)", position]),
        ("lessonl.cancel", [uri, line], ["lessonl.cancel expects"]),
        ("lessonl.listLessons", [5], ["lessonl.listLessons", "must be a file or folder URI", "got 5"]),
        ("lessonl.listLessons", [None, -1], ["lessonl.listLessons expects", "limit?: integer > 0"]),
        ("lessonl.listLessons", [None, True], ["lessonl.listLessons expects", "limit?: integer > 0"]),
        ("lessonl.exportLessons", [], ["lessonl.exportLessons expects", "path: string"]),
        ("lessonl.exportLessons", [5, 6], ["lessonl.exportLessons expects", "got [5, 6]"]),
        ("lessonl.importLessons", [None, {"path": "x"}], ["lessonl.importLessons expects", "path: string"]),
        ("lessonl.listJobs", [5], ["lessonl.listJobs takes no arguments"]),
        ("lessonl.mergeResult", [5], ["lessonl.mergeResult expects", "(resultId or jobId: string, uri: string)"]),
        ("lessonl.mergeResult", ["job-1", uri, "extra"], ["lessonl.mergeResult expects"]),
        ("lessonl.profileBenchmark", [5], ["lessonl.profileBenchmark expects", "got [5]"]),
        ("lessonl.profileBenchmark", [uri, uri], ["lessonl.profileBenchmark expects"]),
        ("lessonl.batch", [uri, 0], ["lessonl.batch expects", "top?: integer 1-100"]),
        ("lessonl.batch", [uri, ["matmul"]], ["lessonl.batch expects", "FILE::FUNCTION"]),
        ("lessonl.batch", [uri, 3, -1], ["lessonl.batch expects", "rounds?: integer >= 1"]),
        ("lessonl.batch", [5], ["lessonl.batch expects"]),
        ("lessonl.acceptBatchWin", ["b1"], ["lessonl.acceptBatchWin expects", "(batchId: string, function"]),
        ("lessonl.acceptBatchWin", ["b1", "matmul"], ["lessonl.acceptBatchWin expects"]),
    ]


async def _expect_invalid_params(client, method: str, params: object, fragments: list[str]) -> None:
    started = asyncio.get_running_loop().time()
    answer = await raw_request(client, method, params, timeout=5)
    what = f"{method} {json.dumps(params)[:120]}"
    assert isinstance(answer, JsonRpcException), f"{what}: answered {answer!r}, not an error"
    assert answer.code == INVALID_PARAMS, f"{what}: code {answer.code}: {answer.message}"
    for fragment in fragments:
        assert fragment in answer.message, f"{what}: {fragment!r} not in {answer.message!r}"
    assert asyncio.get_running_loop().time() - started < 5


def _no_error_popups(client) -> None:
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert errors == [], errors


async def test_malformed_lsp_requests_get_invalid_params_and_the_server_keeps_serving(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        line = line_of(kernels, TARGET)
        for method, params, fragments in _cases(uri, line):
            await _expect_invalid_params(client, method, params, fragments)
        _no_error_popups(client)
        found = await hover(client, uri, line)  # still serving, and still right
        assert found.contents.value == "LessonL: no results or lessons for `histogram` yet."


async def test_every_lessonl_command_answers_wrong_arguments_with_invalid_params(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        line = line_of(kernels, TARGET)
        cases = _command_cases(uri, line)
        registered = set(client.init_result.capabilities.execute_command_provider.commands)
        assert {c for c in registered if c.startswith("lessonl.")} <= {c for c, _, _ in cases}
        for command, arguments, fragments in cases:
            await _expect_invalid_params(client, "workspace/executeCommand",
                                         {"command": command, "arguments": arguments}, fragments)
        _no_error_popups(client)
        assert (await raw_request(client, "workspace/executeCommand",
                                  {"command": "lessonl.listJobs", "arguments": []})).jobs == []
        shown = await raw_request(client, "workspace/executeCommand",
                                  {"command": "lessonl.showLessons", "arguments": [uri, line, 4]})
        assert shown.status == "ok" and shown.function == "histogram"


async def test_an_unknown_lessonl_request_is_answered_method_not_found(cpp_repo):
    """The server defines no lessonl/* requests (lessonl/result, /progress, /lessons are its
    notifications to the client): asking for one is answered, not dropped."""
    async with session(cpp_repo) as client:
        answer = await raw_request(client, "lessonl/result", {"jobId": 5})
        assert isinstance(answer, JsonRpcException) and answer.code == -32601
        _no_error_popups(client)


async def test_a_malformed_notification_is_logged_not_shown_as_an_internal_error(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        client.protocol._send_data({"jsonrpc": "2.0", "method": "textDocument/didOpen",
                                    "params": {"textDocument": {"uri": 5}}})
        uri = open_doc(client, kernels)
        assert await hover(client, uri, line_of(kernels, TARGET)) is not None
        _no_error_popups(client)
        logged = [m.message for m in client.log_messages if "malformed notification" in m.message]
        assert logged and "params.textDocument.uri: expected a string" in logged[0]


async def test_on_the_wire_the_error_answers_the_request_id_and_a_non_json_body_gets_a_parse_error(cpp_repo):
    """Byte level, no LSP library on this side: what any client sees."""
    server = await asyncio.create_subprocess_exec(
        *SERVER, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL)

    def send(body: bytes) -> None:
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def receive() -> dict:
        length = 0
        while (header := await server.stdout.readline()) != b"\r\n":
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
        return json.loads(await server.stdout.readexactly(length))

    async def answer_to(msg_id: object) -> dict:
        while True:
            message = await asyncio.wait_for(receive(), 5)
            if message.get("method") == "window/showMessage":
                assert message["params"]["type"] != 1, message  # no Error popup
            if "method" not in message and "id" in message and message["id"] == msg_id:  # null: present
                return message

    try:
        send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": cpp_repo.as_uri(), "capabilities": {}}}).encode())
        assert "capabilities" in (await answer_to(1))["result"]
        send(json.dumps({"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover",
                         "params": {"textDocument": {"uri": (cpp_repo / "kernels.cpp").as_uri()},
                                    "position": {"line": -1, "character": 0}}}).encode())
        error = (await answer_to(7))["error"]
        assert error["code"] == INVALID_PARAMS and "params.position.line" in error["message"]
        assert error["data"]["problems"] == ["params.position.line: expected an integer from 0 to 2147483647, got -1"]
        send(b'{"jsonrpc": "2.0", "id": 8, "method": "textDocument/hover", "params": {')
        assert (await answer_to(None))["error"]["code"] == -32700
        send(json.dumps({"jsonrpc": "2.0", "id": 9, "method": "shutdown"}).encode())
        assert (await answer_to(9))["result"] is None
        send(json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode())
        await asyncio.wait_for(server.wait(), 30)
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()

