"""The behaviour and reach checks, run by the judge in a scratch slot of their own.

Passing the user's tests proves little when the tests are weak: a rewrite that forgets the
tail of a loop passes tests that use 1,000 elements and breaks the benchmark's 1,000,003. So
the target is built a second time with the original and the rewrite side by side behind a
generated wrapper (lessonl.behaviour), and the user's tests and benchmark run once each on
that build: every real call becomes a comparison, and the first difference, in words, becomes
the verdict and the lesson.

Before any candidate, the original is checked against ITSELF (the reference run, cached per
baseline and function). That run decides what the check can promise for this function:
- it matches: the function is deterministic on its arguments, so a candidate's difference is
  the candidate's fault (mode "dual");
- it differs, or the tests fail when the original runs twice per call: the function depends
  on or changes state outside its arguments (a global, a random generator, I/O), so
  candidates are only counted, and the verdict says plainly that the tests alone decide;
- nobody calls the function at all: no verdict about it could mean anything (an editable
  install importing the user's tree, a build that links a prebuilt library): ReachError.
A candidate that cannot be built, tested or benchmarked beside the original, where the
original could, fails on its own account: a rewrite cannot dodge the check by breaking it.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..behaviour import CheckSettings, InstrumentError, Instrumented, instrument
from ..behaviour.report import CheckEvents, Mismatch, read_events
from ..cancel import CancelToken
from ..errors import ReachError
from ..records import BehaviourReport, FunctionRef, Outcome, Verdict
from ..procs import logtail
from ..procs import ProcResult

if TYPE_CHECKING:
    from .judge import Judge, _Tally

RUNTIME_MODULE = "_lessonl_check.py"
SLOWDOWN = 3.0  # the check runs both versions and copies arguments: its commands get this much more time


@dataclass(frozen=True)
class CheckTarget:
    """The function under optimization: where it is, and the file text candidates are spliced into."""

    ref: FunctionRef
    original_text: str


@dataclass
class Reference:
    """What the original-against-itself run decided for this function."""

    mode: str  # "dual" | "count" | "unavailable"
    report: BehaviourReport
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "report": self.report.to_json(), "warnings": self.warnings}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Reference":
        return cls(data["mode"], BehaviourReport.from_json(data["report"]), list(data.get("warnings", [])))


@dataclass
class CheckResult:
    """A candidate's check: the report for its verdict, and the verdict itself when it failed."""

    report: BehaviourReport
    failure: Verdict | None = None
    warning: str | None = None  # the original could be checked call by call, but this rewrite not


@dataclass
class _Run:
    """One build + tests + benchmark of an instrumented copy."""

    instrumented: Instrumented
    build: ProcResult | None = None
    tests: ProcResult | None = None
    bench: ProcResult | None = None
    events: CheckEvents = field(default_factory=CheckEvents)
    wall_s: float = 0.0

    @property
    def failed_step(self) -> tuple[str, ProcResult] | None:
        for step, result in (("build", self.build), ("tests", self.tests), ("benchmark", self.bench)):
            if result is not None and not result.ok:
                return step, result
        return None


class BehaviourCheck:
    """Runs the reference and candidate checks for one judge."""

    def __init__(self, judge: "Judge") -> None:
        self.judge = judge
        check = judge.config.check
        self.enabled = bool(check.behaviour)
        self.settings = CheckSettings(rtol=check.rtol, atol=check.atol, rtol_f32=check.rtol_f32,
                                      atol_f32=check.atol_f32, max_calls=check.max_calls,
                                      lengths=dict(check.lengths), ignore=tuple(check.ignore))
        self.runtime_dir = judge.scratch.home / "check-runtime"
        self._locks: dict[str, asyncio.Lock] = {}

    # ---- the reference: the original against itself ----------------------------------------

    async def reference(self, target: CheckTarget, baseline_key: str, cancel: CancelToken | None,
                        tally: "_Tally") -> Reference:
        """Cached per baseline, function and settings; raises ReachError when nothing calls it."""
        key = self._reference_key(target, baseline_key)
        path = self.judge.scratch.home / f"reference-{key}.json"
        async with self._locks.setdefault(key, asyncio.Lock()):  # concurrent candidates share one run
            cached = _load(path)
            if cached is not None:
                reference = Reference.from_json(cached)
            else:
                reference = await self._reference_run(target, cancel, tally)
                _save(path, reference.to_json())
        if reference.mode != "unavailable" and reference.report.calls == 0:
            raise self._unreached(target)
        return reference

    async def _reference_run(self, target: CheckTarget, cancel: CancelToken | None, tally: "_Tally") -> Reference:
        ref = target.ref
        self.judge.log(f"checking that the tests and the benchmark call {ref.qualified_name}"
                       + (" and that it behaves the same when run twice" if self.enabled else ""))
        try:
            instrumented = instrument(ref, target.original_text, self.settings, dual=self.enabled)
        except InstrumentError as exc:
            return Reference("unavailable", BehaviourReport("unavailable", reason=str(exc)))
        run = await self._run_in_slot(target, instrumented, cancel, tally)
        fallback = ""
        if instrumented.mode == "dual" and run.build is not None and not run.build.ok:
            # our wrapper does not compile for this function: count calls at least, and say why
            fallback = f"the side-by-side build does not compile for this function ({_first_error(run.build)})"
            instrumented = instrument(ref, target.original_text, self.settings, dual=False)
            run = await self._run_in_slot(target, instrumented, cancel, tally)
        failed = run.failed_step
        if failed is not None and instrumented.mode == "count":
            step, result = failed
            return Reference("unavailable", BehaviourReport(
                "unavailable", reason=f"with a call counter in {ref.qualified_name}, the {step} fail "
                f"({_what_failed(result)}); the tests alone decide", wall_s=run.wall_s))
        report = self._report(run, ref)
        warnings = []
        if report.calls_tests == 0 and report.calls_benchmark > 0:
            warnings.append(f"the tests never call {ref.qualified_name}: only the benchmark's "
                            f"{report.calls_benchmark} calls check its behaviour; consider a test that does")
        if instrumented.mode == "count":
            report.status = "counted" if self.enabled else "off"
            report.reason = fallback or instrumented.reason or ("[check] behaviour = false" if not self.enabled else "")
            return Reference("count", report, warnings)
        if run.events.mismatch is not None or failed is not None:
            report.status = "not_applicable"
            report.reason = self._not_applicable_reason(run, instrumented)
            report.difference = ""
            return Reference("count", report, warnings)
        report.status = "matched"
        return Reference("dual", report, warnings)

    # ---- a candidate --------------------------------------------------------------------------

    async def candidate(self, target: CheckTarget, new_text: str, reference: Reference,
                        cancel: CancelToken | None, tally: "_Tally") -> CheckResult:
        if reference.mode == "unavailable":
            return CheckResult(BehaviourReport("unavailable", reason=reference.report.reason))
        ref = target.ref
        try:
            instrumented = instrument(ref, new_text, self.settings, dual=reference.mode == "dual")
        except InstrumentError as exc:
            return CheckResult(BehaviourReport("unavailable", reason=str(exc)), warning=_unchecked(ref, str(exc)))
        run = await self._run_in_slot(target, instrumented, cancel, tally, text_is_candidate=True)
        report = self._report(run, ref)
        warning = None
        if reference.mode != "dual":
            report.status, report.reason = reference.report.status, reference.report.reason
        elif instrumented.mode != "dual":
            report.status, report.reason = "counted", instrumented.reason
            warning = _unchecked(ref, instrumented.reason)
        else:
            report.status = "matched"
        return CheckResult(report, self._failure(run, report, reference, ref), warning)

    def _failure(self, run: _Run, report: BehaviourReport, reference: Reference, ref: FunctionRef) -> Verdict | None:
        """The verdict when the candidate fails the check on its own account, else None."""
        mismatch = run.events.mismatch
        if mismatch is not None and report.status == "matched":
            report.status = "mismatch"
            report.difference = mismatch.sentence()
            message = f"the rewrite behaves differently from the original: {report.difference}"
            return Verdict(Outcome.INCORRECT, message=message, log_tail=_mismatch_log(mismatch, report),
                           behaviour=report)
        failed = run.failed_step
        if failed is not None:
            step, result = failed
            where = "beside the original" if run.instrumented.mode == "dual" else "with a call counter"
            if step == "build":
                return Verdict(Outcome.NOT_COMPILABLE, behaviour=report,
                               message=f"the rewrite does not build {where} (behaviour check)",
                               log_tail=logtail.compiler_errors(result.output))
            outcome = Outcome.TIMEOUT if result.timed_out else Outcome.INCORRECT
            return Verdict(outcome, behaviour=report,
                           message=f"the {step} fail when the rewrite runs {where} (behaviour check): "
                                   f"{_what_failed(result)}",
                           log_tail=logtail.test_failures(result.output) if step == "tests"
                           else logtail.tail(result.output))
        if report.calls == 0 and reference.report.calls > 0:
            return Verdict(Outcome.INCORRECT, behaviour=report,
                           message=f"neither the tests nor the benchmark reached the rewrite of "
                                   f"{ref.qualified_name} (they called the original {reference.report.calls} times)")
        if report.calls_benchmark == 0 and reference.report.calls_benchmark > 0:
            # what is timed must be the rewrite at work: a candidate that ends the benchmark
            # early (printing times of its own) or routes around itself is no speedup
            return Verdict(Outcome.REJECTED, behaviour=report,
                           message=f"the benchmark never called the rewrite of {ref.qualified_name} (it called "
                                   f"the original {reference.report.calls_benchmark} times): the rewrite stops "
                                   f"the benchmark from running its work, so its timings cannot be about it")
        return None

    # ---- running an instrumented copy --------------------------------------------------------

    async def _run_in_slot(self, target: CheckTarget, instrumented: Instrumented, cancel: CancelToken | None,
                           tally: "_Tally", text_is_candidate: bool = False) -> _Run:
        judge = self.judge
        started = time.monotonic()
        run = _Run(instrumented)
        file_rel = target.ref.file
        async with judge.scratch.slot(cancel) as slot:
            async with judge.gate.work():
                await judge.sync_slot(slot, {file_rel: instrumented.text})
                report_dir = judge.check_dir(slot)  # seen as mounts.CHECK_DIR inside the sandbox
                _empty_folder(report_dir, judge.scratch.owner)
                report_path = report_dir / "report.jsonl"
                env = judge.env_for(slot, file_rel)
                if target.ref.language == "python":
                    self._write_runtime()
                config = judge.config
                if config.build is not None and config.build.command:
                    run.build = await judge.run_step(config.build.command, slot, config.build.timeout, cancel,
                                                     tally, env=env, check_dir=report_dir)
                    await judge.record_slot(slot)
                if run.build is None or run.build.ok:
                    _write_phase(report_dir, "tests")
                    run.tests = await judge.run_step(config.test.command, slot, config.test.timeout * SLOWDOWN,
                                                     cancel, tally, env=env, check_dir=report_dir)
                    run.events = read_events(report_path, instrumented.site)
                    # a candidate's verdict is known at its first failure; the reference run goes on,
                    # because the benchmark's calls count for reach whatever the tests did
                    if not text_is_candidate or (run.tests.ok and run.events.mismatch is None):
                        _write_phase(report_dir, "benchmark")
                        run.bench = await judge.run_step(judge.bench_command(target.ref.qualified_name), slot,
                                                         config.bench.timeout * SLOWDOWN, cancel, tally,
                                                         env=env, check_dir=report_dir)
                        run.events = read_events(report_path, instrumented.site)
        run.wall_s = time.monotonic() - started
        return run

    def _write_runtime(self) -> None:
        from ..behaviour import pyruntime

        source = Path(pyruntime.__file__).read_text(encoding="utf-8")
        target = self.runtime_dir / RUNTIME_MODULE
        if target.is_file() and target.read_text(encoding="utf-8") == source:
            return
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{RUNTIME_MODULE}.{id(self)}.tmp")
        temporary.write_text(source, encoding="utf-8")
        temporary.replace(target)

    # ---- words ----------------------------------------------------------------------------------

    def _report(self, run: _Run, ref: FunctionRef) -> BehaviourReport:
        events, instrumented = run.events, run.instrumented
        not_compared = list(instrumented.not_compared)
        for pair in events.uncompared:
            if pair not in not_compared:
                not_compared.append(pair)
        return BehaviourReport(
            status="matched", calls_tests=events.calls["tests"], calls_benchmark=events.calls["benchmark"],
            checked=events.total_checked, compared=list(instrumented.compared), not_compared=not_compared,
            reason=instrumented.reason, wall_s=run.wall_s, build_s=run.build.wall_s if run.build else 0.0)

    def _not_applicable_reason(self, run: _Run, instrumented: Instrumented) -> str:
        effects = f" (reading the code: {', '.join(instrumented.effects)})" if instrumented.effects else ""
        mismatch = run.events.mismatch
        if mismatch is not None:
            return ("the original gives different results when run twice on the same input: "
                    + mismatch.sentence("the first run", "the second run")
                    + "; it depends on state outside its arguments" + effects + ", so the tests alone decide")
        step, result = run.failed_step or ("tests", None)
        what = _what_failed(result) if result is not None else "failed"
        return (f"with the original run twice on each call, the {step} fail ({what}); it has effects outside "
                f"its arguments{effects}, so the tests alone decide")

    def _unreached(self, target: CheckTarget) -> ReachError:
        ref = target.ref
        if ref.language == "python":
            hint = ("is the package installed from the original folder (an editable install)? LessonL puts the "
                    "scratch copy's source folders first on PYTHONPATH; name others in pyproject.toml "
                    "([tool.setuptools] package-dir, [tool.pytest.ini_options] pythonpath)")
        else:
            hint = ("do the build and the commands use the scratch copy's files (no absolute paths into your "
                    "folder, no prebuilt library)? Does [bench] command select this function's cases?")
        return ReachError(f"neither the tests nor the benchmark call `{ref.qualified_name}` in the scratch copy, "
                          f"so no verdict about a rewrite of it could mean anything", file=ref.file,
                          line=ref.start_line, hint=hint)

    def _reference_key(self, target: CheckTarget, baseline_key: str) -> str:
        from .. import behaviour

        sources = sorted(Path(behaviour.__file__).parent.glob("*.py"))
        generator = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
        parts = [baseline_key, target.ref.file, target.ref.qualified_name, target.ref.text_hash,
                 hashlib.sha256(target.original_text.encode()).hexdigest(), json.dumps(asdict(self.settings),
                 sort_keys=True, default=str), str(self.enabled), generator,
                 self.judge.bench_command(target.ref.qualified_name)]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def _unchecked(ref: FunctionRef, reason: str) -> str:
    """A rewrite changed the function so that it cannot be compared call by call (say, a JIT
    decorator): not wrong in itself, but only its tests vouch for it, and the user must know."""
    return (f"this rewrite of {ref.qualified_name} could not be compared with the original call by call "
            f"({reason}); only the tests decided that it is correct")


def _first_error(result: ProcResult) -> str:
    lines = [line for line in logtail.compiler_errors(result.output, max_lines=3, context=0).splitlines() if line]
    return lines[0][:200] if lines else f"exit status {result.rc}"


def _what_failed(result: ProcResult) -> str:
    if result.timed_out:
        return "timed out"
    if result.signal:
        return f"killed by signal {result.signal}"
    return f"exit status {result.rc}"


def _mismatch_log(mismatch: Mismatch, report: BehaviourReport) -> str:
    lines = [f"behaviour check: {mismatch.sentence()}"]
    if report.compared:
        lines.append("compared on every call: " + ", ".join(report.compared))
    return "\n".join(lines)


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "mode" in data else None


def _save(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{id(data)}.tmp")
    temporary.write_text(json.dumps(data))
    temporary.replace(path)


def _write_phase(report_dir: Path, phase: str) -> None:
    """Which command runs next, for the check runtime (a file, not a variable: see Judge.env_for)."""
    phase_file = report_dir / "phase"
    phase_file.unlink(missing_ok=True)  # never write through a link a candidate left there
    phase_file.write_text(phase + "\n")


def _empty_folder(folder: Path, owner: tuple[int, int] | None) -> None:
    """A fresh report folder: whatever an earlier run left there (files, links, pipes) is gone;
    owned by whoever the candidate's commands run as."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
    if folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if owner is not None:
        os.chown(folder, *owner)
