"""Does the profile in the prompt help? The loop with and without it (`--no-profile`), side by side.

(a) Scripted model (always): the fake OpenAI server answers with tests/support/profile_policy.py,
    a deterministic policy over a fixed list of rewrites of the bundled C++ example's
    `histogram` (smallest edit first: a pre-increment, a hoisted size, a modulus compare, one
    pass over the data). Without a profile section it answers them in that order; with one, it
    ranks them by the share of the measured time on the lines each one replaces. The real
    profiler, build, tests and benchmark decide everything else. This measures the plumbing (the
    real profile reaches every prompt, a policy that reads it aims where it says, the loop's
    results and costs follow), NOT how much a real model gains from it.
(b) A real endpoint, when given (--base-url and --model, or LESSONL_BASE_URL and LESSONL_MODEL):
    the same two runs with that model; otherwise it prints that it was skipped (`--embedded`: with
    the bundled SmolLM2-135M instead, which exercises a real model end to end but rarely writes
    a correct faster function). One run each is an anecdote, not a measurement: use --repeats.

Each run gets a fresh copy of the example and a fresh cache (cold builds and no saved profile
on both sides), so wall times compare like with like; the profiled side pays for its profile.

    .venv/bin/python benchmarks/profile_ablation.py [--rounds 2] [--repeats 1] [--json PATH]
        [--base-url URL --model M [--api-key-env VAR] | --embedded]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lessonl.engine import OptimizeRequest, optimize  # noqa: E402
from lessonl.records import ProgressEvent  # noqa: E402
from tests.support import cpp_replies as R  # noqa: E402
from tests.support.fake_openai import FakeOpenAI  # noqa: E402
from tests.support.loop_script import overrides  # noqa: E402
from tests.support.profile_policy import ProfilePolicy, Rewrite  # noqa: E402

EXAMPLE = "cpp-kernels"
FILE, FUNCTION = "kernels.cpp", "histogram"
TIMING = {"budget": 6, "max_runs": 24}

# Hoisting data.size() out of the loop condition: the compiler does it already (no real change).
HISTOGRAM_HOIST = R.reply("""
std::vector<int> histogram(const std::vector<int>& data, int bins) {
    std::vector<int> counts(bins, 0);
    const std::size_t size = data.size();
    for (int bin = 0; bin < bins; ++bin) {
        for (std::size_t i = 0; i < size; ++i) {
            if (data[i] == bin) {
                counts[bin] += 1;
            }
        }
    }
    return counts;
}
""", "Reading the size once saves a call per element.")

# The fixed order: smallest edit first.
REWRITES = [
    Rewrite("pre-increment", R.HISTOGRAM_SAME_SPEED),
    Rewrite("hoisted size", HISTOGRAM_HOIST),
    Rewrite("modulus compare", R.HISTOGRAM_SLOWER),
    Rewrite("one pass", R.HISTOGRAM_FASTER),
]


@dataclass
class Run:
    """One optimize() run, as the side-by-side table shows it."""

    label: str
    profile: bool
    verdicts: list[str] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)
    improved: bool = False
    first_win: int | None = None  # 1-based attempt (in round and agent order) of the first verified win
    speedup: float | None = None
    ci: tuple[float, float] | None = None
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    wall_s: float = 0.0
    profile_s: float = 0.0
    section_in_prompts: str = ""  # "3/3" code prompts with the profile section
    hot_lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def fresh_repo(base: Path, name: str) -> Path:
    target = base / name
    shutil.copytree(REPO / "examples" / EXAMPLE, target,
                    ignore=shutil.ignore_patterns("*.o", "bench", "test_kernels", ".lessonl", "__pycache__"))
    return target


async def one_run(base: Path, name: str, use_profile: bool, settings: dict[str, Any],
                  count_prompts: Any) -> Run:
    """optimize() on a fresh copy with its own cache; `count_prompts()` -> (code prompts with the
    profile section, all code prompts), from the fake server's records (None: from the result)."""
    from lessonl import prompts

    repo = fresh_repo(base, name)
    os.environ["XDG_CACHE_HOME"] = str(base / f"cache-{name}")
    run = Run(name, use_profile)
    events: list[ProgressEvent] = []
    started = time.monotonic()
    try:
        result = await optimize(OptimizeRequest(repo, FILE, name=FUNCTION, overrides=settings,
                                                use_profile=use_profile), on_progress=events.append)
    except Exception as exc:  # noqa: BLE001 - a failed run is a row of the table, not a crash
        run.error = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
        run.wall_s = time.monotonic() - started
        return run
    run.wall_s = result.wall_s
    run.verdicts = [f"r{a.candidate.round + 1}:{a.verdict.outcome.value}" for a in result.attempts]
    run.improved, run.speedup, run.ci = result.improved, result.speedup, result.ci
    run.attempts = len(result.attempts)
    run.first_win = next((i for i, a in enumerate(result.attempts, 1) if a.verdict.outcome.value == "faster"), None)
    run.prompt_tokens, run.completion_tokens = result.tokens.prompt_tokens, result.tokens.completion_tokens
    run.requests = result.tokens.requests
    run.profile_s = result.profile_s
    run.warnings = list(result.warnings)
    if result.profile is not None:
        ref = result.target
        run.hot_lines = [f"{share * 100:.0f}% {text}" for _, share, text in
                         prompts.hot_lines(ref, result.profile)]
    if count_prompts is not None:
        with_section, total = count_prompts()
        run.section_in_prompts = f"{with_section}/{total}"
    else:
        run.section_in_prompts = f"{'all' if result.profile is not None else 'none'} of {run.attempts}"
    return run


async def scripted(base: Path, rounds: int, repeat: int) -> list[Run]:
    from lessonl import prompts
    from tests.support.loop_script import code_requests

    runs = []
    for use_profile in (True, False):
        with FakeOpenAI() as fake:
            policy = ProfilePolicy(REWRITES)
            fake.respond(policy)
            settings = overrides(fake, ["model-a"], rounds=rounds, k=4, timing=TIMING,
                                 profile={"prompt": True})

            def count() -> tuple[int, int]:
                requests = code_requests(fake)
                return sum(prompts.PROFILE_HEADING in r.prompt for r in requests), len(requests)

            run = await one_run(base, f"scripted-{'with' if use_profile else 'without'}-{repeat}",
                                use_profile, settings, count)
            run.chosen = [name for _, name, _ in policy.chosen]
        runs.append(run)
    return runs


def endpoint_agent(base_url: str, model: str, key_env: str) -> dict[str, Any]:
    return {"name": "endpoint", "preset": "custom", "base_url": base_url, "model": model,
            "api_key_env": key_env, "timeout": 300}


def embedded_agent() -> dict[str, Any] | None:
    """The bundled tiny model (SmolLM2-135M, served by LessonL through llama.cpp), if installed."""
    from lessonl.localmodel.embedded import bundled_model_path

    path = bundled_model_path()
    if path is None:
        return None
    return {"name": "embedded-1", "preset": "custom", "model": path.stem, "model_path": str(path),
            "temperature": 0.2, "seed": 1, "timeout": 300, "max_retries": 1}


async def endpoint(base: Path, rounds: int, repeat: int, agent: dict[str, Any]) -> list[Run]:
    runs = []
    for use_profile in (True, False):
        settings = {"agents": [agent], "loop": {"rounds": rounds}, "timing": TIMING, "profile": {"prompt": True}}
        # A real endpoint records nothing for us: the engine puts the same section into every code
        # prompt of a job exactly when its result carries a profile (tests/integration/test_loop_profile.py).
        runs.append(await one_run(base, f"endpoint-{'with' if use_profile else 'without'}-{repeat}",
                                  use_profile, settings, None))
    return runs


def table(title: str, runs: list[Run]) -> str:
    rows = [("", "with profile", "without profile")]
    pairs = [(runs[i], runs[i + 1]) for i in range(0, len(runs), 2)]
    for n, (on, off) in enumerate(pairs, 1):
        tag = f" #{n}" if len(pairs) > 1 else ""

        def cell(run: Run, what: str) -> str:
            if run.error and what != "error":
                return "-"
            return {
                "verdicts": " ".join(run.verdicts),
                "chosen": ", ".join(run.chosen) or "-",
                "best": (f"{run.speedup:.2f}x ({run.ci[0]:.2f}-{run.ci[1]:.2f})" if run.improved and run.ci
                         else "no verified win"),
                "attempts": str(run.attempts),
                "first": str(run.first_win) if run.first_win else "-",
                "tokens": f"{run.prompt_tokens}+{run.completion_tokens} in {run.requests} requests",
                "wall": f"{run.wall_s:.1f} s (profiling {run.profile_s:.1f} s)",
                "prompts": run.section_in_prompts,
                "hot": "; ".join(run.hot_lines[:3]) or "-",
                "error": run.error or "-",
            }[what]

        for what, label in [("verdicts", "verdicts"), ("chosen", "rewrites chosen"), ("best", "best (95% CI)"),
                            ("attempts", "attempts"), ("first", "first win at attempt"), ("tokens", "tokens (prompt+completion)"),
                            ("wall", "wall time"), ("prompts", "prompts with profile"),
                            ("hot", "hot lines shown"), ("error", "error")]:
            rows.append((label + tag, cell(on, what), cell(off, what)))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [title] + ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def summary(runs: list[Run]) -> str:
    on = [r for r in runs if r.profile and not r.error]
    off = [r for r in runs if not r.profile and not r.error]
    if not on or not off:
        return "  (no complete pair to summarise)"

    def wins(rs: list[Run]) -> str:
        return f"{sum(r.improved for r in rs)}/{len(rs)}"

    def med(rs: list[Run], attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in rs)

    return (f"  verified wins: with {wins(on)}, without {wins(off)}; median wall {med(on, 'wall_s'):.1f} s vs "
            f"{med(off, 'wall_s'):.1f} s (profiling {med(on, 'profile_s'):.1f} s); median prompt tokens "
            f"{med(on, 'prompt_tokens'):.0f} vs {med(off, 'prompt_tokens'):.0f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--base-url", default=os.environ.get("LESSONL_BASE_URL", ""))
    parser.add_argument("--model", default=os.environ.get("LESSONL_MODEL", ""))
    parser.add_argument("--api-key-env", default="OPENAI_API_KEY")
    parser.add_argument("--embedded", action="store_true",
                        help="(b) with the bundled tiny model (SmolLM2-135M) when no endpoint is given: "
                             "exercises a real model end to end, says nothing about a capable one")
    parser.add_argument("--no-scripted", action="store_true", help="only (b)")
    parser.add_argument("--json", metavar="PATH", help="also write every run as JSON")
    args = parser.parse_args()
    everything: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="lessonl-ablation-") as tmp:
        base = Path(tmp)
        runs: list[Run] = []
        if not args.no_scripted:
            for repeat in range(args.repeats):
                runs += await scripted(base, args.rounds, repeat)
            print(table(f"(a) scripted model, {EXAMPLE} {FILE}::{FUNCTION}, {args.rounds} rounds x 1 agent", runs))
            print(summary(runs))
            everything["scripted"] = [r.to_json() for r in runs]
        agent, title = None, ""
        if args.base_url and args.model:
            agent = endpoint_agent(args.base_url, args.model, args.api_key_env)
            title = f"(b) endpoint {args.base_url} model {args.model}"
        elif args.embedded:
            agent = embedded_agent()
            title = "(b) the bundled tiny model SmolLM2-135M (a toy: plumbing only)"
            if agent is None:
                print("(b) --embedded: the bundled model is not installed (pip install 'lessonl[local]')")
        if agent is not None:
            runs = []
            for repeat in range(args.repeats):
                runs += await endpoint(base, args.rounds, repeat, agent)
            print(table(f"{title}, {args.rounds} rounds x 1 agent", runs))
            print(summary(runs))
            everything["endpoint"] = [r.to_json() for r in runs]
        elif not args.embedded:
            print("(b) real endpoint: skipped (give --base-url and --model, or set LESSONL_BASE_URL and "
                  "LESSONL_MODEL)")
    seen: dict[str, int] = {}
    for rows in everything.values():
        for row in rows:
            for warning in row["warnings"]:
                seen[warning.split(" (load average")[0]] = seen.get(warning.split(" (load average")[0], 0) + 1
    for warning, times in seen.items():
        print(f"  warning ({times}x): {warning}")
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
