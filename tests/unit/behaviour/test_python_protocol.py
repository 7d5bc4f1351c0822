"""The Python behaviour check end to end: a module is instrumented, a driver script calls it in a
real interpreter with the runtime on PYTHONPATH, and the JSON Lines events are what we assert on.

This file holds the harness the other `test_python_*` files share, and the protocol itself:
event fields, one `reached` per process, `summary` at exit, counts starting over in a forked
child, `max_calls`, silence without LESSONL_CHECK_REPORT, and a wrapper that still looks like
the function it replaces.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lessonl.behaviour.python import instrument
from lessonl.behaviour.records import CheckSettings, Instrumented
from lessonl.code import locate

RUNTIME = Path(__file__).resolve().parents[3] / "server" / "behaviour" / "pyruntime.py"
# The runtime runs in the user's interpreter: LESSONL_TEST_PYTHON=/path/to/python3.8 runs these
# cases there (those needing NumPy need it installed there too).
PYTHON = os.environ.get("LESSONL_TEST_PYTHON") or sys.executable


@dataclass
class Run:
    """What one driver run left behind."""

    instrumented: Instrumented
    events: list[dict]
    stdout: str
    stderr: str
    returncode: int
    report: Path = field(repr=False, default=Path())

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["event"] == kind]

    @property
    def mismatch(self) -> dict | None:
        found = self.of("mismatch")
        return found[0] if found else None

    @property
    def calls(self) -> int:
        return sum(e["calls"] for e in self.of("summary"))

    @property
    def checked(self) -> int:
        return sum(e["checked"] for e in self.of("summary"))

    @property
    def uncompared(self) -> list[tuple[str, str]]:
        return [(e["what"], e["why"]) for e in self.of("uncompared")]


def swap(module: str, old: str, new: str) -> str:
    """The candidate module: the lines `old` (a piece of the target, any indentation) replaced by
    `new`, both put at the indentation `old` has in the module."""
    module = textwrap.dedent(module)
    old, new = textwrap.dedent(old).strip("\n"), textwrap.dedent(new).strip("\n")
    first = old.splitlines()[0]
    indent = next(line[: len(line) - len(line.lstrip())] for line in module.splitlines() if line.strip() == first)
    old, new = textwrap.indent(old, indent), textwrap.indent(new, indent)
    assert module.count(old) == 1, f"{old!r} must occur once in the module"
    return module.replace(old, new)


def check(tmp_path: Path, original: str, candidate: str | None, driver: str, *, name: str,
          settings: CheckSettings | None = None, dual: bool = True, report: bool = True,
          phase: str = "tests") -> Run:
    """Instrument `name` of `original` with `candidate` (None: the reference run, the module
    against itself), run `driver` (which imports `mod`) and read back the events."""
    original = textwrap.dedent(original) if "\r\n" not in original else original
    candidate = original if candidate is None else candidate
    ref = locate(original, "python", "pkg/mod.py", name=name)
    instrumented = instrument(ref, candidate, settings or CheckSettings(), dual=dual)
    base = tmp_path / f"run{len(list(tmp_path.glob('run*')))}"
    work, runtime = base / "work", base / "runtime"
    work.mkdir(parents=True)
    runtime.mkdir()
    (work / "mod.py").write_bytes(instrumented.text.encode("utf-8"))
    (work / "driver.py").write_text(textwrap.dedent(driver), encoding="utf-8")
    (runtime / "_lessonl_check.py").write_bytes(RUNTIME.read_bytes())
    events_path = base / "events.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LESSONL_CHECK")}
    env["PYTHONPATH"] = str(runtime)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if report:
        env["LESSONL_CHECK_REPORT"] = str(events_path)
        env["LESSONL_CHECK_PHASE"] = phase
    done = subprocess.run([PYTHON, "driver.py"], cwd=work, env=env, capture_output=True, text=True,
                          timeout=60)
    lines = events_path.read_text().splitlines() if events_path.exists() else []
    return Run(instrumented, [json.loads(line) for line in lines], done.stdout, done.stderr, done.returncode,
               events_path)


def ran(run: Run) -> Run:
    """The driver itself must have succeeded (its asserts are part of each case)."""
    assert run.returncode == 0, run.stderr
    return run


DEDUPE = '''
    def dedupe(items):
        """The items without repeats, in the order they first appear."""
        seen = set()
        out = []
        for x in items:
            if x not in seen:
                seen.add(x)
                out.append(x)
        return out
'''


def test_every_event_carries_the_protocol_fields_and_reached_comes_once_per_process(tmp_path: Path):
    run = ran(check(tmp_path, DEDUPE, None, """
        import mod
        for _ in range(3):
            assert mod.dedupe([3, 1, 3]) == [3, 1]
    """, name="dedupe", phase="benchmark"))
    assert [e["event"] for e in run.events] == ["reached", "summary"]
    for event in run.events:
        assert event["v"] == 1 and event["site"] == "pkg/mod.py::dedupe" and event["phase"] == "benchmark"
        assert isinstance(event["pid"], int)
    assert (run.calls, run.checked) == (3, 3)


def test_without_a_report_path_the_wrapper_just_runs_the_rewrite_and_writes_nothing(tmp_path: Path):
    candidate = swap(textwrap.dedent(DEDUPE), """
        seen = set()
        out = []
        for x in items:
            if x not in seen:
                seen.add(x)
                out.append(x)
        return out""", "return sorted(set(items))")
    run = ran(check(tmp_path, DEDUPE, candidate, """
        import mod
        assert mod.dedupe([3, 1, 3]) == [1, 3]
    """, name="dedupe", report=False))
    assert run.events == [] and not run.report.exists()


def test_a_forked_child_counts_its_own_calls_from_zero(tmp_path: Path):
    run = ran(check(tmp_path, DEDUPE, None, """
        import os, sys
        import mod
        mod.dedupe([1, 1])
        pid = os.fork()
        if pid == 0:
            mod.dedupe([2]); mod.dedupe([3])
            sys.exit(0)
        os.waitpid(pid, 0)
        mod.dedupe([4])
    """, name="dedupe"))
    summaries = {e["pid"]: (e["calls"], e["checked"]) for e in run.of("summary")}
    reached = {e["pid"] for e in run.of("reached")}
    assert len(summaries) == 2 and reached == set(summaries)
    assert sorted(summaries.values()) == [(2, 2), (2, 2)]


def test_calls_beyond_max_calls_are_counted_but_not_compared(tmp_path: Path):
    """The third call would differ, but only two calls per process are compared."""
    candidate = swap(textwrap.dedent(DEDUPE), "return out", "return out if len(out) < 3 else out[::-1]")
    run = ran(check(tmp_path, DEDUPE, candidate, """
        import mod
        mod.dedupe([1]); mod.dedupe([1, 2]); mod.dedupe([1, 2, 3]); mod.dedupe([4, 5, 6])
    """, name="dedupe", settings=CheckSettings(max_calls=2)))
    assert run.mismatch is None
    assert (run.calls, run.checked) == (4, 2)


def test_comparing_stops_after_the_first_mismatch(tmp_path: Path):
    candidate = swap(textwrap.dedent(DEDUPE), "return out", "return out[::-1]")
    run = ran(check(tmp_path, DEDUPE, candidate, """
        import mod
        for _ in range(5):
            assert mod.dedupe([1, 2]) == [2, 1]   # the caller always gets the rewrite's result
    """, name="dedupe"))
    assert len(run.of("mismatch")) == 1 and run.mismatch["call"] == 1
    assert (run.calls, run.checked) == (5, 1)


def test_the_wrapper_keeps_name_qualname_doc_signature_and_pickles_by_name(tmp_path: Path):
    module = '''
        class Stack:
            def push_all(self, items, *, reverse=False):
                """Push every item."""
                self.items = list(reversed(items)) if reverse else list(items)
                return len(self.items)

        def dedupe(items):
            """Without repeats."""
            return list(dict.fromkeys(items))
    '''
    ran(check(tmp_path, module, None, """
        import inspect, pickle
        import mod
        f = mod.dedupe
        assert (f.__name__, f.__qualname__, f.__doc__) == ("dedupe", "dedupe", "Without repeats.")
        assert str(inspect.signature(f)) == "(items)" and f.__wrapped__.__doc__ == f.__doc__
        assert pickle.loads(pickle.dumps(f)) is f
    """, name="dedupe"))
    run = ran(check(tmp_path, module, None, """
        import inspect, pickle
        import mod
        m = mod.Stack.push_all
        assert (m.__name__, m.__qualname__) == ("push_all", "Stack.push_all")
        assert str(inspect.signature(m)) == "(self, items, *, reverse=False)"
        assert pickle.loads(pickle.dumps(m)) is m
        assert mod.Stack().push_all([1, 2], reverse=True) == 2
    """, name="Stack.push_all"))
    assert (run.calls, run.checked, run.mismatch) == (1, 1, None)


def test_the_runtime_uses_the_standard_library_only_and_parses_as_python_3_8():
    tree = ast.parse(RUNTIME.read_text(), feature_version=(3, 8))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
    assert "numpy" not in imported
