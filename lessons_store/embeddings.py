"""Relevance from an OpenAI-compatible embeddings endpoint, as in the paper (cosine of vectors).

Vectors are cached in the lesson bank by content hash, so each lesson is embedded once per model.
"""
from __future__ import annotations

import hashlib
import math
import os
from typing import Any, Sequence

from .records import Lesson
from .relevance import _field, lesson_document, register_backend

BATCH = 64


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)


class EmbeddingCache:
    """Vectors by (model, text hash): in the bank when there is one, else in memory."""

    def __init__(self, bank: Any = None) -> None:
        self.bank = bank
        self.memory: dict[str, list[float]] = {}

    @staticmethod
    def key(model: str, text: str) -> str:
        return f"{model}:{hashlib.sha256(text.encode()).hexdigest()}"

    def get(self, key: str) -> list[float] | None:
        if key in self.memory:
            return self.memory[key]
        if self.bank is not None:
            vector = self.bank.get_embedding(key)
            if vector is not None:
                self.memory[key] = vector
            return vector
        return None

    def put(self, key: str, vector: list[float]) -> None:
        self.memory[key] = vector
        if self.bank is not None:
            self.bank.put_embedding(key, vector)


class EndpointEmbeddings:
    name = "embeddings"

    def __init__(self, base_url: str, model: str, api_key_env: str = "", bank: Any = None,
                 timeout: float = 60.0) -> None:
        from openai import OpenAI

        key = os.environ.get(api_key_env, "") if api_key_env else ""
        self.model = model
        self.client = OpenAI(base_url=base_url, api_key=key or "not-needed", timeout=timeout, max_retries=2)
        self.cache = EmbeddingCache(bank)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        keys = [EmbeddingCache.key(self.model, t) for t in texts]
        missing = [i for i, k in enumerate(keys) if self.cache.get(k) is None]
        for start in range(0, len(missing), BATCH):
            batch = missing[start:start + BATCH]
            try:
                reply = self.client.embeddings.create(model=self.model, input=[texts[i] for i in batch])
            except Exception as exc:  # the endpoint's own error types vary by client version
                from lessonl.errors import AgentError

                raise AgentError(f"embeddings endpoint failed: {exc}", key="relevance.base_url",
                                 hint="check relevance.base_url and relevance.model, or use backend = \"lexical\"") from exc
            for index, item in zip(batch, sorted(reply.data, key=lambda d: d.index)):
                self.cache.put(keys[index], list(item.embedding))
        return [self.cache.get(k) or [] for k in keys]

    def scores(self, code: str, lessons: Sequence[Lesson]) -> list[float]:
        if not lessons:
            return []
        vectors = self.embed([code, *(lesson_document(l) for l in lessons)])
        query = vectors[0]
        return [cosine(query, v) for v in vectors[1:]]


def _factory(config: Any, bank: Any) -> EndpointEmbeddings:
    return EndpointEmbeddings(_field(config, "base_url"), _field(config, "model"),
                              _field(config, "api_key_env"), bank)


register_backend("embeddings", _factory)
