"""How well each relevance backend ranks the lesson that applies to a function, and what it costs.

Data: benchmarks/data/relevance_pairs.json, >= 40 (function, lesson) pairs in C, C++ and
Python written for this benchmark; for each function the relevant lesson is its own pair's and
every other lesson is a distractor. Each lesson is ranked as production ranks it: its document
is the lesson text, the name of the function it was learned on, that function (Code A) and the
rewrite it explains (Code B) (lessonl_store.relevance.lesson_document). The function it was
learned on is a DIFFERENT function with the same problem ("learned_on" in the data): the case
where relevance matters, a lesson from elsewhere in the repository.

Quality: mean reciprocal rank (MRR) of the relevant lesson, and recall@k (the relevant lesson is
among the top k; the loop puts k = 4 lessons in a prompt, half of them chosen by relevance).
Cost: seconds to score one function against 1,000 lessons: cold (no cached vectors: every
lesson is embedded and stored in a real lesson bank on disk), from the bank (a new process:
vectors read back from disk), and warm (vectors in memory); plus the backend's one-time load.

--calibrate prints, per backend, the relevance floor selection uses for lessons of other
functions: the 95th percentile of the scores of distractors of the same language family (an
unrelated lesson passes 1 time in 20), with the share of relevant lessons it keeps.

Backends: lexical (always), local (if its packages are installed), and an OpenAI-compatible
embeddings endpoint when --endpoint and --model are given and it answers. --fake-endpoint runs
the endpoint backend against the test suite's fake server (hashed bag-of-words vectors): a check
of the plumbing (requests, batching, caching), not of ranking quality.

    python benchmarks/relevance_quality.py [--endpoint URL --model NAME | --fake-endpoint] [--calibrate] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lessonl_store import Lesson, LessonBank, make_relevance  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "relevance_pairs.json"
RECALL_AT = (1, 3, 5)
COST_LESSONS = 1000


@dataclass
class Row:
    backend: str
    mrr: float
    recall: dict[int, float]
    load_s: float
    cold_s: float  # score one function against COST_LESSONS lessons, nothing cached
    disk_s: float  # the same with a fresh backend on the same bank: vectors read from disk
    warm_s: float  # the same again, vectors in memory
    note: str = ""
    floor: float = 0.0  # calibrated on this data (see calibrate)
    kept: float = 0.0  # share of relevant lessons at or above it
    shipped_floor: float = 0.0  # the backend's default floor


def load_pairs(path: Path = DATA) -> list[dict[str, Any]]:
    pairs = json.loads(path.read_text())["pairs"]
    if len(pairs) < 40:
        raise SystemExit(f"{path}: only {len(pairs)} pairs; the benchmark needs at least 40")
    incomplete = [p.get("id") for p in pairs if not {"name", "source", "candidate"} <= set(p.get("learned_on") or {})]
    if incomplete:
        raise SystemExit(f"{path}: pairs without learned_on name/source/candidate: {', '.join(map(str, incomplete))}")
    return pairs


EXTENSIONS = {"c": "c", "cpp": "cpp", "python": "py"}


def as_lesson(pair: dict[str, Any], index: int, text_suffix: str = "") -> Lesson:
    """The pair's lesson as the bank stores it: learned on another function of the repository."""
    learned = pair["learned_on"]
    return Lesson(text=pair["lesson"] + text_suffix, outcome="faster", speedup=1.5, round=0, agent="bench",
                  model="bench", file=f"src/{learned['name']}.{EXTENSIONS[pair['language']]}",
                  qualified_name=learned["name"], function_hash=f"h{index}", source_code=learned["source"],
                  candidate_code=learned["candidate"], created=1_700_000_000.0 + index, id=f"lesson-{index:05d}")


def family(pair: dict[str, Any]) -> str:
    return "python" if pair["language"] == "python" else "c-family"


def rank_of(scores: Sequence[float], relevant: int) -> int:
    """1-based rank of the relevant lesson; ties count against it (a tie is not a win)."""
    target = scores[relevant]
    return 1 + sum(1 for i, s in enumerate(scores) if i != relevant and s >= target)


def score_matrix(relevance: Any, pairs: list[dict[str, Any]]) -> list[list[float]]:
    """scores[i][j]: function i against lesson j."""
    lessons = [as_lesson(p, i) for i, p in enumerate(pairs)]
    return [relevance.scores(p["function"], lessons) for p in pairs]


def quality(scores: list[list[float]]) -> tuple[float, dict[int, float]]:
    ranks = [rank_of(row, i) for i, row in enumerate(scores)]
    mrr = sum(1.0 / r for r in ranks) / len(ranks)
    recall = {k: sum(1 for r in ranks if r <= k) / len(ranks) for k in RECALL_AT}
    return mrr, recall


def calibrate(scores: list[list[float]], pairs: list[dict[str, Any]], share: float = 0.95) -> tuple[float, float]:
    """(floor, share of relevant lessons at or above it): the floor is the `share` quantile of
    the scores of same-family distractors."""
    distractors = sorted(scores[i][j] for i in range(len(pairs)) for j in range(len(pairs))
                         if i != j and family(pairs[i]) == family(pairs[j]))
    floor = distractors[min(len(distractors) - 1, int(share * len(distractors)))]
    kept = sum(1 for i in range(len(pairs)) if scores[i][i] >= floor) / len(pairs)
    return floor, kept


def cost(make: Callable[[Any], Any], pairs: list[dict[str, Any]]) -> tuple[float, float, float]:
    """Cold, from-the-bank and warm seconds for one function against COST_LESSONS distinct lessons."""
    lessons = [as_lesson(pairs[i % len(pairs)], 10_000 + i, f" (seen on function {i})") for i in range(COST_LESSONS)]
    code = pairs[0]["function"]
    with tempfile.TemporaryDirectory() as folder:
        bank = LessonBank.open(Path(folder) / ".lessonl")
        try:
            cold = _timed(make(bank), code, lessons)
            again = make(bank)
            disk = _timed(again, code, lessons)
            warm = _timed(again, code, lessons)
        finally:
            bank.close()
    return cold, disk, warm


def _timed(relevance: Any, code: str, lessons: list[Lesson]) -> float:
    started = time.perf_counter()
    relevance.scores(code, lessons)
    return time.perf_counter() - started


def measure(name: str, make: Callable[[Any], Any], pairs: list[dict[str, Any]], note: str = "") -> Row:
    started = time.perf_counter()
    relevance = make(None)
    relevance.scores("int f() { return 0; }", [as_lesson(pairs[0], 99_999, " warm up")])  # loads a model lazily
    load = time.perf_counter() - started
    scores = score_matrix(relevance, pairs)
    mrr, recall = quality(scores)
    floor, kept = calibrate(scores, pairs)
    cold, disk, warm = cost(make, pairs)
    return Row(name, mrr, recall, load, cold, disk, warm, note, floor, kept, float(getattr(relevance, "floor", 0.0)))


def chance_row(n: int) -> Row:
    """A random ranking, for scale: E[1/rank] = H(n)/n, recall@k = k/n."""
    harmonic = sum(1.0 / i for i in range(1, n + 1))
    return Row("chance", harmonic / n, {k: k / n for k in RECALL_AT}, 0.0, 0.0, 0.0, 0.0, "random order")


def backends(args: argparse.Namespace) -> list[tuple[str, Callable[[Any], Any], str]]:
    """(name, factory(bank_or_None), note) for each backend that can run here."""
    chosen: list[tuple[str, Callable[[Any], Any], str]] = [
        ("lexical", lambda bank: make_relevance({"backend": "lexical"}, bank), "term cosine, no model")]
    try:
        from lessonl_store import relevance_local

        relevance_local.locate_model_files()
        chosen.append(("local", lambda bank: make_relevance({"backend": "local"}, bank),
                       "MiniLM-L6 int8 ONNX, 1 thread"))
    except Exception as exc:  # noqa: BLE001 - reported in the table instead
        print(f"local backend skipped: {exc}", file=sys.stderr)
    if args.fake_endpoint:
        from tests.support.fake_openai import FakeOpenAI

        fake = FakeOpenAI().start()
        config = {"backend": "embeddings", "base_url": fake.base_url, "model": "fake-embed"}
        chosen.append(("endpoint", lambda bank: make_relevance(config, bank),
                       "FAKE server (hashed bag of words): plumbing check only, not quality"))
    elif args.endpoint and args.model:
        if endpoint_answers(args.endpoint, args.model):
            config = {"backend": "embeddings", "base_url": args.endpoint, "model": args.model,
                      "api_key_env": args.api_key_env}
            chosen.append(("endpoint", lambda bank: make_relevance(config, bank), f"{args.model} at {args.endpoint}"))
        else:
            print(f"endpoint backend skipped: {args.endpoint} does not answer embeddings for {args.model}",
                  file=sys.stderr)
    else:
        print("endpoint backend skipped: pass --endpoint URL --model NAME (or --fake-endpoint) to include one",
              file=sys.stderr)
    return chosen


def endpoint_answers(base_url: str, model: str) -> bool:
    from lessonl.localmodel.http import HttpFailure, request

    try:
        reply = request("POST", base_url.rstrip("/") + "/embeddings", body={"model": model, "input": ["probe"]},
                        timeout=10)
    except HttpFailure:
        return False
    return reply.status == 200


def print_table(rows: list[Row], pairs: int, calibration: bool) -> None:
    head = (f"{'backend':<9} {'MRR':>6} " + " ".join(f"{'R@' + str(k):>6}" for k in RECALL_AT)
            + f" {'load s':>7} {'cold s/1k':>10} {'bank s/1k':>10} {'warm s/1k':>10}  note")
    print(f"relevance quality on {pairs} (function, lesson) pairs, lessons ranked as production ranks them "
          f"(text + name + Code A + Code B, learned on another function); cost = one function vs "
          f"{COST_LESSONS} lessons")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r.backend:<9} {r.mrr:>6.3f} " + " ".join(f"{r.recall[k]:>6.2f}" for k in RECALL_AT)
              + f" {r.load_s:>7.3f} {r.cold_s:>10.3f} {r.disk_s:>10.3f} {r.warm_s:>10.4f}  {r.note}")
    if calibration:
        print("\nrelevance floor for lessons of other functions (95th percentile of same-family distractors):")
        for r in rows:
            if r.backend != "chance":
                print(f"  {r.backend:<9} calibrated {r.floor:.3f} (keeps {r.kept:.0%} of relevant lessons); "
                      f"shipped default {r.shipped_floor:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", help="OpenAI-compatible base URL with /embeddings")
    parser.add_argument("--model", help="embedding model name at --endpoint")
    parser.add_argument("--api-key-env", default="", help="variable holding the endpoint's key")
    parser.add_argument("--fake-endpoint", action="store_true",
                        help="the endpoint backend against the tests' fake server (plumbing only)")
    parser.add_argument("--calibrate", action="store_true", help="print each backend's calibrated floor")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    pairs = load_pairs()
    rows = [measure(name, make, pairs, note) for name, make, note in backends(args)]
    rows.append(chance_row(len(pairs)))
    if args.json:
        print(json.dumps([r.__dict__ for r in rows]))
    else:
        print_table(rows, len(pairs), args.calibrate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
