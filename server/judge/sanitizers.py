"""The sanitizer build: the candidate's tests again, compiled with AddressSanitizer/UBSan.

A rewrite that reads one element past the end of a buffer usually passes its tests by luck;
under AddressSanitizer it stops at the first bad access, with a report that names it. The
flags reach the user's build without touching it: compiler shims (`gcc`, `g++`, `cc`, `c++`,
`clang`, `clang++`) first on PATH append them, which holds for Makefiles that hard-code `g++`
as well as for `$(CXX)` and for CMake (which finds its compiler on PATH when it configures);
CFLAGS/CXXFLAGS/LDFLAGS would be overridden by any Makefile that sets them. `[check]
sanitizer_command` replaces the build command instead, for builds that need their own switch.

Sanitizers reserve terabytes of address space for their shadow memory, so these processes run
without the address-space limit ([sandbox] memory_mb); the time and process limits stay.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path
from ..atomic import write_atomic
from typing import Mapping, Sequence

COMPILERS = ("gcc", "g++", "cc", "c++", "clang", "clang++")
REPORT_START = re.compile(r"==\d+==\s*ERROR: (Address|Leak|Thread|Memory)Sanitizer|"
                          r"WARNING: ThreadSanitizer|: runtime error: |SUMMARY: \w+Sanitizer")


def flags(sanitizers: Sequence[str]) -> str:
    return (f"-fsanitize={','.join(sanitizers)} -fno-omit-frame-pointer -fno-sanitize-recover=all -g"
            if sanitizers else "")


def write_shims(directory: Path, sanitizers: Sequence[str], path: str) -> list[str]:
    """Compiler shims in `directory` for the compilers found on `path`; returns their names."""
    return write_flag_shims(directory, flags(sanitizers), path)


def write_flag_shims(directory: Path, flag_text: str, path: str) -> list[str]:
    """Compiler shims in `directory` for the compilers found on `path`, each appending
    `flag_text` (shell words) to every compiler call; returns their names. Used by the
    sanitizer build and by the profiler's debug-info build (lessonl.profile)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in COMPILERS:
        real = shutil.which(name, path=path)
        if real is None or Path(real).parent.resolve() == directory.resolve():
            continue
        script = f"#!/bin/sh\nexec {shlex.quote(real)} \"$@\" {flag_text}\n"
        target = directory / name
        if not target.is_file() or target.read_text() != script:
            write_atomic(target, script, mode=0o755)
        written.append(name)
    return written


def environment(env: Mapping[str, str], shim_dir: Path, sanitizers: Sequence[str]) -> dict[str, str]:
    """`env` with the shims first on PATH and the runtime options that make a report fatal."""
    out = dict(env)
    out["PATH"] = os.pathsep.join([str(shim_dir), env.get("PATH", os.defpath)])
    leaks = "1" if "leak" in sanitizers else "0"
    out["ASAN_OPTIONS"] = f"halt_on_error=1:abort_on_error=0:detect_leaks={leaks}:exitcode=86"
    out["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1:exitcode=86"
    out["LSAN_OPTIONS"] = "exitcode=86"
    out["TSAN_OPTIONS"] = "halt_on_error=1:exitcode=86"
    return out


def first_report(output: str, max_lines: int = 25) -> str | None:
    """The first sanitizer report in a log (its headline and the stack below it), or None."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if REPORT_START.search(line):
            return "\n".join(lines[index:index + max_lines])
    return None


def headline(report: str) -> str:
    """One line of a report, for a verdict's message."""
    first = report.splitlines()[0] if report else ""
    first = re.sub(r"^==\d+==\s*", "", first).strip()
    return first[:200]
