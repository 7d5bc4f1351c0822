"""Log tails: the first compiler errors, the end of a test log, the missing program."""
from __future__ import annotations

from lessonl.procs import logtail

GCC = """kernels.cpp: In function 'void matmul(...)':
kernels.cpp:6:12: warning: unused variable 'x' [-Wunused-variable]
kernels.cpp:10:13: error: expected ',' or ';' before 'for'
   10 |             for (int k = 0; k < n; ++k) {
      |             ^~~
kernels.cpp:10:29: error: 'k' was not declared in this scope
make: *** [Makefile:7: kernels.o] Error 1
"""


def test_compiler_errors_come_first_with_their_source_lines() -> None:
    tail = logtail.compiler_errors(GCC)
    lines = tail.splitlines()
    assert lines[0] == "kernels.cpp:10:13: error: expected ',' or ';' before 'for'"
    assert "   10 |             for (int k = 0; k < n; ++k) {" in lines
    assert "warning" not in tail


def test_compiler_errors_are_capped() -> None:
    log = "\n".join(f"a.cpp:{i}:1: error: e{i}" for i in range(100))
    assert len(logtail.compiler_errors(log, max_lines=10).splitlines()) == 10


def test_without_error_lines_the_tail_is_shown() -> None:
    log = "\n".join(f"line {i}" for i in range(100))
    assert logtail.compiler_errors(log, max_lines=5).splitlines() == [f"line {i}" for i in range(95, 100)]


def test_test_log_tail_keeps_the_end() -> None:
    log = "\n".join(f"line {i}" for i in range(100)) + "\n"
    assert logtail.tail(log, 3) == "line 97\nline 98\nline 99"


def test_missing_programs_are_named() -> None:
    assert logtail.missing_tool("/bin/sh: 1: g++: not found\n", 127) == "g++"
    assert logtail.missing_tool("bash: clang++: command not found\n", 127) == "clang++"
    assert logtail.missing_tool("make: nosuchcc: No such file or directory\n"
                                "make: *** [Makefile:7: kernels.o] Error 127\n", 2) == "nosuchcc"
    assert logtail.missing_tool("kernels.cpp:1: error: boom\n", 1) is None


def test_test_failures_keep_the_failing_test_names_above_a_long_diff():
    from lessonl.procs.logtail import test_failures

    output = "\n".join(["tests/test_x.py F.", *[f"  +  {i}," for i in range(300)],
                        "FAILED tests/test_x.py::test_find_duplicates - AssertionError", "1 failed, 1 passed"])
    kept = test_failures(output, max_lines=40)
    assert "FAILED tests/test_x.py::test_find_duplicates" in kept
    assert kept.splitlines()[-1] == "1 failed, 1 passed" and len(kept.splitlines()) <= 40


def test_pytest_section_headers_name_the_failing_test_when_there_is_no_summary():
    from lessonl.procs.logtail import test_failures

    output = "\n".join(["_____ test_find_duplicates_order _____", "    def test_x():",
                        *[f"E       line {i}" for i in range(60)], *[f"  -   {i}," for i in range(100)],
                        "2 failed, 3 passed in 0.23s"])
    kept = test_failures(output)
    assert "test_find_duplicates_order" in kept and kept.endswith("2 failed, 3 passed in 0.23s")
