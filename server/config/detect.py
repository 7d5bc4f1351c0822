"""Guess how a repository builds, tests and benchmarks, so `lessonl init` writes a useful start."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .buildflags import BuildFlags, detect_build_flags


@dataclass
class Detected:
    """What `lessonl init` found, and the commands it proposes."""

    kind: str  # make | cmake | pytest | unknown
    build: str | None = None
    test: str = ""
    bench: str = ""
    bench_format: str = "wall"
    exclude: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    code: BuildFlags = field(default_factory=BuildFlags)  # standard and flags the build uses


def _make_targets(makefile: Path) -> list[str]:
    text = makefile.read_text(encoding="utf-8", errors="replace")
    return re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, re.MULTILINE)


def _phony_targets(makefile: Path) -> set[str]:
    text = makefile.read_text(encoding="utf-8", errors="replace")
    return {t for line in re.findall(r"^\.PHONY\s*:(.*)$", text, re.MULTILINE) for t in line.split()}


def _is_program(root: Path, target: str, phony: set[str]) -> bool:
    """A target named after a source file and not .PHONY builds a program of that name: `make test`
    would only compile it (exit status 0 for any candidate), so the program itself must run."""
    return target not in phony and any((root / f"{target}{ext}").exists() for ext in (".c", ".cc", ".cpp"))


def _run_program(target: str, targets: list[str], args: str = "") -> str:
    run = f"./{target}" + (f" {args}" if args else "")
    return run if "all" in targets else f"make -s {target} && {run}"


def _detect_make(root: Path) -> Detected | None:
    makefile = next((root / n for n in ("Makefile", "makefile", "GNUmakefile") if (root / n).is_file()), None)
    if makefile is None:
        return None
    targets = [t for t in _make_targets(makefile) if not t.startswith(".") and not t.endswith(".o")]
    found = Detected("make", build="make -s" + (" all" if "all" in targets else ""))
    found.notes.append(f"{makefile.name}: targets {', '.join(targets[:8]) or '(none found)'}")
    test_target = next((t for t in ("test", "check", "tests") if t in targets), None)
    test_binary = next((t for t in targets if t.startswith("test") and t != test_target
                        and any((root / f"{t}{ext}").exists() for ext in (".c", ".cc", ".cpp"))), None)
    phony = _phony_targets(makefile)
    if test_target and _is_program(root, test_target, phony):
        found.test = _run_program(test_target, targets)
    elif test_target:
        found.test = f"make -s {test_target}"
    elif test_binary:
        found.test = f"./{test_binary}"
    bench_target = next((t for t in ("bench", "benchmark", "benchmarks") if t in targets), None)
    if bench_target and (root / f"{bench_target}.cpp").exists():
        found.bench = _run_program(bench_target, targets, "{function}")
    elif bench_target and _is_program(root, bench_target, phony):
        found.bench = _run_program(bench_target, targets)
    elif bench_target:
        found.bench = f"make -s {bench_target}"
    binaries = [t for t in targets if any((root / f"{t}{ext}").exists() for ext in (".c", ".cc", ".cpp"))]
    found.exclude = ["*.o", *binaries]  # build products: the scratch copy builds its own
    sources = _sources_text(root)
    if '"benchmarks"' in sources or '\\"benchmarks\\"' in sources:
        found.bench_format = "google-benchmark"
    if "google" in makefile.read_text(errors="replace").lower() or "benchmark::" in sources:
        found.bench_format = "google-benchmark"
        found.bench = found.bench or "./bench --benchmark_filter={function} --benchmark_format=json"
    return found


def _sources_text(root: Path, limit: int = 40) -> str:
    texts = []
    for path in list(root.glob("*.c*"))[:limit]:
        try:
            texts.append(path.read_text(errors="replace")[:20000])
        except OSError:
            pass
    return "\n".join(texts)


def _detect_cmake(root: Path) -> Detected | None:
    cmake = root / "CMakeLists.txt"
    if not cmake.is_file():
        return None
    text = cmake.read_text(encoding="utf-8", errors="replace")
    found = Detected("cmake", build="cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j",
                     exclude=["build/"])
    found.notes.append("CMakeLists.txt: builds into build/ (left out of the scratch copy)")
    executables = re.findall(r"add_executable\(\s*([A-Za-z0-9_.-]+)", text)
    test_exe = next((e for e in executables if "test" in e.lower()), None)
    if re.search(r"\badd_test\s*\(|\bgtest_discover_tests\s*\(|\bcatch_discover_tests\s*\(", text):
        # --no-tests=error: an empty test list must not pass every candidate as correct
        found.test = "ctest --test-dir build --output-on-failure --no-tests=error"
        found.notes.append("CTest tests (add_test) found")
    elif test_exe:
        found.test = f"build/{test_exe}"
        found.notes.append(f"test program: {test_exe}")
    if "benchmark" in text.lower():
        name = next((e for e in executables if "bench" in e.lower()), "bench")
        found.bench = f"build/{name} --benchmark_filter={{function}} --benchmark_format=json"
        found.bench_format = "google-benchmark"
        found.notes.append(f"Google Benchmark target: {name}")
    elif bench_exe := next((e for e in executables if "bench" in e.lower()), None):
        found.bench = f"build/{bench_exe}"  # timed as a whole (format "wall") until told otherwise
        found.notes.append(f"benchmark program: {bench_exe}")
    return found


def _detect_pytest(root: Path) -> Detected | None:
    markers = [root / "pytest.ini", root / "tests", root / "test", root / "conftest.py"]
    text = _python_settings_text(root)
    if "pytest" not in text and not any(m.exists() for m in markers):
        return None
    found = Detected("pytest", test="{python} -m pytest -q -x -p no:cacheprovider",
                     exclude=["__pycache__/", ".pytest_cache/", ".venv/"])
    uses_plugin = "pytest-benchmark" in text or "pytest_benchmark" in text or any(
        "benchmark(" in p.read_text(errors="replace") for p in list(root.rglob("test*.py"))[:200])
    if uses_plugin:
        found.bench = ("{python} -m pytest -q -p no:cacheprovider --benchmark-only -k {function} "
                       "--benchmark-json=/dev/stdout")
        found.bench_format = "pytest-benchmark"
        found.test += " --benchmark-disable"  # correctness only: run each benchmark body once, untimed
        found.notes.append("pytest-benchmark in use")
    found.notes.append("pytest found")
    return found


def _python_settings_text(root: Path) -> str:
    """The files where a Python project names its test tools and dependencies."""
    names = ["pyproject.toml", "setup.cfg", "tox.ini", "pytest.ini", "setup.py",
             *sorted(p.name for p in root.glob("requirements*.txt"))]
    texts = []
    for name in names:
        try:
            texts.append((root / name).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            pass
    return "\n".join(texts)


def detect(root: Path) -> Detected:
    for probe in (_detect_cmake, _detect_make, _detect_pytest):
        found = probe(root)
        if found:
            break
    else:
        found = Detected("unknown", notes=["no Makefile, CMakeLists.txt or pytest set-up found"])
    if found.kind in ("make", "cmake"):
        found.code = detect_build_flags(root)
        if found.code:
            shown = " ".join(x for x in (f"-std={found.code.standard}" if found.code.standard else "",
                                         found.code.flags) if x)
            found.notes.append(f"{found.code.source}: compiles with {shown}")
    return found
