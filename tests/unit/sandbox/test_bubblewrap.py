"""The bwrap command line: the most specific mount wins, sockets are covered, and a real
sandbox shows a command only its scratch copy."""
import os
import socket
import subprocess
from pathlib import Path

import pytest

from lessonl.sandbox import Mounts, probe, wrap
from lessonl.sandbox.bubblewrap import Isolation

FAKE = Isolation("/usr/bin/bwrap")


def _mount_ops(args: list[str]) -> list[tuple[str, str]]:
    ops, i = [], 0
    while i < len(args):
        if args[i] in ("--tmpfs", "--dir"):
            ops.append((args[i], args[i + 1]))
            i += 2
        elif args[i] in ("--bind", "--ro-bind"):
            ops.append((args[i], args[i + 2]))
            i += 3
        else:
            i += 1
    return ops


def test_hidden_folders_come_before_what_is_shown_inside_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("lessonl.sandbox.bubblewrap.PRIVATE_DIRS", ())  # tmp_path lies in /tmp
    home, repo, venv, work = tmp_path / "home", tmp_path / "home/repo", tmp_path / "home/repo/.venv", tmp_path / "w"
    for folder in (venv, work):
        folder.mkdir(parents=True)
    args = wrap(FAKE, Mounts(workdir=work, readonly=(venv,), hidden=(repo, home)), ["true"], work)
    ops = _mount_ops(args)
    assert ops.index(("--tmpfs", str(home))) < ops.index(("--ro-bind", str(venv)))
    assert ("--tmpfs", str(repo)) not in ops  # inside a hidden folder already
    assert ops[-1] == ("--bind", str(work)) or ("--bind", str(work)) in ops
    assert args[-2:] == ["--", "true"] and "--unshare-all" in args and "--cap-drop" in args


def test_a_copy_can_be_shown_read_only(tmp_path: Path) -> None:
    args = wrap(FAKE, Mounts(workdir=tmp_path, workdir_writable=False), ["true"], tmp_path)
    assert ("--ro-bind", str(tmp_path)) in _mount_ops(args)


def test_bound_unix_sockets_outside_private_folders_are_covered(tmp_path: Path) -> None:
    place = Path("/var/lib") / f"lessonl-test-{os.getpid()}.sock" if os.access("/var/lib", os.W_OK) else None
    if place is None:
        pytest.skip("needs a writable folder outside /tmp for a socket")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(place))
        args = wrap(FAKE, Mounts(workdir=tmp_path), ["true"], tmp_path)
        i = args.index(str(place))
        assert args[i - 2:i] == ["--ro-bind", "/dev/null"]
    finally:
        server.close()
        place.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def isolation() -> Isolation:
    found = probe()
    if not found.available:
        pytest.skip(found.reason)
    return found


def test_a_real_sandbox_shows_only_the_scratch_copy_writable(isolation: Isolation, tmp_path: Path) -> None:
    secret, work = tmp_path / "repo", tmp_path / "work"
    secret.mkdir()
    work.mkdir()
    (secret / "file.txt").write_text("original")
    if isolation.run_as is not None:  # as root, commands run as nobody in a copy nobody owns
        os.chown(work, *isolation.run_as)
    outside = Path("/tmp") / f"lessonl-sandbox-test-{os.getpid()}"
    outside.write_text("host /tmp")
    script = ("echo x > made.txt; cat ../repo/file.txt 2>/dev/null || echo unseen; "
              "echo y > /etc/lessonl-test 2>/dev/null || echo readonly; "
              f"cat {outside} 2>/dev/null | wc -l; "
              "grep -c . /proc/net/dev; ls /proc | grep -c '^[0-9]'")
    argv = wrap(isolation, Mounts(workdir=work, hidden=(secret,)), ["/bin/sh", "-c", script], work)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    lines = done.stdout.split()
    assert (work / "made.txt").exists() and lines[:2] == ["unseen", "readonly"], done.stdout + done.stderr
    outside.unlink()
    assert lines[2] == "0"  # a private /tmp
    assert int(lines[3]) <= 3  # loopback only: header lines + lo
    assert int(lines[4]) <= 5  # its own PID namespace: bwrap, the shell, ls, grep
    assert (secret / "file.txt").read_text() == "original"


@pytest.mark.skipif(os.geteuid() != 0, reason="as an ordinary user, root's files are unreadable anyway")
def test_as_root_commands_run_as_nobody_and_cannot_read_roots_files(isolation: Isolation, tmp_path: Path) -> None:
    private = tmp_path / "root-only"
    private.write_text("secret")
    private.chmod(0o600)
    tmp_path.chmod(0o755)
    argv = wrap(isolation, Mounts(workdir=tmp_path), ["/bin/sh", "-c", f"id -u; cat {private} /etc/shadow"], tmp_path)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert done.stdout.split()[0] == "65534" and "secret" not in done.stdout
    assert done.stderr.count("Permission denied") == 2, done.stderr
