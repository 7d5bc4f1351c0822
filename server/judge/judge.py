"""The verdict on one candidate: built, tested and timed in a scratch copy of the user's repo.

A verdict is only as good as its weakest step, so each step fails in its own, named way:
a build that fails is not_compilable, tests that fail are incorrect, a build or tests that
do not finish in time are timeout, tests that die by a signal are crashed, and only a
candidate that passed all of that is timed, interleaved with the baseline, and called faster
or slower when the interval says so. Problems of the user's own code or machine (a baseline
that does not build, a missing compiler, unreadable benchmark output) are errors, not
verdicts: nothing can be judged until they are fixed.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import signal as signals
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

from ..cancel import CancelToken, until_cancelled
from ..atomic import write_atomic
from ..errors import BaselineError, Cancelled, TargetError, ToolMissingError
from ..records import BehaviourReport, Outcome, Verdict
from .reports import BaselineReport, CalibrationReport
from ..sandbox import snapshot
from ..procs import cgroups, leftovers, logtail
from . import benchparse, commands, forgery, interpreter, stats
from .behaviour_check import BehaviourCheck, CheckResult, CheckTarget, Reference
from ..sandbox import allowed_env
from .gate import Gate
from ..behaviour import REPORT_ENV
from .mounts import CHECK_DIR, mounts_for
from ..procs import Limits, ProcResult, aisolation, isolation, run, unisolated_warning
from .pythonpath import import_roots, with_import_roots
from .sanitizer_check import SanitizerCheck
from .scratch import Scratch, timing_lock_path
from .timing import CaseMismatch, Samples, interleave

Log = Callable[[str], None]
T = TypeVar("T")
ENV_PAD = "LESSONL_ENV_PAD"


@dataclass
class _Tally:
    """Process time and warnings of one evaluation."""

    process_s: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def add(self, result: ProcResult) -> ProcResult:
        self.process_s += result.wall_s
        for warning in result.warnings:
            if warning not in self.warnings:
                self.warnings.append(warning)
        return result


class _BenchFailed(Exception):
    def __init__(self, side: str, outcome: Outcome, message: str, log: str) -> None:
        self.side, self.outcome, self.message, self.log = side, outcome, message, log
        super().__init__(message)


class Judge:
    """Judges candidates for one repository; keep one per repository so scratch copies,
    the baseline cache and the build/timing gate are shared by all its evaluations."""

    def __init__(self, config: Any, log: Log | None = None) -> None:
        self.config = config
        self.root = Path(config.root).resolve()
        self.log = log or (lambda message: None)
        self.python = interpreter.find(self.root, config)  # what {python} means here
        self.scratch = Scratch(self.root, exclude=[*config.scratch.exclude, *_bank_exclude(config, self.root)])
        if config.sandbox.isolation:
            self.scratch.owner = isolation().run_as  # as root, candidates run as nobody and own their copies
        self.gate = Gate(timing_lock_path())
        self.env = _candidate_env(config)
        sandbox = config.sandbox
        self.limits = Limits(cpu_seconds=sandbox.cpu_seconds, memory_mb=sandbox.memory_mb,
                             file_size_mb=sandbox.file_size_mb, processes=sandbox.processes,
                             network=sandbox.network)
        self._status_path = self.scratch.home / "baseline-status.json"
        self._files_path = self.scratch.home / "baseline-files.json"
        self.behaviour = BehaviourCheck(self)
        self.sanitizer = SanitizerCheck(self)
        self._notes = _reap_once()  # said in this judge's first report
        # Baselines this judge built and tested itself (key -> build, test): a judge shared by a
        # batch's jobs checks the unchanged code fresh once, not once per function.
        self._fresh: dict[str, tuple[ProcResult | None, ProcResult]] = {}

    # ---- public API -------------------------------------------------------------------------

    async def evaluate(self, file_rel: str, new_text: str, function: str | None = None,
                       cancel: CancelToken | None = None, target: CheckTarget | None = None) -> Verdict:
        """Verdict for the repository with `file_rel` replaced by `new_text`. With `target` (the
        function being rewritten and the file text it was spliced into), the behaviour and reach
        checks run too."""
        rel = self._checked_rel(file_rel)
        verdict, _ = await until_cancelled(self._judge({rel: new_text}, function, cancel, target), cancel)
        return verdict

    async def evaluate_files(self, changes: Mapping[str, str], function: str | None = None,
                             cancel: CancelToken | None = None) -> Verdict:
        """Verdict for the repository with several files replaced at once ({file_rel: new_text}):
        rewrites of several functions judged together (a batch's combined wins). The same build,
        tests, timing, forgery checks and sandbox as `evaluate`; no behaviour check (there is no
        one target function). `function` None: the whole benchmark ({function} = "")."""
        checked = {self._checked_rel(rel): text for rel, text in changes.items()}
        verdict, _ = await until_cancelled(self._judge(checked, function, cancel), cancel)
        return verdict

    async def check_baseline(self, function: str | None = None, cancel: CancelToken | None = None,
                             target: CheckTarget | None = None) -> BaselineReport:
        """Build, test and benchmark the unchanged code once (never from an earlier judge's
        cache: a judge reuses only a build of exactly this code it made and tested itself); raises
        BaselineError / ToolMissingError with what to fix. With `target`, also how often the
        tests and the benchmark call it (ReachError when never) and whether its behaviour can
        be checked."""
        return await until_cancelled(self._check_baseline(function, cancel, target), cancel)

    async def _check_baseline(self, function: str | None, cancel: CancelToken | None,
                              target: CheckTarget | None) -> BaselineReport:
        start = time.monotonic()
        tally = _Tally(warnings=self._take_notes())
        file_rel = target.ref.file if target else None
        build, test, key = await self._prepare_baseline(tally, cancel, use_cache=False, file_rel=file_rel)
        reference = await self.behaviour.reference(target, key, cancel, tally) if target else None
        command = self._bench_command(function)
        async with self.gate.timing(cancel):
            async with self.scratch.lock_for(self.scratch.baseline_dir):
                result = await self._run(command, self.scratch.baseline_dir, self.config.bench.timeout, cancel,
                                         tally, env=self.env_for(self.scratch.baseline_dir, file_rel))
                try:
                    await self._undo_run("baseline", self.scratch.baseline_dir, snapshot.load(self._files_path))
                except _BenchFailed as failure:
                    self._forget_baseline()
                    raise BaselineError(f"the benchmark of your unchanged code {failure.message.removeprefix('the benchmark run ')}",
                                        key="bench.command", hint="write temporary files under /tmp (private to "
                                        "each run) instead of changing files of the repository") from None
        if not result.ok:
            raise self._baseline_error("benchmark", result, command)
        try:
            cases = self._parse_bench(result)
        except benchparse.BenchParseError as exc:
            raise BaselineError(f"the benchmark output of the unchanged code cannot be read as "
                                f"{self.config.bench.format}: {exc}", key="bench.format",
                                hint="fix [bench] command/format, or use format = \"wall\"") from None
        assert test is not None
        warnings = [*tally.warnings, *(reference.warnings if reference else [])]
        return BaselineReport(build, test, result, cases, command, time.monotonic() - start, warnings,
                              behaviour=reference.report if reference else None,
                              sandbox=await self._sandbox_words(), python=self._python_words())

    async def calibrate(self, function: str | None = None,
                        cancel: CancelToken | None = None) -> CalibrationReport:
        """Time the baseline against an identical copy: the noise floor of this machine."""
        verdict, samples = await until_cancelled(self._judge({}, function, cancel), cancel)
        if samples is None:
            raise BaselineError(f"calibration could not time the unchanged code: {verdict.message}",
                                hint=verdict.log_tail[-500:] or None)
        spread = {}
        for name in samples.baseline[0]:
            values = [r[name] for r in samples.baseline] + [r[name] for r in samples.candidate]
            spread[name] = stats.relative_spread(values)
        return CalibrationReport(verdict, spread, samples.stop, self.config.timing.min_effect)

    # ---- one evaluation ---------------------------------------------------------------------

    async def _judge(self, changes: Mapping[str, str], function: str | None, cancel: CancelToken | None,
                     target: CheckTarget | None = None) -> tuple[Verdict, Samples | None]:
        start = time.monotonic()
        tally = _Tally(warnings=self._take_notes())
        file_rel = target.ref.file if target else None
        _, _, key = await self._prepare_baseline(tally, cancel, file_rel=file_rel)
        reference = await self.behaviour.reference(target, key, cancel, tally) if target else None
        sanitizer_warning = None
        if self.sanitizer.enabled and _compiled(changes):
            sanitizer_warning = await self.sanitizer.baseline(key, cancel, tally)
            if sanitizer_warning and sanitizer_warning not in tally.warnings:
                tally.warnings.append(sanitizer_warning)
        async with self.scratch.slot(cancel) as slot:
            verdict, samples = await self._judge_in(slot, changes, function, cancel, tally, target, reference,
                                                    sanitize=self.sanitizer.enabled and _compiled(changes)
                                                    and sanitizer_warning is None)
        verdict.wall_s = time.monotonic() - start
        verdict.process_s = tally.process_s
        warnings = [*tally.warnings, *(reference.warnings if reference else [])]
        verdict.warnings = list(dict.fromkeys([*warnings, *verdict.warnings]))
        if verdict.behaviour is None and target is not None and reference is not None:
            verdict.behaviour = BehaviourReport("off", reason="not run: the candidate failed before the check finished")
        self.log(f"verdict: {verdict.outcome.value} - {verdict.message}")
        return verdict, samples

    async def _judge_in(self, slot: Path, changes: Mapping[str, str], function: str | None,
                        cancel: CancelToken | None, tally: _Tally, target: CheckTarget | None = None,
                        reference: Reference | None = None,
                        sanitize: bool = False) -> tuple[Verdict, Samples | None]:
        checks = _Checks(cancel)
        if target is not None and reference is not None:
            new_text = changes.get(target.ref.file)
            if new_text is not None:
                checks.start("behaviour", self.behaviour.candidate(target, new_text, reference, checks.token, tally))
        if sanitize:
            checks.start("sanitizers", self.sanitizer.candidate(changes, checks.token, tally))
        try:
            async with self.gate.work():
                await self.sync_slot(slot, changes)
                self.log(f"building the candidate in {slot}")
                failed = await self._build_and_test(slot, changes, cancel, tally, self._file_of(changes, target))
            if failed is not None:
                behaviour = await checks.settle_after_failure()
                failed.behaviour = failed.behaviour or behaviour
                return failed, None
            behaviour_result: CheckResult | None = await checks.result("behaviour")
            sanitized: Verdict | None = await checks.result("sanitizers")
        finally:
            await checks.close()
        report = behaviour_result.report if behaviour_result else None
        if behaviour_result is not None and behaviour_result.warning:
            tally.warnings.append(behaviour_result.warning)
        if behaviour_result is not None and behaviour_result.failure is not None:
            behaviour_result.failure.stage = "check"
            return behaviour_result.failure, None
        if sanitized is not None:
            sanitized.behaviour = report
            sanitized.stage = "check"
            return sanitized, None
        self.log("timing baseline and candidate, interleaved")
        busy = _busy_machine()
        if busy and busy not in tally.warnings:
            tally.warnings.append(busy)
        try:
            samples = await self._time(slot, function, changes, cancel, tally, self._file_of(changes, target))
        except _BenchFailed as failure:
            if failure.side == "baseline":
                self._forget_baseline()
                raise BaselineError(f"the benchmark of the unchanged code failed while timing: "
                                    f"{failure.message}\n{failure.log}",
                                    hint="run `lessonl check` to see the baseline's benchmark") from None
            return Verdict(failure.outcome, message=failure.message, log_tail=failure.log, behaviour=report,
                           stage="bench"), None
        assert samples.estimate is not None
        estimate = samples.estimate
        timing = self.config.timing
        decision = stats.decide(estimate, timing.min_effect, timing.allow_case_regressions)
        verdict = Verdict(decision.outcome, speedup=estimate.speedup, ci=estimate.ci, cases=estimate.cases,
                          runs=samples.runs, message=decision.message, behaviour=report,
                          case_regressions=[case.name for case in decision.regressions], stage="bench")
        return verdict, samples

    async def _build_and_test(self, slot: Path, changes: Mapping[str, str], cancel: CancelToken | None,
                              tally: _Tally, file_rel: str | None = None) -> Verdict | None:
        """None when the candidate built and passed the tests, else the failing verdict."""
        build = self.config.build
        env = self.env_for(slot, file_rel)
        if build is not None and build.command:
            result = await self._run(build.command, slot, build.timeout, cancel, tally, env=env)
            if result.timed_out:  # a compiler that never finishes is a timeout, not a compile error
                message = f"the build timed out after {build.timeout:g} s"
                return Verdict(Outcome.TIMEOUT, message=message, stage="build", log_tail=_with_tail(
                    f"{message} (its process group was killed)", logtail.tail(result.output, 20)))
            if not result.ok:
                return Verdict(Outcome.NOT_COMPILABLE, message=f"the build failed (exit status {result.rc})",
                               log_tail=logtail.compiler_errors(result.output), stage="build")
        built = await self.record_slot(slot)
        syntax = _python_syntax_error(changes)
        test = self.config.test
        result = await self._run(test.command, slot, test.timeout, cancel, tally, env=env)
        if result.ok:
            return await self._restore_after_tests(slot, changes, built, cancel, tally, env)
        if syntax:
            return Verdict(Outcome.NOT_COMPILABLE, message=f"the candidate is not valid Python: {syntax}",
                           log_tail=syntax + "\n" + logtail.tail(result.output, 20), stage="build")
        if result.timed_out:
            return Verdict(Outcome.TIMEOUT, message=f"the tests did not finish within {test.timeout:g} s",
                           log_tail=logtail.tail(result.output), stage="test")
        if result.signal:
            return Verdict(Outcome.CRASHED, message=f"the tests were killed by {_signal_name(result.signal)}",
                           log_tail=logtail.tail(result.output), stage="test")
        return Verdict(Outcome.INCORRECT, message=f"the tests failed (exit status {result.rc})",
                       log_tail=logtail.test_failures(result.output), stage="test")

    async def _restore_after_tests(self, slot: Path, changes: Mapping[str, str], built: dict[str, list],
                                   cancel: CancelToken | None, tally: _Tally, env: dict[str, str]) -> Verdict | None:
        """Undo what the tests left in the scratch copy, so that nothing they computed, cached or
        replaced reaches the timed runs: files they created are removed, files they changed are
        restored (sources) or rebuilt (build products)."""
        changes_seen = await _in_thread(_undo_changes, slot, built)
        if not changes_seen.changed:
            return None
        self.log(f"the tests changed files of the build ({changes_seen.sentence()}); restoring and rebuilding")
        await self.sync_slot(slot, changes)
        build = self.config.build
        if build is not None and build.command:
            result = await self._run(build.command, slot, build.timeout, cancel, tally, env=env)
            if not result.ok:
                return Verdict(Outcome.NOT_COMPILABLE, message=f"the rebuild after the tests failed (exit status "
                               f"{result.rc}); the tests had changed {changes_seen.sentence()}",
                               log_tail=logtail.compiler_errors(result.output), stage="build")
        await self.record_slot(slot)
        return None

    async def _time(self, slot: Path, function: str | None, changes: Mapping[str, str],
                    cancel: CancelToken | None, tally: _Tally, file_rel: str | None = None) -> Samples:
        command = self._bench_command(function)
        baseline_dir = self.scratch.baseline_dir
        base_env, cand_env = self.env_for(baseline_dir, file_rel), self.env_for(slot, file_rel)
        timing = self.config.timing

        runs: dict[str, list[benchparse.BenchRun]] = {"baseline": [], "candidate": []}

        records = {"baseline": snapshot.load(self._files_path), "candidate": snapshot.load(_record_path(slot))}

        async def run_side(side: str, directory: Path, env: dict[str, str]) -> dict[str, float]:
            result = await self._run(command, directory, self.config.bench.timeout, cancel, tally, env=env)
            await self._undo_run(side, directory, records[side])
            if result.timed_out:
                raise _BenchFailed(side, Outcome.TIMEOUT,
                                   f"the benchmark did not finish within {self.config.bench.timeout:g} s",
                                   logtail.tail(result.output))
            if result.signal:
                raise _BenchFailed(side, Outcome.CRASHED, f"the benchmark was killed by {_signal_name(result.signal)}",
                                   logtail.tail(result.output))
            if not result.ok:
                raise _BenchFailed(side, Outcome.CRASHED, f"the benchmark failed (exit status {result.rc})",
                                   logtail.tail(result.output))
            try:
                parsed = self._parse_run(result)
            except benchparse.BenchParseError as exc:
                raise _BenchFailed(side, Outcome.CRASHED, f"the benchmark output cannot be read: {exc.reason}",
                                   exc.snippet) from None
            runs[side].append(parsed)
            return parsed.cases

        seed = int(hashlib.sha256(json.dumps(sorted(changes.items())).encode()).hexdigest()[:8], 16)
        async with self.gate.timing(cancel):
            async with self.scratch.lock_for(baseline_dir):
                await self._verify_baseline(cancel, tally)
                try:
                    samples = await interleave(
                        lambda: run_side("baseline", baseline_dir, base_env),
                        lambda: run_side("candidate", slot, cand_env),
                        min_runs=timing.min_runs, max_runs=timing.max_runs, budget_s=timing.budget,
                        min_effect=timing.min_effect, seed=seed, cancel=cancel)
                except CaseMismatch as exc:
                    raise _BenchFailed("candidate", Outcome.REJECTED, str(exc), "") from None
                await self._verify_baseline(cancel, tally)
        forged = forgery.problem(runs["baseline"], runs["candidate"])
        if forged:
            raise _BenchFailed("candidate", Outcome.REJECTED, forged, "")
        return samples

    # ---- the baseline -----------------------------------------------------------------------

    async def _prepare_baseline(self, tally: _Tally, cancel: CancelToken | None, use_cache: bool = True,
                                file_rel: str | None = None) -> tuple[ProcResult | None, ProcResult | None, str]:
        """Sync, build and test the unchanged code.

        Success is remembered next to the baseline copy as the content hash (plus commands and
        [env]) of what was last built there, shared by every judge of this repository: the same
        hash again means build products and test status are still valid, so both are skipped.
        Timings are never reused: they must be interleaved with the candidate's. Returns the
        build and test results (None, None from the cache) and that key.
        """
        directory = self.scratch.baseline_dir
        env = self.env_for(directory, file_rel)
        async with self.gate.work():
            async with self.scratch.lock_for(directory):
                report = await _in_thread(self.scratch.sync, directory)
                key = self._baseline_key(report.tree_hash)
                built = _load_json(self._status_path).get("built") == key
                if use_cache and built:
                    return None, None, key
                if built and key in self._fresh:  # this judge built and tested exactly this itself
                    return (*self._fresh[key], key)
                _save_json(self._status_path, {"built": None})  # until this build and its tests pass
                self.log("building and testing the baseline (your unchanged code)")
                build_result = None
                build = self.config.build
                if build is not None and build.command:
                    build_result = await self._run(build.command, directory, build.timeout, cancel, tally, env=env)
                    if not build_result.ok:
                        raise self._baseline_error("build", build_result, build.command)
                test = self.config.test
                test_result = await self._run(test.command, directory, test.timeout, cancel, tally, env=env)
                if not test_result.ok:
                    raise self._baseline_error("tests", test_result, test.command)
                files = await _in_thread(snapshot.take, directory, snapshot.load(self._files_path))
                snapshot.save(self._files_path, files)
                _save_json(self._status_path, {"built": key})
                self._fresh[key] = (build_result, test_result)
                return build_result, test_result, key

    async def _undo_run(self, side: str, directory: Path, record: dict[str, list] | None) -> None:
        """After each benchmark run: what it created in its copy is removed, so that no run can
        leave a result for the next (the copy stays writable, as in the tests: a run cannot tell
        it is timed). A run that changed a file that was there is refused."""
        if record is None:
            return
        changes = snapshot.compare(record, await _in_thread(snapshot.take, directory, record))
        _remove_all(directory, changes.added)
        if changes.changed or changes.removed:
            kept = snapshot.Changes([], changes.changed, changes.removed)
            outcome = Outcome.REJECTED if side == "candidate" else Outcome.CRASHED
            raise _BenchFailed(side, outcome, f"the benchmark run changed files of its copy ({kept.sentence()}): "
                               f"a run may not change what the next one runs", "")

    async def _verify_baseline(self, cancel: CancelToken | None, tally: _Tally) -> None:
        """The baseline's files are what its build and tests left (content hashes), or this
        evaluation is discarded and the baseline rebuilt: nothing may have changed what every
        candidate is timed against. Called with the baseline's lock held."""
        recorded = snapshot.load(self._files_path)
        if recorded is None:
            return
        directory = self.scratch.baseline_dir
        now = await _in_thread(snapshot.take, directory, recorded)
        changes = snapshot.compare(recorded, now)
        if not changes:
            return
        _remove_all(directory, [*changes.changed, *changes.added])  # a build would keep a tampered product
        self._forget_baseline()
        message = (f"the baseline's files changed outside its build ({changes.sentence()}); this evaluation "
                   f"is discarded and the baseline will be rebuilt from your code")
        self.log(message)
        raise _BenchFailed("candidate", Outcome.REJECTED, message, "")

    def _baseline_key(self, tree_hash: str) -> str:
        build = self.config.build
        # Expanded commands: another interpreter behind {python} must build and test anew.
        parts = [tree_hash, commands.expand(build.command, self.python.path) if build else "",
                 commands.expand(self.config.test.command, self.python.path),
                 json.dumps(sorted((getattr(self.config, "env", None) or {}).items()))]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def _forget_baseline(self) -> None:
        _save_json(self._status_path, {"built": None})

    def _baseline_error(self, step: str, result: ProcResult, command: str) -> Exception:
        key = {"build": "build.command", "tests": "test.command", "benchmark": "bench.command"}[step]
        tool = logtail.missing_tool(result.output, result.rc)
        if tool and not result.timed_out:
            return ToolMissingError(f"`{command}` needs {tool}, which is not installed or not on PATH",
                                    key=key, hint=f"install {tool} or change [{key.split('.')[0]}] command")
        if result.timed_out:
            what = "did not finish within its timeout"
        elif result.signal:
            what = f"was killed by {_signal_name(result.signal)}"
        else:
            what = f"failed (exit status {result.rc})"
        verb = {"build": "build", "tests": "pass its tests", "benchmark": "run its benchmark"}[step]
        log = logtail.compiler_errors(result.output) if step == "build" else logtail.tail(result.output)
        hint = "fix the baseline or the command in the config, then run `lessonl check`"
        error = BaselineError(f"your unchanged code does not {verb}: `{command}` {what}, so nothing can be "
                              f"judged.\n{log}", key=key, hint=hint)
        error.log_tail = log  # type: ignore[attr-defined]
        return error

    # ---- what the check stages share with the judge ----------------------------------------

    async def sync_slot(self, slot: Path, changes: Mapping[str, str]) -> None:
        """`slot` holds the user's files, except `changes` (relative path -> text), and of its
        build products only what its last recorded build left: whatever an earlier candidate's
        runs created or changed there since (a replaced binary, a cached result, a pipe) is
        removed first, so that the next build makes it anew."""
        await _in_thread(self._undo_since_record, slot)
        await _in_thread(self.scratch.sync, slot)
        for rel, text in changes.items():
            self.scratch.write_file(slot, rel, text)
        await self.record_slot(slot)

    async def record_slot(self, slot: Path) -> dict[str, list]:
        """Record `slot` as it is now (after a sync or a build: before candidate code ran)."""
        path = _record_path(slot)
        tree = await _in_thread(snapshot.take, slot, snapshot.load(path))
        await _in_thread(snapshot.save, path, tree)
        return tree

    def _undo_since_record(self, slot: Path) -> None:
        recorded = snapshot.load(_record_path(slot))
        if recorded is not None and slot.is_dir():
            _undo_changes(slot, recorded)

    def env_for(self, directory: Path, file_rel: str | None) -> dict[str, str]:
        """The candidate environment for commands in `directory`: Python imports that copy's
        code first (lessonl.judge.pythonpath), whatever an editable install says; padded to
        one size for every copy and every phase (build, tests, check, timing), so that neither
        the stack's alignment nor the presence of a variable differs between them."""
        roots = import_roots(self.root, file_rel)
        env = self._check_env(with_import_roots(self.env, directory, roots), directory)
        wide = directory.with_name("x" * 16)
        widest = self._check_env(with_import_roots(self.env, wide, roots), wide)
        return _padded_to(env, _env_size(widest) + len(ENV_PAD) + 2 + 16)

    def _check_env(self, env: dict[str, str], directory: Path) -> dict[str, str]:
        """The behaviour check's variables, in every phase alike: an instrumented build reports
        through them (its phase comes from a file in the report folder), and no variable or
        value tells a check run from a test run or a timed run."""
        if self.isolated():
            report = CHECK_DIR / "report.jsonl"
        else:
            report = self.check_dir(directory) / "report.jsonl"
        python_path = [str(self.behaviour.runtime_dir), env.get("PYTHONPATH", "")]
        return {**env, REPORT_ENV: str(report), "PYTHONPATH": os.pathsep.join(p for p in python_path if p)}

    def check_dir(self, directory: Path) -> Path:
        """The real report folder of the behaviour check run in `directory`."""
        return directory.with_name(directory.name + ".check")

    def isolated(self) -> bool:
        """Do candidate commands run in the sandbox here (probed once, then cached)?"""
        return bool(self.config.sandbox.isolation) and isolation().available

    async def run_step(self, command: str, cwd: Path, timeout: float, cancel: CancelToken | None, tally: _Tally,
                       env: dict[str, str] | None = None, limits: Limits | None = None,
                       check_dir: Path | None = None) -> ProcResult:
        return await self._run(command, cwd, timeout, cancel, tally, env=env, limits=limits, check_dir=check_dir)

    def bench_command(self, function: str | None) -> str:
        return self._bench_command(function)

    # ---- helpers ----------------------------------------------------------------------------

    def _take_notes(self) -> list[str]:
        notes = [*self._notes, *(n for n in cgroups.reaped if n not in self._notes)]
        self._notes = []
        cgroups.reaped.clear()
        return notes

    def _python_words(self) -> str:
        config = self.config
        used = [c.command for c in (config.build, config.test, config.bench) if c is not None and c.command]
        if not any(commands.PYTHON in command for command in used):
            return ""
        return f"{self.python.path} ({self.python.reason})"

    async def _sandbox_words(self) -> str:
        if not self.config.sandbox.isolation:
            return "NONE: [sandbox] isolation = false; candidates can change your files and forge timings"
        found = await aisolation()
        if not found.available:
            return f"NONE: {found.reason}; candidates can change your files and forge timings"
        who = f", runs as uid {found.run_as[0]} (not root)" if found.run_as else ""
        return ("bubblewrap: each command sees only its scratch copy (what a run leaves is undone), the system "
                f"read-only, a private /tmp and $HOME, its own /proc, no network{who}")

    async def _run(self, command: str, cwd: Path, timeout: float, cancel: CancelToken | None, tally: _Tally,
                   env: dict[str, str] | None = None, limits: Limits | None = None,
                   check_dir: Path | None = None) -> ProcResult:
        """Run one candidate command in its sandbox: `cwd` (a scratch copy) writable, and the
        behaviour check's real report folder `check_dir` for its runs."""
        if cancel is not None:
            cancel.raise_if_cancelled()
        env = env or self.env_for(cwd, None)
        mounts = None
        if self.config.sandbox.isolation:
            mounts = mounts_for(self, cwd, env, check_dir=check_dir)
        elif _OFF_WARNING not in tally.warnings:
            tally.warnings.append(_OFF_WARNING)
        result = tally.add(await run(commands.expand(command, self.python.path), cwd, env=env, timeout=timeout, cancel=cancel,
                                     limits=limits or self.limits, mounts=mounts))
        if result.cancelled:
            raise Cancelled("cancelled by the user")
        return result

    @staticmethod
    def _file_of(changes: Mapping[str, str], target: CheckTarget | None) -> str | None:
        if target is not None:
            return target.ref.file
        return next((rel for rel in changes if rel.endswith(".py")), None)

    def _bench_command(self, function: str | None) -> str:
        return commands.bench_command(self.config.bench, self.python.path, function)

    def _parse_bench(self, result: ProcResult) -> dict[str, float]:
        return self._parse_run(result).cases

    def _parse_run(self, result: ProcResult) -> benchparse.BenchRun:
        bench = self.config.bench
        return benchparse.parse_run(result.stdout, bench.format, regex=getattr(bench, "regex", None),
                                    unit=getattr(bench, "unit", None) or "s", wall_s=result.wall_s)

    def _checked_rel(self, file_rel: str) -> str:
        path = (self.root / file_rel).resolve()
        if not path.is_relative_to(self.root):
            raise TargetError(f"{file_rel} is outside the repository {self.root}", file=file_rel)
        if not path.is_file():
            raise TargetError(f"{file_rel} does not exist in the repository {self.root}", file=file_rel,
                              hint="give the path of an existing file, relative to the repository root")
        rel = path.relative_to(self.root).as_posix()
        if self.scratch.rules.excluded(rel, is_dir=False) or any(
                self.scratch.rules.excluded("/".join(rel.split("/")[:i]), is_dir=True)
                for i in range(1, rel.count("/") + 1)):
            raise TargetError(f"{rel} is left out of the scratch copy by [scratch] exclude", file=rel,
                              key="scratch.exclude", hint="remove the pattern that matches it")
        return rel


class _Checks:
    """The checks that run beside the candidate's own build and tests (each in its slot).

    Each has a token of its own: when the candidate's build or tests fail, the verdict is
    known and what still runs is stopped, unless it already finished (then its report rides
    along with the verdict).
    """

    def __init__(self, cancel: CancelToken | None) -> None:
        self.token = CancelToken()
        self._detach = cancel.on_cancel(self.token.cancel) if cancel is not None else (lambda: None)
        self.tasks: dict[str, asyncio.Task[Any]] = {}

    def start(self, name: str, work: Any) -> None:
        self.tasks[name] = asyncio.ensure_future(work)

    async def result(self, name: str) -> Any:
        task = self.tasks.get(name)
        return None if task is None else await task

    async def settle_after_failure(self) -> BehaviourReport | None:
        """Stop what still runs; the behaviour report if that check had already finished."""
        task = self.tasks.get("behaviour")
        finished = task is not None and task.done() and not task.cancelled() and task.exception() is None
        self.token.cancel()
        await self.close()
        return task.result().report if finished and task is not None else None

    async def close(self) -> None:
        pending = [t for t in self.tasks.values() if not t.done()]
        if pending:
            self.token.cancel()
            await asyncio.wait(pending)
        for task in self.tasks.values():
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: a cancelled check's Cancelled is expected
        self._detach()


def _compiled(changes: Mapping[str, str]) -> bool:
    """Does the change touch C or C++ (the only code a sanitizer build can check)?"""
    from ..filetypes import language_for

    return any(language_for(rel) in ("c", "cpp") for rel in changes)


_reaped: list[list[str]] = []


def _reap_once() -> list[str]:
    """What the last LessonL left running when it was killed, ended now (once per process)."""
    if _reaped:
        return []
    _reaped.append(leftovers.reap())
    return list(_reaped[0])


def _env_size(env: Mapping[str, str]) -> int:
    return sum(len(k.encode()) + len(v.encode()) + 2 for k, v in env.items())


def _padded_to(env: dict[str, str], width: int) -> dict[str, str]:
    """`env` grown to `width` bytes: the stack's start address depends on the environment's
    size, and a different alignment alone can shift a tight loop's speed by a few percent."""
    base = {k: v for k, v in env.items() if k != ENV_PAD}
    return {**base, ENV_PAD: "x" * max(width - _env_size(base) - len(ENV_PAD) - 2, 0)}


_OFF_WARNING = unisolated_warning("[sandbox] isolation = false")


async def _in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run blocking file work off the event loop; when cancelled, still wait for it to end,
    because the slot's lock is released next and another sync must not overlap this one."""
    future = asyncio.ensure_future(asyncio.to_thread(function, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
        raise


def _bank_exclude(config: Any, root: Path) -> list[str]:
    """The lesson bank is never copied (it may be large, and candidates must not read it)."""
    bank = Path(getattr(getattr(config, "bank", None), "path", "") or ".lessonl")
    bank = bank if bank.is_absolute() else root / bank
    try:
        return ["/" + bank.resolve().relative_to(root).as_posix() + "/"]
    except ValueError:  # outside the repository: nothing to leave out
        return []


def _candidate_env(config: Any) -> dict[str, str]:
    """The allow-listed part of os.environ ([sandbox] pass_env adds names), plus [env]."""
    sandbox = getattr(config, "sandbox", None)
    return allowed_env(os.environ, getattr(sandbox, "pass_env", ()) or (), getattr(config, "env", None) or {})


def _python_syntax_error(changes: Mapping[str, str]) -> str | None:
    """The syntax error of a changed Python file, if any (only consulted when tests fail: the
    user's interpreter may know syntax this one does not)."""
    for rel, text in changes.items():
        if rel.endswith(".py"):
            try:
                compile(text, rel, "exec", dont_inherit=True)
            except SyntaxError as exc:
                return f"{rel}:{exc.lineno}:{exc.offset}: SyntaxError: {exc.msg}"
            except ValueError as exc:  # null bytes
                return f"{rel}: {exc}"
    return None


def _record_path(slot: Path) -> Path:
    """Where `slot`'s last record (after a sync or a build) is kept, beside the copy."""
    return slot.with_name(slot.name + ".built.json")


def _undo_changes(directory: Path, record: dict[str, list]) -> snapshot.Changes:
    """Remove what was created or changed in `directory` since `record`; returns what that was."""
    changes = snapshot.compare(record, snapshot.take(directory, record))
    _remove_all(directory, [*changes.added, *changes.changed])
    return changes


def _remove_all(directory: Path, rels: list[str]) -> None:
    """Remove each of `rels` under `directory`, deepest first."""
    for rel in sorted(rels, key=lambda r: -r.count("/")):
        _remove(directory / rel)


def _remove(path: Path) -> None:
    """Remove what is at `path` (file, link, pipe, socket, folder), never following a link."""
    try:
        if stat.S_ISDIR(path.lstat().st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:
        pass


def _with_tail(headline: str, tail: str) -> str:
    return headline + ("\n" + tail if tail.strip() else "")


def _busy_machine() -> str | None:
    """A warning when other work competes for the CPU: the interval will be wide and small
    effects come out as no_significant_change (honestly, but the user should know why)."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return None
    cores = os.cpu_count() or 1
    if load <= cores:
        return None
    return (f"the machine is busy (load average {load:.1f} on {cores} cores): timings are noisy, "
            f"so small speedups may not be detected")


def _signal_name(number: int) -> str:
    try:
        return signals.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(data))
