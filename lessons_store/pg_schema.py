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
    # The pgvector path (pg_vectors.py): each lesson's embedding text hash, so the database can
    # join a lesson to its cached vector (embeddings.key = model || ':' || doc_hash); existing rows
    # get it from the same text in SQL (DOC_HASH_SQL). The `vector` column is added only where the
    # extension exists (VECTOR_COLUMN_SQL, again at open for a server that gains it later).
    Migration(3, "lessons.doc_hash; embeddings.embedding (pgvector) where the extension exists", """
ALTER TABLE lessons ADD COLUMN doc_hash text;
UPDATE lessons l SET doc_hash = {doc_hash};
ALTER TABLE lessons ALTER COLUMN doc_hash SET NOT NULL;
{vector_column}
"""),
)
LATEST = MIGRATIONS[-1].version

# sha256 of relevance.lesson_document(lesson) (text, qualified name, source, candidate joined by
# newlines, UTF-8), as hexadecimal: the hash EmbeddingCache.key puts after the model's name.
DOC_HASH_SQL = ("encode(sha256(convert_to(concat_ws(E'\\n', coalesce(l.record ->> 'text', ''), l.qualified_name,"
                " coalesce(l.record ->> 'source_code', ''), coalesce(l.record ->> 'candidate_code', '')),"
                " 'UTF8')), 'hex')")
# An untyped `vector` column: one table holds every model's vectors whatever their dimension.
VECTOR_COLUMN_SQL = """
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS vector;
    ALTER TABLE embeddings ADD COLUMN IF NOT EXISTS embedding vector;
    UPDATE embeddings SET embedding = vector::vector WHERE embedding IS NULL;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pgvector is not available (%): embeddings stay float arrays scored in Python', SQLERRM;
END
$$;
"""

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
                conn.execute(migration.sql.replace("{doc_hash}", DOC_HASH_SQL)
                             .replace("{vector_column}", VECTOR_COLUMN_SQL))
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


def has_vector_column(conn: Any) -> bool:
    row = conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'embeddings'"
                       " AND column_name = 'embedding' AND table_schema = current_schema()").fetchone()
    return bool(row[0])


def use_pgvector(conn: Any) -> bool:
    """Whether this bank stores and scores vectors with pgvector: the extension exists and the
    embeddings table has its `vector` column (added now, under the migrations' lock, when the
    server gained the extension after migration 3 ran)."""
    if not has_pgvector(conn):
        return False
    if not has_vector_column(conn):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            conn.execute(VECTOR_COLUMN_SQL)
    return has_vector_column(conn)
