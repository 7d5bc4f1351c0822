"""A CRLF file can be optimized through the language server: its saved text equals the editor's
buffer (line endings kept on both sides), the edit the server sends keeps CRLF, and only the
function changes. The real engine and g++ on the C++ example, the fake OpenAI server."""
from __future__ import annotations

import shutil

import pytest

from tests.support.fake_openai import FakeOpenAI

from .lsp_client import TARGET_LINE, apply_text_edits, execute, fast_settings, line_of, open_doc, script_fake, session

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")]
ONE_PASS = "for (int value : data) {"


async def test_a_crlf_file_is_optimized_and_the_edit_keeps_crlf(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    lf_text = kernels.read_text()
    crlf = lf_text.replace("\n", "\r\n")
    kernels.write_bytes(crlf.encode())
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, configuration=fast_settings(fake)) as client:
            uri = open_doc(client, kernels, text=crlf)  # the buffer as an editor holds a CRLF file
            result = await execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4)
            assert result["status"] == "improved", result  # not "unsaved": the buffer equals the file

            [params] = client.applied_edits
            [doc_edit] = params.edit.document_changes
            applied = apply_text_edits(crlf, doc_edit.edits)
            assert ONE_PASS + "\r\n" in applied
            assert applied.count("\n") == applied.count("\r\n"), "the edit brought bare LF into a CRLF file"
            start = crlf.index("// Builds a histogram")
            end = crlf.index("\r\n}\r\n", start) + len("\r\n}\r\n")
            assert applied[:start] == crlf[:start]
            assert applied.endswith(crlf[end:])
            assert all("\n" not in e.new_text.replace("\r\n", "") for e in doc_edit.edits)
    assert kernels.read_bytes() == crlf.encode()  # the server offered the edit; the file is the user's
