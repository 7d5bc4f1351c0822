"""The LessonL language server: one module per LSP feature, all registered on `LessonLServer`.

`lessonl serve` starts it (see lessonl.cli.serve). The wire protocol it speaks beyond plain
LSP (commands, `lessonl/*` notifications, settings) is documented in docs/lsp-protocol.md.
"""
from __future__ import annotations

SERVER_NAME = "lessonl"
