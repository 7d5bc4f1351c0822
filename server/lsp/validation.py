"""Malformed params get an InvalidParams answer that says what is wrong; never silence.

pygls 2.1 structures every incoming message inside `json.loads` (the object hook
`JsonRPCProtocol.structure_message`). When a request's params do not fit their lsprotocol type
it raises `JsonRpcInvalidParams` out of `json.loads`, so the read loop (`pygls.io_.run_async`)
drops the message: no response is ever sent, and the error goes to `report_server_error`
as if it were the server's own fault (our "internal error" popup). `LessonLProtocol` hands
such a message to `malformed()` instead, which turns cattrs' error tree into one line per
bad param ("params.position.line: expected an integer from 0 to 2147483647, got -1"), and
`answer()` sends it back as InvalidParams (-32602) under the request's id.

A malformed notification cannot be answered: it is logged. A malformed answer of the client to
one of our requests (say `workspace/applyEdit`) fails that request instead of leaving it waiting.

cattrs also coerces quietly where a client sent the wrong type ("3" or true for a line, 5 for a
URI); `strict_primitives` makes those InvalidParams too. Values that fit the types but not
the document (a line past its end, a URI that names no document) are checked where the
features find the document (`targets.resolve`) with `unknown_document` and `check_line`.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

import cattrs
from cattrs.errors import (AttributeValidationNote, BaseValidationError, ClassValidationError,
                           IterableValidationNote)
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

if TYPE_CHECKING:
    from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)
INVALID_PARAMS = -32602
INVALID_REQUEST = -32600
PARSE_ERROR = -32700
_MISSING = object()


class InvalidParams(JsonRpcInvalidParams):
    """A param that has the right type but no meaning here; features let it through their
    own catch-alls (a broken bank is logged, a wrong request is answered)."""


# --- strict primitives -----------------------------------------------------------------

def strict_primitives(converter: cattrs.Converter) -> None:
    """Refuse what cattrs would coerce: a string or bool where an integer goes, a number where a
    string goes. JSON numbers that are whole (1.0, as some Lua clients write) stay integers."""

    def integer(value: Any, _: type) -> int:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"expected an integer, got {_show(value)}")
        return value

    def string(value: Any, _: type) -> str:
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {_show(value)}")
        return value

    def boolean(value: Any, _: type) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"expected true or false, got {_show(value)}")
        return value

    converter.register_structure_hook(int, integer)
    converter.register_structure_hook(str, string)
    converter.register_structure_hook(bool, boolean)


# --- messages whose params do not deserialize --------------------------------------------

@dataclass
class Malformed:
    """What `structure_message` returns for a message it could not structure."""

    data: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    code: int = INVALID_PARAMS

    @property
    def method(self) -> str:
        return str(self.data.get("method", ""))

    @property
    def message(self) -> str:
        what = f"Invalid params for {self.method}" if self.code == INVALID_PARAMS else "Invalid request"
        return f"{what}: " + "; ".join(self.problems)


def malformed(data: dict[str, Any], error: BaseException | None) -> Malformed:
    """The problems of `data` (a whole JSON-RPC message) that `error` (cattrs') stands for."""
    if not isinstance(error, BaseValidationError):  # a hook of lsprotocol's gave up on the params
        return Malformed(data, [f"params: cannot be read ({type(error).__name__}: {error})"])
    problems = [p[1:] if p.startswith(".") else p  # ".params.x" -> "params.x"
                for p in _problems(error, data, "", None)] or ["params: cannot be read"]
    outside = [p for p in problems if not p.startswith("params")]
    return Malformed(data, problems, INVALID_REQUEST if outside else INVALID_PARAMS)


def loose(data: dict[str, Any]) -> Malformed | None:
    """What structured but should not have: cattrs reads any string as a sequence, so
    `"arguments": "abc"` would reach a command as ("a", "b", "c")."""
    params = data.get("params")
    if data.get("method") == types.WORKSPACE_EXECUTE_COMMAND and isinstance(params, dict):
        arguments = params.get("arguments")
        if arguments is not None and not isinstance(arguments, list):
            return Malformed(data, [f"params.arguments: expected an array, got {_show(arguments)}"])
    return None


def answer(protocol: "JsonRPCProtocol", bad: Malformed) -> None:
    """A request gets its error response; a notification cannot be answered, so it is logged
    (to the client's output log too) and dropped; a response fails our request that waits on it."""
    msg_id = bad.data.get("id")
    if "method" not in bad.data:
        log.warning("the client's answer to request %s is malformed: %s", msg_id, bad.message)
        protocol._handle_response(msg_id, error=types.ResponseError(  # type: ignore[arg-type]
            code=bad.code, message=f"the client's answer is malformed: {bad.message}"))
        return
    if "id" not in bad.data:
        log.warning("ignored a malformed notification from the client: %s", bad.message)
        _log_to_client(protocol, f"LessonL: ignored a malformed notification from the client: {bad.message}")
        return
    if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
        msg_id, bad = None, Malformed(bad.data, [f"id: expected an integer or a string, got {_show(msg_id)}"]
                                      + bad.problems, INVALID_REQUEST)
    log.warning("%s", bad.message)
    _send_error(protocol, msg_id, {"code": bad.code, "message": bad.message, "data": {"problems": bad.problems}})


def parse_error(protocol: "JsonRPCProtocol", error: Exception) -> bool:
    """A body that is not JSON: JSON-RPC's Parse error, with a null id (none can be read).
    True if `error` was that; pygls reports it as a server error otherwise."""
    if not isinstance(error, json.JSONDecodeError):
        return False
    log.warning("a message from the client is not JSON: %s", error)
    _send_error(protocol, None, {"code": PARSE_ERROR, "message": f"Parse error: the message is not JSON ({error})"})
    return True


def _send_error(protocol: "JsonRPCProtocol", msg_id: int | str | None, error: dict[str, Any]) -> None:
    """As a plain object: lsprotocol's ResponseErrorMessage would leave out a null id, which
    JSON-RPC requires where the id could not be read."""
    protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "error": error})


def _log_to_client(protocol: "JsonRPCProtocol", message: str) -> None:
    try:
        protocol.notify(types.WINDOW_LOG_MESSAGE, types.LogMessageParams(
            type=types.MessageType.Warning, message=message))
    except Exception:  # no client to tell
        pass


def _problems(error: BaseException, value: Any, path: str, expected: Any) -> list[str]:
    """One line per leaf of cattrs' error tree, with the wire path and the raw value."""
    if isinstance(error, BaseValidationError):
        target = getattr(error, "cl", expected)
        container = dict if isinstance(error, ClassValidationError) else list
        if value is _MISSING:
            return [f"{path}: missing; expected {_expected(expected or target)}"]
        if not isinstance(value, container):
            return [f"{path}: expected {_expected(expected or target)}, got {_show(value)}"]
        found: list[str] = []
        for sub in error.exceptions:
            note = next((n for n in getattr(sub, "__notes__", ())
                         if isinstance(n, (AttributeValidationNote, IterableValidationNote))), None)
            if isinstance(note, AttributeValidationNote):
                key = _wire(note.name)
                found += _problems(sub, value.get(key, _MISSING), f"{path}.{key}", note.type)
            elif isinstance(note, IterableValidationNote) and isinstance(value, list):
                item = value[note.index] if note.index < len(value) else _MISSING
                found += _problems(sub, item, f"{path}[{note.index}]", note.type)
            else:  # raised by the class itself (an attrs validator): one field out of range
                found.append(_validator_problem(sub, path))
        return found
    if value is _MISSING or isinstance(error, KeyError):
        return [f"{path}: missing; expected {_expected(expected)}"]
    return [f"{path}: expected {_expected(expected)}, got {_show(value)}"]


_RANGE = re.compile(r"^\w+\.(\w+) should be in range \[(-?\d+):(\d+)\], but was (.*?)\.?$")


def _validator_problem(error: BaseException, path: str) -> str:
    if isinstance(error, ValueError) and (m := _RANGE.match(str(error))):
        return f"{path}.{_wire(m[1])}: expected an integer from {m[2]} to {m[3]}, got {m[4]}"
    args = getattr(error, "args", ())
    if len(args) >= 4 and hasattr(args[1], "name"):  # attrs' instance_of: (msg, attr, type, value)
        return f"{path}.{_wire(args[1].name)}: expected {_expected(args[2])}, got {_show(args[3])}"
    return f"{path}: {error}"


def _wire(name: str) -> str:
    """lsprotocol's attribute name as it is on the wire (text_document -> textDocument)."""
    parts = name.rstrip("_").split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def _expected(tp: Any) -> str:
    if tp is None or tp is Any:
        return "a value"
    origin, args = get_origin(tp), get_args(tp)
    if origin is Union:
        options = [_expected(a) for a in args if a is not type(None)]
        return " or ".join(options) + (" or null" if type(None) in args else "")
    if origin is Literal:
        return " or ".join(json.dumps(a) for a in args)
    if isinstance(origin, type) and issubclass(origin, (Mapping, Sequence)):
        return "an object" if issubclass(origin, Mapping) else "an array"
    names = {int: "an integer", str: "a string", bool: "true or false", float: "a number",
             dict: "an object", list: "an array"}
    if tp in names:
        return names[tp]
    if isinstance(tp, type) and hasattr(tp, "__attrs_attrs__"):
        return f"an object ({tp.__name__})"
    if isinstance(tp, type) and issubclass(tp, int):
        return f"an integer ({tp.__name__})"
    if isinstance(tp, type) and issubclass(tp, str):
        return f"a string ({tp.__name__})"
    return getattr(tp, "__name__", None) or str(tp)


def _show(value: Any) -> str:
    if value is _MISSING or value is None:
        return "nothing" if value is _MISSING else "null"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "an array"
    kind = "a string" if isinstance(value, str) else "a boolean" if isinstance(value, bool) else "a number"
    return f"{kind} {json.dumps(value)[:60]}"


# --- values that fit their type but not the document ------------------------------------

def unknown_document(uri: str, name: str) -> InvalidParams:
    return InvalidParams(f"{name}: {uri} is neither open in the editor nor a file on disk; "
                         "expected the URI of an open document or an existing file")


def line_count(text: str) -> int:
    """Lines as LSP counts them: \\n, \\r\\n and \\r end a line; after the last one there is
    one more (empty) line, where the end-of-document position lies."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


def check_line(text: str, line: int, name: str, label: str) -> None:
    """InvalidParams if `line` (0-based) is not in the document `label` (a character past the
    end of a line is fine: LSP says it means the end of that line)."""
    count = line_count(text)
    if not 0 <= line < count:
        raise InvalidParams(f"{name}: line {line} is past the end of {label}; "
                            f"expected a line from 0 to {count - 1}")
