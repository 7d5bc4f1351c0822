"""Scratch copies: outside the user's tree, incremental, honouring excludes, locked per slot."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lessonl.judge.scratch import ExcludeRules, Scratch


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "k.cpp").write_text("int k() { return 1; }\n")
    (root / "src" / "k.o").write_bytes(b"\x7fELF")
    (root / "Makefile").write_text("all:\n")
    (root / "build" / "deep").mkdir(parents=True)
    (root / "build" / "deep" / "out.bin").write_text("big")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref")
    (root / ".lessonl").mkdir()
    (root / ".lessonl" / "bank").write_text("bank")
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "pkg" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"pyc")
    (root / "pkg" / "m.py").write_text("X = 1\n")
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o755)
    return root


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_copy_lives_outside_the_tree_and_leaves_out_excluded_paths(repo: Path, isolated_cache: Path) -> None:
    scratch = Scratch(repo, exclude=["build/", "*.o"])
    slot = scratch.slot_dir(0)
    scratch.sync(slot)
    assert not slot.resolve().is_relative_to(repo.resolve())
    assert slot.resolve().is_relative_to(isolated_cache.resolve())
    assert _files(slot) == {"src/k.cpp", "Makefile", "pkg/m.py", "run.sh"}
    assert os.access(slot / "run.sh", os.X_OK)


def test_second_sync_rewrites_nothing_and_keeps_mtimes(repo: Path) -> None:
    scratch = Scratch(repo)
    slot = scratch.slot_dir(0)
    first = scratch.sync(slot)
    before = {rel: (slot / rel).stat().st_mtime_ns for rel in _files(slot)}
    second = scratch.sync(slot)
    assert second.copied == 0 and second.unchanged == first.copied
    assert second.tree_hash == first.tree_hash
    assert {rel: (slot / rel).stat().st_mtime_ns for rel in _files(slot)} == before


def test_only_changed_files_are_rewritten_with_a_newer_mtime(repo: Path) -> None:
    scratch = Scratch(repo)
    slot = scratch.slot_dir(0)
    scratch.sync(slot)
    (slot / "product.o").write_text("built in the scratch copy")
    old = {rel: (slot / rel).stat().st_mtime_ns for rel in _files(slot)}
    (repo / "src" / "k.cpp").write_text("int k() { return 2; }\n")
    os.utime(repo / "src" / "k.cpp", ns=(1, 1))  # an old mtime must not be copied over
    report = scratch.sync(slot)
    assert report.copied == 1
    assert (slot / "src" / "k.cpp").read_text() == "int k() { return 2; }\n"
    assert (slot / "src" / "k.cpp").stat().st_mtime_ns > old["src/k.cpp"]
    assert (slot / "src" / "k.cpp").stat().st_mtime_ns > old["product.o"]
    assert (slot / "Makefile").stat().st_mtime_ns == old["Makefile"]
    assert (slot / "product.o").exists()  # build products made in the copy stay


def test_deleted_files_disappear_from_the_copy(repo: Path) -> None:
    scratch = Scratch(repo)
    slot = scratch.slot_dir(0)
    scratch.sync(slot)
    (repo / "Makefile").unlink()
    assert scratch.sync(slot).removed == 1
    assert not (slot / "Makefile").exists()


def test_candidate_text_is_restored_by_the_next_sync(repo: Path) -> None:
    scratch = Scratch(repo)
    slot = scratch.slot_dir(0)
    clean = scratch.sync(slot).tree_hash
    scratch.write_file(slot, "src/k.cpp", "int k() { return 3; }\n")
    assert (slot / "src" / "k.cpp").read_text() == "int k() { return 3; }\n"
    report = scratch.sync(slot)
    assert report.copied == 1 and report.tree_hash == clean
    assert (slot / "src" / "k.cpp").read_text() == "int k() { return 1; }\n"


def test_a_candidate_never_runs_the_previous_ones_bytecode(repo: Path) -> None:
    """Python trusts a .pyc whose recorded source mtime (whole seconds) and size match: two
    candidates of equal size written within one second must each run their own code."""
    scratch = Scratch(repo)
    slot = scratch.slot_dir(0)
    scratch.sync(slot)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    values, first_mtime = [], None
    for value in ("1", "2"):
        scratch.write_file(slot, "pkg/m.py", f"X = {value}\n")
        first_mtime = first_mtime or (slot / "pkg" / "m.py").stat().st_mtime_ns
        os.utime(slot / "pkg" / "m.py", ns=(first_mtime, first_mtime))  # as if written in the same second
        done = subprocess.run([sys.executable, "-c", "import m; print(m.X)"], cwd=slot / "pkg", env=env,
                              capture_output=True, text=True, check=True)
        values.append(done.stdout.strip())
    assert values == ["1", "2"]


def test_user_tree_is_untouched(repo: Path) -> None:
    before = {rel: (repo / rel).read_bytes() for rel in _files(repo)}
    stats = {rel: (repo / rel).stat().st_mtime_ns for rel in _files(repo)}
    scratch = Scratch(repo)
    slot = scratch.slot_dir(0)
    scratch.sync(slot)
    scratch.write_file(slot, "src/k.cpp", "changed")
    scratch.sync(slot)
    assert {rel: (repo / rel).read_bytes() for rel in _files(repo)} == before
    assert {rel: (repo / rel).stat().st_mtime_ns for rel in _files(repo)} == stats


def test_virtualenv_is_linked_not_copied(repo: Path) -> None:
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "python").write_text("")
    scratch = Scratch(repo)
    slot = scratch.slot_dir(0)
    scratch.sync(slot)
    assert (slot / ".venv").is_symlink() and (slot / ".venv").resolve() == (repo / ".venv").resolve()


async def test_slots_are_exclusive(repo: Path) -> None:
    first, second = Scratch(repo), Scratch(repo)  # e.g. an editor's server and a CLI run
    async with first.slot() as one:
        async with second.slot() as two:
            assert one != two
    async with second.slot() as again:
        assert again == one


@pytest.mark.parametrize("pattern, path, is_dir, excluded", [
    ("*.o", "a/b/k.o", False, True),
    ("build/", "build", True, True),
    ("build/", "build", False, False),
    ("build/", "src/build", True, True),
    ("docs/*.md", "docs/a.md", False, True),
    ("docs/*.md", "src/docs/a.md", False, False),
    ("data/**/*.csv", "data/x/y/z.csv", False, True),
    ("/Makefile", "Makefile", False, True),
    ("k.cpp", "src/k.cpp", False, True),
    ("k.cpp", "src/k.cpp.bak", False, False),
])
def test_gitignore_style_patterns(pattern: str, path: str, is_dir: bool, excluded: bool) -> None:
    assert ExcludeRules([pattern]).excluded(path, is_dir) is excluded


@pytest.mark.parametrize("original", [
    "int k() {\r\n    return 1;\r\n}\r\n".encode(),                          # CRLF
    "// café\nint k() { return 1; }\n".encode("latin-1"),                    # Latin-1
    b"\xef\xbb\xbf" + "// café\nint k() { return 1; }\n".encode(),           # UTF-8 with a BOM
], ids=["crlf", "latin-1", "utf-8-bom"])
def test_a_candidate_is_written_as_the_users_file_is_stored(repo: Path, original: bytes) -> None:
    from lessonl.code import decode_source

    (repo / "src" / "k.cpp").write_bytes(original)
    scratch = Scratch(repo)
    slot = scratch.slot_dir(0)
    scratch.sync(slot)
    text, _ = decode_source(original)
    scratch.write_file(slot, "src/k.cpp", text.replace("return 1;", "return 2;"))
    assert (slot / "src" / "k.cpp").read_bytes() == original.replace(b"return 1;", b"return 2;")


def test_a_character_the_files_encoding_cannot_hold_is_refused(repo: Path) -> None:
    from lessonl.errors import SpliceError

    (repo / "src" / "k.cpp").write_bytes("// café\nint k() { return 1; }\n".encode("latin-1"))
    scratch = Scratch(repo)
    slot = scratch.slot_dir(0)
    scratch.sync(slot)
    with pytest.raises(SpliceError, match="latin-1 cannot hold"):
        scratch.write_file(slot, "src/k.cpp", "// café\nint k() { return 1; } // → faster\n")
