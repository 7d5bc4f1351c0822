"""What relevance backends keep in a diskcache bank: embedding vectors by (model, text hash)
and the lexical index segment of each chunk. Both are caches: an unreadable entry is rebuilt,
and a full or read-only disk leaves them in memory only."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .chunks import index_key

log = logging.getLogger("lessonl_store")


class DiskBlobs:
    def __init__(self, cache: Any, path: Path) -> None:
        self.cache = cache
        self.path = path

    def get_embedding(self, key: str) -> list[float] | None:
        return self.cache.get(f"emb:{key}")

    def put_embedding(self, key: str, vector: list[float]) -> None:
        self.cache.set(f"emb:{key}", list(vector), tag="embedding")

    def read_index(self, number: int) -> Any:
        try:
            return self.cache.get(index_key(number))
        except Exception:  # an unreadable index entry is rebuilt, never an error
            return None

    def write_index(self, number: int, blob: Any) -> None:
        try:
            self.cache.set(index_key(number), blob, tag="index")
        except Exception as exc:  # a read-only or full disk: the index stays in memory only
            log.warning("could not store the lexical index of chunk %s in %s: %s", number, self.path, exc)
