"""The bank keeps lessons and results on disk, across processes, and survives damage."""
import multiprocessing
import sqlite3

from lessonl_store import LessonBank, StoredResult

from .conftest import lesson


def test_lessons_persist_across_reopen(tmp_path):
    with LessonBank.open(tmp_path / "b") as bank:
        kept = bank.add(lesson("Swap the j and k loops.", speedup=3.2))
    with LessonBank.open(tmp_path / "b") as again:
        assert again.get(kept.id).text == "Swap the j and k loops."
        assert again.get(kept.id).speedup == 3.2
        assert again.count() == 1


def test_for_function_and_order(bank):
    first = bank.add(lesson("a", name="matmul"))
    bank.add(lesson("b", name="histogram"))
    second = bank.add(lesson("c", name="matmul"))
    assert [l.id for l in bank.for_function("k.cpp", "matmul")] == [first.id, second.id]


def test_many_lessons_span_chunks(disk_bank):
    bank = disk_bank
    bank.add_many([lesson(f"lesson {i}") for i in range(2500)])
    assert bank.count() == 2500
    assert len(bank.chunks.versions()) == 3


def _writer(path, prefix, n):
    with LessonBank.open(path) as bank:
        for i in range(n):
            bank.add(lesson(f"{prefix} {i}"))


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared"
    LessonBank.open(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, p, 40)) for p in ("cli", "server")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with LessonBank.open(path) as bank:
        texts = {l.text for l in bank.lessons()}
    assert len(texts) == 80


def test_a_reader_sees_another_process_writes(tmp_path):
    path = tmp_path / "b"
    reader = LessonBank.open(path)
    assert reader.count() == 0
    _writer(path, "other", 3)
    assert reader.count() == 3
    reader.close()


def test_corrupted_bank_is_moved_aside_and_a_fresh_one_started(tmp_path):
    path = tmp_path / ".lessonl"
    with LessonBank.open(path) as bank:
        bank.add(lesson("will be lost"))
    (path / "cache.db").write_bytes(b"this is not a database" * 100)
    with LessonBank.open(path) as bank:
        assert bank.count() == 0
        assert "moved to" in bank.warnings[0]
        bank.add(lesson("new"))
        assert bank.count() == 1
    assert any(p.name.startswith(".lessonl.corrupt-") for p in tmp_path.iterdir())


def test_migration_from_schema_0(tmp_path):
    import diskcache

    path = tmp_path / "old"
    cache = diskcache.Cache(str(path))
    old = lesson("from the old layout", speedup=2.0)
    cache.set(f"lesson:{old.id}", old.to_json())
    cache.close()
    with LessonBank.open(path) as bank:
        assert bank.get(old.id).text == "from the old layout"
        assert any("migrated 1 lessons" in w for w in bank.warnings)
        assert bank.cache.get(f"lesson:{old.id}") is None
        assert bank.cache.get("meta:schema") == 1


def test_newer_schema_is_refused_clearly(tmp_path):
    import diskcache
    import pytest

    from lessonl.errors import BankError

    cache = diskcache.Cache(str(tmp_path / "new"))
    cache.set("meta:schema", 99)
    cache.close()
    with pytest.raises(BankError, match="newer LessonL"):
        LessonBank.open(tmp_path / "new")


def result(name="matmul", improved=True, new_hash=None, created=1.0, **kw):
    return StoredResult(file="k.cpp", qualified_name=name, function_hash="h", improved=improved, speedup=2.0 if improved else None,
                        ci=(1.8, 2.2) if improved else None, diff="--- a\n+++ b\n", new_function_hash=new_hash,
                        lesson_ids=[], models=["m"], message="", rounds=1, attempts=3, created=created, **kw)


def test_latest_result_prefers_the_newest_verified_one(bank):
    bank.save_result(result(created=1.0))
    newest = result(created=3.0)
    bank.save_result(newest)
    bank.save_result(result(improved=False, created=5.0))
    assert bank.latest_result("k.cpp", "matmul").id == newest.id
    assert bank.latest_result("k.cpp", "other") is None


def test_latest_result_found_by_the_accepted_code_hash(bank):
    accepted = result(name="matmul", new_hash="abc")
    bank.save_result(accepted)
    assert bank.latest_result("k.cpp", "renamed", function_hash="abc").id == accepted.id


def test_mark_used_and_prune(bank):
    good = bank.add(lesson("good", speedup=3.0))
    bad = bank.add(lesson("bad", speedup=0.0, outcome="incorrect"))
    bank.mark_used([good.id, good.id])
    assert bank.get(good.id).uses == 1
    assert bank.prune(outcome="incorrect") == 1
    assert bank.get(bad.id) is None and bank.get(good.id) is not None
    bank.add_many([lesson(f"x{i}", speedup=1.0 + i / 10) for i in range(5)])
    assert bank.prune(keep_top=2) == 4
    assert {l.text for l in bank.lessons()} == {"good", "x4"}


def test_an_unreadable_last_chunk_does_not_stop_new_lessons(disk_bank):
    bank = disk_bank
    bank.add(lesson("before"))
    bank.cache.set("chunk:0", b"\x80\x99garbage", tag="lesson")  # not a chunk
    bank.add(lesson("after"))
    assert "after" in {l.text for l in bank.lessons()}


def test_a_bank_path_that_is_a_file_is_moved_aside(tmp_path):
    (tmp_path / ".lessonl").write_text("oops")
    with LessonBank.open(tmp_path / ".lessonl") as bank:
        assert bank.count() == 0 and bank.warnings


def test_a_damaged_version_map_is_moved_aside(tmp_path):
    with LessonBank.open(tmp_path / "b") as bank:
        bank.cache.set("meta:chunks", "nonsense")
    with LessonBank.open(tmp_path / "b") as bank:
        assert bank.count() == 0 and "moved to" in bank.warnings[0]
