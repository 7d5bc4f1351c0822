"""The cold path of selection: what one run computes, the next one does not compute again.

Lessons are tokenized once: the lexical index is kept in the bank per chunk and read back by a
new process; a chunk that changed is rebuilt from its stored weights plus its new lessons. In one
process (the language server), every LessonBank object on a bank shares its in-memory copy."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lessonl_store import LessonBank, make_relevance
from lessonl_store import languages, lexindex

from .conftest import lesson

REPO = Path(__file__).resolve().parents[3]
CODE = "void matmul(const double* a, const double* b, double* c, int n) { /* i j k loops */ }"

# In a fresh interpreter: count how many lessons get tokenized while selecting from the bank.
CHILD = textwrap.dedent("""
    import json, sys
    import lessonl.storewiring  # the caller hands the store its language families
    from lessonl_store import LessonBank, lexindex, make_relevance
    from lessonl_store import lexical
    calls = {"n": 0}
    real = lexindex.document_weights
    def counting(lesson):
        calls["n"] += 1
        return real(lesson)
    lexindex.document_weights = counting
    with LessonBank.open(sys.argv[1]) as bank:
        chosen = bank.select(3, sys.argv[2], make_relevance({"backend": "lexical"}, bank), function=("k.cpp", "matmul"))
    print(json.dumps({"tokenized": calls["n"], "chosen": [l.id for l in chosen]}))
""")


def select_in_new_process(path: Path) -> dict:
    import json

    out = subprocess.run([sys.executable, "-c", CHILD, str(path), CODE], capture_output=True, text=True,
                         check=True, cwd=REPO)
    return json.loads(out.stdout)


def fill(bank: LessonBank, n: int, start: int = 0) -> None:
    bank.add_many([lesson(f"Loop interchange over the matrix rows, variant {i} {'ab'[i % 2] * (i % 7)}",
                          speedup=1.0 + (i % 5) / 4, name=f"fn_{i % 40}", file="k.cpp", code=CODE)
                   for i in range(start, start + n)])


def test_a_new_process_reads_the_stored_index_instead_of_tokenizing_the_bank(tmp_path: Path) -> None:
    path = tmp_path / ".lessonl"
    with LessonBank.open(path) as bank:
        fill(bank, 2500)  # three chunks
    first = select_in_new_process(path)
    assert first["tokenized"] == 2500  # the first run ever builds the index, and stores it
    again = select_in_new_process(path)
    assert again == {"tokenized": 0, "chosen": first["chosen"]}
    with LessonBank.open(path) as bank:
        fill(bank, 3, start=2500)  # a later run adds lessons to the last chunk
    after = select_in_new_process(path)
    assert after["tokenized"] == 3  # only the new lessons


def test_an_index_written_by_another_weighting_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ".lessonl"
    with LessonBank.open(path) as bank:
        fill(bank, 20)
    select_in_new_process(path)
    monkeypatch.setattr(lexindex, "WEIGHTS_VERSION", lexindex.WEIGHTS_VERSION + 1)
    with LessonBank.open(path) as bank:
        assert lexindex.Segment.from_blob(bank.read_index(0)) is None  # stale: not trusted
        relevance = make_relevance({"backend": "lexical"}, bank)
        assert bank.select(3, CODE, relevance, function=("k.cpp", "matmul"))
        assert lexindex.Segment.from_blob(bank.read_index(0)) is not None  # rewritten in the new format


def test_bank_objects_in_one_process_share_what_was_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The language server opens the bank per job: the second job does not load it again."""
    from lessonl_store.records import Lesson

    path = tmp_path / ".lessonl"
    with LessonBank.open(path) as bank:
        fill(bank, 50)
        expected = [l.id for l in bank.select(3, CODE, make_relevance({"backend": "lexical"}, bank),
                                              function=("k.cpp", "matmul"))]

    def no_loading(*args: object) -> None:
        raise AssertionError("the bank was loaded again")

    monkeypatch.setattr(Lesson, "from_json", classmethod(no_loading))
    monkeypatch.setattr(lexindex, "document_weights", no_loading)
    with LessonBank.open(path) as second:
        relevance = make_relevance({"backend": "lexical"}, second)
        assert [l.id for l in second.select(3, CODE, relevance, function=("k.cpp", "matmul"))] == expected


def test_a_bank_recreated_at_the_same_path_is_another_bank(tmp_path: Path) -> None:
    path = tmp_path / ".lessonl"
    with LessonBank.open(path) as bank:
        old = bank.add(lesson("from the old bank"))
    shutil.rmtree(path)
    with LessonBank.open(path) as bank:
        new = bank.add(lesson("from the new bank"))  # chunk 0, version 1: like the old one
        assert [l.id for l in bank.lessons()] == [new.id] and bank.get(old.id) is None


def test_a_changed_document_invalidates_its_chunks_index(disk_bank: LessonBank) -> None:
    bank = disk_bank
    kept = bank.add(lesson("Loop interchange over the matrix rows.", code=CODE))
    relevance = make_relevance({"backend": "lexical"}, bank)
    assert bank.select(1, CODE, relevance, function=("k.cpp", "matmul"))
    assert bank.read_index(0) is not None
    bank.chunks.update_many({kept.id: {"text": "Something else entirely."}})
    assert bank.read_index(0) is None
    bank.chunks.update_many({kept.id: {"factor": 1.1}})  # not part of the document: index kept
    assert bank.select(1, CODE, relevance, function=("k.cpp", "matmul"))
    assert bank.read_index(0) is not None


def test_language_families_cover_every_extension_the_parsers_take() -> None:
    from lessonl.code.languages import supported_extensions

    for extension in supported_extensions():
        assert languages.family_of(f"src/x{extension}") in ("c-family", "python")
    assert languages.family_of("a.c") == languages.family_of("b.hpp") == "c-family"
    assert languages.family_of("t.py") == "python" and languages.family_of("notes.txt") is None


# ---- a round's writes keep the in-memory copy exact --------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lessonl_store.languages import family_of  # noqa: E402
from lessonl_store.lexical import LexicalRelevance  # noqa: E402
from lessonl_store.records import Lesson  # noqa: E402
from lessonl_store.selection import select_for_target  # noqa: E402

FUNCTIONS = [("k.cpp", "matmul"), ("k.cpp", "histogram"), ("lib/s.c", "total"), ("t.py", "join_words")]
TEXTS = ["loop interchange over the matrix rows", "one pass over the data per bin", "running sum in a local",
         "str.join instead of concatenation", "blocking the matrix into tiles"]
operations = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 3), st.integers(0, 4), st.booleans()),  # bool: older than all
    st.tuples(st.just("adjust"), st.integers(0, 10**6), st.sampled_from([0.0, 1.0, 2.5])),
    st.tuples(st.just("use"), st.integers(0, 10**6)),
    st.tuples(st.just("delete"), st.integers(0, 10**6)),
), min_size=1, max_size=25)


def aged(made: Lesson, created: float) -> Lesson:
    made.created = created
    return made


def from_disk(bank: LessonBank) -> list[Lesson]:
    """The bank's lessons read straight from its chunks, not through the in-memory copy."""
    found = [Lesson.from_json(d) for n in bank.chunks.versions() for d in bank.chunks.read(n).values()]
    return sorted(found, key=lambda l: (l.created, l.id))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_after_any_writes_the_copy_and_selection_match_the_disk(tmp_path_factory: pytest.TempPathFactory,
                                                                 ops: list[tuple]) -> None:
    path = tmp_path_factory.mktemp("writes") / ".lessonl"
    clock = [1_000.0]
    with LessonBank.open(path) as bank:
        relevance = make_relevance({"backend": "lexical"}, bank)
        bank.add_many([aged(lesson(TEXTS[i % 5], speedup=1.0 + i / 4, file=FUNCTIONS[i % 4][0],
                                   name=FUNCTIONS[i % 4][1], code=CODE), 900.0 + i) for i in range(12)])
        for op in ops:
            known = bank.lessons()
            if op[0] == "add":
                file, name = FUNCTIONS[op[1]]
                clock[0] += 1
                bank.add(aged(lesson(TEXTS[op[2]], speedup=1.4, file=file, name=name, code=CODE),
                              0.0 if op[3] else clock[0]))
            elif op[0] == "adjust" and known:
                bank.adjust_factors([known[op[1] % len(known)].id], [op[2]])
            elif op[0] == "use" and known:
                bank.mark_used([known[op[1] % len(known)].id])
            elif op[0] == "delete" and known:
                bank.delete([known[op[1] % len(known)].id])
            # after every write: what selection and the groupings see is what the disk holds
            # (and the selections warm the derived structures the next write must keep right)
            disk = from_disk(bank)
            assert [l.to_json() for l in bank.lessons()] == [l.to_json() for l in disk]
            for file, name in FUNCTIONS:
                own = [l for l in disk if (l.file, l.qualified_name) == (file, name)]
                assert [l.id for l in bank.for_function(file, name)] == [l.id for l in own]
                others = [l for l in disk if family_of(l.file) == family_of(file)]
                expected = select_for_target(own, others, 3, CODE, LexicalRelevance(), exclude={l.id for l in own})
                chosen = bank.select(3, CODE, relevance, function=(file, name))
                assert [l.id for l in chosen] == [l.id for l in expected]
