"""Relevance from an OpenAI-compatible embeddings endpoint, as in the paper (cosine of vectors).

Vectors are cached in the lesson bank by content hash, so each lesson is embedded once per model.
An endpoint named by the repository's own config gets the API key only when its host is trusted
(this machine, the official OpenAI host, or LESSONL_TRUSTED_HOSTS), the rule agents follow: a
cloned repository must not be able to collect the user's key.
"""
from __future__ import annotations

import hashlib
import math
import os
from typing import Any, Mapping, Sequence

from . import hooks
from .errors import endpoint_error
from .records import Lesson
from .relevance import _field, lesson_document, register_backend

BATCH = 64
# The cosine a lesson of ANOTHER function needs to be a candidate, for MiniLM-L6 (the local
# backend's model). Calibrated on benchmarks/data/relevance_pairs.json
# (`benchmarks/relevance_quality.py --calibrate`): the 95th percentile of lessons learned on
# unrelated functions of the same language family.
MINILM_FLOOR = 0.44
# An endpoint's default when relevance.floor is unset: MiniLM's. Other models spread their cosines
# differently: calibrate yours with `benchmarks/relevance_quality.py --endpoint URL --model NAME
# --calibrate` and set relevance.floor.
DEFAULT_FLOOR = MINILM_FLOOR


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
                 timeout: float = 60.0, *, from_repository: bool = False,
                 env: Mapping[str, str] | None = None, floor: float | None = None) -> None:
        from openai import OpenAI

        env = os.environ if env is None else env
        key = env.get(api_key_env, "") if api_key_env else ""
        # "openai": the one hosted preset; its official host may get the key like an agent's.
        self.key_withheld = bool(key) and from_repository and not hooks.trusted_endpoint(base_url, "openai", env)
        if self.key_withheld:
            key = ""
        self.base_url = base_url
        self.api_key_env = api_key_env
        self.model = model
        self.floor = DEFAULT_FLOOR if floor is None else float(floor)
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
                hint = "check relevance.base_url and relevance.model, or use backend = \"lexical\""
                if self.key_withheld and getattr(exc, "status_code", None) in (401, 403):
                    hint = hooks.withheld_key_hint(self.api_key_env, self.base_url, "this embeddings endpoint")
                raise endpoint_error(f"embeddings endpoint failed: {exc}", key="relevance.base_url", hint=hint) from exc
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
                              _field(config, "api_key_env"), bank,
                              from_repository=bool(_field(config, "from_repository", False)),
                              floor=_field(config, "floor", None))


register_backend("embeddings", _factory)
