from __future__ import annotations

import itertools
import uuid

import pytest

import lessonl.storewiring  # noqa: F401  (the bank learns which language a file is in)
from lessonl_store import Lesson, LessonBank

_clock = itertools.count(1_700_000_000)


def lesson(text: str, speedup: float = 1.0, outcome: str = "faster", file: str = "k.cpp",
           name: str = "matmul", code: str = "", factor: float = 1.0, **kw) -> Lesson:
    return Lesson(text=text, outcome=outcome, speedup=speedup, round=0, agent="a", model="m", file=file,
                  qualified_name=name, function_hash="h-" + name, source_code=code, factor=factor,
                  created=float(next(_clock)), **kw)


from tests.support.postgres import postgres_server, postgres_url  # noqa: E402,F401  (session fixtures)


@pytest.fixture
def disk_bank(tmp_path):
    """The diskcache bank, for what only it has (chunks, a corrupt folder moved aside)."""
    opened = LessonBank.open(tmp_path / ".lessonl")
    yield opened
    opened.close()


@pytest.fixture(params=["diskcache", "postgresql"])
def bank(request, tmp_path):
    """Each bank in turn: the suite that uses it is the shared one, and both must pass it. On
    PostgreSQL, each test is a repository of its own in one database (repository ids keep
    repositories apart, as in a team's bank)."""
    if request.param == "diskcache":
        opened = LessonBank.open(tmp_path / ".lessonl")
    else:
        from lessonl_store import open_bank

        opened = open_bank(request.getfixturevalue("postgres_url"), repo=f"test/{uuid.uuid4().hex}")
    yield opened
    opened.close()
