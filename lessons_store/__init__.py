"""The persistent lesson bank of LessonL (imported as `lessonl_store`).

Stands on its own: it imports nothing from `lessonl`. What it needs from its caller (the
language of a file, the trust rule for endpoints, the caller's error classes) is handed in
through `lessonl_store.hooks.configure` and `lessonl_store.errors.use_error_classes`.
Names are imported on first use, so that `lessonl_store.errors` is cheap to import.
"""
from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "Bank": ".protocol", "open_bank": ".opening",
    "LessonBank": ".bank", "ImportReport": ".exchange", "copy_bank": ".common",
    "SCHEMA_VERSION": ".records", "Lesson": ".records", "StoredResult": ".records", "Provenance": ".records",
    "Relevance": ".relevance", "make_relevance": ".relevance", "register_backend": ".relevance",
    "adjusted_factor": ".selection", "select_lessons": ".selection",
    "BankError": ".errors", "StoreError": ".errors", "StoreConfigError": ".errors",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'lessonl_store' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
