"""The scripted model of the profile ablation reads back what the prompt's profile table says,
and ranks its rewrites by the measured time on the lines they replace."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import openai

from lessonl import prompts
from lessonl.code import locate
from lessonl.profile.records import FunctionShare, LineShare
from tests.support import cpp_replies as R
from tests.support.fake_openai import FakeOpenAI
from tests.support.profile_policy import ProfilePolicy, Rewrite, ranked, read_hot_lines

KERNELS = Path(__file__).resolve().parents[3] / "examples" / "cpp-kernels" / "kernels.cpp"
REF = locate(KERNELS.read_text(), "cpp", "kernels.cpp", name="histogram")
LINES = REF.text.splitlines()


def at(code_a_line: int, part: float) -> LineShare:
    return LineShare(REF.start_line + code_a_line - 1, part, LINES[code_a_line - 1].rstrip())


def share(lines: list[LineShare]) -> FunctionShare:
    return FunctionShare("kernels.cpp", "histogram", REF.start_line, REF.end_line, 0.8, 0.8, 100, REF.text_hash,
                         lines=lines)

REWRITES = [Rewrite("same", R.HISTOGRAM_SAME_SPEED), Rewrite("modulus", R.HISTOGRAM_SLOWER),
            Rewrite("one pass", R.HISTOGRAM_FASTER)]


def prompt(profile: FunctionShare | None) -> str:
    return prompts.code_messages(REF, "", [], "cpp", profile=profile)[1]["content"]


def test_the_table_reads_back_as_written() -> None:
    rows = read_hot_lines(prompt(share([at(6, 0.62), at(5, 0.25), at(7, 0.08)])))
    assert rows == [("if (data[i] == bin) {", 0.62), ("for (std::size_t i = 0; i < data.size(); ++i) {", 0.25),
                    ("counts[bin] += 1;", 0.08)]
    assert read_hot_lines(prompt(None)) == []
    source = "int f(int a, int b) {\n    return a || b;\n}\n"
    ref = replace(REF, text=source, start_line=1, end_line=3)
    odd = FunctionShare("k.cpp", "f", 1, 3, 0.5, 0.5, 1, "h", lines=[LineShare(2, 0.004, "    return a || b;")])
    text = prompts.profile_section(ref, odd, min_share=0.0)
    assert read_hot_lines(text) == [("return a || b;", 0.004)]


def test_without_a_profile_the_listed_order_with_one_the_most_time_replaced_first() -> None:
    assert [r.name for r in ranked(REWRITES, prompt(None))] == ["same", "modulus", "one pass"]
    hot = prompt(share([at(5, 0.6), at(6, 0.3), at(7, 0.1)]))
    # one pass replaces all three lines; the modulus compare the `if`; pre-increment the counter
    assert [r.name for r in ranked(REWRITES, hot)] == ["one pass", "modulus", "same"]


def test_each_model_walks_its_own_order() -> None:
    policy = ProfilePolicy(REWRITES)
    with FakeOpenAI(models=["a", "b"]) as fake:
        fake.respond(policy)

        async def ask(model: str, text: str) -> str:
            client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="x")
            reply = await client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
            await client.close()
            return reply.choices[0].message.content or ""

        hot = prompt(share([at(5, 0.6), at(6, 0.3)]))
        answers = [asyncio.run(ask("a", hot)), asyncio.run(ask("a", hot)), asyncio.run(ask("b", prompt(None)))]
    assert answers == [R.HISTOGRAM_FASTER, R.HISTOGRAM_SLOWER, R.HISTOGRAM_SAME_SPEED]
    assert [(m, n) for m, n, _ in policy.chosen] == [("a", "one pass"), ("a", "modulus"), ("b", "same")]
