"""`lessonl init` on small real layouts: what it proposes, and what it refuses to do."""
from pathlib import Path

from lessonl.cli import main
from lessonl.config import find_root, load_config


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_makefile_test_target_is_preferred_over_a_binary(tmp_path, capsys):
    write(tmp_path, "Makefile", "all: prog\nprog: prog.c\n\tcc -o prog prog.c\ntest: prog\n\t./prog --self-test\n"
          ".PHONY: all test\n")
    write(tmp_path, "prog.c", "int main(void) { return 0; }\n")
    assert main(["init", str(tmp_path)]) == 0
    config = load_config(tmp_path)
    assert (config.build.command, config.test.command) == ("make -s all", "make -s test")
    assert "prog" in config.scratch.exclude and "*.o" in config.scratch.exclude
    out = capsys.readouterr().out
    assert "test: make -s test" in out and "edit the [bench]" in out


def test_cmake_with_ctest_fails_when_no_test_is_registered(tmp_path):
    write(tmp_path, "CMakeLists.txt", "project(x)\nenable_testing()\nadd_executable(unit unit.cpp)\n"
          "add_test(NAME unit COMMAND unit)\n")
    assert main(["init", str(tmp_path)]) == 0
    config = load_config(tmp_path)
    assert config.test.command == "ctest --test-dir build --output-on-failure --no-tests=error"
    assert config.scratch.exclude == ("build/",)


def test_cmake_without_ctest_runs_its_test_program(tmp_path):
    write(tmp_path, "CMakeLists.txt", "project(x)\nadd_executable(kernels_test t.cpp)\n")
    assert main(["init", str(tmp_path)]) == 0
    assert load_config(tmp_path).test.command == "build/kernels_test"


def test_pytest_benchmark_declared_in_setup_cfg(tmp_path, capsys):
    write(tmp_path, "setup.cfg", "[options.extras_require]\ntest = pytest\n    pytest-benchmark\n")
    write(tmp_path, "tests/test_x.py", "def test_x():\n    assert True\n")
    assert main(["init", str(tmp_path)]) == 0
    config = load_config(tmp_path)
    assert config.bench.format == "pytest-benchmark" and "{function}" in config.bench.command
    assert config.test.command.endswith("--benchmark-disable")  # tests check correctness, untimed
    assert "pytest-benchmark in use" in capsys.readouterr().out


def test_plain_pytest_project_gets_a_wall_time_placeholder(tmp_path, capsys):
    write(tmp_path, "pyproject.toml", '[project]\nname = "p"\n[tool.pytest.ini_options]\naddopts = "-q"\n')
    assert main(["init", str(tmp_path)]) == 0
    config = load_config(tmp_path)
    assert config.test.command.startswith("{python} -m pytest")  # the interpreter running LessonL
    assert "{python} is the project's Python" in (tmp_path / "lessonl.toml").read_text()
    assert config.bench.format == "wall" and config.bench.command.startswith("EDIT ME")
    assert "edit the [bench]" in capsys.readouterr().out


def test_creates_gitignore_when_missing(tmp_path):
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / ".gitignore").read_text() == ".lessonl/\n"


def test_keeps_an_existing_bank_line_of_another_spelling(tmp_path):
    write(tmp_path, ".gitignore", "*.o\n/.lessonl\n")
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / ".gitignore").read_text() == "*.o\n/.lessonl\n"


def test_refuses_to_shadow_a_tool_lessonl_section(tmp_path, capsys):
    pyproject = write(tmp_path, "pyproject.toml",
                      '[tool.lessonl.test]\ncommand = "t"\n[tool.lessonl.bench]\ncommand = "b"\n')
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "[tool.lessonl]" in err and "--force" in err
    assert not (tmp_path / "lessonl.toml").exists()
    assert find_root(tmp_path) == tmp_path.resolve() and pyproject.exists()


def test_written_config_is_found_from_a_nested_file(tmp_path):
    write(tmp_path, "Makefile", "all:\n\ttrue\n")
    nested = write(tmp_path, "src/deep/k.c", "")
    assert main(["init", str(tmp_path)]) == 0
    assert find_root(nested) == tmp_path.resolve()


def test_init_on_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["init", str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err
