"""Hands lessonl_store what it needs from LessonL: which language a file is in (the bank's
language families) and the trust rule for endpoints named by a repository (the embeddings
backend). The store imports nothing from lessonl; every lessonl module that opens a bank or
makes a relevance backend imports this first (`lessonl.bankaccess` does). Error classes are
installed by lessonl.errors itself."""
from __future__ import annotations

from lessonl_store import hooks

from .agents.trust import trusted_endpoint, withheld_key_hint
from .filetypes import language_for


def wire() -> None:
    hooks.configure(language_of=lambda file: language_for(file), trusted_endpoint=trusted_endpoint,
                    withheld_key_hint=withheld_key_hint)


wire()
