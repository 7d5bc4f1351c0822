"""Scripting the fake OpenAI server for batches: several functions' code prompts arrive at once,
so each function's replies are routed by the function the prompt names, whatever the order."""
from __future__ import annotations

from typing import Mapping, Sequence

from .fake_openai import Body, FakeOpenAI, Reply
from .loop_script import is_code, is_lesson


def names_function(body: Body, name: str) -> bool:
    return any(f"function `{name}` from" in str(m.get("content", "")) for m in body.get("messages", []))


def script_functions(fake: FakeOpenAI, model: str, code: Mapping[str, Sequence[Reply | str]],
                     lesson: str = "One pass over the data instead of one per element.") -> None:
    """Queue each function's code replies (by qualified name) for `model`; every lesson prompt of
    the model gets `lesson`."""
    for name, replies in code.items():
        fake.on(lambda b, n=name: b.get("model") == model and is_code(b) and names_function(b, n), *replies)
    fake.respond(lambda body: Reply.text(lesson), lambda b: b.get("model") == model and is_lesson(b))
