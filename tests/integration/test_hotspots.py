"""`lessonl hotspots` and lessonl.profile end to end: real builds (g++ + make), real perf,
valgrind and cProfile runs in the profile copy, on the bundled examples and on the synthetic
repositories whose functions do 60/30/10 % of the work by construction.

The machine running the tests is shared and loaded, so these tests hold the figures to looser
bounds than benchmarks/hotspot_accuracy.py (which prints them against the 5-point target).
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from lessonl.cli import main as cli_main
from lessonl.code import locate
from lessonl.config import load_config
from lessonl.errors import ConfigError, ProfilerError
from lessonl.profile import function_profile, load_hotspots, profile_benchmark
from tests.conftest import copy_example

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "repos"
sys.path.insert(0, str(REPO / "benchmarks"))
from hotspot_truth import BUDGETS, TIE, compare, truth, with_process_time  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("perf") is None or shutil.which("valgrind") is None,
                                 reason="needs perf (linux-perf) and valgrind: dev/setup installs them")]


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("*.o", "bench", "test_work", "__pycache__", ".lessonl"))
    return target


def _with_bench(config, command: str):  # noqa: ANN001, ANN202 - a ProjectConfig
    return dataclasses.replace(config, bench=dataclasses.replace(config.bench, command=command))


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _shares(hotspots, names) -> dict[str, float]:  # noqa: ANN001
    by_name = {f.qualified_name: f.inclusive_share for f in hotspots.functions}
    return {n: by_name.get(n, 0.0) for n in names}


def test_synthetic_cpp_under_perf_gives_the_shares_by_construction(tmp_path: Path) -> None:
    root = _copy("hotspots-cpp", tmp_path)
    before = _tree(root)
    hotspots = asyncio.run(profile_benchmark(root, load_config(root)))
    assert hotspots.profiler == "perf" and hotspots.unit == "cpu-clock samples"
    assert _tree(root) == before, "the user's tree is never written"
    shares = _shares(hotspots, ["sim::Grid::relax", "mix", "tail"])
    work = sum(shares.values())
    assert work > 0.85
    for name, fraction in (("sim::Grid::relax", 0.6), ("mix", 0.3), ("tail", 0.1)):
        assert abs(shares[name] / work - fraction) < 0.05, (name, shares)
    relax = next(f for f in hotspots.functions if f.qualified_name == "sim::Grid::relax")
    assert relax.lines and relax.lines[0].line == 9
    assert relax.callers and relax.callers[0].qualified_name == "main" and relax.callers[0].in_loop
    assert set(hotspots.file_hashes) >= {"work.cpp", "bench.cpp"}
    assert "time:" in hotspots.bench_stdout


def test_synthetic_cpp_under_callgrind_counts_instructions(tmp_path: Path) -> None:
    root = _copy("hotspots-cpp", tmp_path)
    config = _with_bench(load_config(root), "./bench 1500000")  # callgrind runs it about 50x slower
    hotspots = asyncio.run(profile_benchmark(root, config, profiler="callgrind"))
    assert (hotspots.profiler, hotspots.unit) == ("callgrind", "instructions")
    shares = _shares(hotspots, ["sim::Grid::relax", "mix", "tail"])
    work = sum(shares.values())
    assert abs(shares["sim::Grid::relax"] / work - 0.6) < 0.02 and abs(shares["tail"] / work - 0.1) < 0.02


def test_perf_not_permitted_falls_back_to_callgrind_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A perf that fails the way perf fails without permission (a real program first on PATH)."""
    root = _copy("hotspots-cpp", tmp_path)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "perf").write_text("#!/bin/sh\necho 'Error:' >&2\n"
                               "echo 'No permission to enable cpu-clock event.' >&2\nexit 255\n")
    (fake / "perf").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    config = _with_bench(load_config(root), "./bench 1500000")
    # the sandbox hides /tmp: show the folder of the failing perf in it
    config = dataclasses.replace(config, sandbox=dataclasses.replace(config.sandbox, expose=(str(fake),)))
    hotspots = asyncio.run(profile_benchmark(root, config))
    assert hotspots.profiler == "callgrind"
    assert any("perf events are not permitted" in w and "callgrind" in w for w in hotspots.warnings)
    assert hotspots.functions[0].qualified_name == "main"
    with pytest.raises(ProfilerError, match="not permitted"):
        asyncio.run(profile_benchmark(root, config, profiler="perf"))


def test_synthetic_python_under_cprofile_with_methods_and_lines(tmp_path: Path) -> None:
    root = _copy("hotspots-py", tmp_path)
    hotspots = asyncio.run(profile_benchmark(root, load_config(root), tests=True))
    assert hotspots.profiler == "cprofile" and hotspots.tests_included
    result = compare(truth("hotspots-py", hotspots), hotspots)
    assert result["top3_right"] and result["worst_points"] < 5, result
    relax = next(f for f in hotspots.functions if f.qualified_name == "Grid.relax")
    assert {line.line for line in relax.lines[:2]} == {9, 10}
    assert relax.callers[0].qualified_name == "main" and relax.callers[0].in_loop
    assert any(f.file == "tests/test_work.py" for f in hotspots.functions)  # the tests ran profiled too


def test_cpp_example_ranks_the_kernels_as_they_really_are(tmp_path: Path) -> None:
    """The example's bench gets a CPU-time budget per kernel (hotspot_truth.BUDGETS), so the
    kernels' true shares differ (about 55, 27 and 15 %) and the order is a real test; the truth
    is CPU time, as perf's samples are, so load on the machine moves both together. Samples are
    still samples: the best of three runs must meet the benchmark's 5-point target."""
    root = copy_example("cpp-kernels", tmp_path)
    with_process_time(root, BUDGETS)
    config = load_config(root)
    results = []
    for _ in range(3):
        hotspots = asyncio.run(profile_benchmark(root, config))
        true = truth("cpp-kernels", hotspots)
        assert true["matmul"] - true["histogram"] > 2 * TIE and true["histogram"] - true["prefix_sum"] > 2 * TIE, true
        results.append(compare(true, hotspots))
        kernels = {f.qualified_name for f in hotspots.functions if f.qualified_name in true}
        assert kernels == {"matmul", "histogram", "prefix_sum"}
        assert [f.qualified_name for f in hotspots.functions[:2]] == ["main", "time_case"]
        matmul = next(f for f in hotspots.functions if f.qualified_name == "matmul")
        assert matmul.self_share > 0.15 and matmul.lines and matmul.lines[0].line in (9, 10)
        if results[-1]["top3_right"] and results[-1]["worst_points"] <= 5:
            break
    else:
        pytest.fail(f"no run within 5 points of the truth in the right order: {results}")


def test_python_example_puts_count_primes_first(tmp_path: Path) -> None:
    root = copy_example("python-hotspots", tmp_path)
    config = load_config(root)
    results = []
    for _ in range(3):  # wall-clock figures on a shared machine: the best of three runs
        hotspots = asyncio.run(profile_benchmark(root, config))
        true = truth("python-hotspots", hotspots)
        results.append(compare(true, hotspots))
        kernels = [f.qualified_name for f in hotspots.functions if f.qualified_name in true]
        assert kernels[0] == "count_primes" and len(kernels) == 4
        if results[-1]["top3_right"] and results[-1]["worst_points"] <= 5:
            break
    else:
        pytest.fail(f"no run within 5 points of the truth in the right order: {results}")


def test_cli_table_json_saved_and_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy("hotspots-py", tmp_path)
    assert cli_main(["hotspots", "-C", str(root), "--quiet", "--top", "3", "--lines", "synth/work.py::mix"]) == 0
    out = capsys.readouterr().out
    assert "profiler: cprofile" in out and "Grid.relax" in out and "synth/work.py:7" in out
    assert "mix (synth/work.py:14-18)" in out and "s = (s * 31 + i) & 0xFFFF" in out
    saved = load_hotspots(root / ".lessonl")
    assert saved is not None and saved.profiler == "cprofile"

    assert cli_main(["hotspots", "-C", str(root), "--saved", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stale_files"] == [] and data["functions"][0]["key"] == "bench.py::main"
    work = root / "synth" / "work.py"
    work.write_text(work.read_text() + "\n# changed\n")
    assert cli_main(["hotspots", "-C", str(root), "--saved"]) == 0
    assert "STALE: changed since measured: synth/work.py" in capsys.readouterr().out


def test_bad_input_gets_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy("hotspots-cpp", tmp_path)
    config = _with_bench(load_config(root), "./bench 1000")  # a few microseconds of work
    with pytest.raises(ProfilerError) as brief:
        asyncio.run(profile_benchmark(root, config))
    assert "ran" in str(brief.value) and "samples" in str(brief.value) and "longer" in (brief.value.hint or "")

    config = _with_bench(config, "  ")
    with pytest.raises(ConfigError, match="no benchmark is configured"):
        asyncio.run(profile_benchmark(root, config))

    assert cli_main(["hotspots", "-C", str(root), "--saved", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["message"].startswith("no hotspots are kept")
    assert cli_main(["hotspots", "-C", str(root), "--lines", "nothing-here", "--json"]) == 2
    assert "FILE::FUNCTION" in json.loads(capsys.readouterr().out)["error"]["message"]


def test_function_profile_runs_once_and_reuses_its_figures(tmp_path: Path) -> None:
    root = _copy("hotspots-py", tmp_path)
    config = load_config(root)
    text = (root / "synth" / "work.py").read_text()
    ref = locate(text, "python", "synth/work.py", name="mix")
    share = asyncio.run(function_profile(root, config, ref))
    assert share is not None and share.lines and share.qualified_name == "mix"
    assert (root / ".lessonl" / "function-profiles.json").is_file()
    marker = root / ".lessonl" / "function-profiles.json"
    mtime = marker.stat().st_mtime_ns
    again = asyncio.run(function_profile(root, config, ref))
    assert again == share and marker.stat().st_mtime_ns == mtime  # kept, not measured again
