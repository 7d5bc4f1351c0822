"""The standard and flags a file is built with, read from small real build files (nothing is
built to find them), and what `lessonl init` proposes from them."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lessonl.cli import main
from lessonl.config import load_config
from lessonl.config.buildflags import code_settings, detect_build_flags


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


MAKEFILE = """\
# A typical hand-written Makefile
CXX ?= g++
OPT := -O3 -march=native
CPPFLAGS = -DNDEBUG -Iinclude
CXXFLAGS ?= $(OPT) -std=c++20 -Wall \\
            -ffast-math
CFLAGS = -O1 -std=c11
LDLIBS = -lm

all: app

app: main.o kernels.o
\t$(CXX) $(CXXFLAGS) -o $@ $^ $(LDLIBS)

%.o: %.cpp
\t$(CXX) $(CPPFLAGS) $(CXXFLAGS) -fopenmp -c $< -o $@
"""


def test_makefile_variables_and_compile_lines_give_standard_and_flags(tmp_path):
    write(tmp_path, "Makefile", MAKEFILE)
    found = detect_build_flags(tmp_path, "kernels.cpp")
    assert found.standard == "c++20" and found.source == "Makefile"
    assert found.flags.split() == ["-DNDEBUG", "-O3", "-march=native", "-ffast-math", "-fopenmp"]


def test_a_c_file_gets_cflags_not_cxxflags(tmp_path):
    write(tmp_path, "Makefile", MAKEFILE)
    found = detect_build_flags(tmp_path, "util.c")
    assert found.standard == "c11"
    assert "-O1" in found.flags.split() and "-ffast-math" not in found.flags


def test_appending_and_the_nearest_makefile(tmp_path):
    write(tmp_path, "Makefile", "CXXFLAGS = -O2 -std=c++14\n")
    write(tmp_path, "src/Makefile", "CXXFLAGS = -O2\nCXXFLAGS += -std=c++17 -mavx2\noverride CXXFLAGS += -funroll-loops\n")
    found = detect_build_flags(tmp_path, "src/k.cpp")
    assert (found.standard, found.flags, found.source) == ("c++17", "-O2 -mavx2 -funroll-loops", "src/Makefile")
    assert detect_build_flags(tmp_path, "k.cpp").standard == "c++14"


CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(kernels CXX)
set(CMAKE_CXX_STANDARD 17)  # the standard
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_CXX_FLAGS "${CMAKE_CXX_FLAGS} -ffast-math")
add_compile_options(-O3 -march=native)
add_executable(bench bench.cpp kernels.cpp)
target_compile_options(bench PRIVATE -funroll-loops $<$<CONFIG:Debug>:-O0>)
target_compile_definitions(bench PRIVATE FAST=1)
"""


def test_cmakelists_standard_and_compile_options(tmp_path):
    write(tmp_path, "CMakeLists.txt", CMAKE)
    found = detect_build_flags(tmp_path, "kernels.cpp")
    assert found.standard == "c++17" and found.source == "CMakeLists.txt"
    assert found.flags.split() == ["-ffast-math", "-O3", "-march=native", "-funroll-loops", "-DFAST=1"]


def test_cmake_extensions_default_to_gnu_and_compile_features_name_the_standard(tmp_path):
    write(tmp_path, "CMakeLists.txt", "project(x C)\nadd_library(k k.c)\ntarget_compile_features(k PUBLIC c_std_11)\n")
    assert detect_build_flags(tmp_path, "k.c").standard == "gnu11"


def test_compile_commands_entry_for_the_file_wins(tmp_path):
    write(tmp_path, "Makefile", "CXXFLAGS = -O2 -std=c++11\n")
    entries = [
        {"directory": str(tmp_path / "build"), "file": "../other.cpp",
         "command": "/usr/bin/c++ -O0 -std=c++14 -c ../other.cpp -o other.o"},
        {"directory": str(tmp_path / "build"), "file": str(tmp_path / "src" / "k.cpp"),
         "arguments": ["/usr/bin/c++", "-I/x/include", "-O3", "-DNDEBUG", "-std=gnu++20", "-o",
                       "k.o", "-c", str(tmp_path / "src" / "k.cpp")]},
    ]
    write(tmp_path, "build/compile_commands.json", json.dumps(entries))
    found = detect_build_flags(tmp_path, "src/k.cpp")
    assert (found.standard, found.flags, found.source) == ("gnu++20", "-O3 -DNDEBUG", "build/compile_commands.json")
    assert detect_build_flags(tmp_path, "other.cpp").standard == "c++14"  # relative to its directory
    assert detect_build_flags(tmp_path, "third.cpp").standard == "c++11"  # no entry: the Makefile


@pytest.mark.skipif(shutil.which("cmake") is None or shutil.which("c++") is None, reason="needs cmake and c++")
def test_the_compile_commands_cmake_writes_are_read(tmp_path):
    """A real configure step (run by the test, never by LessonL) writes the database."""
    write(tmp_path, "CMakeLists.txt", "cmake_minimum_required(VERSION 3.10)\nproject(x CXX)\n"
          "set(CMAKE_CXX_STANDARD 17)\nset(CMAKE_CXX_EXTENSIONS OFF)\nadd_library(k k.cpp)\n"
          "target_compile_options(k PRIVATE -O3 -march=native)\n")
    write(tmp_path, "k.cpp", "int k() { return 1; }\n")
    subprocess.run(["cmake", "-S", ".", "-B", "build", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=120)
    found = detect_build_flags(tmp_path, "k.cpp")
    assert found.source == "build/compile_commands.json"
    assert found.standard == "c++17" and {"-O3", "-march=native"} <= set(found.flags.split())


def test_python_files_and_silent_builds_give_nothing(tmp_path):
    write(tmp_path, "Makefile", "all:\n\techo hi\n")
    assert not detect_build_flags(tmp_path, "k.cpp")
    assert not detect_build_flags(tmp_path, "m.py")


def test_flags_are_bounded(tmp_path):
    write(tmp_path, "Makefile", "CXXFLAGS = " + " ".join(f"-DMACRO_{i}=1" for i in range(400)) + "\n")
    assert len(detect_build_flags(tmp_path, "k.cpp").flags) <= 404


def test_config_code_wins_and_the_build_fills_what_it_leaves_empty(cpp_repo):
    toml = cpp_repo / "lessonl.toml"  # the bundled example without its [code]: CXXFLAGS ?= -O2 -std=c++17 -Wall
    toml.write_text(toml.read_text().split("[code]")[0])
    config = load_config(cpp_repo)
    assert code_settings(config, "kernels.cpp") == type(config.code)(standard="c++17", flags="-O2")
    config = load_config(cpp_repo, {"code": {"flags": "-O1 -g"}})
    assert code_settings(config, "kernels.cpp") == type(config.code)(standard="c++17", flags="-O1 -g")


def test_init_proposes_a_commented_code_section_with_what_it_found(tmp_path, capsys):
    write(tmp_path, "Makefile", MAKEFILE)
    write(tmp_path, "main.cpp", "int main() { return 0; }\n")
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / "lessonl.toml").read_text()
    assert "# [code]" in text and '# standard = "c++20"' in text
    assert '# flags = "-DNDEBUG -O3 -march=native -ffast-math' in text
    assert load_config(tmp_path).code.standard == ""  # commented: the build stays the source
    assert "compiles with -std=c++20" in capsys.readouterr().out
