"""Execute "Optimize this function": the real engine, the real compiler on the C++ example and
the fake OpenAI server. Progress arrives in order, the edit is offered with a confirmed change
annotation, applying it gives the engine's file, and hover afterwards shows the lesson."""
from __future__ import annotations

import asyncio
import shutil
import subprocess

import pytest
from lessonl.code import unified_diff
from lsprotocol import types
from pytest_lsp import client_capabilities

from tests.support.cpp_replies import HISTOGRAM_INCORRECT
from tests.support.fake_openai import FakeOpenAI

from .lsp_client import (LESSON_TEXT, TARGET_LINE, apply_text_edits, execute, fast_settings, hover, line_of,
                         open_doc, script_fake, session)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")]
ONE_PASS = "for (int value : data) {"


async def test_optimize_offers_a_confirmed_edit_that_gives_the_faster_file(cpp_repo, tmp_path):
    kernels = cpp_repo / "kernels.cpp"
    original = kernels.read_text()
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, configuration=fast_settings(fake)) as client:
            uri = open_doc(client, kernels)
            result = await execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4)

            # The answer: a verified speedup with its interval, the lesson that justified it.
            assert result["status"] == "improved", result
            assert result["function"] == "histogram" and result["file"] == "kernels.cpp"
            assert result["ci"][0] > 1.0 and result["ci"][0] <= result["speedup"] <= result["ci"][1]
            assert result["models"] == ["model-a"] and result["bestModel"] == "model-a"
            assert LESSON_TEXT in [l["text"] for l in result["lessons"]]
            assert result["applied"] is True
            # what "verified" rests on: the rewrite ran beside the original on every call
            assert result["behaviour"].startswith("behaviour: matched on "), result["behaviour"]
            assert "(tests " in result["behaviour"] and result["regressions"] == []

            # Progress: begin, reports, end, in that order, percentages never going back.
            reports = client.progress_reports[f"lessonl/{result['jobId']}"]
            kinds = [r.kind for r in reports]
            assert kinds[0] == "begin" and kinds[-1] == "end" and set(kinds[1:-1]) == {"report"}
            assert reports[0].cancellable and "histogram" in reports[0].title
            messages = [r.message for r in reports[1:-1]]
            assert any("1/1 candidates judged" in m for m in messages)
            assert any(f"best verified {result['speedup']:.2f}×" in m for m in messages)
            percentages = [r.percentage for r in reports[:-1]]
            assert percentages == sorted(percentages) and percentages[-1] == 100

            # The edit: documentChanges, every edit annotated, the annotation needs confirmation.
            [params] = client.applied_edits
            [doc_edit] = params.edit.document_changes
            assert doc_edit.text_document.uri == uri and doc_edit.text_document.version == 1
            annotation = params.edit.change_annotations["lessonl"]
            assert annotation.needs_confirmation is True
            assert f"{result['speedup']:.2f}×" in annotation.label and "histogram" in annotation.label
            assert all(e.annotation_id == "lessonl" for e in doc_edit.edits)

            # Applied, the edit gives exactly the file of the result's diff, which holds the rewrite.
            applied = apply_text_edits(original, doc_edit.edits)
            if shutil.which("patch"):  # an independent tool reads the diff (Debian package: patch)
                patched = tmp_path / "patched.cpp"
                patched.write_text(original)
                subprocess.run(["patch", "-s", str(patched)], input=result["diff"], text=True, check=True)
                assert applied == patched.read_text()
            else:
                assert unified_diff(original, applied, "kernels.cpp") == result["diff"]
            assert ONE_PASS in applied and ONE_PASS not in original
            assert original.split("// Builds a histogram")[0] == applied.split("// Builds a histogram")[0]

            # The lessonl/result notification carried the same result; progress events ended.
            [notified] = client.custom["lessonl/result"]
            assert (notified.jobId, notified.status, notified.diff) == (result["jobId"], "improved", result["diff"])
            assert client.custom["lessonl/progress"][-1].event.kind == "finished"

            # Save the applied file; hover on histogram now shows the result and the lesson.
            kernels.write_text(applied)
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=applied)]))
            shown = (await hover(client, uri, line_of(kernels, ONE_PASS))).contents.value
            assert f"{result['speedup']:.2f}×" in shown and "The optimized version is in place." in shown
            assert LESSON_TEXT in shown and "model-a" in shown
        # The key the engine sent came from the client's settings, not from any file.
        assert {r.headers.get("authorization") for r in fake.chat_requests} == {"Bearer sk-from-client-settings"}


async def test_an_edit_made_while_the_job_ran_is_kept_and_the_rewrite_moves_with_it(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    original = kernels.read_text()
    edited = "// A comment the user typed while LessonL was running.\n" + original
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, configuration=fast_settings(fake)) as client:
            uri = open_doc(client, kernels)
            running = asyncio.ensure_future(
                execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4))
            while not any(reports for reports in client.progress_reports.values()):  # the job has begun
                await asyncio.sleep(0.05)
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
            result = await running
            assert result["status"] == "improved", result
            [params] = client.applied_edits
            [doc_edit] = params.edit.document_changes
            assert doc_edit.text_document.version == 2
            applied = apply_text_edits(edited, doc_edit.edits)
            assert applied.startswith("// A comment the user typed") and ONE_PASS in applied


async def test_a_client_with_its_own_review_gets_the_new_text_and_no_edit_request(cpp_repo):
    """VS Code's extension reviews results itself: one confirmation, and the job ends at once."""
    kernels = cpp_repo / "kernels.cpp"
    original = kernels.read_text()
    edited = "// typed while LessonL ran\n" + original
    capabilities = client_capabilities("visual-studio-code")
    capabilities.experimental = {"lessonl": {"resultView": True, "reviewUI": True}}
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, capabilities=capabilities, configuration=fast_settings(fake)) as client:
            uri = open_doc(client, kernels)
            running = asyncio.ensure_future(
                execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4))
            while not any(reports for reports in client.progress_reports.values()):
                await asyncio.sleep(0.05)
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
            result = await running
            assert result["status"] == "improved" and result["applied"] is None, result
            assert client.applied_edits == []
            [notified] = client.custom["lessonl/result"]
            assert notified.baseVersion == 2
            assert notified.newText.startswith("// typed while LessonL ran\n") and ONE_PASS in notified.newText
            assert unified_diff(original, notified.newText[len("// typed while LessonL ran\n"):],
                                "kernels.cpp") == result["diff"]
            assert (await execute(client, "lessonl.listJobs"))["jobs"] == []
    assert kernels.read_text() == original


async def test_no_improvement_gives_a_message_and_no_edit(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    original = kernels.read_text()
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake, HISTOGRAM_INCORRECT)
        async with session(cpp_repo, configuration=fast_settings(fake)) as client:
            uri = open_doc(client, kernels)
            result = await execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4)
            assert result["status"] == "no_improvement", result
            assert result["speedup"] is None or result["improved"] is False
            assert client.applied_edits == []
            assert any("no verified speedup for histogram" in m.message for m in client.messages)
    assert kernels.read_text() == original


async def test_a_function_edited_while_the_job_ran_gets_a_stale_result_and_no_edit(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    original = kernels.read_text()
    edited = original.replace("counts[bin] += 1;", "counts[bin] += 1;  // edited meanwhile")
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, configuration=fast_settings(fake)) as client:
            uri = open_doc(client, kernels)
            running = asyncio.ensure_future(
                execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4))
            while not any(reports for reports in client.progress_reports.values()):
                await asyncio.sleep(0.05)
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
            result = await running
            assert result["status"] == "stale", result
            assert result["ci"][0] > 1.0 and result["diff"]  # the verified result is still reported
            assert client.applied_edits == []
            assert any(m.type == types.MessageType.Warning and "changed while LessonL ran" in m.message
                       for m in client.messages)
