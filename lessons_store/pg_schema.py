"""The PostgreSQL bank's schema, created and migrated by LessonL.

Migrations are ordered SQL, applied in one transaction each under an advisory lock (several
processes opening a new bank at once apply each migration once), and recorded in
`schema_version`. A database whose schema is newer than this LessonL knows is refused, so an
old client never writes rows it does not understand.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import bank_error

LOCK_KEY = 0x1E550_4B  # pg_advisory_xact_lock key of LessonL's migrations


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "lessons, results, lexicon, embeddings", """
CREATE TABLE lessons (
    repo text NOT NULL,                 -- the repository that learned it (see lessonl.bankaccess)
    id text NOT NULL,
    file text NOT NULL,
    qualified_name text NOT NULL,
    family text NOT NULL DEFAULT '',    -- language family of `file` ('' when none)
    outcome text NOT NULL,
    speedup double precision NOT NULL,
    factor double precision NOT NULL DEFAULT 1.0,
    uses integer NOT NULL DEFAULT 0,
    judged integer NOT NULL DEFAULT 0,
    created double precision NOT NULL,
    record jsonb NOT NULL,              -- the whole lesson (factor, uses, judged: the columns win)
    terms jsonb NOT NULL,               -- lexical term -> weight (lessonl_store.lexindex)
    doc tsvector NOT NULL,              -- the same terms, for the GIN index
    PRIMARY KEY (repo, id)
);
CREATE INDEX lessons_function ON lessons (repo, file, qualified_name, created, id);
CREATE INDEX lessons_age ON lessons (repo, created, id);
CREATE INDEX lessons_doc ON lessons USING gin (doc);
CREATE INDEX lessons_speed ON lessons (repo, family, (speedup * factor) DESC, created, id)
    WHERE outcome = 'faster';
-- The largest weight of each term in a repository's lessons: the MaxScore bound that tells
-- which query terms a lesson must hold to reach the relevance floor.
CREATE TABLE lexicon (
    repo text NOT NULL,
    term text NOT NULL,
    max_weight double precision NOT NULL,
    PRIMARY KEY (repo, term)
);
CREATE TABLE results (
    repo text NOT NULL,
    id text NOT NULL,
    key text NOT NULL,                  -- idempotency key: a retried job's result is stored once
    file text NOT NULL,
    qualified_name text NOT NULL,
    new_function_hash text,
    improved boolean NOT NULL,
    created double precision NOT NULL,
    record jsonb NOT NULL,
    PRIMARY KEY (repo, id),
    UNIQUE (repo, key)
);
CREATE INDEX results_function ON results (repo, file, qualified_name);
CREATE INDEX results_hash ON results (repo, new_function_hash);
CREATE TABLE embeddings (
    key text PRIMARY KEY,               -- model:sha256 of the text
    vector double precision[] NOT NULL
);
CREATE TABLE bank_meta (
    name text PRIMARY KEY,
    value text NOT NULL
);
"""),
    # One repository's matches straight from the index: with btree_gin (PostgreSQL's contrib, a
    # trusted extension) the GIN index holds (repo, doc), so a query reads only its repository's
    # postings instead of every repository's. Without it, lessons_doc stays on doc alone.
    Migration(2, "lessons_doc on (repo, doc) where btree_gin is available", """
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS btree_gin;
    DROP INDEX IF EXISTS lessons_doc;
    CREATE INDEX lessons_doc ON lessons USING gin (repo, doc);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'btree_gin is not available (%): lessons_doc stays on doc alone', SQLERRM;
END
$$;
"""),
)
LATEST = MIGRATIONS[-1].version

DOC_INDEX_WITHOUT_BTREE_GIN = "CREATE INDEX IF NOT EXISTS lessons_doc ON lessons USING gin (doc)"
# The lessons table's secondary indexes as the migrations leave them: a bulk load drops them and
# builds them once afterwards (PostgresBank.drop_search_indexes / create_search_indexes).
LESSON_INDEXES = {
    "lessons_function": "CREATE INDEX IF NOT EXISTS lessons_function ON lessons (repo, file, qualified_name, created, id)",
    "lessons_age": "CREATE INDEX IF NOT EXISTS lessons_age ON lessons (repo, created, id)",
    "lessons_doc": "CREATE INDEX IF NOT EXISTS lessons_doc ON lessons USING gin (repo, doc)",
    "lessons_speed": "CREATE INDEX IF NOT EXISTS lessons_speed ON lessons (repo, family, (speedup * factor) DESC, "
                     "created, id) WHERE outcome = 'faster'",
}


def current_version(conn: Any) -> int:
    """The schema's version; 0 for a database LessonL has not set up."""
    exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: Any, location: str) -> list[Migration]:
    """Apply the migrations this database lacks; returns those applied (none when current)."""
    applied: list[Migration] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute("""CREATE TABLE IF NOT EXISTS schema_version (
            version integer PRIMARY KEY,
            description text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())""")
        version = current_version(conn)
        if version > LATEST:
            raise bank_error(f"the lesson bank at {location} has schema {version}, newer than this "
                             f"LessonL knows ({LATEST})", hint="upgrade lessonl on this machine")
        for migration in MIGRATIONS:
            if migration.version > version:
                conn.execute(migration.sql)
                conn.execute("INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                             (migration.version, migration.description))
                applied.append(migration)
    return applied


def has_pgvector(conn: Any) -> bool:
    """Whether the server has the pgvector extension (installed or installable here)."""
    try:
        with conn.transaction():
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        return True
    except Exception:  # not installed on the server, or no right to create it
        return False
