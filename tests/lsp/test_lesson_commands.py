"""The lesson bank commands: showLessons, listLessons, exportLessons, importLessons."""
from __future__ import annotations

import json

from lessonl_store import LessonBank
from lessonl_store.records import Lesson

from .lsp_client import execute, line_of, open_doc, session


def lesson(text, outcome="faster", speedup=1.5, name="histogram", **kw):
    return Lesson(text=text, outcome=outcome, speedup=speedup, round=0, agent="a", model="model-a",
                  file="kernels.cpp", qualified_name=name, function_hash="h", **kw)


def fill(repo, *lessons):
    bank = LessonBank.open(repo / ".lessonl")
    for item in lessons:
        bank.add(item)
    if hasattr(bank, "close"):
        bank.close()


async def test_show_lessons_answers_the_function_s_lessons_best_first(cpp_repo):
    fill(cpp_repo, lesson("One pass is enough.", speedup=9.0), lesson("Modulo made it slower.", "slower", 0.7),
         lesson("Skipped zero.", "incorrect", 0.0), lesson("Elsewhere.", name="matmul"))
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        shown = await execute(client, "lessonl.showLessons", uri, line_of(kernels, "counts[bin] += 1;"), 4)
        assert shown["status"] == "ok" and shown["function"] == "histogram" and shown["result"] is None
        assert [l["text"] for l in shown["lessons"]] == ["One pass is enough.", "Modulo made it slower.", "Skipped zero."]
        assert [l["speedup"] for l in shown["lessons"]] == [9.0, 0.7, None]  # no speedup for wrong code
        [notified] = client.custom["lessonl/lessons"]
        assert notified.function == "histogram"


async def test_list_export_and_import_move_lessons_between_repositories(cpp_repo, tmp_path):
    fill(cpp_repo, lesson("First.", speedup=2.0), lesson("Second.", speedup=3.0))
    other = tmp_path / "other"
    other.mkdir()
    (other / "lessonl.toml").write_text((cpp_repo / "lessonl.toml").read_text())
    async with session(cpp_repo, folders=[cpp_repo, other]) as client:
        listed = await execute(client, "lessonl.listLessons")
        assert listed["total"] == 2 and [l["text"] for l in listed["lessons"]] == ["Second.", "First."]
        assert [l["text"] for l in (await execute(client, "lessonl.listLessons", None, 1))["lessons"]] == ["Second."]

        exported = await execute(client, "lessonl.exportLessons", cpp_repo.as_uri(), "team-lessons.jsonl")
        path = cpp_repo / "team-lessons.jsonl"
        assert exported["count"] == 2 and exported["path"] == str(path)
        assert sorted(json.loads(l)["text"] for l in path.read_text().splitlines()) == ["First.", "Second."]

        imported = await execute(client, "lessonl.importLessons", other.as_uri(), str(path))
        assert imported["status"] == "ok"
        again = await execute(client, "lessonl.listLessons", other.as_uri())
        assert again["root"] == str(other) and again["total"] == 2


async def test_importing_a_missing_file_says_which_file(cpp_repo):
    async with session(cpp_repo) as client:
        answer = await execute(client, "lessonl.importLessons", "nowhere.jsonl")
        assert answer["status"] == "error" and "nowhere.jsonl: no such file" in answer["message"]
        assert any("nowhere.jsonl" in m.message for m in client.messages)
