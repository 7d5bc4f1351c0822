"""`open_bank`: a path (or `diskcache:PATH`) opens the diskcache bank, a `postgresql://` URL the
PostgreSQL bank; both are lessonl_store.protocol.Bank."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import config_error

def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def open_bank(target: str | Path, *, repo: str = "", share: bool = False, migrate: bool = True) -> Any:
    """The bank at `target`. For PostgreSQL, `repo` is the repository's id (its rows) and
    `share` lets selection draw on every repository's lessons in the database."""
    if is_url(target):
        from .pg_bank import PostgresBank

        return PostgresBank.open(str(target), repo=repo, share=share, migrate=migrate)
    text = str(target)
    if text.startswith("diskcache:"):
        text = text[len("diskcache:"):]
    elif "://" in text:
        raise config_error(f"'{text.split('://')[0]}://' is not a lesson bank the store knows",
                           key="bank.url", hint="use postgresql://... or a folder")
    from .bank import LessonBank

    return LessonBank.open(Path(text))
