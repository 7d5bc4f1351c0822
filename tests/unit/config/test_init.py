"""`lessonl init` writes a commented, valid config after looking at the repository."""
import shutil
from pathlib import Path

from lessonl.cli import main
from lessonl.config import load_config

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "cpp-kernels"


def test_makefile_project_gets_working_commands(tmp_path, capsys):
    for name in ("Makefile", "kernels.cpp", "kernels.h", "bench.cpp", "test_kernels.cpp"):
        shutil.copy(EXAMPLE / name, tmp_path)
    assert main(["init", str(tmp_path)]) == 0
    config = load_config(tmp_path)
    assert config.build.command == "make -s all"
    assert config.test.command == "./test_kernels"
    assert config.bench.command == "./bench {function}" and config.bench.format == "google-benchmark"
    assert set(config.scratch.exclude) >= {"*.o", "bench", "test_kernels"}
    assert "lessonl check" in capsys.readouterr().out


def test_cmake_project_builds_out_of_tree(tmp_path):
    (tmp_path / "CMakeLists.txt").write_text("project(x)\nadd_executable(bench_k bench.cpp)\n"
                                             "find_package(benchmark)\n")
    assert main(["init", str(tmp_path)]) == 0
    config = load_config(tmp_path)
    assert "cmake --build build" in config.build.command
    assert "build/" in config.scratch.exclude
    assert config.bench.format == "google-benchmark" and "build/bench_k" in config.bench.command


def test_pytest_project(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_a(benchmark):\n    benchmark(len, [1])\n")
    assert main(["init", str(tmp_path)]) == 0
    config = load_config(tmp_path)
    assert config.build is None and "pytest" in config.test.command
    assert config.bench.format == "pytest-benchmark"


def test_refuses_to_overwrite_without_force(tmp_path, capsys):
    (tmp_path / "lessonl.toml").write_text("# mine\n")
    assert main(["init", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "lessonl.toml").read_text() == "# mine\n"
    assert main(["init", str(tmp_path), "--force"]) == 0


def test_gitignore_gets_the_bank_once(tmp_path):
    (tmp_path / ".gitignore").write_text("build")
    main(["init", str(tmp_path)])
    main(["init", str(tmp_path), "--force"])
    assert (tmp_path / ".gitignore").read_text() == "build\n.lessonl/\n"


def test_unknown_layout_marks_what_to_edit(tmp_path, capsys):
    assert main(["init", str(tmp_path)]) == 0
    assert "EDIT ME" in (tmp_path / "lessonl.toml").read_text()
    assert "edit the [test] and [bench]" in capsys.readouterr().out
