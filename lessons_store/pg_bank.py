"""The lesson bank a team shares, on PostgreSQL: every member's editor and every CI job read
and write it at once, from several machines.

- Writes that several processes make to the same lesson are single SQL statements computed in
  the database (`uses = uses + 1`, the factor from the stored speedup), taken in id order (no
  deadlock between two rounds adjusting overlapping lessons): no update is lost.
- A result is stored once per idempotency key (`ON CONFLICT DO NOTHING`): a retried job does
  not count twice.
- Each row carries the repository's id; with `share=True` selection also draws on the lessons
  of the other repositories in the database (new lessons are still written under this one).
- Selection: pg_select.py (candidates in SQL, the choice in Python, as on the diskcache bank).
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

from . import common, pg_schema, pg_select, pg_vectors
from .errors import bank_error, config_error
from .exchange import ImportReport
from .languages import family_of
from .lexindex import document_weights
from .records import Lesson, Provenance, StoredResult
from .relevance import Relevance
from .selection import relevance_floor, select_for_target, select_lessons

log = logging.getLogger("lessonl_store")
SCHEMES = ("postgresql://", "postgres://")
INSTALL_HINT = "pip install 'lessonl[team]' (psycopg 3 and psycopg-pool)"
NO_PGVECTOR = ("the PostgreSQL server at {where} has no pgvector extension: embeddings are stored as "
               "float arrays and scored in Python (every lesson of the language is compared per selection)")
_COLUMNS = "l.record, l.factor, l.uses, l.judged"
_RETRIES = 5


def redact(url: str) -> str:
    """The URL without its password (for messages and `location`)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _lesson(row: Sequence[Any]) -> Lesson:
    record = dict(row[0])
    record.update(factor=row[1], uses=row[2], judged=row[3])
    return Lesson.from_json(record)


# What selection reads of a candidate (the rest of the record is fetched for the chosen ones only).
_LIGHT = ("l.id, l.outcome, l.speedup, l.factor, l.uses, l.judged, l.created, l.file, l.qualified_name,"
          " coalesce(l.record ->> 'cpu', ''), coalesce(l.record ->> 'compiler', '')")


def _light(row: Sequence[Any]) -> Lesson:
    """A candidate with what selection compares (scores come from the database)."""
    return Lesson(text="", outcome=row[1], speedup=row[2], round=0, agent="", model="", file=row[7],
                  qualified_name=row[8], function_hash="", factor=row[3], uses=row[4], judged=row[5],
                  created=row[6], id=row[0], cpu=row[9], compiler=row[10])


def _row(repo: str, lesson: Lesson, maxima: dict[str, float]) -> tuple[Any, ...]:
    """The lesson's row (its term weights as the lexemes of `doc`, then its embedding text's
    hash); `maxima` gathers the largest weight of each term for the lexicon."""
    weights = document_weights(lesson)
    for term, weight in weights.items():
        if weight > maxima.get(term, 0.0):
            maxima[term] = weight
    return (repo, lesson.id, lesson.file, lesson.qualified_name, family_of(lesson.file) or "", lesson.outcome,
            float(lesson.speedup), float(lesson.factor), int(lesson.uses), int(lesson.judged), float(lesson.created),
            json.dumps(lesson.to_json()), json.dumps(weights), sorted(weights), pg_vectors.doc_hash(lesson))


_LEXICON_SQL = ("INSERT INTO lexicon (repo, term, max_weight) SELECT %s, t, w FROM unnest(%s::text[], %s::float8[])"
                " AS x(t, w) ON CONFLICT (repo, term) DO UPDATE"
                " SET max_weight = GREATEST(lexicon.max_weight, EXCLUDED.max_weight)")


def _raise_maxima(cur: Any, repo: str, maxima: dict[str, float]) -> None:
    terms = sorted(maxima)  # one order for every writer: no deadlock on the lexicon's rows
    cur.execute(_LEXICON_SQL, (repo, terms, [maxima[t] for t in terms]))


class PostgresBank:
    kind = "postgresql"

    def __init__(self, pool: Any, url: str, repo: str, share: bool, warnings: list[str],
                 pgvector: bool = False) -> None:
        self.pool = pool
        self.location = redact(url)
        self.repo = repo
        self.share = share
        self.warnings = warnings
        self.scan_limit = pg_select.SCAN_LIMIT  # lessons scored per selection at most (pg_select.py)
        self.pgvector = pgvector
        self._vector_warned = False

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str, *, repo: str, share: bool = False, migrate: bool = True,
             max_connections: int = 4, timeout: float = 30.0) -> "PostgresBank":
        """Connect (a pool of up to `max_connections`); with `migrate`, bring the schema up to
        date first (else a database behind this LessonL is an error naming `lessonl bank migrate`)."""
        if not repo:
            raise config_error("a PostgreSQL lesson bank needs a repository id", key="bank.repository")
        try:
            from psycopg_pool import ConnectionPool
        except ImportError as exc:
            raise config_error(f"[bank] url names PostgreSQL, but {exc.name} is not installed",
                               key="bank.url", hint=INSTALL_HINT) from exc
        where = redact(url)
        # prepare_threshold=None: no prepared statements; a generic plan of the candidate scan
        # (pg_select.RELEVANT_SQL) reads far more rows than the plan made for the query's terms.
        pool = ConnectionPool(url, min_size=1, max_size=max_connections, open=False, timeout=timeout,
                              kwargs={"autocommit": True, "prepare_threshold": None}, name="lessonl-bank")
        try:
            pool.open(wait=True, timeout=timeout)
        except Exception as exc:
            pool.close()
            raise bank_error(f"cannot connect to the lesson bank at {where}: {exc}",
                             key="bank.url", hint="check the URL, that the server runs, and PGPASSWORD") from exc
        warnings: list[str] = []
        vector = False
        try:
            with pool.connection() as conn:
                if migrate:
                    pg_schema.migrate(conn, where)
                version = pg_schema.current_version(conn)
                if version < pg_schema.LATEST:
                    raise bank_error(f"the lesson bank at {where} has schema {version}, this LessonL needs "
                                     f"{pg_schema.LATEST}", hint="run `lessonl bank migrate`")
                if version > pg_schema.LATEST:
                    raise bank_error(f"the lesson bank at {where} has schema {version}, newer than this "
                                     f"LessonL knows ({pg_schema.LATEST})", hint="upgrade lessonl")
                vector = pg_schema.use_pgvector(conn)
        except Exception:
            pool.close()
            raise
        return cls(pool, url, repo, share, warnings, vector)

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> "PostgresBank":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers -------------------------------------------------------------------------------
    def _scope(self) -> tuple[str, dict[str, Any]]:
        """The rows selection may read: this repository's, or every repository's when shared."""
        return ("TRUE", {}) if self.share else ("l.repo = %(repo)s", {"repo": self.repo})

    def _fetch(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self.pool.connection() as conn:
            return conn.execute(sql, params).fetchall()

    def _write(self, work: Any) -> Any:
        """Run `work(conn)` in a transaction, again when the server chose it as a deadlock or
        serialization victim (another writer's transaction went first)."""
        from psycopg import errors

        for attempt in range(_RETRIES):
            try:
                with self.pool.connection() as conn, conn.transaction():
                    return work(conn)
            except (errors.DeadlockDetected, errors.SerializationFailure):
                if attempt == _RETRIES - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))

    def _lessons_where(self, condition: str, params: dict[str, Any], order: str = "l.created, l.id") -> list[Lesson]:
        scope, scope_params = self._scope()
        rows = self._fetch(f"SELECT {_COLUMNS} FROM lessons l WHERE {scope} AND {condition} ORDER BY {order}",
                           {**scope_params, **params})
        return [_lesson(r) for r in rows]

    # -- lessons -------------------------------------------------------------------------------
    def add(self, lesson: Lesson) -> Lesson:
        self.add_many([lesson])
        return lesson

    def add_many(self, lessons: Sequence[Lesson]) -> None:
        if not lessons:
            return
        maxima: dict[str, float] = {}
        rows = [_row(self.repo, l, maxima) for l in lessons]

        def work(conn: Any) -> None:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO lessons (repo, id, file, qualified_name, family, outcome, speedup, factor, uses,"
                    " judged, created, record, terms, doc, doc_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                    " %s, %s::jsonb, %s::jsonb, array_to_tsvector(%s::text[]), %s) ON CONFLICT (repo, id) DO NOTHING",
                    rows)
                _raise_maxima(cur, self.repo, maxima)

        self._write(work)

    def bulk_load(self, lessons: Iterable[Lesson], batch: int = 20_000) -> int:
        """Many lessons at once with COPY (a team's first import, benchmarks); no duplicate check."""
        count = 0
        pending: list[Lesson] = []

        def flush() -> None:
            maxima: dict[str, float] = {}
            with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                with cur.copy("COPY lessons (repo, id, file, qualified_name, family, outcome, speedup, factor,"
                              " uses, judged, created, record, terms, doc, doc_hash) FROM STDIN") as copy:
                    for lesson in pending:
                        row = _row(self.repo, lesson, maxima)
                        copy.write_row((*row[:13], " ".join("'" + t + "'" for t in row[13]), row[14]))  # tsvector text
                _raise_maxima(cur, self.repo, maxima)

        for lesson in lessons:
            pending.append(lesson)
            if len(pending) >= batch:
                flush()
                count += len(pending)
                pending = []
        if pending:
            flush()
            count += len(pending)
        return count

    def drop_search_indexes(self) -> None:
        """Before a bulk load into an idle database (a team's first import, a benchmark): the
        indexes are then built once (create_search_indexes) instead of row by row. Every
        repository's selection is slow until they are back."""
        with self.pool.connection() as conn:
            for name in pg_schema.LESSON_INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")

    def create_search_indexes(self) -> None:
        from psycopg import errors

        with self.pool.connection() as conn:
            for name, sql in pg_schema.LESSON_INDEXES.items():
                try:
                    conn.execute(sql)
                except errors.UndefinedObject:  # (repo, doc) needs btree_gin (migration 2)
                    if name != "lessons_doc":
                        raise
                    conn.execute(pg_schema.DOC_INDEX_WITHOUT_BTREE_GIN)
            conn.execute("ANALYZE lessons")
            conn.execute("ANALYZE lexicon")

    def get(self, lesson_id: str) -> Lesson | None:
        found = self._lessons_where("l.id = %(id)s", {"id": lesson_id})
        return found[0] if found else None

    def lessons(self) -> list[Lesson]:
        """All lessons (of this repository, or every one when shared), oldest first."""
        return self._lessons_where("TRUE", {})

    def count(self) -> int:
        scope, params = self._scope()
        return int(self._fetch(f"SELECT count(*) FROM lessons l WHERE {scope}", params)[0][0])

    def for_function(self, file: str, qualified_name: str) -> list[Lesson]:
        return self._lessons_where("l.file = %(file)s AND l.qualified_name = %(name)s",
                                   {"file": file, "name": qualified_name})

    def delete(self, lesson_ids: Iterable[str]) -> int:
        ids = sorted(set(lesson_ids))
        if not ids:
            return 0
        return self._write(lambda conn: conn.execute(
            "DELETE FROM lessons WHERE repo = %s AND id = ANY(%s)", (self.repo, ids)).rowcount)

    def prune(self, older_than_days: float | None = None, outcome: str | None = None,
              keep_top: int | None = None, function: tuple[str, str] | None = None) -> int:
        """As the diskcache bank's, over this repository's own lessons (also when shared)."""
        rows = self._fetch(f"SELECT {_COLUMNS} FROM lessons l WHERE l.repo = %s ORDER BY l.created, l.id", (self.repo,))
        return self.delete(common.prune_ids([_lesson(r) for r in rows], older_than_days, outcome, keep_top, function))

    # -- selection -------------------------------------------------------------------------------
    def select(self, k: int, code: str, relevance: Relevance, significant: float = 1.1,
               exclude_ids: Iterable[str] = (), function: tuple[str, str] | None = None,
               prefer: Provenance | None = None) -> list[Lesson]:
        """The same choice as the diskcache bank's (selection.py), from candidates the database
        finds (pg_select.py)."""
        if k <= 0:
            return []
        excluded = set(exclude_ids)
        if function is None:
            pool = [l for l in self.lessons() if l.id not in excluded]
            return select_lessons(pool, k, code, relevance, significant, prefer=prefer)
        family = family_of(function[0])
        floor = relevance_floor(relevance)
        if getattr(relevance, "name", "") == "lexical" and floor > 0.0:
            own_all, others, relevance = self._scored_candidates(k, code, relevance, significant, function, family)
        elif self.pgvector and family and floor > 0.0 and pg_vectors.scores_in_database(relevance):
            own_all = self.for_function(*function)
            others, relevance = self._vector_candidates(k, code, relevance, significant, function, family)
        else:  # other backends score in Python: every lesson of the family is a candidate
            own_all = self.for_function(*function)
            others = self._lessons_where("l.family = %(family)s AND NOT (l.file = %(file)s AND"
                                         " l.qualified_name = %(name)s)",
                                         {"family": family, "file": function[0], "name": function[1]}) if family else []
        own = [l for l in own_all if l.id not in excluded]
        skip = excluded | {l.id for l in own_all}
        others = [l for l in others if l.id not in skip]
        chosen = select_for_target(own, others, k, code, relevance, significant, exclude=skip, family=None,
                                   prefer=prefer)
        if chosen and not chosen[0].text:  # light candidates: the chosen ones in full
            full = {l.id: l for l in self._lessons_where("l.id = ANY(%(ids)s)", {"ids": [l.id for l in chosen]})}
            chosen = [full[l.id] for l in chosen if l.id in full]
        return chosen

    def _scored_candidates(self, k: int, code: str, relevance: Relevance, significant: float,
                           function: tuple[str, str], family: str | None) -> tuple[list[Lesson], list[Lesson], Any]:
        """(the function's own lessons, the candidate others oldest first, a relevance with the
        scores the database computed)."""
        scope, scope_params = self._scope()
        query_terms = sorted(pg_select.query_weights(code))
        rows = self._fetch(f"SELECT term, max(max_weight) FROM lexicon l WHERE {scope} AND term = ANY(%(terms)s)"
                           " GROUP BY term", {**scope_params, "terms": query_terms})
        params = pg_select.candidate_params(code, {t: w for t, w in rows}, relevance_floor(relevance))
        score = pg_select.score_expression(params.pop("n_terms"))
        base = {**scope_params, **params, "family": family or "", "file": function[0], "name": function[1],
                "significant": significant, "scan": self.scan_limit}
        scores: dict[str, float] = {}
        own_rows = self._fetch(f"SELECT {_LIGHT}, ({score}) FROM lessons l WHERE {scope} AND l.file = %(file)s"
                               f" AND l.qualified_name = %(name)s ORDER BY l.created, l.id", base)
        own = []
        for row in own_rows:
            lesson = _light(row)
            scores[lesson.id] = float(row[11])
            own.append(lesson)
        found: dict[str, Lesson] = {}
        if family and params["tsq"] is not None:
            for template, limit in ((pg_select.RELEVANT_SQL, k + pg_select.RELEVANT_EXTRA),
                                    (pg_select.SPEED_SQL, pg_select.speed_limit(k))):
                sql = template.format(columns=_LIGHT, scope=scope, score=score)
                for row in self._fetch(sql, {**base, "limit": limit}):
                    lesson = _light(row)
                    scores[lesson.id] = float(row[11])
                    found[lesson.id] = lesson
        others = sorted(found.values(), key=lambda l: (l.created, l.id))
        return own, others, pg_select.ScoredRelevance(relevance, scores)

    def _vector_candidates(self, k: int, code: str, relevance: Any, significant: float,
                           function: tuple[str, str], family: str) -> tuple[list[Lesson], Any]:
        """(the candidate others oldest first, a relevance with their scores): the embeddings
        backend's search done by pgvector (pg_vectors.py)."""
        scope, scope_params = self._scope()
        base = {**scope_params, "family": family, "file": function[0], "name": function[1],
                "prefix": f"{relevance.model}:"}
        pg_vectors.embed_missing(relevance, self._lessons_where(pg_vectors.MISSING_CONDITION, base))
        query = [float(x) for x in relevance.embed([code])[0]]
        params = {**base, "query": query, "floor": relevance_floor(relevance) - pg_vectors.MARGIN,
                  "significant": significant}
        found: dict[str, tuple[list[float], Lesson]] = {}
        for template, limit in ((pg_vectors.RELEVANT_SQL, k + pg_select.RELEVANT_EXTRA),
                                (pg_vectors.SPEED_SQL, pg_select.speed_limit(k))):
            for row in self._fetch(template.format(columns=_LIGHT, scope=scope), {**params, "limit": limit}):
                lesson = _light(row)
                found[lesson.id] = (list(row[11]), lesson)
        others = sorted((l for _, l in found.values()), key=lambda l: (l.created, l.id))
        return others, pg_select.ScoredRelevance(relevance, pg_vectors.python_scores(query, list(found.values())))

    # -- effectiveness and usage: one statement each, computed in the database -------------------
    def _scoped_ids(self) -> str:
        return "TRUE" if self.share else "repo = %(repo)s"

    def adjust_factors(self, lesson_ids: Sequence[str], new_speedups: Sequence[float]) -> None:
        """selection.adjusted_factor in SQL: the mean over the round's speedups of 1.1 (beat the
        lesson's own speedup) or 0.9; `judged` counts the adjustments."""
        ids, speedups = sorted(set(lesson_ids)), [float(s) for s in new_speedups]
        if not ids or not speedups:
            return
        sql = (f"UPDATE lessons SET factor = (SELECT avg(CASE WHEN s > lessons.speedup THEN 1.1 ELSE 0.9 END)"
               f" FROM unnest(%(speedups)s::float8[]) AS s), judged = judged + 1"
               f" WHERE (repo, id) IN (SELECT repo, id FROM lessons WHERE {self._scoped_ids()}"
               f" AND id = ANY(%(ids)s) ORDER BY repo, id FOR UPDATE)")
        self._write(lambda conn: conn.execute(sql, {"repo": self.repo, "ids": ids, "speedups": speedups}))

    def mark_used(self, lesson_ids: Sequence[str]) -> None:
        ids = sorted(set(lesson_ids))
        if not ids:
            return
        sql = (f"UPDATE lessons SET uses = uses + 1 WHERE (repo, id) IN (SELECT repo, id FROM lessons"
               f" WHERE {self._scoped_ids()} AND id = ANY(%(ids)s) ORDER BY repo, id FOR UPDATE)")
        self._write(lambda conn: conn.execute(sql, {"repo": self.repo, "ids": ids}))

    # -- results -------------------------------------------------------------------------------
    def save_result(self, result: StoredResult) -> bool:
        """False when a result with the same idempotency key (or id) is stored already."""
        row = (self.repo, result.id, result.idempotency_key, result.file, result.qualified_name,
               result.new_function_hash, bool(result.improved), float(result.created), json.dumps(result.to_json()))
        return bool(self._write(lambda conn: conn.execute(
            "INSERT INTO results (repo, id, key, file, qualified_name, new_function_hash, improved, created, record)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING", row).rowcount))

    def _results_where(self, condition: str, params: tuple[Any, ...]) -> list[StoredResult]:
        rows = self._fetch(f"SELECT record FROM results WHERE repo = %s AND {condition} ORDER BY created, id",
                           (self.repo, *params))
        return [StoredResult.from_json(r[0]) for r in rows]

    def get_result(self, result_id: str) -> StoredResult | None:
        found = self._results_where("id = %s", (result_id,))
        return found[0] if found else None

    def results_for(self, file: str, qualified_name: str) -> list[StoredResult]:
        return self._results_where("file = %s AND qualified_name = %s", (file, qualified_name))

    def latest_result(self, file: str, qualified_name: str, function_hash: str | None = None) -> StoredResult | None:
        results = self.results_for(file, qualified_name)
        if function_hash:
            results = common.merge_results(results, self._results_where("new_function_hash = %s", (function_hash,)))
        return common.pick_latest(results)

    def all_results(self) -> list[StoredResult]:
        return self._results_where("TRUE", ())

    # -- embeddings ----------------------------------------------------------------------------
    def _vectors_in_python(self) -> None:
        """Say once, when an embeddings backend first uses the bank without pgvector, that vectors
        are compared in Python (the lexical backend never needs vectors: no warning for it)."""
        if not self.pgvector and not self._vector_warned:
            self._vector_warned = True
            message = NO_PGVECTOR.format(where=self.location)
            log.warning(message)
            self.warnings.append(message)

    def get_embedding(self, key: str) -> list[float] | None:
        self._vectors_in_python()
        rows = self._fetch("SELECT vector FROM embeddings WHERE key = %s", (key,))
        return list(rows[0][0]) if rows else None

    def put_embedding(self, key: str, vector: list[float]) -> None:
        """Stored as floats (what get_embedding returns exactly) and, with pgvector, as a `vector`
        too (what selection's SQL compares)."""
        self._vectors_in_python()
        values = [float(x) for x in vector]
        if self.pgvector:
            sql = ("INSERT INTO embeddings (key, vector, embedding) VALUES (%s, %s, %s::float8[]::vector)"
                   " ON CONFLICT (key) DO NOTHING")
            self._write(lambda conn: conn.execute(sql, (key, values, values)))
            return
        self._write(lambda conn: conn.execute(
            "INSERT INTO embeddings (key, vector) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING", (key, values)))

    # -- exchange and overview -----------------------------------------------------------------
    def export_jsonl(self, path: str | Path) -> int:
        return common.export_jsonl(self, path)

    def import_jsonl(self, path: str | Path) -> ImportReport:
        return common.import_into(self, common.read_export(path))

    def stats(self) -> dict[str, Any]:
        results = int(self._fetch("SELECT count(*) FROM results WHERE repo = %(repo)s", {"repo": self.repo})[0][0])
        stats = common.stats_of(self.lessons(), results, self.location)
        stats["repository"] = self.repo
        stats["shared"] = self.share
        return stats


def migrate_database(url: str) -> tuple[int, list[pg_schema.Migration]]:
    """(the schema version before, the migrations applied now) for the database at `url`."""
    try:
        import psycopg
    except ImportError as exc:
        raise config_error(f"PostgreSQL needs {exc.name}, which is not installed", key="bank.url",
                           hint=INSTALL_HINT) from exc
    where = redact(url)
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=30)
    except Exception as exc:
        raise bank_error(f"cannot connect to the lesson bank at {where}: {exc}", key="bank.url",
                         hint="check the URL, that the server runs, and PGPASSWORD") from exc
    with conn:
        before = pg_schema.current_version(conn)
        return before, pg_schema.migrate(conn, where)


def status(bank: PostgresBank) -> dict[str, Any]:
    """What `lessonl bank status` shows about a PostgreSQL bank."""
    with bank.pool.connection() as conn:
        version = pg_schema.current_version(conn)
        lessons = conn.execute("SELECT count(*) FROM lessons WHERE repo = %s", (bank.repo,)).fetchone()[0]
        everyone = conn.execute("SELECT count(*), count(DISTINCT repo) FROM lessons").fetchone()
        results = conn.execute("SELECT count(*) FROM results WHERE repo = %s", (bank.repo,)).fetchone()[0]
        vector = conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
    return {"kind": bank.kind, "location": bank.location, "schema": version, "latest_schema": pg_schema.LATEST,
            "repository": bank.repo, "shared": bank.share, "lessons": int(lessons), "results": int(results),
            "lessons_all_repositories": int(everyone[0]), "repositories": int(everyone[1]),
            "pgvector": bool(vector)}
