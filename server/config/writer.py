"""Writes the commented lessonl.toml that `lessonl init` proposes."""
from __future__ import annotations

from .detect import Detected


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(found: Detected) -> str:
    lines = [
        "# LessonL configuration: how to build, test and benchmark this repository.",
        "# Written by `lessonl init` (detected: " + found.kind + "). Check it with `lessonl check`.",
        "# Every command runs in a scratch copy outside this folder, never here.",
        "",
    ]
    if found.build:
        lines += ["[build]", f"command = {_q(found.build)}", "timeout = 300        # seconds", ""]
    else:
        lines += ["# [build]            # optional: a command that compiles the code", "# command = \"make\"", ""]
    if "{python}" in found.test + found.bench:
        lines += ["# {python} is the project's Python: [python] interpreter, else the editor's, else this repository's", "# virtual environment, else the interpreter running LessonL (`lessonl check` says which).", ""]
    lines += [
        "[test]",
        f"command = {_q(found.test or 'EDIT ME: a command whose exit status 0 means correct')}",
        "timeout = 120",
        "",
        "[bench]",
        "# {function} is replaced by the name of the function being optimized.",
        f"command = {_q(found.bench or 'EDIT ME: a command that runs the benchmark of {function}')}",
        f"format = {_q(found.bench_format)}   # google-benchmark | pytest-benchmark | regex | wall",
        "timeout = 120",
        "# For format = \"regex\":",
        "# regex = 'time: (?P<value>[0-9.]+)'",
        "# unit = \"ms\"",
        "",
        "[timing]",
        "min_effect = 0.03     # report \"faster\" only when the 95% interval lies above 1.03",
        "budget = 20           # seconds of interleaved timing per candidate",
        "",
        "[scratch]",
        "exclude = [" + ", ".join(_q(e) for e in found.exclude) + "]   # left out of the scratch copy",
        "",
        *_code_section(found),
        "# [[agents]]          # OpenAI-compatible endpoints; default: three agents on one local server",
        "# name = \"qwen\"",
        "# preset = \"ollama\"   # openai | ollama | vllm | lmstudio | llamacpp | custom (with base_url)",
        "# model = \"qwen2.5-coder:7b\"",
        "",
    ]
    return "\n".join(lines)


def _code_section(found: Detected) -> list[str]:
    """Commented out: LessonL reads the standard and flags from the build by itself when [code]
    is silent; uncomment to tell the models something else."""
    code = found.code
    if code:
        head = f"# [code]              # told to the models; read from {code.source} when [code] is silent"
        return [head, *([f"# standard = {_q(code.standard)}"] if code.standard else []),
                *([f"# flags = {_q(code.flags)}"] if code.flags else []), ""]
    if found.kind in ("make", "cmake"):
        return ["# [code]              # told to the models; default: read from the build (compile_commands.json,",
                "#                     # CMakeLists.txt, Makefile)", "# standard = \"c++17\"", "# flags = \"-O2\"", ""]
    return []
