"""A scratch copy's record tells what a run created, changed or removed, even when the
changed file keeps its size and mtime."""
import os
from pathlib import Path

from lessonl.sandbox import snapshot


def test_created_changed_and_removed_files_are_found(tmp_path: Path) -> None:
    (tmp_path / "bench").write_bytes(b"\x7fELF real")
    (tmp_path / "src").mkdir()
    (tmp_path / "src/k.cpp").write_text("int k;")
    before = snapshot.take(tmp_path)
    (tmp_path / "cache.txt").write_text("42")
    (tmp_path / "src/k.cpp").unlink()
    (tmp_path / "bench").write_bytes(b"#!/bin/sh")
    changes = snapshot.compare(before, snapshot.take(tmp_path, before))
    assert changes.added == ["cache.txt"] and changes.changed == ["bench"] and changes.removed == ["src/k.cpp"]
    assert "changed: bench" in changes.sentence()


def test_a_replacement_with_the_old_size_and_mtime_is_still_seen(tmp_path: Path) -> None:
    target = tmp_path / "bench"
    target.write_bytes(b"AAAA")
    stat = target.stat()
    before = snapshot.take(tmp_path)
    target.write_bytes(b"BBBB")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # forged mtime; the ctime moves anyway
    assert snapshot.compare(before, snapshot.take(tmp_path, before)).changed == ["bench"]


def test_an_unchanged_tree_is_not_read_again(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "big").write_bytes(b"x" * 100_000)
    before = snapshot.take(tmp_path)
    monkeypatch.setattr("builtins.open", lambda *a, **k: (_ for _ in ()).throw(AssertionError("read")))
    assert not snapshot.compare(before, snapshot.take(tmp_path, before))


def test_links_are_recorded_not_followed(tmp_path: Path) -> None:
    (tmp_path / "venv-target").mkdir()
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy/.venv").symlink_to(tmp_path / "venv-target")
    tree = snapshot.take(tmp_path / "copy")
    assert tree[".venv"][0] == "l"


def test_a_named_pipe_is_recorded_without_opening_it(tmp_path: Path) -> None:
    before = snapshot.take(tmp_path)
    os.mkfifo(tmp_path / "results.fifo")  # opening it to read would block until a writer comes
    changes = snapshot.compare(before, snapshot.take(tmp_path, before))
    assert changes.added == ["results.fifo"]
