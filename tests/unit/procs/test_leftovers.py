"""What a killed LessonL left running is ended by the next one, and only that."""
import os
import subprocess
import time
from pathlib import Path

import pytest

from lessonl.procs import leftovers


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "lessonl" / "running"


def _sleeper(marked: bool) -> subprocess.Popen:
    env = {"PATH": os.environ["PATH"], **({"LESSONL_ENV_PAD": "xx"} if marked else {})}
    return subprocess.Popen(["sleep", "60"], env=env, start_new_session=True)


def test_groups_of_a_dead_owner_are_killed_and_said(cache: Path) -> None:
    ours, theirs = _sleeper(marked=True), _sleeper(marked=False)
    try:
        cache.mkdir(parents=True)
        (cache / "999999-12345").write_text(f"{ours.pid}\n{theirs.pid}\n")  # no such owner is alive
        notes = leftovers.reap()
        assert ours.wait(timeout=5) == -9
        time.sleep(0.2)
        assert theirs.poll() is None, "a process without LessonL's marker was killed"
        assert len(notes) == 1 and "ended 1 process(es)" in notes[0] and "999999" in notes[0]
        assert not (cache / "999999-12345").exists()
    finally:
        for proc in (ours, theirs):
            proc.kill()
            proc.wait()


def test_groups_of_a_live_owner_are_left_alone(cache: Path) -> None:
    ours = _sleeper(marked=True)
    try:
        leftovers.record(ours.pid)
        assert leftovers.reap() == []
        assert ours.poll() is None
    finally:
        leftovers.forget(ours.pid)
        ours.kill()
        ours.wait()
    assert not any(cache.iterdir())
