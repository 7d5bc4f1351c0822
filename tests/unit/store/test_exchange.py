"""Export/import as JSON Lines: a team shares a bank through git without duplicates."""
from lessonl_store import LessonBank

from .conftest import lesson
from .test_bank import result


def test_round_trip_without_duplicates(tmp_path, bank):
    bank.add_many([lesson("one", speedup=2.0), lesson("two", outcome="incorrect", speedup=0.0)])
    bank.save_result(result())
    out = tmp_path / "lessons.jsonl"
    assert bank.export_jsonl(out) == 3
    with LessonBank.open(tmp_path / "teammate") as other:
        report = other.import_jsonl(out)
        assert (report.added, report.results_added, report.skipped_duplicates) == (2, 1, 0)
        again = other.import_jsonl(out)
        assert (again.added, again.results_added, again.skipped_duplicates) == (0, 0, 3)
        assert {l.text for l in other.lessons()} == {"one", "two"}
        assert other.latest_result("k.cpp", "matmul") is not None


def test_same_lesson_under_a_new_id_is_a_duplicate(tmp_path, bank):
    bank.add(lesson("same words"))
    copy = lesson("same words")
    (tmp_path / "x.jsonl").write_text(__import__("json").dumps(copy.to_json()) + "\n")
    assert bank.import_jsonl(tmp_path / "x.jsonl").skipped_duplicates == 1
    assert bank.count() == 1


def test_invalid_lines_are_reported_with_their_numbers(tmp_path, bank):
    good = lesson("good")
    (tmp_path / "x.jsonl").write_text("not json\n" + __import__("json").dumps(good.to_json()) + "\n{\"text\": 1}\n")
    report = bank.import_jsonl(tmp_path / "x.jsonl")
    assert report.added == 1
    assert [n for n, _ in report.invalid_lines] == [1, 3]


def test_wrong_types_are_invalid_lines_not_crashes_later(tmp_path, bank):
    import json

    bad = lesson("bad").to_json() | {"speedup": "2"}
    worse = lesson("worse").to_json() | {"factor": None}
    (tmp_path / "x.jsonl").write_text(json.dumps(bad) + "\n" + json.dumps(worse) + "\n")
    report = bank.import_jsonl(tmp_path / "x.jsonl")
    assert report.added == 0 and [n for n, _ in report.invalid_lines] == [1, 2]


def test_unreadable_files_are_clear_errors(tmp_path, bank):
    import pytest

    from lessonl.errors import BankError

    (tmp_path / "latin.jsonl").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(BankError, match="cannot read"):
        bank.import_jsonl(tmp_path / "latin.jsonl")
    with pytest.raises(BankError, match="cannot write"):
        bank.export_jsonl(tmp_path / "missing" / "x.jsonl")
