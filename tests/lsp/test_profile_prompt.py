"""An editor's optimize gets the benchmark's profile in its prompts, and the client setting
{"config": {"profile": {"prompt": false}}} (VS Code: lessonl.profileInPrompt = false) leaves it
out: the real engine, a real profile of the C++ example, the fake OpenAI server."""
from __future__ import annotations

import shutil

import pytest

from lessonl.prompts import PROFILE_HEADING
from tests.support.cpp_replies import NO_CODE
from tests.support.fake_openai import FakeOpenAI
from tests.support.loop_script import code_requests

from .lsp_client import TARGET_LINE, execute, fast_settings, line_of, open_doc, script_fake, session

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")]


@pytest.mark.parametrize("in_prompt", [True, False])
async def test_the_setting_decides_whether_prompts_carry_the_profile(cpp_repo, in_prompt: bool) -> None:
    kernels = cpp_repo / "kernels.cpp"
    extra = {} if in_prompt else {"profile": {"prompt": False}}
    with FakeOpenAI(models=("model-a",)) as fake:
        script_fake(fake, NO_CODE)  # no code: rejected before any build, the prompts are what counts
        async with session(cpp_repo, configuration=fast_settings(fake, extra=extra)) as client:
            uri = open_doc(client, kernels)
            result = await execute(client, "lessonl.optimize", uri, line_of(kernels, TARGET_LINE), 4)
            assert result["function"] == "histogram", result
            events = [n.event for n in client.custom["lessonl/progress"]]
        [request] = code_requests(fake)
    assert (PROFILE_HEADING in request.prompt) is in_prompt
    assert ("profiling" in {e.kind for e in events}) is in_prompt
    if in_prompt:
        assert "| line | time | code |" in request.prompt and "`histogram` takes" in request.prompt
        assert any(e.kind == "profiled" and "profile: histogram takes" in e.message for e in events)
