"""How a command ends in failure: one line on stderr, and with --json one JSON object on stdout.

A tool calling `lessonl evaluate --json` reads one stream: the result object when it worked,
`{"error": {"message", "file", "line", "key", "hint", "exit_code"}}` when it did not, with the
same exit codes as without --json.
"""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO


def error_object(exc: BaseException | None, exit_code: int, message: str | None = None) -> dict[str, Any]:
    return {"error": {
        "message": message if message is not None else str(getattr(exc, "message", None) or exc or ""),
        "file": getattr(exc, "file", None),
        "line": getattr(exc, "line", None),
        "key": getattr(exc, "key", None),
        "hint": getattr(exc, "hint", None),
        "exit_code": exit_code,
    }}


def report(args: Any, exc: BaseException | None, exit_code: int, line: str | None = None,
           message: str | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Say why the command failed (stderr; stdout too as JSON with --json) and return `exit_code`.
    `line` is the stderr line (default "lessonl: error: <exc>"); `message` the JSON message."""
    err = err or sys.stderr
    if line is None:
        line = f"lessonl: error: {exc}"
    if line:
        print(line, file=err)
    if getattr(args, "json", False):
        print(json.dumps(error_object(exc, exit_code, message)), file=out or sys.stdout, flush=True)
    return exit_code
