"""Cancelling a running job, from the progress UI or by cancelling the request, stops it and
leaves no process behind (checked with psutil on the real server's process tree)."""
from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from tests.support.fake_openai import FakeOpenAI

from .lsp_client import (SLOW_BUILD, TARGET_LINE, execute, fast_settings, line_of, open_doc, script_fake, server_process,
                         session, wait_for_descendant, wait_gone)

pytestmark = pytest.mark.slow


async def test_cancel_from_the_progress_ui_stops_the_job_and_its_processes(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, configuration=fast_settings(fake, extra=SLOW_BUILD)) as client:
            uri = open_doc(client, kernels)
            running = asyncio.ensure_future(
                execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4))
            started = await wait_for_descendant(client, "sleep")
            [token] = [t for t in client.progress_reports if str(t).startswith("lessonl/")]
            client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))

            result = await asyncio.wait_for(running, 30)
            assert result["status"] == "cancelled"
            assert await wait_gone(started) == []
            assert server_process(client).children(recursive=True) == []
            assert client.progress_reports[token][-1].kind == "end"
            assert [r.status for r in client.custom["lessonl/result"]] == ["cancelled"]


async def test_cancelling_the_request_stops_the_job_and_its_processes(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, configuration=fast_settings(fake, extra=SLOW_BUILD)) as client:
            uri = open_doc(client, kernels)
            msg_id = "optimize-1"
            future = asyncio.ensure_future(client.protocol.send_request_async(
                types.WORKSPACE_EXECUTE_COMMAND, types.ExecuteCommandParams(
                    command="lessonl.optimize", arguments=[uri, line_of(kernels, TARGET_LINE), 4]),
                msg_id=msg_id))
            started = await wait_for_descendant(client, "sleep")
            client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

            with pytest.raises(JsonRpcRequestCancelled):
                await asyncio.wait_for(future, 30)
            assert await wait_gone(started) == []
            for _ in range(100):  # the job reports its end once the engine has cleaned up
                if client.custom["lessonl/result"]:
                    break
                await asyncio.sleep(0.1)
            assert [r.status for r in client.custom["lessonl/result"]] == ["cancelled"]
            assert server_process(client).children(recursive=True) == []


async def test_shutdown_while_a_job_runs_leaves_no_process(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake)
        async with session(cpp_repo, configuration=fast_settings(fake, extra=SLOW_BUILD)) as client:
            uri = open_doc(client, kernels)
            asyncio.ensure_future(execute(client, "lessonl.optimize", uri,
                                          line_of(kernels, TARGET_LINE), 4))
            started = await wait_for_descendant(client, "sleep")
        # session() has sent shutdown + exit and waited for the server to end.
        assert await wait_gone(started) == []
