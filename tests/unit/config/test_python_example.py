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


def test_its_config_bench_command_times_every_function(py_repo):
    """What the judge will run: the configured command with {function} filled in by the config."""
    import shlex

    from lessonl.config import load_config

    from lessonl.judge.commands import expand

    config = load_config(py_repo)
    assert config.bench.format == "pytest-benchmark" and config.build is None
    # portable: no virtualenv path in a bundled config, and no bare python3 that PATH may resolve
    # to an interpreter without pytest: {python} is the one running LessonL
    assert config.test.command.startswith("{python} -m pytest") and config.bench.command.startswith("{python} ")
    functions = ["find_duplicates", "join_words", "moving_average", "count_primes"]
    for qualified in (f"hotspots.core.{name}" for name in functions):
        command = expand(config.bench.command).replace("{function}", config.bench.bench_function_arg(qualified))
        argv = shlex.split(command)
        assert argv[0] == sys.executable
        run = subprocess.run(argv, cwd=py_repo, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        (bench,) = json.loads(run.stdout)["benchmarks"]
        assert bench["group"] == qualified.rsplit(".", 1)[1]
        stats = bench["stats"]
        assert 0 < stats["min"] <= stats["median"] <= stats["max"] and stats["rounds"] >= 3


def test_its_tests_catch_a_wrong_rewrite(py_repo):
    """Exit status 0 must mean correct: an off-by-one candidate has to fail the tests."""
    core = py_repo / "hotspots" / "core.py"
    core.write_text(core.read_text().replace("range(len(values) - window + 1)", "range(len(values) - window)"))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         cwd=py_repo, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "moving_average" in run.stdout
