"""[check] sanitizers: the candidate's tests also run in a sanitizer build (C and C++).

The unchanged code is tried first, once per baseline: if it already trips a sanitizer, every
candidate would too, so the check is switched off with a warning that quotes the report,
instead of failing every rewrite for the user's own bug.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from ..cancel import CancelToken
from ..records import Outcome, Verdict
from ..procs import logtail
from . import sanitizers
from ..procs import Limits, ProcResult

if TYPE_CHECKING:
    from .judge import Judge, _Tally


class SanitizerCheck:
    def __init__(self, judge: "Judge") -> None:
        self.judge = judge
        check = judge.config.check
        self.names = tuple(check.sanitizers)
        self.command = check.sanitizer_command or (judge.config.build.command if judge.config.build else "")
        self.shim_dir = judge.scratch.home / "sanitizer-bin"
        # shadow memory needs address space: no RLIMIT_AS here (time and process limits stay)
        limits = judge.limits
        self.limits = Limits(cpu_seconds=limits.cpu_seconds, memory_mb=None, file_size_mb=limits.file_size_mb,
                             processes=limits.processes, network=limits.network)

    @property
    def enabled(self) -> bool:
        return bool(self.names)

    @property
    def label(self) -> str:
        return ", ".join(self.names)

    async def baseline(self, baseline_key: str, cancel: CancelToken | None, tally: "_Tally") -> str | None:
        """None when the unchanged code is clean under the sanitizers, else the warning to show."""
        key = hashlib.sha256("\0".join([baseline_key, self.label, self.command]).encode()).hexdigest()[:24]
        path = self.judge.scratch.home / f"sanitizers-{key}.json"
        try:
            return json.loads(path.read_text())["warning"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        verdict = await self._run({}, cancel, tally)
        warning = None
        if verdict is not None:
            warning = (f"your unchanged code already fails in the {self.label} sanitizer build "
                       f"({verdict.message}); the sanitizer check is off until it passes:\n{verdict.log_tail}")
        path.write_text(json.dumps({"warning": warning}))
        return warning

    async def candidate(self, changes: Mapping[str, str], cancel: CancelToken | None,
                        tally: "_Tally") -> Verdict | None:
        """The failing verdict, or None when the tests pass in the sanitizer build."""
        return await self._run(changes, cancel, tally)

    async def _run(self, changes: Mapping[str, str], cancel: CancelToken | None, tally: "_Tally") -> Verdict | None:
        judge = self.judge
        async with judge.scratch.slot(cancel) as slot:
            async with judge.gate.work():
                await judge.sync_slot(slot, changes)
                env = sanitizers.environment(judge.env_for(slot, None), self.shim_dir, self.names)
                sanitizers.write_shims(self.shim_dir, self.names, env["PATH"].split(":", 1)[-1])
                if self.command:
                    build = await judge.run_step(self.command, slot, judge.config.build.timeout
                                                 if judge.config.build else 600, cancel, tally, env=env,
                                                 limits=self.limits)
                    await judge.record_slot(slot)
                    if not build.ok:
                        return Verdict(Outcome.NOT_COMPILABLE, message=f"the {self.label} sanitizer build failed "
                                       f"(exit status {build.rc})", log_tail=logtail.compiler_errors(build.output))
                tests = await judge.run_step(judge.config.test.command, slot, judge.config.test.timeout * 3, cancel,
                                             tally, env=env, limits=self.limits)
        return None if tests.ok else self._failure(tests)

    def _failure(self, tests: ProcResult) -> Verdict:
        report = sanitizers.first_report(tests.output)
        if report is not None:
            return Verdict(Outcome.INCORRECT, message=f"the {self.label} sanitizer reports: "
                           f"{sanitizers.headline(report)}", log_tail=report, sanitizers=f"failed ({self.label})")
        if tests.timed_out:
            return Verdict(Outcome.TIMEOUT, message=f"the tests did not finish in the {self.label} sanitizer build",
                           log_tail=logtail.tail(tests.output))
        return Verdict(Outcome.INCORRECT, message=f"the tests fail in the {self.label} sanitizer build "
                       f"(exit status {tests.rc})", log_tail=logtail.test_failures(tests.output),
                       sanitizers=f"failed ({self.label})")
