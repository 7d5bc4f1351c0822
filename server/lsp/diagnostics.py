"""Diagnostics for `lessonl.toml` and `pyproject.toml` `[tool.lessonl]`, on open and save.

The config module does the checking (`check_config_text`); this module only turns its
1-based line/column issues into exact LSP ranges (UTF-16, as LSP counts) and publishes them.
A saved config also makes every root re-read its config, so code actions follow at once.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from .workspaces import CONFIG_FILES

if TYPE_CHECKING:
    from .server import LessonLServer

SOURCE = "lessonl"
_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
             "info": types.DiagnosticSeverity.Information, "hint": types.DiagnosticSeverity.Hint}


def is_config(uri: str) -> bool:
    return Path(to_fs_path(uri) or uri).name in CONFIG_FILES


def _utf16(line: str, column0: int) -> int:
    """Characters (code points) to UTF-16 units, which is what LSP positions count."""
    return len(line[: max(column0, 0)].encode("utf-16-le")) // 2


def to_diagnostic(issue: Any, lines: list[str]) -> types.Diagnostic:
    """1-based, end-exclusive code-point columns -> an LSP range in UTF-16 units.

    An issue just past the end of a line (TOML: "expected ']' at the end of ...") covers the
    line break, so the editor still underlines something there.
    """
    line0 = max((issue.line or 1) - 1, 0)
    text = lines[line0] if line0 < len(lines) else ""
    start = max((issue.column or 1) - 1, 0)
    end = issue.end_column - 1 if getattr(issue, "end_column", None) else len(text)
    end = max(end, start + 1)
    start_pos = types.Position(line=line0, character=_utf16(text, min(start, len(text))))
    if end > len(text) and line0 + 1 < len(lines):
        end_pos = types.Position(line=line0 + 1, character=0)
    else:
        end_pos = types.Position(line=line0, character=_utf16(text, min(end, len(text))))
    message = issue.message + (f" [{issue.key}]" if getattr(issue, "key", None) else "")
    return types.Diagnostic(
        range=types.Range(start=start_pos, end=end_pos),
        message=message,
        severity=_SEVERITY.get(str(getattr(issue, "severity", "error")).lower(),
                               types.DiagnosticSeverity.Error),
        source=SOURCE,
        code=getattr(issue, "key", None) or None,
    )


def check(ls: LessonLServer, uri: str) -> list[types.Diagnostic]:
    doc = ls.workspace.get_text_document(uri)
    path = Path(to_fs_path(uri) or uri)
    from ..config import check_config_text

    text = doc.source
    return [to_diagnostic(i, text.splitlines()) for i in check_config_text(path, text)]


async def publish(ls: LessonLServer, uri: str) -> None:
    try:
        found = await ls.off_loop(check, ls, uri)
    except ImportError as exc:
        ls.log(f"LessonL: config checking unavailable ({exc})", types.MessageType.Warning)
        return
    except Exception as exc:  # the checker failing is our bug, not the user's config
        ls.log(f"LessonL: could not check {uri}: {type(exc).__name__}: {exc}", types.MessageType.Error)
        return
    version = ls.workspace.get_text_document(uri).version
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version))


async def on_open(ls: LessonLServer, uri: str) -> None:
    if is_config(uri):
        await publish(ls, uri)


async def on_save(ls: LessonLServer, uri: str) -> None:
    if is_config(uri):
        ls.workspaces.forget_configs()
        await publish(ls, uri)


def on_close(ls: LessonLServer, uri: str) -> None:
    if is_config(uri):
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
