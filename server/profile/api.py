"""`profile_benchmark` and `function_profile`: run the user's benchmark under a profiler in the
profile copy, and rank the repository's functions by their share of its time.

Which profiler: C and C++ under perf (callgrind when perf is missing or not permitted, said in
the warnings), Python under cProfile through the sitecustomize bootstrap, then a second run
with the line timer for the functions that get hot lines. `profiler="auto"` picks Python when
the benchmark command starts Python (or the repository has no C/C++ code), else native code.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from ..cancel import CancelToken
from ..code import language_for
from ..errors import BaselineError, ConfigError, LessonLError, ProfilerError
from ..judge import commands
from ..procs import logtail, run
from ..records import FunctionRef
from . import callgrind, perf, pyprof
from .index import FunctionIndex
from .records import FunctionShare, Hotspots
from .store import (bank_dir_for, git_commit, hash_files, load_function_profiles, load_hotspots, save_function_profile,
                    save_hotspots, share_for)
from .tally import MAX_HOT, HOT_SHARE, Tally, key_of, shares
from .workspace import Workspace, bench_command

PROFILERS = ("auto", "perf", "callgrind", "cprofile")
MIN_SAMPLES = 20  # fewer: no ranking worth showing
FEW_SAMPLES = 200  # fewer: shares are rough (a 1-sample step is 0.5 points)
PERF_TIMEOUT_FACTOR = 3
CALLGRIND_TIMEOUT_FACTOR = 60
PYTHON_TIMEOUT_FACTOR = 5
MAX_TIMEOUT = 3600
DRIVER_SELF = 0.01  # Python: hot functions with less self time than this get no line run by default
NATIVE = ("c", "cpp")

Log = Callable[[str], None]


async def profile_benchmark(root: Path, config: Any, *, tests: bool = False, profiler: str = "auto",
                            lines_for: Iterable[tuple[str, str]] | None = None, cancel: CancelToken | None = None,
                            log: Log | None = None, function: str | None = None) -> Hotspots:
    """Profile the whole benchmark (`{function}` = "", or the bench name of `function`), and with
    `tests` also the tests; see the module docstring. Saves nothing (save_hotspots does)."""
    log = log or (lambda message: None)
    root = Path(root).resolve()
    if profiler not in PROFILERS:
        raise ConfigError(f"unknown profiler {profiler!r}", hint="one of: " + ", ".join(PROFILERS))
    bench = getattr(config, "bench", None)
    if bench is None or not (bench.command or "").strip():
        raise ConfigError("no benchmark is configured: hotspots need a [bench] command to profile",
                          key="bench.command", hint='add [bench] command = "./bench {function}" to lessonl.toml')
    space = Workspace(root, config, log)
    lines_for = list(lines_for) if lines_for is not None else None
    kind = _kind(profiler, config, root, space)
    index = FunctionIndex(root, ("python",) if kind == "python" else NATIVE, copies=[space.directory],
                          excluded=space.scratch.rules)
    steps = [("benchmark", bench_command(config, space.python.path, function), bench.timeout)]
    if tests:
        steps.append(("tests", commands.expand(config.test.command, space.python.path), config.test.timeout))
    started = time.monotonic()
    async with space.lock():
        await _in_thread(space.sync)
        await space.build(kind == "native", cancel)
        if kind == "python":
            tally, used, unit, wall = await _python(space, index, steps, lines_for, cancel, log)
        else:
            tally, used, unit, wall = await _native(space, index, steps, profiler, cancel, log)
        space.clear_out()
    functions, unmapped = shares(tally, index, lines_for)
    if lines_for is not None:
        missing = [f"{f}::{n}" for f, n in lines_for
                   if not any(s.file == f and s.qualified_name == n for s in functions)]
        if missing:
            space.warnings.append("no samples in " + ", ".join(missing) +
                                  ": the profiled run did not spend measurable time there")
    log(f"profiled in {time.monotonic() - started:.1f} s with {used}")
    return Hotspots(
        profiler=used, unit=unit, command=" ; ".join(command for _, command, _ in steps),
        commit=await git_commit(root), file_hashes=hash_files(root, {f.file for f in functions}),
        measured_at=time.time(), wall_s=wall, total_samples=tally.samples or int(round(tally.total * tally.scale)),
        functions=functions, unmapped=unmapped, warnings=space.warnings, tests_included=tests,
        bench_stdout=space.bench_stdout)


async def function_profile(root: Path, config: Any, ref: FunctionRef, *,
                           cancel: CancelToken | None = None) -> FunctionShare | None:
    """The profile of one function for the code prompt: the saved figure when it is fresh and
    has hot lines, else one profiled run of that function's benchmark (bench `{function}` = its
    name) for its lines and callers, saved back: into the saved ranking when the function is in
    it (its whole-benchmark shares kept), else beside it (`function-profiles.json`), so the
    ranking never mixes figures of different runs. None when that run spends no time in it.
    Raises what profile_benchmark raises (ProfilerError, BaselineError, ConfigError)."""
    root = Path(root).resolve()
    bank = bank_dir_for(root, config)
    saved = load_hotspots(bank)
    fresh = share_for(saved, ref.file, ref.qualified_name, ref.text_hash)
    if fresh is not None and fresh.lines:
        return fresh
    kept = load_function_profiles(bank).get(f"{ref.file}::{ref.qualified_name}")
    if kept is not None and kept.text_hash == ref.text_hash and kept.lines:
        return kept
    measured = await profile_benchmark(root, config, lines_for=[(ref.file, ref.qualified_name)], cancel=cancel,
                                       function=ref.qualified_name)
    found = share_for(measured, ref.file, ref.qualified_name, ref.text_hash)
    if found is None:
        return None
    if fresh is not None and saved is not None:
        merged = dataclasses.replace(fresh, lines=found.lines, callers=found.callers)
        saved.functions = [merged if f is fresh else f for f in saved.functions]
        save_hotspots(bank, saved)
        return merged
    save_function_profile(bank, found)
    return found


# -- which profiler ------------------------------------------------------------------------------

def _kind(profiler: str, config: Any, root: Path, space: Workspace) -> str:
    if profiler == "cprofile":
        return "python"
    if profiler in ("perf", "callgrind"):
        return "native"
    command = " ".join(c for c in (config.bench.command, config.test.command) if c)
    starts_python = any(word in command for word in ("{python}", "python", "pytest"))
    native_files = FunctionIndex(root, NATIVE, excluded=space.scratch.rules).files
    if starts_python or not native_files:
        return "python"
    return "native"


# -- native code -------------------------------------------------------------------------------

async def _native(space: Workspace, index: FunctionIndex, steps: list[tuple[str, str, float]], profiler: str,
                  cancel: CancelToken | None, log: Log) -> tuple[Tally, str, str, float]:
    mapper = perf.NativeMapper(index, [space.directory])
    use = profiler
    if use == "auto":
        use = "perf" if shutil.which("perf") else "callgrind"
        if use == "callgrind":
            space.warnings.append("perf is not installed (Debian: apt install linux-perf): used valgrind's "
                                  "callgrind, which counts instructions, not time")
    if use == "perf":
        outcome = await _perf(space, mapper, steps, cancel, log, fallback=profiler == "auto")
        if outcome is not None:
            return outcome
        use = "callgrind"
    if not shutil.which("valgrind"):
        raise ProfilerError("no profiler for C/C++ is available: perf could not be used and valgrind is not installed",
                            hint="install the Debian packages linux-perf (preferred) or valgrind")
    return await _callgrind(space, mapper, steps, cancel, log)


async def _perf(space: Workspace, mapper: perf.NativeMapper, steps: list[tuple[str, str, float]],
                cancel: CancelToken | None, log: Log, fallback: bool) -> tuple[Tally, str, str, float] | None:
    samples: list[perf.Sample] = []
    wall = 0.0
    env = space.base_env(shims=True)
    for label, command, timeout in steps:
        data = space.out_dir / f"perf-{label}.data"
        log(f"profiling the {label} under perf: {command}")
        result = await space.run(space.in_out(perf.record_command(command, data)),
                                 min(MAX_TIMEOUT, timeout * PERF_TIMEOUT_FACTOR), env, cancel, measured=True)
        wall += result.wall_s
        space.keep_output(label, result)
        unusable = _perf_unusable(result, data)
        if unusable:
            if fallback:
                space.warnings.append(f"perf could not be used ({unusable}): used valgrind's callgrind instead, "
                                      "which counts instructions, not time")
                log(space.warnings[-1])
                return None
            raise ProfilerError(f"perf could not profile the {label}: {unusable}",
                                hint="allow perf events (sysctl kernel.perf_event_paranoid=2 or lower) or use "
                                     "--profiler callgrind (Debian package valgrind)")
        _check_ran(result, label, command, "perf")
        if _has_data(data) and data.stat().st_size >= perf.MAX_SIZE_MB * 1024 * 1024 * 0.98:
            space.warnings.append(f"perf stopped recording the {label} at {perf.MAX_SIZE_MB} MB: the shares cover "
                                  "its first part only; a shorter benchmark run covers all of it")
        script = await run(perf.script_command(data), space.directory, timeout=max(120.0, timeout * 2), cancel=cancel)
        if not script.ok:
            raise ProfilerError(f"perf script could not read the {label}'s profile (exit status {script.rc})",
                                hint=logtail.tail(script.output, 8))
        samples.extend(perf.parse_script(script.stdout))
    await _source_lines(space, samples, mapper, cancel)
    tally = perf.tally_samples(samples, mapper)
    _check_samples(space, tally.samples, wall, "perf")
    return tally, "perf", f"{perf.RECORD_EVENT} samples", wall


async def _source_lines(space: Workspace, samples: list[perf.Sample], mapper: perf.NativeMapper,
                        cancel: CancelToken | None) -> None:
    """Source lines (with inline levels) of the frames in the programs built in the copy: one
    addr2line per program, for the distinct addresses sampled."""
    wanted: dict[str, set[int]] = {}
    for sample in samples:
        for frame in sample.frames:
            address = perf.query_address(frame)
            if address is not None and mapper.own_object(frame.dso):
                wanted.setdefault(frame.dso, set()).add(address)
    if not wanted:
        return
    if not shutil.which("addr2line"):
        space.warnings.append("addr2line (Debian: binutils) is missing: no source lines, functions found by name only")
        return
    found: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for dso, addresses in wanted.items():
        for argv in perf.addr2line_commands(dso, sorted(addresses)):
            result = await run(argv, space.directory, timeout=300, cancel=cancel)
            for address, levels in perf.parse_addr2line(result.stdout).items():
                found[(dso, address)] = levels
    for sample in samples:
        for frame in sample.frames:
            levels = found.get((frame.dso, perf.query_address(frame) or -1))
            if levels:
                frame.inline = levels
                frame.file, frame.line = levels[0]


def _perf_unusable(result, data: Path) -> str | None:  # noqa: ANN001 - ProcResult
    output = result.stderr or ""
    if result.command_not_found and "perf" in output:
        return "perf is not installed (Debian: apt install linux-perf)"
    if "not found for kernel" in output or "perf not found" in output:
        return "perf has no build for this kernel (" + output.strip().splitlines()[0][:160] + ")"
    if perf.not_permitted(output) and not _has_data(data):
        line = next((l for l in output.splitlines() if perf.not_permitted(l)), output.strip()[:160])
        return f"perf events are not permitted here: {line.strip()[:200]}"
    if not _has_data(data) and not result.timed_out and result.rc not in (0, None):
        if "perf" in output.lower() and "record" in output.lower():
            return output.strip().splitlines()[-1][:200]
    return None


def _has_data(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


async def _callgrind(space: Workspace, mapper: perf.NativeMapper, steps: list[tuple[str, str, float]],
                     cancel: CancelToken | None, log: Log) -> tuple[Tally, str, str, float]:
    env = space.base_env(shims=True)
    wall = 0.0
    for label, command, timeout in steps:
        log(f"profiling the {label} under callgrind (slow: instructions are simulated): {command}")
        result = await space.run(space.in_out(callgrind.record_command(command, space.out_dir)),
                                 min(MAX_TIMEOUT, timeout * CALLGRIND_TIMEOUT_FACTOR), env, cancel, measured=True)
        wall += result.wall_s
        space.keep_output(label, result)
        _check_ran(result, label, command, "callgrind")
    profile = callgrind.Profile()
    for path in sorted(space.out_dir.glob("callgrind.out.*")):
        callgrind.parse(path.read_text(encoding="utf-8", errors="replace"), profile)
    if not profile.total:
        raise ProfilerError("callgrind recorded nothing", hint="check that the benchmark command runs a program")
    return callgrind.tally_profile(profile, mapper), "callgrind", "instructions", wall


# -- Python ------------------------------------------------------------------------------------

async def _python(space: Workspace, index: FunctionIndex, steps: list[tuple[str, str, float]],
                  lines_for: list[tuple[str, str]] | None, cancel: CancelToken | None,
                  log: Log) -> tuple[Tally, str, str, float]:
    pyprof.write_bootstrap(space.boot_dir)
    mapper = pyprof.PythonMapper(index)
    env = space.base_env(shims=False, python_boot=True, extra={"LESSONL_PROFILE_OUT": str(space.out_dir)})
    wall = 0.0
    for label, command, timeout in steps:
        log(f"profiling the {label} under cProfile: {command}")
        result = await space.run(space.in_out(command), min(MAX_TIMEOUT, timeout * PYTHON_TIMEOUT_FACTOR), env, cancel,
                                 measured=True)
        wall += result.wall_s
        space.keep_output(label, result)
        _check_ran(result, label, command, "cProfile")
    dumps = sorted(space.out_dir.glob("py-*.prof"))
    stats = pyprof.read_stats(dumps)
    if stats is None:
        raise ProfilerError("no Python process of the benchmark was profiled",
                            hint="the [bench] command must start Python (e.g. {python} bench.py); a Python "
                                 "started with -S or -I skips the profiler's sitecustomize")
    tally = pyprof.tally_stats(stats, mapper)
    if tally.total <= 0:
        raise ProfilerError(f"the benchmark ran {wall:.2f} s but cProfile measured no time in it",
                            hint="make the benchmark run longer")
    targets = _line_targets(tally, index, lines_for)
    if targets:
        spec = space.out_dir / "line-targets.json"
        spec.write_text(json.dumps(pyprof.line_targets(targets, space.directory)))
        spec.chmod(0o644)
        line_env = {**env, "LESSONL_PROFILE_LINES": str(spec)}
        for label, command, timeout in steps:
            log(f"timing the lines of {', '.join(t.qualified_name for t in targets)} ({label})")
            result = await space.run(space.in_out(command), min(MAX_TIMEOUT, timeout * PYTHON_TIMEOUT_FACTOR * 2),
                                     line_env, cancel, measured=True)
            if not result.ok:
                space.warnings.append(f"the line-timing run of the {label} failed (exit status {result.rc}): "
                                      "no hot lines")
                break
        else:
            pyprof.add_lines(tally, targets, sorted(space.out_dir.glob("lines-*.json")), mapper)
    return tally, "cprofile", "microseconds", wall


def _line_targets(tally: Tally, index: FunctionIndex, lines_for: list[tuple[str, str]] | None) -> list[FunctionRef]:
    if lines_for is not None:
        out = []
        for file, name in lines_for:
            found = [r for r in index.functions(file) if r.qualified_name == name]
            out.extend(found[:1])
        return out
    total = tally.total or 1.0
    ranked = sorted(tally.inclusive, key=lambda k: -tally.inclusive[k])
    # drivers (hot only through what they call: main, a timing loop) are not worth a traced run
    return [tally.refs[k] for k in ranked if tally.inclusive[k] / total >= HOT_SHARE
            and tally.self_weight[k] / total >= DRIVER_SELF][:MAX_HOT]


# -- checks ------------------------------------------------------------------------------------

def _check_ran(result, label: str, command: str, tool: str) -> None:  # noqa: ANN001 - ProcResult
    if result.timed_out:
        raise BaselineError(f"the {label} did not finish under {tool} in time ({result.wall_s:.0f} s)",
                            hint=f"{tool} slows the program down; shorten the {label} or raise its timeout")
    if not result.ok:
        raise BaselineError(f"the {label} failed under {tool} (exit status {result.rc}): {command}",
                            hint=logtail.tail(result.output, 12)[:1200])


def _check_samples(space: Workspace, samples: int, wall: float, tool: str) -> None:
    if samples < MIN_SAMPLES:
        raise ProfilerError(f"the benchmark ran {wall:.2f} s and {tool} took only {samples} samples: too brief to "
                            "rank functions", hint="make the benchmark run longer (at least 0.5 s: more iterations "
                                                   "or larger inputs)")
    if samples < FEW_SAMPLES:
        space.warnings.append(f"only {samples} samples in {wall:.2f} s: shares are rough (one sample is "
                              f"{100 / samples:.1f} points); a benchmark that runs longer gives firmer figures")


async def _in_thread(function: Callable[[], Any]) -> Any:
    import asyncio
    return await asyncio.to_thread(function)


__all__ = ["profile_benchmark", "function_profile", "LessonLError"]
