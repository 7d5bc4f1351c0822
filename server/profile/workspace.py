"""Where a profile runs: its own scratch copy of the repository (`<cache>/scratch/<repo-hash>/
profile`, beside the judge's baseline and slots, so a profile never disturbs a baseline build
and the user's tree is only read), built with debug information, each command run through
lessonl.procs.run in the same bubblewrap sandbox as the judge's candidate commands.

Debug information reaches the user's build the way the sanitizer build's flags do: compiler
shims first on PATH append `-g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer` to every
compiler call (Make, CMake, hard-coded `g++`). `-g` does not change the generated code; keeping
the frame pointer (leaf functions too, or their caller drops out of the stack) costs one
register, which perf needs for call graphs through the user's own functions.

perf works inside the sandbox: the event is opened by perf for its own child (paranoid 2
allows that for unprivileged users), and the sandbox's new PID namespace does not hide the
child from its own parent.
"""
from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path
from typing import Any, Callable, Mapping

from ..cancel import CancelToken
from ..errors import BaselineError, Cancelled
from ..judge import commands, interpreter
from ..judge.mounts import mounts_for
from ..judge.pythonpath import import_roots, with_import_roots
from ..judge.sanitizers import write_flag_shims
from ..judge.locks import FileLock
from ..judge.scratch import Scratch, timing_lock_path
from ..procs import Limits, ProcResult, isolation, logtail, run
from ..sandbox.environment import allowed_env

DEBUG_FLAGS = "-g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer"
OUT_NAME = ".lessonl-profile"
OUTPUT_KEPT = 100_000  # characters of the benchmark's stdout kept with the hotspots

Log = Callable[[str], None]


class Workspace:
    """The profile copy of one repository. Quacks like the judge where lessonl.judge.mounts
    needs it (root, config, scratch, python)."""

    def __init__(self, root: Path, config: Any, log: Log | None = None) -> None:
        self.root = Path(root).resolve()
        self.config = config
        self.log = log or (lambda message: None)
        self.python = interpreter.find(self.root, config)
        self.scratch = Scratch(self.root, exclude=[*config.scratch.exclude, *_bank_exclude(config, self.root)])
        self.isolated = bool(config.sandbox.isolation)
        if self.isolated:
            self.scratch.owner = isolation().run_as
        self.directory = self.scratch.home / "profile"
        self.shim_dir = self.scratch.home / "profile-bin"
        self.boot_dir = self.scratch.home / "profile-py"
        self.out_dir = self.directory / OUT_NAME
        sandbox = config.sandbox
        # no address-space limit: valgrind reserves a large one (time and process limits stay)
        self.limits = Limits(cpu_seconds=None, memory_mb=None, file_size_mb=sandbox.file_size_mb,
                             processes=sandbox.processes, network=sandbox.network)
        self.warnings: list[str] = []
        self.bench_stdout = ""

    def lock(self):  # noqa: ANN201 - a FileLock, used as `async with`
        return self.scratch.lock_for(self.directory)

    # -- environment ----------------------------------------------------------------------------

    def base_env(self, *, shims: bool, python_boot: bool = False, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        sandbox = self.config.sandbox
        env = allowed_env(os.environ, getattr(sandbox, "pass_env", ()) or (), getattr(self.config, "env", None) or {})
        env = with_import_roots(env, self.directory, import_roots(self.root, None))
        if shims:
            env["PATH"] = os.pathsep.join([str(self.shim_dir), env.get("PATH", os.defpath)])
        if python_boot:
            env["PYTHONPATH"] = os.pathsep.join(p for p in [str(self.boot_dir), env.get("PYTHONPATH", "")] if p)
        env.update(extra or {})
        return env

    # -- steps ----------------------------------------------------------------------------------

    def sync(self) -> None:
        """Bring the copy up to the user's files. Build products made with other compiler flags
        than these (an older LessonL) are thrown away with the copy: make would keep them, as
        it tracks sources, not flags."""
        stamp = self.directory.with_name(self.directory.name + ".flags")
        try:
            previous = stamp.read_text()
        except OSError:
            previous = None
        if previous != DEBUG_FLAGS:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory.with_name(self.directory.name + ".manifest.json").unlink(missing_ok=True)
        self.scratch.sync(self.directory)
        stamp.write_text(DEBUG_FLAGS)
        self.clear_out()

    def clear_out(self) -> None:
        shutil.rmtree(self.out_dir, ignore_errors=True)

    async def build(self, native: bool, cancel: CancelToken | None) -> None:
        """The configured build with debug info (native code); a failure is the user's build's."""
        build = self.config.build
        if build is None or not build.command:
            return
        env = self.base_env(shims=native)
        if native:
            write_flag_shims(self.shim_dir, DEBUG_FLAGS, env["PATH"].split(os.pathsep, 1)[-1])
        self.log(f"building with debug info: {build.command}")
        result = await self.run(build.command, build.timeout, env, cancel)
        if not result.ok:
            raise BaselineError(f"the build failed in the profile copy (exit status {result.rc})",
                                key="build.command", hint=logtail.compiler_errors(result.output)[:800])

    async def run(self, command: str, timeout: float, env: dict[str, str], cancel: CancelToken | None,
                  measured: bool = False) -> ProcResult:
        """Run `command` in the copy (in the sandbox). A `measured` run (the profiled benchmark)
        holds the machine-wide timing lock, as the judge's timing phases do: a profile taken
        beside a compiler or a timed benchmark would measure them too, and disturb the timing."""
        if cancel is not None:
            cancel.raise_if_cancelled()
        mounts = mounts_for(self, self.directory, env) if self.isolated else None
        argv = commands.expand(command, self.python.path)
        if measured:
            machine = FileLock(timing_lock_path())
            await machine.acquire(cancel)
            try:
                result = await run(argv, self.directory, env=env, timeout=timeout, cancel=cancel, limits=self.limits,
                                   mounts=mounts)
            finally:
                machine.release()
        else:
            result = await run(argv, self.directory, env=env, timeout=timeout, cancel=cancel, limits=self.limits,
                               mounts=mounts)
        for warning in result.warnings:
            if warning not in self.warnings:
                self.warnings.append(warning)
        if result.cancelled:
            raise Cancelled("cancelled by the user")
        return result

    def keep_output(self, label: str, result: ProcResult) -> None:
        if label == "benchmark":
            self.bench_stdout = result.stdout[:OUTPUT_KEPT]

    def in_out(self, command: str) -> str:
        """`command` preceded by creating the output folder (as the user the sandbox runs as)."""
        return f"mkdir -p {shlex.quote(str(self.out_dir))} && {command}"


def bench_command(config: Any, python: str, function: str | None) -> str:
    """The [bench] command as the judge fills it in ("" for `function` None: the whole benchmark)."""
    return commands.bench_command(config.bench, python, function)


def _bank_exclude(config: Any, root: Path) -> list[str]:
    bank = Path(getattr(getattr(config, "bank", None), "path", "") or ".lessonl")
    bank = bank if bank.is_absolute() else root / bank
    try:
        return ["/" + bank.resolve().relative_to(root).as_posix() + "/"]
    except ValueError:
        return []
