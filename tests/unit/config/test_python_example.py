"""The bundled Python example is a real, working repository."""
import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "python-hotspots"


def test_its_tests_pass(py_repo):
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         cwd=py_repo, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_its_bench_prints_pytest_benchmark_json_per_function(py_repo):
    run = subprocess.run([sys.executable, "bench.py", "moving_average"], cwd=py_repo,
                         capture_output=True, text=True, timeout=120)
    data = json.loads(run.stdout)
    assert [b["name"] for b in data["benchmarks"]] == ["moving_average/2000x40"]
    assert data["benchmarks"][0]["stats"]["median"] > 0


def test_unknown_function_fails_clearly(py_repo):
    run = subprocess.run([sys.executable, "bench.py", "nope"], cwd=py_repo, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "no benchmark for function 'nope'" in run.stderr
