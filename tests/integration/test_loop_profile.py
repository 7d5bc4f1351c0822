"""The profile in the prompt, end to end: a real profile of a bundled example (perf for the C++
kernels, cProfile and the line timer for the Python hotspots) reaches every code prompt the fake
LLM server receives; `use_profile=False`, `[profile] prompt = false` and `lessonl optimize
--no-profile` leave it out and skip the profiling run; a profiler that fails costs a warning,
never the job."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lessonl import prompts
from lessonl.engine import OptimizeRequest, optimize
from lessonl.records import Outcome, ProgressEvent
from tests.support import cpp_replies as R
from tests.support.fake_openai import Body, FakeOpenAI
from tests.support.loop_script import code_requests, is_lesson, overrides, script_agent
from tests.support.profile_policy import read_hot_lines
from tests.support.python_replies import FIND_DUPLICATES_FASTER

pytestmark = pytest.mark.slow

PROFILE_ON = {"prompt": True}
# The lines of `histogram` inside its inner loop: where the time goes by construction (one scan
# of the data per bin); the allocation and the return are cold.
HISTOGRAM_INNER = {"for (std::size_t i = 0; i < data.size(); ++i) {", "if (data[i] == bin) {", "counts[bin] += 1;"}
FIND_DUPLICATES_INNER = {"for j in range(i):", "if items[j] == items[i]:"}


def section_of(prompt: str) -> str:
    start = prompt.index(prompts.PROFILE_HEADING)
    return prompt[start:prompt.index("\n### ", start + 1)]


async def test_every_code_prompt_carries_the_real_hot_lines(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    for model in ("model-a", "model-b"):
        script_agent(fake_openai, model, [R.NO_CODE, R.NO_CODE], ["No code came back.", "Still no code."])
    events: list[ProgressEvent] = []
    result = await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                            overrides=overrides(fake_openai, ["model-a", "model-b"], rounds=2,
                                                                profile=PROFILE_ON)),
                            on_progress=events.append)
    assert len(result.attempts) == 4 and fake_openai.pending == 0
    assert result.profile is not None and result.profile.qualified_name == "histogram"
    assert result.profile_s > 0 and result.to_json()["profile"]["key"] == "kernels.cpp::histogram"
    # the same section, built from that very figure, in every agent's prompt in every round
    sections = {section_of(r.prompt) for r in code_requests(fake_openai)}
    assert len(code_requests(fake_openai)) == 4 and len(sections) == 1
    assert sections.pop().rstrip() == prompts.profile_section(result.target, result.profile).rstrip()
    # the table names the inner loop's lines, hottest first, and nothing cold
    rows = read_hot_lines(code_requests(fake_openai)[0].prompt)
    assert rows and {text for text, _ in rows} <= HISTOGRAM_INNER, rows
    assert rows[0][1] >= 0.25 and [s for _, s in rows] == sorted((s for _, s in rows), reverse=True)
    assert result.profile.inclusive_share > 0.5  # the bench runs histogram's cases: most of it is histogram
    # profiling is announced before round 1, and no lesson prompt carries the section
    kinds = [e.kind for e in events]
    assert kinds.index("profiling") < kinds.index("profiled") < kinds.index("round_started")
    assert not any(prompts.PROFILE_HEADING in r.prompt for r in fake_openai.chat_requests if is_lesson(r.body))
    assert not any("prompts carry no profile" in w for w in result.warnings)


async def test_python_hot_lines_reach_the_prompt_and_the_win_is_still_judged(py_repo: Path,
                                                                           fake_openai: FakeOpenAI) -> None:
    script_agent(fake_openai, "model-a", [FIND_DUPLICATES_FASTER], ["Sets make membership tests constant time."])
    result = await optimize(OptimizeRequest(py_repo, "hotspots/core.py", name="find_duplicates",
                                            overrides=overrides(fake_openai, ["model-a"], profile=PROFILE_ON)))
    assert result.improved and [a.verdict.outcome for a in result.attempts] == [Outcome.FASTER]
    rows = read_hot_lines(code_requests(fake_openai)[0].prompt)
    assert [text for text, _ in rows[:2]] and {text for text, _ in rows[:2]} == FIND_DUPLICATES_INNER, rows
    assert "`find_duplicates` takes" in code_requests(fake_openai)[0].prompt


@pytest.mark.parametrize("how", ["request", "config"])
async def test_no_profile_leaves_it_out_and_skips_the_profiling_run(py_repo: Path, fake_openai: FakeOpenAI,
                                                                    isolated_cache: Path, how: str) -> None:
    script_agent(fake_openai, "model-a", [FIND_DUPLICATES_FASTER], ["Sets make membership tests constant time."])
    settings = overrides(fake_openai, ["model-a"], profile={"prompt": how != "config"})
    events: list[ProgressEvent] = []
    result = await optimize(OptimizeRequest(py_repo, "hotspots/core.py", name="find_duplicates", overrides=settings,
                                            use_profile=how != "request"), on_progress=events.append)
    assert result.improved
    assert code_requests(fake_openai) and not any(prompts.PROFILE_HEADING in r.prompt
                                                  for r in code_requests(fake_openai))
    assert result.profile is None and result.profile_s == 0 and result.to_json()["profile"] is None
    assert not {"profiling", "profiled"} & {e.kind for e in events}
    assert not (py_repo / ".lessonl" / "hotspots.json").exists()


async def test_a_profiler_failure_leaves_a_warning_and_the_loop_runs(py_repo: Path, fake_openai: FakeOpenAI) -> None:
    # `python -S` skips site, so the profiler's sitecustomize never loads: a real profiler failure
    # (nothing was profiled), while the judge's build, tests and benchmark work as ever.
    toml = py_repo / "lessonl.toml"
    toml.write_text(toml.read_text().replace('"{python} bench.py {function}"', '"{python} -S bench.py {function}"'))
    script_agent(fake_openai, "model-a", [FIND_DUPLICATES_FASTER], ["Sets make membership tests constant time."])
    events: list[ProgressEvent] = []
    result = await optimize(OptimizeRequest(py_repo, "hotspots/core.py", name="find_duplicates",
                                            overrides=overrides(fake_openai, ["model-a"], profile=PROFILE_ON)),
                            on_progress=events.append)
    assert result.improved and result.profile is None
    warning = next(w for w in result.warnings if w.startswith("prompts carry no profile:"))
    assert "no Python process of the benchmark was profiled" in warning
    assert any(e.kind == "warning" and e.message == warning for e in events)
    assert not any(prompts.PROFILE_HEADING in r.prompt for r in code_requests(fake_openai))


def lessonl(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lessonl", "optimize", *args], cwd=repo, capture_output=True,
                          text=True, timeout=300, env=os.environ.copy())


def answer_with(reply: str) -> Any:
    def answer(body: Body) -> str:
        return "Sets make membership tests constant time." if is_lesson(body) else reply
    return answer


def test_cli_no_profile_flag(py_repo: Path, fake_openai: FakeOpenAI) -> None:
    fake_openai.respond(answer_with(FIND_DUPLICATES_FASTER))
    common = ["hotspots/core.py::find_duplicates", "--rounds", "1", "--agents", "coder-2",
              "--base-url", fake_openai.base_url, "--model", "fake-model", "--json"]
    plain = lessonl(py_repo, *common, "--no-profile")
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["profile"] is None and "profiling" not in plain.stderr
    assert not any(prompts.PROFILE_HEADING in r.prompt for r in code_requests(fake_openai))
    fake_openai.requests.clear()
    profiled = lessonl(py_repo, *common)
    assert profiled.returncode == 0, profiled.stderr
    data = json.loads(profiled.stdout)
    assert data["profile"]["qualified_name"] == "find_duplicates" and data["profile_s"] > 0
    assert "profile: find_duplicates takes" in profiled.stderr  # the progress line
    assert all(prompts.PROFILE_HEADING in r.prompt for r in code_requests(fake_openai))


async def test_a_profile_cut_off_by_its_limit_is_a_problem_and_the_jobs_cancel_goes_through(py_repo: Path) -> None:
    from lessonl.cancel import CancelToken
    from lessonl.code import locate
    from lessonl.config import load_config
    from lessonl.engine.profiled import prompt_profile
    from lessonl.errors import Cancelled

    config = load_config(py_repo)
    ref = locate((py_repo / "hotspots/core.py").read_text(), "python", "hotspots/core.py", name="find_duplicates")
    cut = await prompt_profile(py_repo, config, ref, cancel=CancelToken(), limit=0.05)
    assert cut.share is None and cut.problem == "profiling the benchmark took longer than 0.05 s (loop.run_timeout)"
    assert 0.05 <= cut.wall_s < 10
    cancel = CancelToken()
    asyncio.get_running_loop().call_later(0.05, cancel.cancel)
    with pytest.raises(Cancelled):
        await prompt_profile(py_repo, config, ref, cancel=cancel, limit=60)
    whole = await prompt_profile(py_repo, config, ref, cancel=CancelToken(), limit=60)
    assert whole.share is not None and not whole.problem and whole.share.lines
