"""Code lens: only over functions with a stored result, and off with `lessonl.codeLens: false`."""
from __future__ import annotations

from lessonl_store import LessonBank
from lessonl_store.records import StoredResult
from lsprotocol import types

from .lsp_client import line_of, open_doc, session


def store_result(repo):
    bank = LessonBank.open(repo / ".lessonl")
    bank.save_result(StoredResult(file="kernels.cpp", qualified_name="histogram", function_hash="h", improved=True,
                                  speedup=12.5, ci=(11.0, 14.0), diff="", new_function_hash=None, lesson_ids=[],
                                  models=["model-a"], message="", rounds=1, attempts=1))
    if hasattr(bank, "close"):
        bank.close()


async def lenses(client, uri):
    return await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))


async def test_a_lens_over_the_optimized_function_only(cpp_repo):
    store_result(cpp_repo)
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        [lens] = await lenses(client, uri)
        assert lens.range.start.line == line_of(kernels, "// Builds a histogram")
        assert lens.command.title == "LessonL: 12.50× (95% CI 11.00–14.00) faster"
        assert lens.command.command == "lessonl.showLessons"


async def test_lenses_can_be_turned_off(cpp_repo):
    store_result(cpp_repo)
    async with session(cpp_repo, configuration={"lessonl": {"codeLens": False}}) as client:
        uri = open_doc(client, cpp_repo / "kernels.cpp")
        assert list(await lenses(client, uri)) == []
