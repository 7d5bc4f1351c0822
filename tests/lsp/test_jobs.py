"""Jobs run off the event loop: hover and code actions are answered while one runs, and asking
again for the same function says it is already running instead of starting twice."""
from __future__ import annotations

import asyncio

import pytest

from tests.support.fake_openai import FakeOpenAI

from .lsp_client import (SLOW_BUILD, TARGET_LINE, code_actions, execute, fast_settings, hover, line_of, open_doc,
                         script_fake, session, wait_for_descendant)

pytestmark = pytest.mark.slow


async def test_hover_and_code_actions_answer_while_a_job_runs(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    line = line_of(kernels, TARGET_LINE)
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, configuration=fast_settings(fake, extra=SLOW_BUILD)) as client:
            uri = open_doc(client, kernels)
            running = asyncio.ensure_future(execute(client, "lessonl.optimize", uri, line, 4))
            await wait_for_descendant(client, "sleep")

            shown = await asyncio.wait_for(hover(client, uri, line), 10)
            assert "histogram" in shown.contents.value
            actions = await asyncio.wait_for(code_actions(client, uri, line_of(kernels, "sum += a[i * n + k]")), 10)
            assert len(list(actions)) == 2
            assert not running.done()  # both were answered while the job was still building

            optimize, show = await code_actions(client, uri, line)
            assert "already optimizing histogram" in optimize.disabled.reason and show.disabled is None

            again = await execute(client, "lessonl.optimize", uri, line, 4)
            assert again["status"] == "already_running"
            assert "already optimizing histogram" in again["message"]
            jobs = await execute(client, "lessonl.listJobs")
            assert [j["function"] for j in jobs["jobs"]] == ["histogram"]

            cancelled = await execute(client, "lessonl.cancel", uri, line, 4)
            assert cancelled["cancelled"] == [again["jobId"]]
            assert (await asyncio.wait_for(running, 30))["status"] == "cancelled"


async def test_optimize_refuses_an_unsaved_buffer(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels, text=kernels.read_text() + "\n// not saved yet\n")
        result = await execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4)
        assert result["status"] == "unsaved" and "save kernels.cpp first" in result["message"]


async def test_bad_arguments_are_an_invalid_params_error(cpp_repo):
    from pygls.exceptions import JsonRpcInvalidParams

    async with session(cpp_repo) as client:
        with pytest.raises(JsonRpcInvalidParams, match="expects \\(uri: string, line0"):
            await execute(client, "lessonl.optimize", "file:///x.cpp", "ten")


async def test_two_functions_run_at_once_and_cancel_without_arguments_stops_both(cpp_repo):
    from .lsp_client import server_process, wait_gone

    kernels = cpp_repo / "kernels.cpp"
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, configuration=fast_settings(fake, extra=SLOW_BUILD)) as client:
            uri = open_doc(client, kernels)
            first = asyncio.ensure_future(execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4))
            second = asyncio.ensure_future(
                execute(client, "lessonl.optimize", uri, line_of(kernels, "sum += a[i * n + k]"), 4))
            started = await wait_for_descendant(client, "sleep")
            for _ in range(100):
                jobs = (await execute(client, "lessonl.listJobs"))["jobs"]
                if len(jobs) == 2:
                    break
                await asyncio.sleep(0.1)
            assert sorted(j["function"] for j in jobs) == ["histogram", "matmul"]

            cancelled = await execute(client, "lessonl.cancel")
            assert sorted(cancelled["cancelled"]) == sorted(j["jobId"] for j in jobs)
            results = await asyncio.wait_for(asyncio.gather(first, second), 60)
            assert [r["status"] for r in results] == ["cancelled", "cancelled"]
            assert await wait_gone(started) == []
            assert server_process(client).children(recursive=True) == []
