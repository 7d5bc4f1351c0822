"""The protocol's reading of malformed messages, in process: what each kind of message gets.

The wire-level behaviour (a real server over stdio) is in test_invalid_params.py; here the
cases that a client can hardly be made to produce: a malformed answer to one of our requests,
and the exact wording for the loose types cattrs would otherwise coerce.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from lessonl.lsp.app import create_server
from lessonl.lsp.validation import Malformed, line_count


class Wire:
    """Collects what the protocol writes (no headers)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.sent.append(json.loads(data))


@pytest.fixture
def protocol():
    server = create_server()
    wire = Wire()
    server.protocol.set_writer(wire, include_headers=False)
    server.protocol.wire = wire
    yield server.protocol
    server.executor.shutdown(wait=False)


def receive(protocol, message: dict[str, Any]) -> Any:
    """What pygls' read loop does with one message body."""
    structured = json.loads(json.dumps(message), object_hook=protocol.structure_message)
    protocol.handle_message(structured)
    return structured


def hover_at(line: Any, character: Any = 0) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover",
            "params": {"textDocument": {"uri": "file:///x.cpp"}, "position": {"line": line, "character": character}}}


@pytest.mark.parametrize("line, problem", [
    (True, "params.position.line: expected an integer, got a boolean true"),
    ("3", 'params.position.line: expected an integer, got a string "3"'),
    (2.5, "params.position.line: expected an integer, got a number 2.5"),
    (None, "params.position.line: expected an integer, got null"),
    (-1, "params.position.line: expected an integer from 0 to 2147483647, got -1"),
])
def test_a_line_of_the_wrong_type_is_invalid_params_not_coerced(protocol, line, problem):
    assert isinstance(receive(protocol, hover_at(line)), Malformed)
    [answer] = protocol.wire.sent
    assert answer["id"] == 3 and answer["error"]["code"] == -32602
    assert answer["error"]["data"]["problems"] == [problem]
    assert answer["error"]["message"] == f"Invalid params for textDocument/hover: {problem}"


def test_a_whole_number_written_as_a_float_is_still_a_line(protocol):
    message = json.loads(json.dumps(hover_at(4.0, 2)), object_hook=protocol.structure_message)
    assert message.params.position.line == 4 and type(message.params.position.line) is int


def test_every_wrong_param_is_named_at_once(protocol):
    receive(protocol, {"jsonrpc": "2.0", "id": "a", "method": "textDocument/codeAction", "params": {
        "textDocument": {"uri": 5}, "range": {"start": {"line": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [{"range": 3, "message": "m"}]}}})
    [answer] = protocol.wire.sent
    assert answer["id"] == "a" and answer["error"]["data"]["problems"] == [
        "params.textDocument.uri: expected a string, got a number 5",
        "params.range.start.character: missing; expected an integer",
        "params.context.diagnostics[0].range: expected an object (Range), got a number 3",
    ]


def test_a_request_with_an_unusable_id_is_answered_with_a_null_id(protocol):
    message = hover_at(-1)
    message["id"] = {"x": 1}
    receive(protocol, message)
    [answer] = protocol.wire.sent
    assert answer["id"] is None and answer["error"]["code"] == -32600


def test_a_malformed_answer_to_our_request_fails_that_request_instead_of_leaving_it_waiting(protocol):
    pending = protocol.send_request("workspace/applyEdit", types.ApplyWorkspaceEditParams(edit=types.WorkspaceEdit()))
    msg_id = protocol.wire.sent[-1]["id"]
    receive(protocol, {"jsonrpc": "2.0", "id": msg_id, "result": {"applied": "yes"}})
    assert pending.done()
    with pytest.raises(JsonRpcException, match=r"result.applied: expected true or false"):
        pending.result()


def test_a_malformed_notification_is_only_logged(protocol):
    receive(protocol, {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": 5}})
    [logged] = protocol.wire.sent
    assert logged["method"] == "window/logMessage" and logged["params"]["type"] == 2
    expected = "params.textDocument: expected an object (TextDocumentIdentifier), got a number 5"
    assert expected in logged["params"]["message"]


@pytest.mark.parametrize("text, lines", [("", 1), ("a", 1), ("a\n", 2), ("a\r\nb", 2), ("a\rb\r", 3), ("a\n\nb", 3)])
def test_lines_are_counted_as_lsp_counts_them(text, lines):
    assert line_count(text) == lines
