"""`lessonl.mergeResult`: a client with its own review (VS Code) asks the server to merge a
proposal onto the document as it reads at Accept, with the server's own rebase: edits elsewhere
are kept, an edit where the rewrite goes is stale and nothing is merged."""
from __future__ import annotations

import shutil

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import client_capabilities

from tests.support.fake_openai import FakeOpenAI

from .lsp_client import TARGET_LINE, execute, fast_settings, line_of, open_doc, script_fake, session

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")]
ONE_PASS = "for (int value : data) {"
TYPED = "// typed at the top while the review was open\n"


def change(client, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def test_a_proposal_is_merged_onto_the_edited_document_or_refused_when_its_lines_changed(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    original = kernels.read_text()
    capabilities = client_capabilities("visual-studio-code")
    capabilities.experimental = {"lessonl": {"resultView": True, "reviewUI": True}}
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, capabilities=capabilities, configuration=fast_settings(fake)) as client:
            uri = open_doc(client, kernels)
            result = await execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4)
            assert result["status"] == "improved", result
            [notified] = client.custom["lessonl/result"]
            proposed = notified.newText
            assert notified.baseVersion == 1 and ONE_PASS in proposed

            # The person types a line at the top: the proposal's text no longer fits, the merge does.
            change(client, uri, 2, TYPED + original)
            merged = await execute(client, "lessonl.mergeResult", result["resultId"], uri)
            assert merged == {"status": "ok", "newText": TYPED + proposed, "version": 2}
            # The job id names the same proposal (a result the bank could not store has no resultId).
            assert (await execute(client, "lessonl.mergeResult", result["jobId"], uri))["newText"] == TYPED + proposed

            # An edit on the lines the rewrite replaces: stale, with a message, and no text.
            change(client, uri, 3, TYPED + original.replace(TARGET_LINE, TARGET_LINE + "  // mine"))
            stale = await execute(client, "lessonl.mergeResult", result["resultId"], uri)
            assert stale["status"] == "stale" and "newText" not in stale and stale["version"] == 3
            assert "histogram" in stale["message"] and "nothing was applied" in stale["message"]

            unknown = await execute(client, "lessonl.mergeResult", "no-such-result", uri)
            assert unknown["status"] == "unknown" and "run the optimization again" in unknown["message"]
            with pytest.raises(JsonRpcInvalidParams, match="expects \\(resultId or jobId: string, uri: string\\)"):
                await execute(client, "lessonl.mergeResult", result["resultId"])
            with pytest.raises(JsonRpcInvalidParams, match="is for .*kernels.cpp"):
                await execute(client, "lessonl.mergeResult", result["resultId"], (cpp_repo / "kernels.h").as_uri())
            assert client.applied_edits == []
    assert kernels.read_text() == original  # the server only merges text: the client applies it
