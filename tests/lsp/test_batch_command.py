"""`lessonl.batch` on a copy of the Python example with the scripted fake OpenAI server (real
HTTP, real pytest and benchmark runs): two named functions optimized one after another with
work-done progress per function, `lessonl/batchResult` with the report's files and the wins;
nothing is applied until a win is accepted; `lessonl.acceptBatchWin` applies one win to the
open document (the person already confirmed), and refuses a win whose function was edited."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.batch_script import script_functions
from tests.support.fake_openai import FakeOpenAI
from tests.support.python_replies import FIND_DUPLICATES_FASTER, JOIN_WORDS_FASTER

from .lsp_client import apply_text_edits, execute, fast_settings, open_doc, session

pytestmark = pytest.mark.slow
CORE = "hotspots/core.py"
DUPS, JOIN = f"{CORE}::find_duplicates", f"{CORE}::join_words"


async def test_a_batch_reports_its_wins_and_applies_only_the_accepted_ones(py_repo: Path):
    core = py_repo / CORE
    original = core.read_text()
    with FakeOpenAI(models=("model-a",)) as fake:
        script_functions(fake, "model-a", {"find_duplicates": [FIND_DUPLICATES_FASTER],
                                           "join_words": [JOIN_WORDS_FASTER]})
        async with session(py_repo, configuration=fast_settings(fake)) as client:
            answer = await execute(client, "lessonl.batch", py_repo.as_uri(), [DUPS, JOIN], 1)

            assert answer["status"] == "ok", answer
            [notified] = client.custom["lessonl/batchResult"]
            assert notified.batchId == answer["batchId"]
            items = {i["qualified_name"]: i for i in answer["result"]["items"]}
            assert {n: i["status"] for n, i in items.items()} == {"find_duplicates": "won", "join_words": "won"}, items
            summary = items["find_duplicates"]["summary"]
            assert summary["speedup"] > 1 and summary["ci"][0] > 1 and "seen" in summary["diff"]
            assert "new_text" not in summary and "original_text" not in summary  # whole files stay on the server
            assert {w["key"] for w in answer["wins"]} == {DUPS, JOIN}
            assert all(w["acceptable"] and w["uri"] == core.as_uri() for w in answer["wins"])
            assert "2 verified win(s)" in answer["message"]
            report = answer["report"]
            assert Path(report["md"]).is_file() and "find_duplicates" in Path(report["md"]).read_text()
            assert json.loads(Path(report["json"]).read_text())["items"]
            # progress per function, in one cancellable progress
            [token] = [t for t in client.progress_reports if str(t).startswith("lessonl/")]
            reports = client.progress_reports[token]
            assert reports[0].cancellable and reports[0].title == "LessonL: batch optimization"
            messages = [r.message or "" for r in reports[1:-1]]
            assert any(m.startswith("find_duplicates (") for m in messages), messages
            assert any(m.startswith("join_words (") for m in messages), messages
            assert reports[-1].kind == "end"
            # nothing was written or offered before the person accepts
            assert core.read_text() == original and client.applied_edits == []

            # The person edited join_words meanwhile: its win is refused; find_duplicates' goes in.
            edited = original.replace('    result = ""\n', '    result = ""  # edited\n', 1)
            uri = open_doc(client, core, language="python", text=edited)
            stale = await execute(client, "lessonl.acceptBatchWin", answer["batchId"], JOIN)
            assert stale["status"] == "stale" and "join_words" in stale["message"], stale
            assert client.applied_edits == []

            accepted = await execute(client, "lessonl.acceptBatchWin", answer["batchId"], DUPS)
            assert accepted["status"] == "ok" and accepted["applied"] is True, accepted
            [params] = client.applied_edits
            [doc_edit] = params.edit.document_changes
            assert doc_edit.text_document.uri == uri and doc_edit.text_document.version == 1
            assert params.edit.change_annotations["lessonl"].needs_confirmation is False  # Accept was the yes
            applied = apply_text_edits(edited, doc_edit.edits)
            assert "seen: set[int] = set()" in applied and '    result = ""  # edited\n' in applied
            assert applied.replace(summary_function(applied), "") == edited.replace(summary_function(edited), "")

            unknown = await execute(client, "lessonl.acceptBatchWin", "no-such-batch", DUPS)
            assert unknown["status"] == "unknown"


def summary_function(text: str) -> str:
    """The text of find_duplicates (up to the next def): the only part the win may change."""
    start = text.index("def find_duplicates")
    return text[start:text.index("\ndef ", start + 1)]


async def test_bad_batch_arguments_are_invalid_params(py_repo: Path):
    from pygls.exceptions import JsonRpcInvalidParams

    async with session(py_repo) as client:
        for args in ([py_repo.as_uri(), 0], [py_repo.as_uri(), ["no-separator"]], [py_repo.as_uri(), 2, "x"]):
            with pytest.raises(JsonRpcInvalidParams, match="lessonl.batch expects"):
                await execute(client, "lessonl.batch", *args)
        with pytest.raises(JsonRpcInvalidParams, match="lessonl.acceptBatchWin expects"):
            await execute(client, "lessonl.acceptBatchWin", "b1")


async def test_cancel_stops_a_batch_and_its_processes(py_repo: Path):
    import asyncio

    from .lsp_client import command_line, server_process, wait_gone

    slow = {"bench": {"command": "{python} -c 'import time; time.sleep(120)'", "format": "wall", "timeout": 300}}
    with FakeOpenAI(models=("model-a",)) as fake:
        script_functions(fake, "model-a", {"find_duplicates": [FIND_DUPLICATES_FASTER]})
        async with session(py_repo, configuration=fast_settings(fake, extra=slow)) as client:
            running = asyncio.ensure_future(execute(client, "lessonl.batch", py_repo.as_uri(), [DUPS], 1))
            children: list = []
            for _ in range(300):  # until the benchmark runs (the baseline check)
                children = server_process(client).children(recursive=True)
                if any("time.sleep(120)" in command_line(p) for p in children):
                    break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("the batch never ran the benchmark")
            [job] = (await execute(client, "lessonl.listJobs"))["jobs"]
            assert job["function"] == "batch"
            assert (await execute(client, "lessonl.cancel", job["jobId"]))["cancelled"] == [job["jobId"]]
            answer = await asyncio.wait_for(running, 60)
            assert answer["status"] == "cancelled", answer
            [notified] = client.custom["lessonl/batchResult"]
            assert notified.status == "cancelled" and notified.wins == []
            assert await wait_gone(children) == []
            assert (await execute(client, "lessonl.listJobs"))["jobs"] == []
