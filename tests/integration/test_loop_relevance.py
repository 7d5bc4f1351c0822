"""Relevance inside the loop: lessons of other functions steer a run when they are relevant, and
a relevance endpoint that fails or hangs neither loses the job nor delays a cancel. Real
compiler and benchmark on the bundled C++ example; the fake OpenAI server answers both the
chat and the embeddings requests over real HTTP."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from lessonl.cancel import CancelToken
from lessonl.engine import OptimizeRequest, optimize
from lessonl.errors import Cancelled
from lessonl_store import LessonBank
from lessonl_store.records import Lesson
from tests.support import cpp_replies as R
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.loop_script import code_requests, overrides, script_agent

pytestmark = pytest.mark.slow


def banked(repo: Path, *lessons: Lesson) -> None:
    with LessonBank.open(repo / ".lessonl") as bank:
        bank.add_many(list(lessons))


def earlier(text: str, file: str, name: str, code: str, speedup: float) -> Lesson:
    return Lesson(text=text, outcome="faster", speedup=speedup, round=0, agent="earlier", model="earlier",
                  file=file, qualified_name=name, function_hash="old", source_code=code)


HISTOGRAM_LIKE = earlier("Counting every value of data into its bin in one pass replaced the pass per bin.",
                         "src/stats.cpp", "grade_counts",
                         "std::vector<int> grade_counts(const std::vector<int>& data, int bins)", 2.5)
FAST_UNRELATED = earlier("Reading the socket in larger blocks cut the number of system calls.",
                         "src/net.cpp", "read_all", "ssize_t read_all(int fd, char* buf, size_t n)", 6.0)
FAST_PYTHON = earlier("Using str.join instead of += on strings avoids quadratic copying.",
                      "tools/text.py", "join_words", "def join_words(words, sep):", 8.0)


async def test_a_relevant_lesson_of_another_function_reaches_the_prompt_and_fast_irrelevant_ones_do_not(
        cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    banked(cpp_repo, FAST_UNRELATED, FAST_PYTHON, HISTOGRAM_LIKE)
    script_agent(fake_openai, "model-a", [R.NO_CODE], ["No code was given."])

    await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                   overrides=overrides(fake_openai, ["model-a"], rounds=1, k=4)))

    [prompt] = [r.prompt for r in code_requests(fake_openai)]
    assert "Lesson 1 (this lesson significantly improves the code performance):\n" + HISTOGRAM_LIKE.text in prompt
    assert FAST_UNRELATED.text not in prompt and FAST_PYTHON.text not in prompt
    assert "Lesson 2" not in prompt


async def test_an_embeddings_endpoint_failing_falls_back_to_lexical_for_the_round(
        cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    banked(cpp_repo, HISTOGRAM_LIKE)
    fake_openai.on_embeddings(*[Reply.error(500, "embeddings are down")] * 3)  # the first try and 2 retries
    script_agent(fake_openai, "model-a", [R.NO_CODE], ["No code was given."])
    settings = overrides(fake_openai, ["model-a"], rounds=1, k=4,
                         relevance={"backend": "embeddings", "base_url": fake_openai.base_url, "model": "embed"})

    result = await optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram", overrides=settings))

    assert len(fake_openai.embedding_requests) == 3
    [warning] = [w for w in result.warnings if "relevance backend" in w]
    assert 'relevance backend "embeddings" failed in round 1' in warning and "500" in warning
    assert "chosen by lexical relevance" in warning
    [prompt] = [r.prompt for r in code_requests(fake_openai)]
    assert HISTOGRAM_LIKE.text in prompt  # chosen all the same, lexically
    assert result.attempts  # the job went on


async def test_a_hanging_embeddings_endpoint_does_not_delay_a_cancel(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    banked(cpp_repo, HISTOGRAM_LIKE)
    fake_openai.on_embeddings(Reply(payload={"object": "list", "data": []}, delay=8.0))
    settings = overrides(fake_openai, ["model-a"], rounds=1,
                         relevance={"backend": "embeddings", "base_url": fake_openai.base_url, "model": "embed"})
    token = CancelToken()
    job = asyncio.ensure_future(optimize(OptimizeRequest(cpp_repo, "kernels.cpp", name="histogram",
                                                         overrides=settings), cancel=token))
    deadline = time.monotonic() + 30
    while not fake_openai.embedding_requests:  # selection is waiting on the endpoint
        assert time.monotonic() < deadline and not job.done(), "selection never asked for embeddings"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert not job.done()  # the loop is free while selection waits: this test's loop runs
    started = time.monotonic()
    token.cancel()
    with pytest.raises(Cancelled):
        await asyncio.wait_for(job, timeout=10)
    assert time.monotonic() - started < 2.0
    assert code_requests(fake_openai) == []  # cancelled before any prompt went out
    with LessonBank.open(cpp_repo / ".lessonl") as bank:
        assert bank.get(HISTOGRAM_LIKE.id) is not None
