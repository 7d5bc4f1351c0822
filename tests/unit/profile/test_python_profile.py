"""Python: the sitecustomize bootstrap in real interpreter processes (cProfile dumps, the line
timer), and their files read into shares of the locator's functions, methods included."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from lessonl.profile import pyprof
from lessonl.profile.index import FunctionIndex
from lessonl.profile.tally import shares

WORK = textwrap.dedent('''\
    class Grid:
        def relax(self, n):
            s = 0
            for i in range(n):
                s = (s * 31 + i) & 0xFFFF
            return s


    def tail(n):
        s = 0
        for i in range(n):
            s = (s * 31 + i) & 0xFFFF
        return s


    def main():
        g = Grid()
        for _ in range(3):
            g.relax(120000)
            tail(40000)


    if __name__ == "__main__":
        main()
    ''')


def _run(tmp_path: Path, extra: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    (repo / "work.py").write_text(WORK)
    boot = tmp_path / "boot"
    pyprof.write_bootstrap(boot)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(boot), "LESSONL_PROFILE_OUT": str(out), **extra}
    subprocess.run([sys.executable, "work.py"], cwd=repo, env=env, check=True, timeout=60)
    return out


def test_each_process_dumps_a_profile_that_maps_to_functions_and_methods(tmp_path: Path) -> None:
    out = _run(tmp_path, {})
    dumps = sorted(out.glob("py-*.prof"))
    assert len(dumps) == 1
    index = FunctionIndex(tmp_path / "repo", ("python",))
    tally = pyprof.tally_stats(pyprof.read_stats(dumps), pyprof.PythonMapper(index))
    functions, unmapped = shares(tally, index, [("work.py", "Grid.relax")])
    by_name = {f.qualified_name: f for f in functions}
    relax, tail = by_name["Grid.relax"], by_name["tail"]
    # 3:1 by construction; cProfile times with the wall clock, and this machine is shared
    assert abs(relax.inclusive_share / (relax.inclusive_share + tail.inclusive_share) - 0.75) < 0.15
    assert relax.self_share == relax.inclusive_share  # no calls inside its loop
    assert by_name["main"].inclusive_share > 0.9 and by_name["main"].self_share < 0.05
    assert relax.callers[0].qualified_name == "main" and relax.callers[0].in_loop
    assert relax.text_hash and relax.start_line == 2 and relax.end_line == 6
    assert all(u.reason for u in unmapped)


def test_the_line_timer_times_only_its_targets_lines(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps([{"file": str(repo / "work.py"), "start": 2, "end": 6, "name": "relax"}]))
    out = _run(tmp_path, {"LESSONL_PROFILE_LINES": str(targets), "LESSONL_PROFILE_LINE_EVENTS": "100000000"})
    assert not list(out.glob("py-*.prof"))  # the line run is not also a cProfile run
    (lines_file,) = out.glob("lines-*.json")
    data = json.loads(lines_file.read_text())
    assert {index for index, _line, _t in data["lines"]} == {0}
    timed = {line for _i, line, _t in data["lines"]}
    assert {4, 5} <= timed <= {2, 3, 4, 5, 6}
    assert [(c[3], c[4], c[5]) for c in data["calls"]] == [("main", 19, 3)]

    index = FunctionIndex(repo, ("python",))
    mapper = pyprof.PythonMapper(index)
    relax = next(r for r in index.functions("work.py") if r.qualified_name == "Grid.relax")
    from lessonl.profile.tally import Tally
    tally = Tally()
    tally.inclusive[tally.add_ref(relax)] = 1.0
    tally.total = 1.0
    pyprof.add_lines(tally, [relax], [lines_file], mapper)
    functions, _ = shares(tally, index, [("work.py", "Grid.relax")])
    lines = functions[0].lines
    assert lines[0].line in (4, 5) and abs(sum(x.share for x in lines) - 1.0) < 0.01  # tiny lines left out
    assert "s = (s * 31 + i)" in {x.text.strip() for x in lines} or "for i in range(n):" in {x.text.strip() for x in lines}


def test_the_line_timer_stops_timing_a_function_past_its_budget(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps([{"file": str(repo / "work.py"), "start": 2, "end": 6, "name": "relax"}]))
    out = _run(tmp_path, {"LESSONL_PROFILE_LINES": str(targets), "LESSONL_PROFILE_LINE_EVENTS": "1000"})
    (lines_file,) = out.glob("lines-*.json")
    data = json.loads(lines_file.read_text())
    assert [c[5] for c in data["calls"]] == [1]  # only the first call was timed, and only part of it
    assert {line for _i, line, _t in data["lines"]} == {2, 3, 4, 5}  # its loop, not its return


def test_without_the_variable_the_bootstrap_does_nothing_and_chains(tmp_path: Path) -> None:
    boot = tmp_path / "boot"
    pyprof.write_bootstrap(boot)
    other = tmp_path / "other"
    other.mkdir()
    (other / "sitecustomize.py").write_text("import os\nos.environ['CHAINED'] = '1'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LESSONL_PROFILE")}
    env["PYTHONPATH"] = os.pathsep.join([str(boot), str(other)])
    done = subprocess.run([sys.executable, "-c", "import os, sys; print(os.environ.get('CHAINED'), sys.getprofile())"],
                          env=env, capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["1", "None"]
