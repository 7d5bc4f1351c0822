"""A scripted model that reads the code prompt's profile section, for the profile ablation
(benchmarks/profile_ablation.py) and its tests.

It has a fixed list of candidate rewrites of one function. Without a profile section in the
prompt it answers them in their listed order (the n-th code request of a model gets the n-th
rewrite). With one, it re-ranks them by how much of the function's measured time lies on the
lines each rewrite replaces (the hot lines of Code A it no longer contains), most first; ties
keep the listed order. Nothing about the outcome is scripted: the real judge decides it.

This measures the plumbing (the real profile reaches the prompt, a model that uses it aims at
what the profile names, and the loop's results follow), not how well a real model uses it.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lessonl import prompts

from .fake_openai import Body
from .loop_script import is_code, is_lesson

ROW = re.compile(r"^\| (\d+) \| (<1|\d+)% \| (`+) ?(.*?) ?\3 \|$")
CODE_BLOCK = re.compile(r"```[a-z+]*\n(.*?)```", re.S)


@dataclass(frozen=True)
class Rewrite:
    name: str
    reply: str  # a model-style answer with one fenced code block

    @property
    def lines(self) -> set[str]:
        """The stripped lines of its code block."""
        match = CODE_BLOCK.search(self.reply)
        code = match.group(1) if match else self.reply
        return {line.strip() for line in code.splitlines() if line.strip()}


def read_hot_lines(prompt: str) -> list[tuple[str, float]]:
    """(line text, share of the function's own time) from the prompt's profile table, or []."""
    start = prompt.find(prompts.PROFILE_HEADING)
    if start < 0:
        return []
    end = prompt.find("\n### ", start + 1)
    rows = []
    for line in prompt[start:end if end > 0 else None].splitlines():
        match = ROW.match(line)
        if match:
            share = 0.004 if match.group(2) == "<1" else int(match.group(2)) / 100
            rows.append((match.group(4).replace("\\|", "|"), share))
    return rows


def covered(rewrite: Rewrite, hot: list[tuple[str, float]]) -> float:
    """The share of the function's own time on hot lines that `rewrite` replaces."""
    mine = rewrite.lines
    return sum(share for text, share in hot if text not in mine)


def ranked(rewrites: list[Rewrite], prompt: str) -> list[Rewrite]:
    hot = read_hot_lines(prompt)
    if not hot:
        return list(rewrites)
    return sorted(rewrites, key=lambda r: -covered(r, hot))  # stable: ties keep the listed order


class ProfilePolicy:
    """`fake.respond(policy)`: code requests get the model's next rewrite in its order; lesson
    requests a short fixed lesson. `chosen` records (model, rewrite name, hot lines seen)."""

    def __init__(self, rewrites: list[Rewrite], lesson: str = "Code B changes where the time goes.") -> None:
        self.rewrites = rewrites
        self.lesson = lesson
        self.chosen: list[tuple[str, str, list[tuple[str, float]]]] = []
        self._count: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, body: Body) -> str:
        if is_lesson(body):
            return self.lesson
        if not is_code(body):
            return "I can only answer code and lesson requests."
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        model = str(body.get("model", ""))
        with self._lock:
            n = self._count.get(model, 0)
            self._count[model] = n + 1
        order = ranked(self.rewrites, prompt)
        choice = order[n % len(order)]
        with self._lock:
            self.chosen.append((model, choice.name, read_hot_lines(prompt)))
        return choice.reply
