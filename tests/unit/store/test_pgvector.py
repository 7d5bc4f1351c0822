"""The PostgreSQL bank's pgvector path, against a real pgvector-enabled server (the pgserver wheel's
PostgreSQL 16, tests/support/postgres.py) and the real fake-OpenAI embeddings endpoint: the
database compares the vectors, and the lessons chosen are those the Python fallback (Debian's
PostgreSQL without pgvector) and the diskcache bank choose from the same vectors."""
from __future__ import annotations

import random
import uuid

import pytest

from lessonl_store import LessonBank, make_relevance, open_bank
from lessonl_store import pg_schema, pg_select, pg_vectors
from lessonl_store.languages import family_of
from lessonl_store.selection import select_for_target
from tests.support.fake_openai import FakeOpenAI
from tests.support.postgres import pgvector_server, pgvector_url  # noqa: F401  (session fixtures)

from .conftest import lesson

WORDS = ("matrix loop tile cache vector simd unroll branch hash table string join sort merge heap "
         "stack queue bitset prefix sum stride row column block transpose reduce scan").split()
FILES = ("kernels.cpp", "blas.cpp", "text.cpp", "graph.cpp")
NAMES = ("matmul", "gemv", "concat", "bfs", "scan", "sort")
FLOOR = 0.3


@pytest.fixture
def fake():
    with FakeOpenAI(embedding_dim=64) as server:
        yield server


@pytest.fixture
def vector_bank(pgvector_url):  # noqa: F811
    opened = open_bank(pgvector_url, repo=f"test/{uuid.uuid4().hex}")
    yield opened
    opened.close()


def corpus(seed: int, count: int) -> list:
    rng = random.Random(seed)
    lessons = []
    for i in range(count):
        words = rng.sample(WORDS, rng.randint(2, 6))
        lessons.append(lesson(" ".join(words) + f" #{i}", speedup=round(rng.uniform(0.8, 4.0), 3),
                              outcome=rng.choice(["faster", "faster", "slower", "failed"]),
                              file=rng.choice(FILES), name=rng.choice(NAMES),
                              code=" ".join(rng.sample(WORDS, 3)), factor=rng.choice([0.9, 1.0, 1.1])))
    return lessons


def relevance(fake: FakeOpenAI, bank, model: str = "emb-a"):
    return make_relevance({"backend": "embeddings", "base_url": fake.base_url, "model": model,
                           "floor": FLOOR}, bank)


def test_the_extension_is_found_and_vectors_get_a_vector_column(vector_bank, fake):
    import psycopg

    from lessonl_store.pg_bank import status

    assert vector_bank.pgvector
    assert status(vector_bank)["pgvector"] is True
    model = f"emb-{uuid.uuid4().hex[:8]}"  # the database is the session's: count this test's vectors
    rel = relevance(fake, vector_bank, model)
    rel.scores("matrix loop", [lesson("tile the matrix loop")])
    assert vector_bank.warnings == []  # the fallback's warning is for servers without pgvector
    with psycopg.connect(pgvector_url_of(vector_bank), autocommit=True) as conn:
        kind = conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE"
                            " attrelid = 'embeddings'::regclass AND attname = 'embedding'").fetchone()[0]
        assert kind == "vector"  # untyped: every model's dimension in one table
        stored = conn.execute("SELECT count(*) FROM embeddings WHERE key LIKE %s AND embedding IS NOT NULL"
                              " AND vector_dims(embedding) = 64", (model + ":%",)).fetchone()[0]
    assert stored == 2  # the code and the lesson


def pgvector_url_of(bank) -> str:
    with bank.pool.connection() as conn:
        info = conn.info
        return f"postgresql://{info.user}@{info.host}:{info.port}/{info.dbname}"


def test_the_hash_written_by_python_equals_the_migrations_sql(vector_bank):
    odd = lesson("Ünïcode — and\nnewlines", code="for (i = 0; i < n; ++i)\n\ta[i] += b[i];", name="ns::f<int>",
                 candidate_code="x' OR 1=1 --")
    vector_bank.add_many([odd, lesson("plain")])
    vector_bank.bulk_load([lesson("loaded with COPY", code="ç")])
    with vector_bank.pool.connection() as conn:
        rows = conn.execute(f"SELECT l.id, l.doc_hash, {pg_schema.DOC_HASH_SQL} FROM lessons l WHERE l.repo = %s",
                            (vector_bank.repo,)).fetchall()
    assert len(rows) == 3
    for _, written, computed in rows:
        assert written == computed
    assert {r[0]: r[1] for r in rows}[odd.id] == pg_vectors.doc_hash(odd)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_lessons_as_the_python_fallback_and_the_diskcache_bank(seed, vector_bank, postgres_url, tmp_path,
                                                                        fake):
    plain = open_bank(postgres_url, repo=f"test/{uuid.uuid4().hex}")
    disk = LessonBank.open(tmp_path / ".lessonl")
    try:
        if plain.pgvector:
            pytest.skip("the plain PostgreSQL server has pgvector: no fallback to compare with")
        lessons = corpus(seed, 150)
        for bank in (vector_bank, plain, disk):
            bank.add_many(lessons)
        rng = random.Random(seed * 7)
        compared = 0
        for _ in range(8):
            code = " ".join(rng.sample(WORDS, 4))
            function = (rng.choice(FILES), rng.choice(NAMES))
            for k in (1, 4, 9):
                chosen = [[l.id for l in bank.select(k, code, relevance(fake, bank), function=function)]
                          for bank in (vector_bank, plain, disk)]
                assert chosen[0] == chosen[1] == chosen[2], (code, function, k)
                compared += bool(chosen[0])
        assert compared > 10  # most queries chose something: the comparison is not of empty lists
        assert any("no pgvector" in w for w in plain.warnings) and vector_bank.warnings == []
    finally:
        plain.close()
        disk.close()


def test_the_database_returns_a_few_candidates_not_the_whole_language(vector_bank, fake):
    lessons = corpus(5, 300)
    vector_bank.add_many(lessons)
    rel = relevance(fake, vector_bank)
    k, code, function = 4, "matrix loop tile cache", ("kernels.cpp", "matmul")
    others, scored = vector_bank._vector_candidates(k, code, rel, 1.1, function, family_of(function[0]))
    family = [l for l in lessons if l.file.endswith(".cpp") and (l.file, l.qualified_name) != function]
    assert len(others) <= k + pg_select.RELEVANT_EXTRA + pg_select.speed_limit(k) < len(family)
    exact = dict(zip((l.id for l in family), rel.scores(code, family)))
    best = sorted(family, key=lambda l: (-exact[l.id], l.created, l.id))[:k]
    assert {l.id for l in best} <= {l.id for l in others}  # the most similar are among them
    for candidate in others:
        assert exact[candidate.id] >= FLOOR
        assert scored.known[candidate.id] == pytest.approx(exact[candidate.id], abs=1e-12)


def test_several_models_of_different_dimensions_share_the_table(vector_bank, fake):
    lessons = corpus(9, 60)
    vector_bank.add_many(lessons)
    with FakeOpenAI(embedding_dim=16) as small:
        code, function = "sort merge heap string", ("text.cpp", "concat")
        wide = vector_bank.select(5, code, relevance(fake, vector_bank, "emb-wide"), function=function)
        narrow = vector_bank.select(5, code, relevance(small, vector_bank, "emb-narrow"), function=function)
        assert wide and narrow
        with vector_bank.pool.connection() as conn:
            dims = dict(conn.execute("SELECT split_part(key, ':', 1), max(vector_dims(embedding)) FROM embeddings"
                                     " WHERE key LIKE 'emb-wide:%' OR key LIKE 'emb-narrow:%' GROUP BY 1").fetchall())
        assert dims == {"emb-wide": 64, "emb-narrow": 16}
        # each model's choice is the fallback's for that model's vectors
        for server, model, got in ((fake, "emb-wide", wide), (small, "emb-narrow", narrow)):
            rel = relevance(server, vector_bank, model)
            own = vector_bank.for_function(*function)
            others = [l for l in vector_bank.lessons() if l.file.endswith(".cpp")
                      and (l.file, l.qualified_name) != function]
            expected = select_for_target(own, others, 5, code, rel, 1.1, exclude={l.id for l in own})
            assert [l.id for l in got] == [l.id for l in expected]


def test_vectors_stored_before_the_extension_are_used_and_the_column_comes_back(vector_bank, fake):
    """A bank migrated on a server without pgvector has float arrays only: opening it on a server
    that has the extension adds the column and fills it."""
    vector_bank.add_many(corpus(11, 40))
    rel = relevance(fake, vector_bank)
    code, function = "row column block transpose", ("blas.cpp", "gemv")
    before = [l.id for l in vector_bank.select(5, code, rel, function=function)]
    url = pgvector_url_of(vector_bank)
    with vector_bank.pool.connection() as conn:
        conn.execute("ALTER TABLE embeddings DROP COLUMN embedding")
        assert not pg_schema.has_vector_column(conn)
    reopened = open_bank(url, repo=vector_bank.repo)
    try:
        assert reopened.pgvector
        with reopened.pool.connection() as conn:
            empty = conn.execute("SELECT count(*) FROM embeddings WHERE embedding IS NULL").fetchone()[0]
        assert empty == 0
        assert [l.id for l in reopened.select(5, code, relevance(fake, reopened), function=function)] == before
    finally:
        reopened.close()
