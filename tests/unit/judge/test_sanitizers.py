"""The sanitizer build's plumbing: compiler shims that append the flags, and reading reports."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from lessonl.judge import sanitizers

ASAN_LOG = """ok so far
=================================================================
==11676==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x604000000038 at pc 0x5555
READ of size 4 at 0x604000000038 thread T0
    #0 0x555560ec0453 in histogram kernels.cpp:22
"""


def test_shims_put_the_flags_on_every_compile_and_keep_the_users_arguments(tmp_path: Path) -> None:
    shims = tmp_path / "shims"
    names = sanitizers.write_shims(shims, ["address", "undefined"], os.environ["PATH"])
    assert "g++" in names and "gcc" in names
    env = sanitizers.environment(os.environ, shims, ["address", "undefined"])
    out = subprocess.run(["g++", "-x", "c++", "-", "-o", str(tmp_path / "a"), "-###"], input="int main(){}",
                         env=env, capture_output=True, text=True)
    assert "-fsanitize=address,undefined" in out.stderr
    assert env["PATH"].split(os.pathsep)[0] == str(shims)
    assert "detect_leaks=0" in env["ASAN_OPTIONS"]


def test_writing_shims_twice_changes_nothing_and_never_wraps_a_shim(tmp_path: Path) -> None:
    shims = tmp_path / "shims"
    sanitizers.write_shims(shims, ["address"], os.environ["PATH"])
    before = (shims / "gcc").read_text()
    sanitizers.write_shims(shims, ["address"], f"{shims}{os.pathsep}{os.environ['PATH']}")
    assert (shims / "gcc").read_text() == before and str(shims) not in before.split("exec ")[1].split()[0]


def test_the_first_report_and_its_headline() -> None:
    report = sanitizers.first_report(ASAN_LOG)
    assert report is not None and report.startswith("==11676==ERROR: AddressSanitizer")
    assert sanitizers.headline(report) == ("ERROR: AddressSanitizer: heap-buffer-overflow on address "
                                           "0x604000000038 at pc 0x5555")
    assert sanitizers.first_report("kernels.cpp:3:5: runtime error: signed integer overflow").endswith("overflow")
    assert sanitizers.first_report("all tests passed") is None
