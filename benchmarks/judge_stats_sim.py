"""Simulation of the judge's timing statistics, driven by noise recorded on this machine.

Real interleaved A/A rounds of the C++ example (`./bench prefix_sum`, two cases, and
`./bench matmul`), quiet and with a periodic background load (a busy loop taking a core 15 s
out of every 30 s), plus real rounds of a candidate that is truly ~1.10x faster (the volatile
knob of judge_power.py), live in benchmarks/data/judge_noise.json. Each simulated evaluation
replays consecutive recorded rounds from a random starting point (so load periods and drift
stay as they were), divides the candidate's times by a known speedup, and runs the real
`timing.interleave`, `stats.estimate` and `stats.decide` on fake runners whose virtual clock
advances by each recorded run's wall time. The same replays drive the alternatives, written
out here: the brief's recommendation (Hodges-Lehmann estimate, signed-rank interval, each look
spending its share by the union bound: "hl-union"), the chosen median interval with the union
bound instead of the exact sequential boundary ("median-union"), the judge's previous design
(ratio of medians, bootstrap interval, stop at 4% width: "old") and codeflash's rule (each side
looped for 10 s, the sum of per-case minimums, faster above a 5% gain).

It prints: the recorded noise; the error of candidate centres (paired median, paired
Hodges-Lehmann, ratio of medians, of minimums, of 10% quantiles, paired minimums of two
rounds) against the truth; interval widths at fixed round counts (the chosen interval alone,
at a planned look and as a last look, the signed-rank interval, paired minimums of two
rounds, an anytime-valid confidence sequence); then per design, scenario and true speedup,
how often the verdict was faster / slower, how often the reported interval held the truth,
the timing time used and how often the point estimate was more than 5% off; with --plans,
the chosen design under other look plans and max_runs. About 30 s on two cores.

The truth of an injected speedup s is s times the scenario's own A/A centre (its median log
ratio over all recorded rounds); of the recorded ~1.10x candidate, the centre of its quiet
rounds.

    .venv/bin/python benchmarks/judge_stats_sim.py [--trials 200] [--aa-trials 2000] [--plans]
    .venv/bin/python benchmarks/judge_stats_sim.py --collect    # record the noise anew (~15 min)
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import functools
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = REPO / "benchmarks" / "data" / "judge_noise.json"

from judge_common import BUSY, with_knob  # noqa: E402

from lessonl.judge import benchparse, stats, timing  # noqa: E402
from lessonl.procs import Limits, run, scrub_env  # noqa: E402
from lessonl.records import Outcome  # noqa: E402

MIN_EFFECT = 0.03
SPEEDUPS = (1.0, 1.03, 1.05, 1.10, 1.20, 0.90)


# ---- recording the noise (--collect) --------------------------------------------------------



def build_copies(base: Path) -> dict[str, Path]:
    """Three builds of the example with equal-length paths: two of knob 0 (A/A) and knob 11 (1.10x)."""
    original = (REPO / "examples" / "cpp-kernels" / "kernels.cpp").read_text()
    copies = {}
    for name, every in (("base", 0), ("copy", 0), ("k011", 11)):
        target = base / name
        shutil.copytree(REPO / "examples" / "cpp-kernels", target,
                        ignore=shutil.ignore_patterns("*.o", "bench", "test_kernels", ".lessonl"))
        (target / "kernels.cpp").write_text(with_knob(original, every))
        subprocess.run(["make", "-s", "all"], cwd=target, check=True)
        copies[name] = target
    return copies


async def collect_scenario(baseline: Path, candidate: Path, kernel: str, rounds: int, seed: int) -> dict:
    """Interleaved rounds as the judge times them (its process launcher and limits, a coin flip
    for the order, one warm-up run per side), each side's times and wall times recorded."""
    limits = Limits(cpu_seconds=600, memory_mb=4096, file_size_mb=1024, processes=256, network=False)
    env = scrub_env(os.environ)
    coin = random.Random(seed)

    async def one(directory: Path) -> tuple[dict[str, float], float]:
        result = await run(f"./bench {kernel}", directory, env=env, timeout=60, limits=limits)
        assert result.ok, result.output
        return benchparse.parse(result.stdout, "google-benchmark"), result.wall_s

    await one(baseline)
    await one(candidate)
    cases: list[str] = []
    rows = []
    start = time.monotonic()
    for _ in range(rounds):
        at = time.monotonic() - start
        first = coin.random() < 0.5
        if first:
            b, db = await one(baseline)
            c, dc = await one(candidate)
        else:
            c, dc = await one(candidate)
            b, db = await one(baseline)
        cases = cases or list(b)
        rows.append([round(at, 2), int(first), *[round(b[k] * 1e9) for k in cases],
                     *[round(c[k] * 1e9) for k in cases], round(db * 1e3, 1), round(dc * 1e3, 1)])
    return {"cases": cases, "rounds": rows}


async def collect(rounds: int) -> None:
    """Quiet first, then with the periodic busy loop: A/A of prefix_sum and matmul, and the real
    ~1.10x candidate of prefix_sum against the baseline."""
    base = Path(tempfile.mkdtemp(prefix="lessonl-noise-"))
    busy = None
    try:
        copies = build_copies(base)
        plan = [("prefix_sum", "aa", "copy"), ("matmul", "aa", "copy"), ("prefix_sum", "ab110", "k011")]
        data: dict = {"machine": f"{os.cpu_count()} cores, {os.uname().machine}, {os.uname().release}",
                      "collected": time.strftime("%Y-%m-%d"),
                      "row": "[t_s, baseline_first, baseline ns per case..., candidate ns per case..., "
                             "baseline wall ms, candidate wall ms]",
                      "scenarios": {}}
        for load in ("quiet", "loaded"):
            if load == "loaded":
                busy = subprocess.Popen([sys.executable, "-c", BUSY])
            for kernel, kind, other in plan:
                count = rounds if kernel == "prefix_sum" and kind == "aa" else rounds // 2
                if load == "loaded":
                    count = int(count * 1.5)
                name = f"{kernel}/{load}/{kind}"
                print(f"collecting {name}: {count} rounds", flush=True)
                data["scenarios"][name] = await collect_scenario(copies["base"], copies[other], kernel, count,
                                                                 seed=len(data["scenarios"]))
            if busy is not None:
                busy.kill()
                busy.wait()
                busy = None
        DATA.write_text(json.dumps(data, separators=(",", ":")) + "\n")
        print(f"wrote {DATA} ({DATA.stat().st_size // 1024} KiB)")
    finally:
        if busy is not None:
            busy.kill()
        shutil.rmtree(base, ignore_errors=True)


# ---- the recorded noise ---------------------------------------------------------------------

@dataclass(frozen=True)
class Round:
    baseline: tuple[float, ...]  # seconds per case
    candidate: tuple[float, ...]
    baseline_s: float  # wall time of each side's run
    candidate_s: float


@dataclass(frozen=True)
class Scenario:
    name: str
    cases: tuple[str, ...]
    rounds: tuple[Round, ...]

    def logs(self) -> list[float]:
        """Per round, mean over cases of log(baseline / candidate)."""
        return _logs([r.baseline for r in self.rounds], [r.candidate for r in self.rounds])

    def centre(self) -> float:
        """Median of all rounds' log ratios: what this scenario's judge should find at speedup 1."""
        return statistics.median(self.logs())


def load_scenarios(path: Path = DATA) -> dict[str, Scenario]:
    data = json.loads(path.read_text())
    scenarios = {}
    for name, item in data["scenarios"].items():
        k = len(item["cases"])
        rounds = tuple(Round(tuple(v * 1e-9 for v in row[2:2 + k]), tuple(v * 1e-9 for v in row[2 + k:2 + 2 * k]),
                             row[2 + 2 * k] / 1e3, row[3 + 2 * k] / 1e3) for row in item["rounds"])
        scenarios[name] = Scenario(name, tuple(item["cases"]), rounds)
    return scenarios


def truths(scenarios: dict[str, Scenario]) -> dict[str, float]:
    """The speedup each scenario's judge should find with nothing injected: the A/A scenarios' own
    centres, and for the recorded ~1.10x candidate the centre of all its quiet rounds."""
    found = {name: math.exp(s.centre()) for name, s in scenarios.items() if name.endswith("/aa")}
    for name in scenarios:
        if name.endswith("/ab110"):
            found[name] = math.exp(scenarios["prefix_sum/quiet/ab110"].centre())
    return found


class Replay:
    """Fake runners that replay recorded rounds from `start` on (wrapping around), the candidate
    `speedup` times faster, each run advancing a virtual clock by its recorded wall time."""

    def __init__(self, scenario: Scenario, start: int, speedup: float) -> None:
        self.scenario, self.index, self.speedup = scenario, start, speedup
        self.served: set[str] = set()
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def _serve(self, side: str) -> dict[str, float]:
        current = self.scenario.rounds[self.index % len(self.scenario.rounds)]
        if side == "baseline":
            values, self.now = current.baseline, self.now + current.baseline_s
        else:
            values = tuple(v / self.speedup for v in current.candidate)
            self.now += current.candidate_s
        self.served.add(side)
        if len(self.served) == 2:
            self.served.clear()
            self.index += 1
        return dict(zip(self.scenario.cases, values))

    async def baseline(self) -> dict[str, float]:
        return self._serve("baseline")

    async def candidate(self) -> dict[str, float]:
        return self._serve("candidate")

    def block(self, seconds: float, side: str) -> list[tuple[float, ...]]:
        """One side's runs back to back for `seconds` (codeflash's loop), taken from the recording."""
        values: list[tuple[float, ...]] = []
        spent = 0.0
        while spent < seconds:
            current = self.scenario.rounds[self.index % len(self.scenario.rounds)]
            self.index += 1
            values.append(current.baseline if side == "baseline" else
                          tuple(v / self.speedup for v in current.candidate))
            spent += current.baseline_s if side == "baseline" else current.candidate_s
        self.now += spent
        return values


# ---- the alternative the brief recommended: Hodges-Lehmann, signed-rank, union bound ---------

@functools.lru_cache(maxsize=None)
def signed_rank_null(n: int) -> tuple[float, ...]:
    """P(W+ = w), w = 0 .. n(n+1)/2: each rank joins the sum with probability 1/2."""
    probabilities = [1.0]
    for rank in range(1, n + 1):
        probabilities = [(a + b) * 0.5 for a, b in zip(probabilities + [0.0] * rank, [0.0] * rank + probabilities)]
    return tuple(probabilities)


def signed_rank_depth(n: int, alpha: float) -> int:
    """The largest k with P(W+ <= k - 1) <= alpha / 2."""
    total = 0.0
    for w, probability in enumerate(signed_rank_null(n)):
        total += probability
        if total > alpha / 2:
            return w
    return 0


def hodges_lehmann(values: list[float], alpha: float) -> tuple[float, float, float]:
    n = len(values)
    walsh = sorted((values[i] + values[j]) / 2 for i in range(n) for j in range(i, n))
    depth = signed_rank_depth(n, alpha)
    centre = statistics.median(walsh)
    if depth == 0:
        return centre, -math.inf, math.inf
    return centre, walsh[depth - 1], walsh[-depth]


def union_plan(max_runs: int) -> list[tuple[int, float]]:
    """The same looks, each spending its share outright (0.8% first, 0.3% each later)."""
    plan, spent = [], 0.0
    for runs in stats.LOOKS:
        share = stats.FIRST_SPEND if not plan else stats.LOOK_SPEND
        if 6 <= runs < max_runs and spent + share < stats.ALPHA:
            plan.append((runs, share))
            spent += share
    return plan


async def union_design(replay: Replay, seed: int, interval: Callable = hodges_lehmann, budget: float = 20.0,
                       max_runs: int = 200) -> Result:
    """Decide, then stop, with the union bound: the last look gets 5% minus every earlier share."""
    plan = dict(union_plan(max_runs))
    await replay.baseline()
    await replay.candidate()
    base: list[tuple[float, ...]] = []
    cand: list[tuple[float, ...]] = []
    spent = 0.0
    while True:
        base.append(tuple((await replay.baseline()).values()))
        cand.append(tuple((await replay.candidate()).values()))
        runs = len(base)
        if runs >= 6 and (runs >= max_runs or replay.now >= budget):
            centre, ci = _interval(interval, base, cand, stats.ALPHA - spent)
            return Result(stats.classify(ci, MIN_EFFECT), ci, replay.now, runs, centre)
        if runs in plan:
            centre, ci = _interval(interval, base, cand, plan[runs])
            if stats.settled(ci, MIN_EFFECT) is not None:
                return Result(stats.classify(ci, MIN_EFFECT), ci, replay.now, runs, centre)
            spent += plan[runs]


def _interval(interval: Callable, base: list, cand: list, alpha: float) -> tuple[float, tuple[float, float]]:
    centre, low, high = interval(_logs(base, cand), alpha)
    return math.exp(centre), ((math.exp(low) if low > -math.inf else 0.0), (math.exp(high) if high < math.inf else math.inf))


# ---- the designs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    outcome: Outcome
    ci: tuple[float, float] | None
    timing_s: float
    runs: int
    speedup: float


async def new_design(replay: Replay, seed: int, budget: float = 20.0, max_runs: int = 200) -> Result:
    """The judge's code: decide, then stop (timing.interleave, stats.estimate, stats.decide)."""
    samples = await timing.interleave(replay.baseline, replay.candidate, min_runs=6, max_runs=max_runs,
                                      budget_s=budget, min_effect=MIN_EFFECT, seed=seed, clock=replay.clock)
    decision = stats.decide(samples.estimate, MIN_EFFECT, True)
    return Result(decision.outcome, samples.estimate.ci, samples.elapsed_s, samples.runs, samples.estimate.speedup)


async def median_union(replay: Replay, seed: int, **options: Any) -> Result:
    return await union_design(replay, seed, interval=stats.median_interval, **options)


async def old_design(replay: Replay, seed: int) -> Result:
    """The judge before: ratio of medians, paired bootstrap, stop when the interval is 4% wide."""
    rng = numpy.random.default_rng(seed)
    await replay.baseline()
    await replay.candidate()
    base: list[list[float]] = []
    cand: list[list[float]] = []
    while True:
        base.append(list((await replay.baseline()).values()))
        cand.append(list((await replay.candidate()).values()))
        runs = len(base)
        if runs >= 5:
            if runs >= 40 or replay.now >= 20.0:
                break
            point, (low, high) = _old_estimate(base, cand, 400, rng)
            if (high - low) / point < 0.04:
                break
    point, ci = _old_estimate(base, cand, 2000, rng)
    return Result(stats.classify(ci, MIN_EFFECT), ci, replay.now, len(base), point)


def _old_estimate(base: list[list[float]], cand: list[list[float]], resamples: int,
                  rng: "numpy.random.Generator") -> tuple[float, tuple[float, float]]:
    b, c = numpy.array(base), numpy.array(cand)
    point = numpy.mean(numpy.log(numpy.median(b, axis=0) / numpy.median(c, axis=0)))
    picks = rng.integers(0, len(b), size=(resamples, len(b)))
    logs = numpy.log(numpy.median(b[picks], axis=1) / numpy.median(c[picks], axis=1)).mean(axis=1)
    low, high = numpy.quantile(logs, [0.025, 0.975])
    return math.exp(point), (math.exp(min(low, point)), math.exp(max(high, point)))


async def codeflash(replay: Replay, seed: int) -> Result:
    """codeflash's rule: each side looped for 10 s, the sum over cases of the minimum, faster if
    the gain exceeds 5%. No interval."""
    await replay.baseline()
    await replay.candidate()
    base = replay.block(10.0, "baseline")
    cand = replay.block(10.0, "candidate")
    gain = sum(min(column) for column in zip(*base)) / sum(min(column) for column in zip(*cand))
    outcome = (Outcome.FASTER if gain > 1.05 else Outcome.SLOWER if gain < 1 / 1.05
               else Outcome.NO_SIGNIFICANT_CHANGE)
    return Result(outcome, None, replay.now, len(base) + len(cand), gain)


DESIGNS: dict[str, Callable] = {"new": new_design, "hl-union": union_design, "median-union": median_union,
                                "old": old_design, "codeflash": codeflash}


# ---- running many evaluations ---------------------------------------------------------------

@dataclass
class Cell:
    design: str
    scenario: str
    speedup: float  # injected (1.0 for the recorded A/B scenarios)
    truth: float  # what the interval should hold
    trials: int
    faster: int = 0
    slower: int = 0
    covered: int = 0
    intervals: int = 0
    times: list[float] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)
    off: int = 0  # point estimates more than 5% from the truth


@dataclass(frozen=True)
class Job:
    design: str
    scenario: str
    speedup: float
    truth: float
    trials: int
    options: tuple[tuple[str, Any], ...] = ()
    plan: tuple = ()  # (looks, first spend, later spend) patched into stats for this job


def run_job(job: Job) -> Cell:
    if job.plan:
        stats.LOOKS, stats.FIRST_SPEND, stats.LOOK_SPEND = job.plan
    scenario = load_scenarios()[job.scenario]
    cell = Cell(job.design, job.scenario, job.speedup, job.truth, job.trials)
    rng = random.Random(f"{job.scenario}/{job.speedup}")  # the same replays for every design
    runner = DESIGNS[job.design]

    async def all_trials() -> None:
        for _ in range(job.trials):
            replay = Replay(scenario, rng.randrange(len(scenario.rounds)), job.speedup)
            result = await runner(replay, rng.randrange(2 ** 31), **dict(job.options))
            cell.faster += result.outcome is Outcome.FASTER
            cell.slower += result.outcome is Outcome.SLOWER
            if result.ci is not None:
                cell.intervals += 1
                cell.covered += result.ci[0] <= job.truth <= result.ci[1]
            cell.times.append(result.timing_s)
            cell.runs.append(result.runs)
            cell.off += abs(math.log(result.speedup / job.truth)) > math.log(1.05)

    asyncio.run(all_trials())
    return cell


def run_jobs(jobs: list[Job], workers: int) -> list[Cell]:
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        return list(pool.map(run_job, jobs))


# ---- reports --------------------------------------------------------------------------------

def noise_report(scenarios: dict[str, Scenario]) -> None:
    print("recorded noise (per round: d = mean over cases of log(baseline / candidate)):")
    print(f"  {'scenario':<26} {'rounds':>6} {'round s':>7} {'median':>7} {'robust sd':>9} {'|d| > 5%':>8} "
          f"{'1st..99th percentile':>21}")
    for scenario in scenarios.values():
        logs = sorted(scenario.logs())
        centre = statistics.median(logs)
        mad = statistics.median(abs(x - centre) for x in logs) * 1.4826
        wall = statistics.median(r.baseline_s + r.candidate_s for r in scenario.rounds)
        wild = sum(abs(x - centre) > 0.05 for x in logs) / len(logs)
        p1, p99 = logs[len(logs) // 100], logs[-1 - len(logs) // 100]
        print(f"  {scenario.name:<26} {len(logs):>6} {wall:>7.3f} {centre * 100:>6.2f}% {mad * 100:>8.2f}% "
              f"{wild * 100:>7.1f}% {p1 * 100:>9.1f}%..{p99 * 100:.1f}%")


def estimator_report(scenarios: dict[str, Scenario], truth: dict[str, float], runs: int = 24,
                     blocks: int = 400) -> None:
    """The Chen & Revels question: is the minimum a better centre than a paired estimate here?"""
    print(f"\nestimators on {blocks} stretches of {runs} consecutive recorded rounds: error against the truth in %, "
          f"median [5th, 95th percentile]:")
    estimators = {
        "paired median (chosen)": lambda b, c: math.exp(statistics.median(_logs(b, c))),
        "paired Hodges-Lehmann": lambda b, c: math.exp(hodges_lehmann(_logs(b, c), 0.05)[0]),
        "ratio of medians (old)": lambda b, c: _ratio(b, c, statistics.median),
        "ratio of minimums": lambda b, c: _ratio(b, c, min),
        "ratio of 10% quantiles": lambda b, c: _ratio(b, c, lambda v: sorted(v)[len(v) // 10]),
        "paired min of 2 rounds": lambda b, c: math.exp(statistics.median(_block_min_logs(b, c, 2))),
    }
    names = [n for n in scenarios if n.endswith("ab110") or "loaded" in n]
    print(f"  {'estimator':<24}" + "".join(f" {n:>26}" for n in names))
    rng = random.Random(5)
    starts = {n: [rng.randrange(len(scenarios[n].rounds)) for _ in range(blocks)] for n in names}
    for label, function in estimators.items():
        row = f"  {label:<24}"
        for name in names:
            rounds = scenarios[name].rounds
            errors = []
            for start in starts[name]:
                chosen = [rounds[(start + i) % len(rounds)] for i in range(runs)]
                value = function([r.baseline for r in chosen], [r.candidate for r in chosen])
                errors.append(math.log(value / truth[name]) * 100)
            errors.sort()
            row += (f" {statistics.median(errors):>+7.2f} [{errors[len(errors) // 20]:+6.2f},"
                    f"{errors[-1 - len(errors) // 20]:+6.2f}]")
        print(row)


def _logs(b: list[tuple[float, ...]], c: list[tuple[float, ...]]) -> list[float]:
    return [sum(math.log(x / y) for x, y in zip(bb, cc)) / len(bb) for bb, cc in zip(b, c)]


def _ratio(b: list[tuple[float, ...]], c: list[tuple[float, ...]], centre: Callable) -> float:
    k = len(b[0])
    return math.exp(sum(math.log(centre([r[i] for r in b]) / centre([r[i] for r in c])) for i in range(k)) / k)


def _block_min_logs(b: list[tuple[float, ...]], c: list[tuple[float, ...]], size: int) -> list[float]:
    """Per block of `size` rounds, the log ratio of each side's per-case minimum (still paired)."""
    out = []
    for start in range(0, len(b) - size + 1, size):
        low_b = [min(r[i] for r in b[start:start + size]) for i in range(len(b[0]))]
        low_c = [min(r[i] for r in c[start:start + size]) for i in range(len(c[0]))]
        out.append(sum(math.log(x / y) for x, y in zip(low_b, low_c)) / len(low_b))
    return out


def width_report(scenarios: dict[str, Scenario], truth: dict[str, float]) -> None:
    """Interval widths at fixed round counts: the chosen interval (fixed-n, at a look, as the last
    look), the signed-rank one, paired minimums of 2 rounds, and an anytime-valid sequence."""
    plan = stats.look_plan(6, 200)
    print("\ninterval width (high/low - 1, in %, median over 300 stretches of recorded rounds) and coverage of "
          "fixed-n 95% intervals:")
    print(f"  {'scenario':<24} {'n':>3} {'median 95%':>10} {'at a look':>9} {'last look':>9} "
          f"{'HL 95%':>7} {'min-of-2 95%':>12} {'anytime':>8}   coverage: median / HL / min-of-2")
    rng = random.Random(6)
    for name in ("prefix_sum/quiet/aa", "matmul/quiet/aa", "prefix_sum/loaded/aa", "matmul/loaded/aa"):
        scenario = scenarios[name]
        logs = scenario.logs()
        target = math.log(truth[name])
        for n in (12, 24, 48):
            widths: dict[str, list[float]] = collections.defaultdict(list)
            hits: dict[str, int] = collections.Counter()
            for _ in range(300):
                start = rng.randrange(len(logs))
                d = [logs[(start + i) % len(logs)] for i in range(n)]
                chosen = [scenario.rounds[(start + i) % len(logs)] for i in range(n)]
                blocks = _block_min_logs([r.baseline for r in chosen], [r.candidate for r in chosen], 2)
                intervals = {"median": stats.median_interval(d, 0.05),
                             "look": stats.median_interval(d, plan.alpha_at(n) or plan.alpha_at(n // 2 * 2)),
                             "last": stats.median_interval(d, plan.final_alpha(n)),
                             "hl": hodges_lehmann(d, 0.05), "min2": hodges_lehmann(blocks, 0.05),
                             "anytime": (0.0, *_median_sequence(d, 0.05))}
                for key, (_, low, high) in intervals.items():
                    widths[key].append(math.exp(min(high - low, 50)) - 1)
                    hits[key] += low <= target <= high
            cells = {k: statistics.median(v) * 100 for k, v in widths.items()}
            print(f"  {name:<24} {n:>3} {cells['median']:>9.2f}% {cells['look']:>8.2f}% {cells['last']:>8.2f}% "
                  f"{cells['hl']:>6.2f}% {cells['min2']:>11.2f}% {_pct(cells['anytime']):>8}   "
                  f"{hits['median'] / 3:.0f}% / {hits['hl'] / 3:.0f}% / {hits['min2'] / 3:.0f}%")


def _pct(value: float) -> str:
    return "inf" if value > 1e6 else f"{value:.2f}%"


def _median_sequence(d: list[float], alpha: float) -> tuple[float, float]:
    """Anytime-valid interval for the median (Howard & Ramdas): the count of values above the
    median is a fair-coin walk (sub-Gaussian, variance n/4); a two-sided normal-mixture boundary,
    tuned to be narrowest near 24 rounds, bounds it at every n at once."""
    n = len(d)
    rho = 24 / 4 / (2 * math.log(2 / alpha))
    variance = n / 4
    bound = math.sqrt((variance + rho) * math.log((variance + rho) / (rho * (alpha / 2) ** 2)))
    ordered = sorted(d)
    lower, upper = math.ceil(n / 2 - bound) - 1, math.floor(n / 2 + bound)
    if lower < 0 or upper >= n:
        return -math.inf, math.inf
    return ordered[lower], ordered[upper]


def design_report(cells: list[Cell]) -> None:
    print(f"\n{'design':<13} {'scenario':<24} {'true':>6} {'faster':>11} {'slower':>7} {'coverage':>8} "
          f"{'timing s median':>15} {'p90':>5} {'rounds':>6} {'off > 5%':>8}")
    for cell in cells:
        times = sorted(cell.times)
        coverage = f"{cell.covered / cell.intervals * 100:.1f}%" if cell.intervals else "-"
        print(f"{cell.design:<13} {cell.scenario:<24} {cell.truth:>6.3f} {cell.faster:>5}/{cell.trials:<5} "
              f"{cell.slower / cell.trials * 100:>6.1f}% {coverage:>8} {statistics.median(times):>15.1f} "
              f"{times[int(len(times) * 0.9)]:>5.1f} {statistics.median(cell.runs):>6.0f} "
              f"{cell.off / cell.trials * 100:>7.1f}%")


def summary(cells: list[Cell]) -> None:
    print("\nsummary per design (all scenarios): A/A false wins; detection of injected 5% and 10% speedups; "
          "coverage; median timing s at 20%")
    for design in DESIGNS:
        mine = [c for c in cells if c.design == design]
        if not mine:
            continue
        aa = [c for c in mine if c.speedup == 1.0 and c.scenario.endswith("/aa")]
        five = [c for c in mine if c.speedup == 1.05]
        ten = [c for c in mine if c.speedup == 1.10]
        fast = [t for c in mine if c.speedup == 1.20 for t in c.times]
        line = (f"  {design:<13} false wins {sum(c.faster for c in aa)}/{sum(c.trials for c in aa)}, "
                f"5%: {sum(c.faster for c in five)}/{sum(c.trials for c in five)}, "
                f"10%: {sum(c.faster for c in ten)}/{sum(c.trials for c in ten)}")
        intervals = sum(c.intervals for c in mine)
        if intervals:
            line += f", coverage {sum(c.covered for c in mine) / intervals * 100:.1f}%"
        off = sum(c.off for c in mine) / sum(c.trials for c in mine)
        print(line + f", timing at 20%: {statistics.median(fast):.1f} s, estimates off by > 5%: {off * 100:.1f}%")


def plan_report(truth: dict[str, float], args: argparse.Namespace) -> None:
    """The real design under other look plans and max_runs, on the hardest cells."""
    every = stats.LOOKS
    doubling = (8, 16, 32, 64, 128, 256, 512, 1024)
    variants = [(every, 0.008, 0.004, 200), (every, 0.008, 0.002, 200), (every, 0.008, 0.006, 200),
                (doubling, 0.008, 0.004, 200), (every, 0.008, 0.004, 40), (every, 0.008, 0.004, 60), (every, 0.008, 0.004, 100),
                (every, 0.008, 0.004, 400), ((), 0.008, 0.004, 200)]
    cells_of = [("prefix_sum/loaded/aa", 1.0), ("matmul/loaded/aa", 1.0), ("prefix_sum/loaded/aa", 1.05),
                ("matmul/loaded/aa", 1.05), ("matmul/quiet/aa", 1.05), ("prefix_sum/quiet/aa", 1.2),
                ("matmul/loaded/aa", 1.2)]
    jobs = [Job("new", name, speedup, speedup * truth[name], args.trials, (("max_runs", max_runs),),
                (looks, first, later)) for looks, first, later, max_runs in variants for name, speedup in cells_of]
    cells = run_jobs(jobs, args.workers)
    print("\nlook plans (looks 1.5x or 2x apart or none, first look's share, later looks' share, max_runs);\n"
          "per cell: faster count, median timing s; then coverage over the row:")
    header = "".join(f" {name.split('/')[0][:6]}/{name.split('/')[1][:6]} {speedup:<4}" for name, speedup in cells_of)
    print(f"  {'plan':<24}{header}  coverage")
    for index, (looks, first, later, max_runs) in enumerate(variants):
        spacing = "none" if not looks else "x2" if looks[2] == 32 else "x1.5"
        row = f"  {spacing:<4} {first:<5g} {later:<5g} {max_runs:<6}"
        chosen = cells[index * len(cells_of):(index + 1) * len(cells_of)]
        for cell in chosen:
            row += f" {cell.faster:>4}/{cell.trials:<4} {statistics.median(cell.times):>4.1f}s"
        covered = sum(c.covered for c in chosen) / sum(c.intervals for c in chosen)
        print(row + f"  {covered * 100:5.1f}%")


def main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    scenarios = load_scenarios()
    truth = truths(scenarios)
    noise_report(scenarios)
    estimator_report(scenarios, truth)
    width_report(scenarios, truth)
    jobs = []
    for design in args.designs:
        for name in scenarios:
            injected = SPEEDUPS if name.endswith("/aa") else (1.0,)
            for speedup in injected:
                trials = args.aa_trials if speedup == 1.0 and design == "new" and name.endswith("/aa") else args.trials
                jobs.append(Job(design, name, speedup, speedup * truth[name], trials))
    cells = run_jobs(jobs, args.workers)
    print(f"\nsimulated evaluations (min_effect {MIN_EFFECT}, budget 20 s; new, hl-union and median-union: max_runs "
          f"200, looks at {stats.look_plan(6, 200).looks});\n'true' is the speedup the interval should hold "
          f"(the injected one times the scenario's own centre):")
    design_report(cells)
    summary(cells)
    if args.plans:
        plan_report(truth, args)
    print(f"\n({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collect", action="store_true", help=f"record new noise into {DATA.relative_to(REPO)} "
                        "(about 15 minutes; keep the machine otherwise idle)")
    parser.add_argument("--rounds", type=int, default=600, help="with --collect: quiet prefix_sum A/A rounds")
    parser.add_argument("--trials", type=int, default=200, help="simulated evaluations per cell")
    parser.add_argument("--aa-trials", type=int, default=2000, help="for the new design at A/A, per scenario")
    parser.add_argument("--designs", nargs="*", default=list(DESIGNS), choices=list(DESIGNS))
    parser.add_argument("--plans", action="store_true", help="also compare look plans and max_runs")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.collect:
        asyncio.run(collect(args.rounds))
    else:
        main(args)
