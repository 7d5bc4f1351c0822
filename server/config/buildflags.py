"""The language standard and compiler flags a C or C++ file is built with, read from the build.

A model that knows the code is built with `-std=c++17 -O3 -march=native` writes code that
compiles and vectorises there; one that does not may reach for C++20 or hand-unroll what the
compiler already does. When [code] in the config is silent, these come from, in order:
compile_commands.json (the entry for the file itself: exact), CMakeLists.txt
(CMAKE_<LANG>_STANDARD, add_compile_options, target_compile_options, CMAKE_<LANG>_FLAGS) and
Makefiles (CFLAGS / CXXFLAGS / CPPFLAGS and the compile lines of recipes).

Reading only: nothing is configured or built, files are size-capped and only the folders from
the file's own up to the repository root are looked at, so this costs a few milliseconds.
"""
from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..filetypes import language_for
from .model import CodeConfig

MAX_BUILD_FILE = 1 << 20  # bytes read from one Makefile / CMakeLists.txt
MAX_COMPILE_DB = 32 << 20  # a larger compile_commands.json is skipped rather than parsed
MAX_FLAGS_CHARS = 400
COMPILE_DB_DIRS = ("", "build", "out", "cmake-build-release", "cmake-build-debug", "builddir")
MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
# Flags that change what code means or how fast it runs; include paths, outputs and
# diagnostics formatting say nothing to a model.
_KEPT = re.compile(r"^(-O\S*|-march=\S+|-mtune=\S+|-mcpu=\S+|-m[a-z0-9][\w.-]*|-f(?!diagnostics|color|message)"
                   r"[\w+=.,-]+|-D\S+|-U\S+|-Werror\S*|-pthread|-fopenmp)$")
_STD = re.compile(r"^--?std=(\S+)$")


@dataclass(frozen=True)
class BuildFlags:
    standard: str = ""  # e.g. "c++17", "gnu11"
    flags: str = ""  # e.g. "-O3 -march=native -DNDEBUG"
    source: str = ""  # where they were read, e.g. "Makefile", "build/compile_commands.json"

    def __bool__(self) -> bool:
        return bool(self.standard or self.flags)


def code_settings(config: Any, file_rel: str) -> CodeConfig:
    """[code] from the config; what it leaves empty is filled from the build of `file_rel`."""
    code = getattr(config, "code", None) or CodeConfig()
    standard, flags = str(code.standard or ""), str(code.flags or "")
    root = getattr(config, "root", None)
    if (standard and flags) or root is None:
        return CodeConfig(standard=standard, flags=flags)
    found = detect_build_flags(Path(root), file_rel)
    return CodeConfig(standard=standard or found.standard, flags=flags or found.flags)


def detect_build_flags(root: Path, file_rel: str | None = None) -> BuildFlags:
    """What the build tells about `file_rel` (a path relative to `root`), or about the
    repository as a whole when no file is named (as `lessonl init` asks). Python files and
    builds that say nothing give an empty BuildFlags."""
    root = Path(root).resolve()
    language = _language(file_rel) if file_rel else None
    if file_rel and language is None:
        return BuildFlags()
    folders = _folders(root, file_rel)
    found = _from_compile_db(root, root / file_rel) if file_rel else BuildFlags()
    if found:
        return found
    for reader in (_from_cmake, _from_make):
        found = _merge(found, reader(root, folders, language or "cpp"))
    return found


# ---- compile_commands.json ------------------------------------------------------------------


def _from_compile_db(root: Path, path: Path) -> BuildFlags:
    for folder in COMPILE_DB_DIRS:
        db = root / folder / "compile_commands.json"
        try:
            if not db.is_file() or db.stat().st_size > MAX_COMPILE_DB:
                continue
            entries = json.loads(db.read_text(encoding="utf-8", errors="replace"))
        except (OSError, ValueError):
            continue
        entry = _entry_for(entries, path)
        if entry is not None:
            return _from_words(_entry_words(entry), db.relative_to(root).as_posix())
    return BuildFlags()


def _entry_for(entries: Any, path: Path) -> dict[str, Any] | None:
    if not isinstance(entries, list):
        return None
    wanted = os.path.normpath(path)
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            continue
        directory = entry.get("directory") if isinstance(entry.get("directory"), str) else ""
        if os.path.normpath(os.path.join(directory, entry["file"])) == wanted:
            return entry
    return None


def _entry_words(entry: dict[str, Any]) -> list[str]:
    arguments = entry.get("arguments")
    if isinstance(arguments, list):
        return [str(a) for a in arguments]
    try:
        return shlex.split(str(entry.get("command", "")))
    except ValueError:
        return str(entry.get("command", "")).split()


# ---- CMake ----------------------------------------------------------------------------------

_CMAKE_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", re.DOTALL)
_CMAKE_KEYWORDS = {"PRIVATE", "PUBLIC", "INTERFACE", "BEFORE", "AFTER", "SHELL:"}


def _from_cmake(root: Path, folders: list[Path], language: str) -> BuildFlags:
    lang = "C" if language == "c" else "CXX"
    flag_vars = (f"CMAKE_{lang}_FLAGS", f"CMAKE_{lang}_FLAGS_RELEASE")
    standard, extensions, words, seen = "", True, [], []  # CMake's default: extensions ON
    for folder in folders:
        text = _read(folder / "CMakeLists.txt")
        if text is None:
            continue
        seen.append((folder / "CMakeLists.txt").relative_to(root).as_posix())
        for name, body in _CMAKE_CALL.findall(_strip_cmake_comments(text)):
            name, args = name.lower(), _cmake_args(body)
            if name == "set" and len(args) >= 2:
                if args[0] == f"CMAKE_{lang}_STANDARD":
                    standard = args[1]
                elif args[0] == f"CMAKE_{lang}_EXTENSIONS":
                    extensions = args[1].upper() in ("ON", "TRUE", "1", "YES", "Y")
                elif args[0] in flag_vars:
                    words += [w for a in args[1:] for w in a.split()]
            elif name == "string" and len(args) >= 3 and args[0] == "APPEND" and args[1] in flag_vars:
                words += [w for a in args[2:] for w in a.split()]
            elif name in ("add_compile_options", "add_definitions"):
                words += args
            elif name == "target_compile_options" and args:
                words += [a for a in args[1:] if a not in _CMAKE_KEYWORDS]
            elif name == "target_compile_definitions" and args:
                words += ["-D" + a for a in args[1:] if a not in _CMAKE_KEYWORDS]
            elif name == "target_compile_features":
                for a in args:
                    feature = re.fullmatch(rf"{lang.lower()}_std_(\d+)", a)
                    standard = feature.group(1) if feature else standard
            elif name in ("set_target_properties", "set_property"):
                for i, a in enumerate(args[:-1]):
                    if a == f"{lang}_STANDARD":
                        standard = args[i + 1]
    if not seen:
        return BuildFlags()
    if standard.isdigit():
        standard = ("gnu" if extensions else "c") + ("" if lang == "C" else "++") + standard
    return _from_words(words, ", ".join(seen), standard)


def _strip_cmake_comments(text: str) -> str:
    return re.sub(r"#[^\n]*", "", text)


def _cmake_args(body: str) -> list[str]:
    """CMake splits arguments at whitespace outside quotes; ${VAR} references are dropped
    (their value is not known without configuring) and generator expressions skipped."""
    args = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"|(\S+)', body):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        value = re.sub(r"\$\{[^}]*\}", "", value).strip()
        if value and not value.startswith("$<"):
            args.append(value)
    return args


# ---- Make -----------------------------------------------------------------------------------

_ASSIGNMENT = re.compile(r"^(?:override\s+|export\s+)*([A-Za-z_][\w.]*)\s*(\?=|:=|::=|\+=|=)\s*(.*)$")
_VARIABLE = re.compile(r"\$[({]([A-Za-z_][\w.]*)[)}]")
# The compile lines of recipes, per language: $(CXX) / g++ / clang++ / c++, $(CC) / gcc / clang / cc.
_COMPILER = {
    "cpp": re.compile(r"^\s*[@-]*\s*(?:\$[({]CXX[)}]|(?:\S*/)?(?:g\+\+|clang\+\+|c\+\+)(?:-\d+)?)\s"),
    "c": re.compile(r"^\s*[@-]*\s*(?:\$[({]CC[)}]|(?:\S*/)?(?:gcc|clang|cc)(?:-\d+)?)\s"),
}


def _from_make(root: Path, folders: list[Path], language: str) -> BuildFlags:
    names = ("CPPFLAGS", "CFLAGS") if language == "c" else ("CPPFLAGS", "CXXFLAGS")
    for folder in reversed(folders):  # the Makefile nearest the file builds it
        for name in MAKEFILES:
            text = _read(folder / name)
            if text is None:
                continue
            variables, recipes = _make_variables(text, _COMPILER["c" if language == "c" else "cpp"])
            words = [w for n in names for w in _expand(variables.get(n, ""), variables).split()]
            for line in recipes:
                words += _expand(line, variables).split()
            return _from_words(words, (folder / name).relative_to(root).as_posix())
    return BuildFlags()


def _make_variables(text: str, compiler: re.Pattern[str]) -> tuple[dict[str, str], list[str]]:
    """Top-level variable assignments (in order, += appending) and the recipe lines that run
    the file's compiler."""
    variables: dict[str, str] = {}
    recipes: list[str] = []
    for line in _logical_lines(text):
        if line.startswith("\t"):
            if compiler.match(line):
                recipes.append(line)
            continue
        match = _ASSIGNMENT.match(line)
        if not match or ":" in match.group(1):
            continue
        name, op, value = match.group(1), match.group(2), match.group(3).strip()
        if op == "+=":
            variables[name] = (variables.get(name, "") + " " + value).strip()
        elif op == "?=":
            variables.setdefault(name, value)
        else:
            variables[name] = value
    return variables, recipes


def _logical_lines(text: str) -> Iterable[str]:
    """Lines with backslash continuations joined and comments dropped."""
    pending = ""
    for raw in text.splitlines():
        line = pending + raw
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        yield re.sub(r"(?<!\\)#.*", "", line).rstrip()
    if pending:
        yield pending


def _expand(value: str, variables: dict[str, str], depth: int = 0) -> str:
    if depth > 5:
        return _VARIABLE.sub("", value)
    return _VARIABLE.sub(lambda m: _expand(variables.get(m.group(1), ""), variables, depth + 1), value)


# ---- shared ---------------------------------------------------------------------------------


def _from_words(words: Iterable[str], source: str, standard: str = "") -> BuildFlags:
    kept: list[str] = []
    for word in words:
        word = word.strip().strip("'\"")
        std = _STD.match(word)
        if std:
            standard = std.group(1)  # the last -std= wins, as with the compiler
        elif _KEPT.match(word) and word not in kept:
            kept.append(word)
    flags = " ".join(kept)
    if len(flags) > MAX_FLAGS_CHARS:
        flags = flags[:MAX_FLAGS_CHARS].rsplit(" ", 1)[0] + " ..."
    if not (standard or flags):
        return BuildFlags()
    return BuildFlags(standard=standard, flags=flags, source=source)


def _merge(first: BuildFlags, second: BuildFlags) -> BuildFlags:
    """`first` wins; `second` fills what it lacks."""
    if not first or not second:
        return first or second
    if first.standard and first.flags:
        return first
    return BuildFlags(first.standard or second.standard, first.flags or second.flags,
                      f"{first.source}, {second.source}")


def _language(file_rel: str) -> str | None:
    """"c" or "cpp" by the file's extension (lessonl.filetypes: a .h is C++); None otherwise."""
    language = language_for(file_rel)
    return language if language in ("c", "cpp") else None


def _folders(root: Path, file_rel: str | None) -> list[Path]:
    """From the root down to the file's folder (the root alone without a file)."""
    if not file_rel:
        return [root]
    folder = (root / file_rel).resolve().parent
    chain = []
    while folder != root and root in folder.parents:
        chain.append(folder)
        folder = folder.parent
    return [root, *reversed(chain)]


def _read(path: Path) -> str | None:
    try:
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            return handle.read(MAX_BUILD_FILE).decode("utf-8", errors="replace")
    except OSError:
        return None
