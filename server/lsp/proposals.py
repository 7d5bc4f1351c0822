"""Rewrites waiting in a client's own review: what each finished job proposed, kept by job id
and result id so that `lessonl.mergeResult` (merge.py) can replay one onto a later text."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..lru import LRU


@dataclass(frozen=True)
class Proposal:
    """What a finished job proposed: enough to replay the rewrite onto a later text."""

    job_id: str
    result_id: str | None
    uri: str
    file: str  # relative to the repository root
    function: Any  # lessonl.records.FunctionRef, as located when the job started
    start_text: str  # the document the engine worked from
    new_text: str  # the engine's file with the rewrite

    @property
    def name(self) -> str:
        return self.function.qualified_name


class Proposals:
    """The latest proposals by job id and result id; old ones fall off (the review is gone)."""

    def __init__(self, size: int = 32) -> None:
        self._items: LRU[str, Proposal] = LRU(2 * size)  # two keys for each

    def add(self, proposal: Proposal) -> None:
        for key in filter(None, (proposal.job_id, proposal.result_id)):
            self._items.put(key, proposal)

    def get(self, key: str) -> Proposal | None:
        return self._items.get(key)
