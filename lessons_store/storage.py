"""Opening the diskcache behind a bank: schema versions, migration, and corruption recovery.

A bank that cannot be read must never take the editor down: it is moved aside, with a warning,
and a fresh one is started, so the user loses nothing more than what was already unreadable.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import diskcache

from .errors import bank_error
from .records import SCHEMA_VERSION

log = logging.getLogger("lessonl_store")

SCHEMA_KEY = "meta:schema"
CHUNKS_KEY = "meta:chunks"
BANK_ID_KEY = "meta:id"  # a random id per bank: a bank recreated at the same path is another bank
V0_PREFIX = "lesson:"


def _unusable(path: Path, why: str) -> Exception:
    return bank_error(f"the lesson bank at {path} cannot be used: {why}",
                     hint="set [bank] path in the config to a writable folder (default .lessonl)")


def _is_access_problem(exc: BaseException) -> bool:
    """Permissions or a read-only disk: the bank is fine, we just may not touch it. Moving it
    aside as "corrupt" would hide the user's lessons (and would fail anyway)."""
    text = str(exc).lower()
    return isinstance(exc, PermissionError) or "readonly" in text or "read-only" in text \
        or "unable to open database file" in text


def open_cache(path: Path, warnings: list[str]) -> diskcache.Cache:
    if not path.exists() or path.is_dir():  # a file in its place is damage, handled below
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unusable(path, f"its folder cannot be created ({exc.strerror or exc})") from exc
        if not os.access(path, os.W_OK | os.X_OK):
            raise _unusable(path, "the folder is not writable")
    try:
        path.mkdir(parents=True, exist_ok=True)
        cache = diskcache.Cache(str(path), timeout=30)
        cache.get(SCHEMA_KEY)
        if not isinstance(cache.get(CHUNKS_KEY) or {}, dict):
            cache.close()
            raise ValueError(f"{CHUNKS_KEY} is not a version map")
        return cache
    except Exception as exc:  # sqlite3.DatabaseError, pickle errors, OSError: all mean unreadable
        if _is_access_problem(exc):
            raise _unusable(path, str(exc)) from exc
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        message = (f"the lesson bank at {path} could not be read ({exc.__class__.__name__}: {exc}); "
                   f"it was moved to {aside} and a fresh bank was started")
        try:
            path.rename(aside)
        except OSError as move_exc:
            raise _unusable(path, f"it is unreadable ({exc.__class__.__name__}: {exc}) and cannot be "
                            f"moved aside ({move_exc.strerror or move_exc})") from exc
        log.warning(message)
        warnings.append(message)
        path.mkdir(parents=True, exist_ok=True)
        return diskcache.Cache(str(path), timeout=30)


def migrate(cache: diskcache.Cache, warnings: list[str]) -> None:
    """Bring an older layout up to SCHEMA_VERSION (in one transaction)."""
    version = cache.get(SCHEMA_KEY)
    if version == SCHEMA_VERSION:
        return
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise bank_error(f"this lesson bank was written by a newer LessonL (schema {version}, this one "
                        f"reads {SCHEMA_VERSION})", hint="upgrade lessonl")
    with cache.transact():
        if cache.get(SCHEMA_KEY) in (None, 0):
            _migrate_v0_to_v1(cache, warnings)
        cache.set(SCHEMA_KEY, SCHEMA_VERSION)


def _migrate_v0_to_v1(cache: diskcache.Cache, warnings: list[str]) -> None:
    """v0 kept one key per lesson ("lesson:<id>"); v1 keeps chunks of lessons so that a bank of
    100,000 lessons loads in a few hundred reads instead of 100,000."""
    from .chunks import ChunkStore

    old_keys = [k for k in cache.iterkeys() if isinstance(k, str) and k.startswith(V0_PREFIX)]
    if not old_keys:
        return
    store = ChunkStore(cache)
    lessons = []
    for key in old_keys:
        value = cache.get(key)
        if isinstance(value, dict) and "text" in value:
            lessons.append(value)
    store.append_many(lessons)
    for key in old_keys:
        cache.delete(key)
    warnings.append(f"migrated {len(lessons)} lessons from schema 0 to {SCHEMA_VERSION}")
