"""`lessonl.profileBenchmark` on a copy of the Python example: the real benchmark under cProfile,
with work-done progress; the hotspots are saved, the client is asked to refresh its code lenses,
and the open file then has a lens over its hot functions. A benchmark the profiler cannot
measure is one plain message (no traceback); so is a repository without LessonL."""
from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from .lsp_client import command_line, execute, line_of, open_doc, server_process, session, wait_gone

pytestmark = pytest.mark.slow
CORE = "hotspots/core.py"


def count_refreshes(client) -> list[None]:
    refreshes: list[None] = []

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def refresh(params: None) -> None:
        refreshes.append(params)

    return refreshes


async def lenses(client, uri):
    return list(await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))))


async def test_profiling_saves_the_hotspots_and_refreshes_the_lenses(py_repo):
    core = py_repo / CORE
    async with session(py_repo) as client:
        refreshes = count_refreshes(client)
        uri = open_doc(client, core, language="python")
        assert await lenses(client, uri) == []  # no profile yet: a quiet editor

        answer = await execute(client, "lessonl.profileBenchmark", py_repo.as_uri())

        assert answer["status"] == "ok", answer
        assert answer["profiler"] == "cprofile"
        hot = {f["qualified_name"]: f["inclusive_share"] for f in answer["hot"] if f["file"] == CORE}
        assert "count_primes" in hot and "find_duplicates" in hot, answer
        assert all(share >= 0.05 for share in hot.values())
        assert answer["message"].startswith("LessonL: profiled the benchmark with cprofile")
        assert (py_repo / ".lessonl" / "hotspots.json").is_file()
        assert refreshes == [None]
        # progress: begin (cancellable), reports from the profiler, end with the message
        [token] = [t for t in client.progress_reports if str(t).startswith("lessonl/")]
        reports = client.progress_reports[token]
        assert reports[0].kind == "begin" and reports[0].cancellable
        assert reports[0].title == "LessonL: profiling the benchmark"
        assert reports[-1].kind == "end" and reports[-1].message == answer["message"]
        assert any("cProfile" in (r.message or "") for r in reports[1:-1])

        found = {lens.range.start.line: lens.command.title for lens in await lenses(client, uri)}
    primes = found[line_of(core, "def count_primes")]
    assert primes == f"LessonL: {round(hot['count_primes'] * 100):.0f}% of benchmark time · Optimize"
    assert set(found) == {line_of(core, f"def {name}") for name in hot}


async def test_a_benchmark_the_profiler_cannot_measure_is_one_plain_message(py_repo):
    # no Python process to profile: lessonl.profile's ProfilerError, in its own words
    settings = {"lessonl": {"config": {"bench": {"command": "sh -c true", "format": "wall"}}}}
    async with session(py_repo, configuration=settings) as client:
        answer = await execute(client, "lessonl.profileBenchmark", (py_repo / CORE).as_uri())
        shown = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert answer["status"] == "error", answer
    assert answer["message"].startswith("LessonL: cannot profile the benchmark: ")
    assert "no Python process of the benchmark was profiled" in answer["message"]
    assert "Traceback" not in answer["message"]
    assert answer["message"] in shown
    assert not (py_repo / ".lessonl" / "hotspots.json").exists()


async def test_outside_a_repository_it_says_so(tmp_path):
    (tmp_path / "plain").mkdir()
    async with session(tmp_path / "plain") as client:
        answer = await execute(client, "lessonl.profileBenchmark", (tmp_path / "plain").as_uri())
    assert answer["status"] == "unavailable"
    assert "no LessonL repository here" in answer["message"]


async def test_cancel_stops_the_profiled_benchmark(py_repo):
    settings = {"lessonl": {"config": {"bench": {"command": "{python} -c 'import time; time.sleep(120)'",
                                                 "format": "wall", "timeout": 300}}}}
    async with session(py_repo, configuration=settings) as client:
        running = asyncio.ensure_future(execute(client, "lessonl.profileBenchmark", py_repo.as_uri()))
        jobs = []
        for _ in range(100):
            jobs = (await execute(client, "lessonl.listJobs"))["jobs"]
            if jobs:
                break
            await asyncio.sleep(0.1)
        assert [j["function"] for j in jobs] == ["benchmark profile"]
        await asyncio.sleep(2)  # the benchmark is running under the profiler
        children = server_process(client).children(recursive=True)
        assert any("time.sleep(120)" in command_line(p) for p in children)
        cancelled = await execute(client, "lessonl.cancel", jobs[0]["jobId"])
        answer = await asyncio.wait_for(running, 60)
        assert cancelled["cancelled"] == [jobs[0]["jobId"]]
        assert answer["status"] == "cancelled", answer
        assert await wait_gone(children) == []
    assert not (py_repo / ".lessonl" / "hotspots.json").exists()
