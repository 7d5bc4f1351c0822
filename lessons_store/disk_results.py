"""Optimization results in a diskcache bank: one entry per result plus id lists by function,
by the hash of the proposed code (to find a result once the user accepted it) and by
idempotency key (a retried job saving the same result again stores nothing)."""
from __future__ import annotations

from typing import Any

from .records import StoredResult


def _fn_key(file: str, qualified_name: str) -> str:
    return f"results:{file}::{qualified_name}"


class DiskResults:
    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def save(self, result: StoredResult) -> bool:
        """False when a result with the same idempotency key (or id) is stored already."""
        with self.cache.transact():
            if not self.cache.add(f"result-key:{result.idempotency_key}", result.id, tag="result") \
                    or self.cache.get(f"result:{result.id}") is not None:
                return False
            self.cache.set(f"result:{result.id}", result.to_json(), tag="result")
            self.cache.set("results:all", [*(self.cache.get("results:all") or []), result.id], tag="result")
            key = _fn_key(result.file, result.qualified_name)
            self.cache.set(key, [*(self.cache.get(key) or []), result.id], tag="result")
            if result.new_function_hash:
                hkey = f"results-hash:{result.new_function_hash}"
                self.cache.set(hkey, [*(self.cache.get(hkey) or []), result.id], tag="result")
            return True

    def get(self, result_id: str) -> StoredResult | None:
        data = self.cache.get(f"result:{result_id}")
        return StoredResult.from_json(data) if data else None

    def for_function(self, file: str, qualified_name: str) -> list[StoredResult]:
        ids = self.cache.get(_fn_key(file, qualified_name)) or []
        results = [r for r in (self.get(i) for i in ids) if r is not None]
        return sorted(results, key=lambda r: r.created)

    def by_new_hash(self, function_hash: str) -> list[StoredResult]:
        found = (self.get(i) for i in self.cache.get(f"results-hash:{function_hash}") or [])
        return [r for r in found if r is not None]

    def all(self) -> list[StoredResult]:
        found = (self.get(i) for i in self.cache.get("results:all") or [])
        return sorted((r for r in found if r is not None), key=lambda r: r.created)
