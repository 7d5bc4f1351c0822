"""Hover: the latest result and its lessons from the bank; a short line where there are none."""
from __future__ import annotations

from lessonl_store import LessonBank
from lessonl_store.records import Lesson, StoredResult

from .lsp_client import hover, line_of, open_doc, session


def bank_of(repo):
    return LessonBank.open(repo / ".lessonl")


async def test_hover_on_a_function_without_history_says_so_briefly(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        found = await hover(client, uri, line_of(kernels, "counts[bin] += 1;"))
        assert found.contents.value == "LessonL: no results or lessons for `histogram` yet."


async def test_hover_shows_the_latest_result_and_the_lessons_that_justified_it(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    lesson = Lesson(text="Swapping the j and k loops makes the inner loop walk B row-wise.",
                    outcome="faster", speedup=2.5, round=0, agent="qwen-7b", model="Qwen2.5-Coder-7B",
                    file="kernels.cpp", qualified_name="matmul", function_hash="h", ci=(2.25, 2.75))
    other = Lesson(text="Unrolling by 8 broke the tail loop.", outcome="incorrect", speedup=0.0, round=1,
                   agent="ds-7b", model="deepseek-7b", file="kernels.cpp", qualified_name="matmul",
                   function_hash="h")
    bank = bank_of(cpp_repo)
    bank.add(lesson)
    bank.add(other)
    bank.save_result(StoredResult(file="kernels.cpp", qualified_name="matmul", function_hash="h",
                                  improved=True, speedup=2.5, ci=(2.25, 2.75), diff="", new_function_hash=None,
                                  lesson_ids=[lesson.id], models=["Qwen2.5-Coder-7B"], message="", rounds=2,
                                  attempts=6, created=1764000000.0))
    bank.close() if hasattr(bank, "close") else None
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        text = (await hover(client, uri, line_of(kernels, "sum += a[i * n + k]"))).contents.value
        assert "2.50× (95% CI 2.25–2.75) faster" in text
        assert "2025-11-24" in text and "Qwen2.5-Coder-7B" in text
        assert "Lessons that justified it:" in text
        assert "*faster, 2.50× (95% CI 2.25–2.75)*" in text and "walk B row-wise" in text
        assert "Unrolling by 8" not in text  # not a justifying lesson
        assert "The function has changed since this run." in text  # hash "h" is not the real one


async def test_no_hover_outside_functions_or_outside_lessonl_repositories(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        assert await hover(client, uri, 0, 0) is None
    (cpp_repo / "lessonl.toml").unlink()
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        assert await hover(client, uri, line_of(kernels, "sum += a[i * n + k]")) is None
