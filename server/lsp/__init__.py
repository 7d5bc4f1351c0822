"""The LessonL language server: one module per LSP feature, all registered on `LessonLServer`.

app.py builds it; `lessonl serve` (lessonl.cli.serve) and `python -m lessonl.lsp` run it. The
wire protocol it speaks beyond plain LSP (commands, `lessonl/*` notifications, settings) is
documented in docs/lsp-protocol.md.
"""
from __future__ import annotations

SERVER_NAME = "lessonl"
