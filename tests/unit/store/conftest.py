from __future__ import annotations

import itertools

import pytest

from lessonl_store import Lesson, LessonBank

_clock = itertools.count(1_700_000_000)


def lesson(text: str, speedup: float = 1.0, outcome: str = "faster", file: str = "k.cpp",
           name: str = "matmul", code: str = "", factor: float = 1.0, **kw) -> Lesson:
    return Lesson(text=text, outcome=outcome, speedup=speedup, round=0, agent="a", model="m", file=file,
                  qualified_name=name, function_hash="h-" + name, source_code=code, factor=factor,
                  created=float(next(_clock)), **kw)


@pytest.fixture
def bank(tmp_path):
    opened = LessonBank.open(tmp_path / ".lessonl")
    yield opened
    opened.close()
