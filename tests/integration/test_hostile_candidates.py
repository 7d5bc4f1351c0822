"""Hostile candidates (issue 11): rewrites that compile and pass the tests, written as a model
rewarded for speed might write them, to game the benchmark or leave the sandbox.

Each test is one attack (the candidate's file under tests/fixtures/candidates/hostile/ says what
it does) and ends with the same four promises:

- no `faster` (and the outcome the attack should get where it is clear, e.g. `rejected` for a
  forged timing);
- the user's repository byte for byte unchanged;
- nothing written outside the candidate's scratch copy: every file an attack creates carries a
  name unique to the test (the marker, filled into the candidate's text), and none may exist
  afterwards in the user's repository, $HOME (a real temporary one, set for LessonL), the
  account's home, /tmp, /var/tmp, /dev/shm, /run, /, the working folder of any process above
  this one, the pytest folders, LessonL's cache; and no file of the cache outside the
  candidate's own copy may hold the marker;
- no process left: none with the marker in its command line (the attacks' processes take it as
  argv[0]) or working in the scratch copies.

The C++ attacks replace kernel.cpp of tests/fixtures/repos/hostile-cpp: their code runs inside
the test binary and the benchmark (static initializers and destructors). The Python ones replace
textkit/ops.py of tests/fixtures/repos/hostile-py, imported by pytest and bench.py. The
repositories, LessonL's cache and the homes live outside /tmp (under /home, else the account's
home), where a real user's are, so that hiding them is the sandbox's doing and not a side effect
of a private /tmp. As in many containers and CI runners, the suite is meant to run as root; when
it does, a few attacks are run again through the CLI as an ordinary user (nobody).
"""
from __future__ import annotations

import asyncio
import json
import os
import pwd
import selectors
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import psutil
import pytest

from lessonl.config import load_config
from lessonl.judge import Judge
from lessonl.judge.scratch import repo_key
from lessonl.records import Outcome, Verdict
from test_evaluate_support import CANDIDATES, FAST_TIMING, REPO, snapshot

pytestmark = pytest.mark.slow

REPOS = REPO / "tests" / "fixtures" / "repos"
HOSTILE = CANDIDATES / "hostile"
CPP = {"repo": "hostile-cpp", "file": "kernel.cpp", "function": "sum_squares"}
PY = {"repo": "hostile-py", "file": "textkit/ops.py", "function": "checksum"}
# Every attack that works here wins by 10x or more; a 10% threshold keeps an honest twin of the
# baseline (whose code layout differs by the attack's code) from coming out `faster` by chance.
TIMING = {**FAST_TIMING, "min_effect": 0.10}
OVERRIDES: dict[str, Any] = {"timing": TIMING, "test": {"timeout": 60}, "bench": {"timeout": 30}}
CLI_SETTINGS = [f"timing.{key}={value}" for key, value in TIMING.items()] + ["test.timeout=60", "bench.timeout=30"]
# The control experiment: LESSONL_HOSTILE_CONTROL=unsandboxed runs every attack without the
# sandbox ([sandbox] isolation = false), where each test that only the sandbox defends should
# fail: proof that the test sees the attack it is about. Those the judge itself defends (forged
# figures, the baseline's verification, undoing what the tests left, cgroup limits, the
# allow-list environment) still pass. It really attacks this machine; each test cleans up.
if os.environ.get("LESSONL_HOSTILE_CONTROL") == "unsandboxed":
    OVERRIDES["sandbox"] = {"isolation": False}
    CLI_SETTINGS.append("sandbox.isolation=false")
NOBODY = 65534
GRACE_S = 3.0  # how long a process may take to be gone after the evaluation returned


def _real_home() -> Path:
    return Path(pwd.getpwuid(os.getuid()).pw_dir)


def _ancestor_cwds() -> list[Path]:
    """The working folders of this process and its ancestors: where a /proc walk would write."""
    out = []
    try:
        chain = [psutil.Process(), *psutil.Process().parents()]
    except psutil.Error:
        return out
    for proc in chain:
        try:
            out.append(Path(proc.cwd()))
        except (psutil.Error, OSError):
            pass
    return out


def marked_processes(marker: str) -> list[str]:
    """Live processes (zombies aside) whose command line or name holds the marker."""
    found = []
    for proc in psutil.process_iter(["pid", "name", "cmdline", "status", "ppid"]):
        try:
            if proc.pid == os.getpid() or proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            text = " ".join(proc.info["cmdline"] or []) + " " + (proc.info["name"] or "")
            if marker in text:
                found.append(f"pid {proc.pid} (parent {proc.info['ppid']}): {text.strip()}")
        except (psutil.Error, OSError):
            pass
    return found


def processes_working_in(folder: Path) -> list[str]:
    """Live processes whose working folder is inside `folder` (the scratch copies)."""
    found = []
    for proc in psutil.process_iter(["pid", "name", "cwd", "status", "cmdline"]):
        try:
            if proc.pid == os.getpid() or proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            cwd = proc.info["cwd"]
            if cwd and Path(cwd).is_relative_to(folder):
                found.append(f"pid {proc.pid} in {cwd}: {' '.join(proc.info['cmdline'] or [])}")
        except (psutil.Error, OSError):
            pass
    return found


def kill_marked(marker: str) -> None:
    """End what an attack started (and only that: the marker is unique to one test)."""
    for proc in psutil.process_iter(["cmdline", "name", "status"]):
        try:
            text = " ".join(proc.info["cmdline"] or []) + " " + (proc.info["name"] or "")
            if proc.pid != os.getpid() and marker in text:
                proc.kill()
        except (psutil.Error, OSError):
            pass


def _walk(folder: Path) -> Iterator[Path]:
    """Everything under `folder`, links not followed."""
    for current, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            yield Path(current, name)


def render(name: str, values: dict[str, str]) -> str:
    text = (HOSTILE / name).read_text()
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    assert "@@" not in text, f"{name}: a placeholder was left unfilled"
    return text


def copy_fixture(kind: dict[str, str], dest: Path) -> Path:
    target = dest / kind["repo"]
    shutil.copytree(REPOS / kind["repo"], target,
                    ignore=shutil.ignore_patterns("*.o", "bench", "test_kernel", "__pycache__", ".pytest_cache"))
    return target


# ---- one attack's world: the user's repository, a home, the cache, and the checks ------------

@dataclass
class Scene:
    kind: dict[str, str]
    repo: Path
    original: dict[str, str]
    home: Path
    cache: Path
    searched: list[Path]  # searched recursively for files named with the marker
    listed: list[Path]  # searched one level deep
    marker: str = field(default_factory=lambda: f"lessonl-hostile-{uuid.uuid4().hex[:16]}")
    values: dict[str, str] = field(default_factory=dict)
    ours: set[Path] = field(default_factory=set)  # marker-named paths the test itself made (its sockets)
    checked: bool = False

    @property
    def scratch_home(self) -> Path:
        return self.cache / "lessonl" / "scratch" / repo_key(self.repo)

    def candidate(self, name: str) -> str:
        return render(name, {"MARKER": self.marker, **self.values})

    def judge(self, overrides: dict[str, Any] | None = None) -> Judge:
        merged = {**OVERRIDES, **(overrides or {})}
        if "sandbox" in OVERRIDES and overrides and "sandbox" in overrides:
            merged["sandbox"] = {**OVERRIDES["sandbox"], **overrides["sandbox"]}
        return Judge(load_config(self.repo, merged))

    async def evaluate(self, name: str, overrides: dict[str, Any] | None = None) -> Verdict:
        return await self.evaluate_text(self.candidate(name), overrides)

    async def evaluate_text(self, text: str, overrides: dict[str, Any] | None = None) -> Verdict:
        return await self.judge(overrides).evaluate(self.kind["file"], text, function=self.kind["function"])

    async def evaluate_checked(self, name: str) -> Verdict:
        """As every face evaluates (lessonl evaluate FILE::NAME, the loop, the editor): with the
        behaviour and reach checks, which see every call the tests and the benchmark make."""
        from lessonl.code import language_for, locate
        from lessonl.judge import CheckTarget

        file = self.kind["file"]
        original = (self.repo / file).read_text()
        ref = locate(original, language_for(file), file, name=self.kind["function"])
        return await self.judge().evaluate(file, self.candidate(name), function=self.kind["function"],
                                           target=CheckTarget(ref, original))

    # -- what an attack may have left behind --

    def leaked_files(self) -> list[str]:
        found: set[Path] = set()
        for root in self.searched:
            if root.is_dir():
                found.update(p for p in root.rglob(f"*{self.marker}*"))
        for folder in self.listed:
            try:
                found.update(p for p in folder.iterdir() if self.marker in p.name)
            except OSError:
                pass
        out = [f"file written outside the scratch copy: {p}" for p in sorted(found - self.ours)]
        out += [f"file outside the candidate's copy holds the marker: {p}" for p in self.marked_contents()]
        return out

    def own_slots(self) -> list[Path]:
        """The candidate's own scratch copy (where its text is, with the marker): allowed."""
        return [slot for slot in self.scratch_home.glob("slot-*")
                if (slot / self.kind["file"]).is_file()
                and self.marker.encode() in (slot / self.kind["file"]).read_bytes()]

    def marked_contents(self) -> list[Path]:
        own = self.own_slots()
        needle = self.marker.encode()
        out = []
        if not self.cache.is_dir():
            return out
        for path in self.cache.rglob("*"):
            if any(path.is_relative_to(slot) for slot in own) or path.is_symlink() or not path.is_file():
                continue
            try:
                if path.stat().st_size < 64 * 1024 * 1024 and needle in path.read_bytes():
                    out.append(path)
            except OSError:
                pass
        return out

    def repo_changes(self) -> list[str]:
        now = snapshot(self.repo)
        out = []
        for rel in sorted(now.keys() | self.original.keys()):
            if rel not in now:
                out.append(f"user's file removed: {rel}")
            elif rel not in self.original:
                out.append(f"user's repository got a new file: {rel}")
            elif now[rel] != self.original[rel]:
                tail = (self.repo / rel).read_bytes()[-120:].decode(errors="replace")
                out.append(f"user's file changed: {rel} (now ends with {tail!r})")
        return out

    def survivors(self) -> list[str]:
        deadline = time.monotonic() + GRACE_S
        while True:
            left = marked_processes(self.marker) + processes_working_in(self.scratch_home)
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.2)

    def assert_contained(self, verdict: Verdict | None = None) -> None:
        """The user's tree unchanged, nothing written outside the scratch copy, nothing left running."""
        self.checked = True
        if verdict is not None:
            print(f"verdict: {verdict.outcome.value}: {verdict.message}")
        problems = self.repo_changes() + self.leaked_files()
        problems += [f"process left running: {p}" for p in self.survivors()]
        detail = f"\n(verdict: {verdict.outcome.value}: {verdict.message})" if verdict is not None else ""
        assert not problems, "the attack got out:\n  " + "\n  ".join(problems) + detail

    def clean_up(self, pristine: Path) -> None:
        """After the checks: remove what an attack left, so the next test starts clean."""
        if not self.checked:  # the test failed before its checks: still say what got out
            report = self.repo_changes() + self.leaked_files() + self.survivors()
            if report:
                print("left behind by the attack:\n  " + "\n  ".join(report))
        kill_marked(self.marker)
        for line in self.leaked_files():
            kind, _, name = line.partition(": ")
            path = Path(name)
            try:
                if kind.startswith("file outside the candidate's copy"):
                    shutil.rmtree(self.scratch_home, ignore_errors=True)  # e.g. a sabotaged baseline: start over
                elif path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except OSError:
                pass
        if any(p.is_fifo() or p.is_socket() for p in _walk(self.scratch_home)):
            shutil.rmtree(self.scratch_home, ignore_errors=True)  # a trap for the next evaluation
        if self.repo_changes():
            shutil.rmtree(self.scratch_home, ignore_errors=True)  # a copy that leads into the repository
            shutil.rmtree(self.repo)
            shutil.copytree(pristine, self.repo,
                            ignore=shutil.ignore_patterns("*.o", "bench", "test_kernel", "__pycache__"))
            assert not self.repo_changes()


def _outside_tmp(prefix: str) -> Path:
    """A folder that no sandbox empties on its own (not under /tmp, /var/tmp, /run): where a
    user's repository, home and cache really are, so hiding them is the sandbox's doing."""
    for parent in (Path("/home"), _real_home()):
        if parent.is_dir() and os.access(parent, os.W_OK):
            folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
            os.chmod(folder, 0o755)
            return folder
    return Path(tempfile.mkdtemp(prefix=prefix))


@dataclass
class Place:
    """This module's world: the repositories' copies, LessonL's cache, the homes."""

    root: Path
    cache: Path


@pytest.fixture(scope="module")
def place() -> Iterator[Place]:
    root = _outside_tmp("lessonl-hostile-")
    cache = root / "cache"
    cache.mkdir()
    try:
        yield Place(root, cache)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _make_scene(kind: dict[str, str], repo: Path, original: dict[str, str], place: Place,
                tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Scene:
    home = Path(tempfile.mkdtemp(prefix="home-", dir=place.root))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(place.cache))
    monkeypatch.chdir(repo)  # as when the user runs lessonl in the repository: /proc/<pid>/cwd finds it
    basetemp = tmp_path_factory.getbasetemp()
    listed = [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path("/run"), Path("/"), _real_home(), REPO,
              *_ancestor_cwds(), *basetemp.parents, *place.root.parents]
    return Scene(kind, repo, original, home, place.cache, searched=[place.root, basetemp],
                 listed=list(dict.fromkeys(listed)))


@pytest.fixture(scope="module")
def cpp_repo(place: Place) -> Path:
    """One copy for the module, so the baseline's build is shared."""
    return copy_fixture(CPP, place.root / "shared")


@pytest.fixture(scope="module")
def cpp_original(cpp_repo: Path) -> dict[str, str]:
    return snapshot(cpp_repo)


@pytest.fixture(scope="module")
def py_repo(place: Place) -> Path:
    return copy_fixture(PY, place.root / "shared")


@pytest.fixture(scope="module")
def py_original(py_repo: Path) -> dict[str, str]:
    return snapshot(py_repo)


@pytest.fixture
def cpp(cpp_repo: Path, cpp_original: dict[str, str], place: Place, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    scene = _make_scene(CPP, cpp_repo, cpp_original, place, tmp_path_factory, monkeypatch)
    yield scene
    scene.clean_up(REPOS / CPP["repo"])


@pytest.fixture
def fresh_cpp(place: Place, tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    """A repository copy (and so a scratch folder and baseline) of this test's own."""
    repo = copy_fixture(CPP, Path(tempfile.mkdtemp(prefix="own-", dir=place.root)))
    scene = _make_scene(CPP, repo, snapshot(repo), place, tmp_path_factory, monkeypatch)
    yield scene
    scene.clean_up(REPOS / CPP["repo"])


@pytest.fixture
def py(py_repo: Path, py_original: dict[str, str], place: Place, tmp_path_factory: pytest.TempPathFactory,
       monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    scene = _make_scene(PY, py_repo, py_original, place, tmp_path_factory, monkeypatch)
    yield scene
    scene.clean_up(REPOS / PY["repo"])


def _said(verdict: Verdict) -> str:
    return f"{verdict.outcome.value}: {verdict.message}\n{verdict.log_tail[-1500:]}"


# ---- (a) writing outside the scratch copy ------------------------------------------------------

async def test_writes_through_proc_home_tmp_and_sibling_slots_never_leave_the_scratch_copy(cpp: Scene) -> None:
    verdict = await cpp.evaluate("writes_outside.cpp")
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


async def test_a_python_rewrite_cannot_append_to_the_users_own_file(py: Scene) -> None:
    verdict = await py.evaluate("writes_outside.py")
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    py.assert_contained(verdict)


async def test_a_symlink_left_in_a_failing_copy_does_not_lead_the_next_sync_into_the_users_repo(py: Scene) -> None:
    py.values["REPO"] = str(py.repo)
    first = await py.evaluate("symlink_into_repo.py")
    assert first.outcome is Outcome.INCORRECT, _said(first)  # it fails its tests on purpose
    honest = (py.repo / PY["file"]).read_text() + f"\n# the next candidate, judged in the same slot ({py.marker})\n"
    second = await py.evaluate_text(honest)
    py.assert_contained(second)
    assert second.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(second)


# ---- (b) forged timings --------------------------------------------------------------------------

async def test_timing_lines_forged_by_a_static_destructor_are_rejected(cpp: Scene) -> None:
    verdict = await cpp.evaluate("forged_destructor.cpp")
    assert verdict.outcome is Outcome.REJECTED, _said(verdict)
    cpp.assert_contained(verdict)


async def test_timing_lines_forged_by_an_atexit_hook_are_rejected(py: Scene) -> None:
    verdict = await py.evaluate("forged_atexit.py")
    assert verdict.outcome is Outcome.REJECTED, _said(verdict)
    py.assert_contained(verdict)


async def test_figures_printed_before_exiting_early_from_a_static_initializer_are_not_believed(cpp: Scene) -> None:
    # what is timed must be the rewrite at work: the reach check sees the benchmark never call it
    verdict = await cpp.evaluate_checked("forged_exit_early.cpp")
    assert verdict.outcome is not Outcome.FASTER, _said(verdict)
    assert verdict.outcome in (Outcome.REJECTED, Outcome.INCORRECT), _said(verdict)
    cpp.assert_contained(verdict)


async def test_figures_printed_before_silencing_the_real_output_are_rejected_as_implausible(cpp: Scene) -> None:
    verdict = await cpp.evaluate("forged_silenced.cpp")
    assert verdict.outcome is Outcome.REJECTED, _said(verdict)
    cpp.assert_contained(verdict)


# ---- (c) state carried from one run to the next ------------------------------------------------

async def test_a_result_cached_in_tmp_does_not_carry_over_to_the_next_run(cpp: Scene) -> None:
    verdict = await cpp.evaluate("cache_in_tmp.cpp")
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


async def test_a_python_result_cached_in_tmp_does_not_carry_over_to_the_next_run(py: Scene) -> None:
    verdict = await py.evaluate("cache_in_tmp.py")
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    py.assert_contained(verdict)


async def test_a_cache_the_tests_write_into_the_scratch_copy_does_not_reach_the_timed_runs(cpp: Scene) -> None:
    verdict = await cpp.evaluate("cache_in_scratch.cpp")
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


# ---- (d) the baseline --------------------------------------------------------------------------

async def test_a_candidate_cannot_sabotage_the_baseline_for_itself_or_later_candidates(fresh_cpp: Scene) -> None:
    verdict = await fresh_cpp.evaluate("sabotage_baseline.cpp")
    assert verdict.outcome is not Outcome.FASTER, _said(verdict)
    unchanged = await fresh_cpp.evaluate_text((fresh_cpp.repo / "kernel.cpp").read_text())
    assert unchanged.outcome is Outcome.NO_SIGNIFICANT_CHANGE, "the unchanged code afterwards: " + _said(unchanged)
    fresh_cpp.assert_contained(verdict)


# ---- (e) telling the timing phase from the tests ----------------------------------------------

async def test_the_timing_phase_has_no_environment_variable_of_its_own(cpp: Scene) -> None:
    verdict = await cpp.evaluate("env_pad_detector.cpp")
    assert verdict.outcome is not Outcome.FASTER, _said(verdict)
    cpp.assert_contained(verdict)


async def test_the_timing_phase_sees_the_same_variable_names_as_the_tests(cpp: Scene) -> None:
    verdict = await cpp.evaluate("env_names_detector.cpp")
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


async def test_the_timing_phase_cannot_be_told_by_the_values_of_lessonls_variables(cpp: Scene) -> None:
    verdict = await cpp.evaluate("phase_variable_detector.cpp")
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


async def test_the_timing_phase_cannot_be_told_by_a_read_only_working_folder(cpp: Scene) -> None:
    verdict = await cpp.evaluate("read_only_detector.cpp")
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


# ---- (f) network ---------------------------------------------------------------------------------

class Listeners:
    """A TCP server on 127.0.0.1, Unix socket servers at paths (in /tmp and elsewhere) and at an
    abstract name, all recording every connection they get."""

    def __init__(self, marker: str, unix_paths: list[Path]) -> None:
        self.connections: list[str] = []
        self.selector = selectors.DefaultSelector()
        self.sockets: list[socket.socket] = []
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind(("127.0.0.1", 0))
        self.port = tcp.getsockname()[1]
        self._listen(tcp, f"tcp 127.0.0.1:{self.port}")
        self.unix_paths = []
        for path in unix_paths:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                server.bind(str(path))
                os.chmod(path, 0o777)
            except OSError:
                continue
            self.unix_paths.append(path)
            self._listen(server, f"unix {path}")
        self.abstract = f"{marker}.abstract"
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind("\0" + self.abstract)
        self._listen(server, f"abstract unix @{self.abstract}")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _listen(self, server: socket.socket, label: str) -> None:
        server.listen(64)
        server.setblocking(False)
        self.sockets.append(server)
        self.selector.register(server, selectors.EVENT_READ, label)

    def _serve(self) -> None:
        while not self._stop.is_set():
            for key, _ in self.selector.select(timeout=0.1):
                try:
                    conn, _ = key.fileobj.accept()  # type: ignore[union-attr]
                except OSError:
                    continue
                conn.settimeout(0.5)
                try:
                    said = conn.recv(300).decode(errors="replace").strip()
                except OSError:
                    said = ""
                conn.close()
                self.connections.append(f"{key.data} got a connection: {said!r}")

    def prove_reachable(self) -> None:
        """Each server answers a connection from here (so silence later means the candidate was
        kept out, not that a server was deaf); then the record starts empty."""
        targets: list[tuple[int, Any]] = [(socket.AF_INET, ("127.0.0.1", self.port)),
                                          (socket.AF_UNIX, "\0" + self.abstract),
                                          *((socket.AF_UNIX, str(path)) for path in self.unix_paths)]
        for family, address in targets:
            with socket.socket(family, socket.SOCK_STREAM) as client:
                client.connect(address)
                client.sendall(b"probe")
        deadline = time.monotonic() + 5
        while len(self.connections) < len(targets) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.connections) == len(targets), self.connections
        self.connections.clear()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for server in self.sockets:
            server.close()
        for path in self.unix_paths:
            path.unlink(missing_ok=True)


@pytest.fixture
def listeners(cpp: Scene) -> Iterator[Listeners]:
    paths = [Path("/tmp") / f"{cpp.marker}.sock",  # a private /tmp hides it
             Path("/run") / f"{cpp.marker}.sock",
             _real_home() / f".{cpp.marker}.sock"]  # not a folder any sandbox empties
    servers = Listeners(cpp.marker, paths)
    cpp.ours.update(servers.unix_paths)
    servers.prove_reachable()
    yield servers
    servers.close()


async def test_no_network_not_through_setns_tcp_nor_unix_sockets(cpp: Scene, listeners: Listeners) -> None:
    assert len(listeners.unix_paths) >= 2, "the test could not bind its Unix sockets"
    cpp.values.update(PORT=str(listeners.port), ABSTRACT=listeners.abstract,
                      UNIX_PATHS=", ".join(json.dumps(str(p)) for p in listeners.unix_paths))
    verdict = await cpp.evaluate("network.cpp")
    await asyncio.sleep(0.5)
    assert listeners.connections == [], "the candidate reached a server:\n  " + "\n  ".join(listeners.connections)
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


# ---- (g) processes and resources ---------------------------------------------------------------

async def test_a_setsid_grandchild_in_the_root_cgroup_does_not_outlive_the_evaluation(cpp: Scene) -> None:
    verdict = await cpp.evaluate("escape.cpp")
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


async def test_a_fork_bomb_neither_hangs_the_evaluation_nor_leaves_processes(cpp: Scene) -> None:
    started = time.monotonic()
    verdict = await cpp.evaluate("fork_bomb.cpp")
    took = time.monotonic() - started
    assert took < 120, f"the evaluation took {took:.0f} s"
    assert verdict.outcome is not Outcome.FASTER, _said(verdict)
    cpp.assert_contained(verdict)


async def test_named_pipes_left_in_the_copy_do_not_hang_lessonl(cpp: Scene) -> None:
    """LessonL reads the copy's files outside the sandbox (to see what the tests left): a FIFO
    there must not make it wait forever. After 60 s the test unblocks any reader itself (opening
    each FIFO for writing) so that the suite goes on, and the test fails saying so."""
    stop, rescued = threading.Event(), []

    def unblock_after_a_minute() -> None:
        if stop.wait(60):
            return
        while not stop.is_set():
            for path in _walk(cpp.scratch_home):
                try:
                    if path.is_fifo():
                        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # ENXIO: no reader waits
                        rescued.append(str(path))
                except OSError:
                    pass
            time.sleep(0.2)

    watchdog = threading.Thread(target=unblock_after_a_minute, daemon=True)
    watchdog.start()
    started = time.monotonic()
    try:
        verdict = await cpp.evaluate("fifo_in_copy.cpp")
    finally:
        stop.set()
        watchdog.join(5)
    took = time.monotonic() - started
    assert rescued == [], (f"LessonL hung reading the named pipe(s) {sorted(set(rescued))} until the test "
                           f"opened them for writing ({took:.0f} s; verdict then: {verdict.outcome.value}: "
                           f"{verdict.message})")
    assert verdict.outcome is not Outcome.FASTER, _said(verdict)
    cpp.assert_contained(verdict)


async def test_the_memory_limit_holds_for_the_whole_command_not_each_process(cpp: Scene) -> None:
    verdict = await cpp.evaluate("memory_bomb.cpp", {"sandbox": {"memory_mb": 1500}})
    assert "MEMORY BOMB SUCCEEDED" not in verdict.log_tail, _said(verdict)
    assert verdict.outcome is not Outcome.INCORRECT, _said(verdict)
    assert verdict.outcome is not Outcome.FASTER, _said(verdict)
    cpp.assert_contained(verdict)


# ---- (h) secrets ---------------------------------------------------------------------------------

def _secrets(marker: str) -> dict[str, str]:
    return {"DATABASE_URL": "postgres://u:password@h/db", "GH_PAT": f"ghp_{marker}", "HF_AUTH": f"hf_{marker}"}


async def test_secrets_under_unusual_names_do_not_reach_the_candidate(cpp: Scene,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = _secrets(cpp.marker)
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    cpp.values.update(GH_PAT=secrets["GH_PAT"], HF_AUTH=secrets["HF_AUTH"])
    verdict = await cpp.evaluate("secrets.cpp")
    assert "LEAKED" not in verdict.log_tail, _said(verdict)
    assert verdict.outcome is Outcome.NO_SIGNIFICANT_CHANGE or verdict.outcome is Outcome.SLOWER, _said(verdict)
    cpp.assert_contained(verdict)


async def test_files_only_root_may_read_stay_unreadable_when_lessonl_runs_as_root(cpp: Scene) -> None:
    if os.geteuid() != 0:
        pytest.skip("not root: a candidate may read what its own user can read; root-only files are the point")
    private = cpp.repo.parent / f"root-only-{cpp.marker}"
    private.write_text("a secret only root may read\n")
    os.chmod(private, 0o600)
    cpp.ours.add(private)
    try:
        cpp.values.update(PRIVATE=str(private))
        verdict = await cpp.evaluate("reads_private_files.cpp")
    finally:
        private.unlink()
    assert "READ PRIVATE FILES" not in verdict.log_tail, _said(verdict)
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


def cli(repo: Path, candidate: Path, env: dict[str, str], as_user: bool = False,
        timeout: float = 400) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "lessonl", "evaluate", CPP["file"], "--candidate", str(candidate),
            "--function", CPP["function"], "--json"]
    for setting in CLI_SETTINGS:
        argv += ["--set", setting]
    if as_user:
        argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", *argv]
    return subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=timeout)


def cli_verdict(done: subprocess.CompletedProcess[str]) -> Verdict:
    assert done.returncode == 0, f"lessonl evaluate exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return Verdict.from_json(json.loads(done.stdout.strip().splitlines()[-1]))


def _base_env(home: Path, cache: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": os.environ.get("LANG", "C.UTF-8"),
            "HOME": str(home), "XDG_CACHE_HOME": str(cache)}


async def test_secrets_in_lessonls_own_environment_cannot_be_read_through_proc(cpp: Scene, tmp_path: Path) -> None:
    """Through the CLI, so that the secrets are in LessonL's /proc/<pid>/environ for real."""
    secrets = _secrets(cpp.marker)
    cpp.values.update(GH_PAT=secrets["GH_PAT"], HF_AUTH=secrets["HF_AUTH"])
    candidate = tmp_path / "candidate.cpp"
    candidate.write_text(cpp.candidate("secrets.cpp"))
    env = {**_base_env(cpp.home, cpp.cache), **secrets}
    done = await asyncio.to_thread(cli, cpp.repo, candidate, env)
    verdict = cli_verdict(done)
    assert "LEAKED" not in verdict.log_tail, _said(verdict)
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    cpp.assert_contained(verdict)


# ---- (i) kill -9 of LessonL ----------------------------------------------------------------------

def test_killing_lessonl_during_timing_leaves_no_process_behind(fresh_cpp: Scene, tmp_path: Path) -> None:
    """`lessonl evaluate` is killed with SIGKILL while the candidate's benchmark runs: the sandbox
    must take down the shell, the benchmark and its child with it (no next start needed)."""
    candidate = tmp_path / "candidate.cpp"
    candidate.write_text(fresh_cpp.candidate("slow_bench.cpp"))
    argv = [sys.executable, "-m", "lessonl", "evaluate", CPP["file"], "--candidate", str(candidate),
            "--function", CPP["function"], "--json", "--set", "bench.timeout=120", "--set", "timing.budget=10"]
    for setting in CLI_SETTINGS:
        if setting.startswith("sandbox."):
            argv += ["--set", setting]
    lessonl = subprocess.Popen(argv, cwd=fresh_cpp.repo, env=_base_env(fresh_cpp.home, fresh_cpp.cache),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while not marked_processes(fresh_cpp.marker):  # the candidate's benchmark is running (and sleeping)
            if lessonl.poll() is not None or time.monotonic() > deadline:
                out, err = lessonl.communicate()
                pytest.fail(f"the candidate's benchmark never ran (exit {lessonl.returncode}):\n{out[-2000:]}\n{err[-3000:]}")
            time.sleep(0.1)
        time.sleep(0.5)
        started = psutil.Process(lessonl.pid).children(recursive=True)
        described = [f"pid {p.pid}: {' '.join(p.cmdline())}" for p in started if p.is_running()]
        assert any("bench" in line for line in described), described
        os.kill(lessonl.pid, signal.SIGKILL)
        lessonl.wait(10)
        deadline = time.monotonic() + 5
        while True:
            left = [f"pid {p.pid}: {' '.join(p.cmdline())}" for p in started
                    if _alive(p)] + marked_processes(fresh_cpp.marker)
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert left == [], ("5 s after kill -9 of lessonl, what it started still runs:\n  " + "\n  ".join(left)
                            + "\n(it had started:\n  " + "\n  ".join(described) + ")")
    finally:
        if lessonl.poll() is None:
            lessonl.kill()
            lessonl.wait(10)
        for proc in locals().get("started", []):  # what this test's lessonl started, if it lives on
            if _alive(proc):
                proc.kill()
    fresh_cpp.assert_contained()


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


# ---- (j) the same attacks as an ordinary user ---------------------------------------------------

@dataclass
class UserWorld:
    root: Path
    home: Path
    cache: Path
    lock: Path


@pytest.fixture(scope="module")
def user_world() -> Iterator[UserWorld]:
    """A world-writable copy of the repository and a home and cache that `nobody` owns."""
    if os.geteuid() != 0:
        pytest.skip("the test process is not root: the other tests already run the attacks as an ordinary user")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is missing: cannot run LessonL as an ordinary user")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        pytest.skip("bwrap is missing: no sandbox for an ordinary user to test")
    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", bwrap,
                            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all",
                            "--die-with-parent", "--", "/bin/true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces are unavailable to an ordinary user here: {probe.stderr.strip()[-300:]}")
    found = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable,
                            "-c", "import lessonl"], capture_output=True, text=True, cwd="/")
    if found.returncode != 0:  # e.g. a checkout inside a `mktemp -d` folder (mode 700)
        pytest.skip("this checkout of LessonL cannot be read by an ordinary user, so LessonL cannot run as one: "
                    f"{found.stderr.strip()[-300:]}")
    root = _outside_tmp("lessonl-hostile-user-")
    home, cache = root / "home", root / "cache"
    for folder in (home, cache):
        folder.mkdir()
        os.chown(folder, NOBODY, NOBODY)
    try:
        yield UserWorld(root, home, cache, home / "timing.lock")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _world_writable(repo: Path) -> None:
    for path in [repo, *repo.rglob("*")]:
        mode = path.stat().st_mode
        os.chmod(path, mode | stat.S_IRWXO | stat.S_IRWXG if path.is_dir() else
                 mode | stat.S_IROTH | stat.S_IWOTH | stat.S_IRGRP | stat.S_IWGRP)


@pytest.fixture
def as_user(user_world: UserWorld, tmp_path: Path) -> Iterator[Scene]:
    marker = f"lessonl-hostile-{uuid.uuid4().hex[:16]}"
    repo = copy_fixture(CPP, user_world.root / f"repo-{marker[-6:]}")
    _world_writable(repo)
    os.chmod(repo.parent, 0o777)
    scene = Scene(CPP, repo, snapshot(repo), user_world.home, user_world.cache,
                  searched=[user_world.root],
                  listed=[Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path("/run"), Path("/"), _real_home(),
                          *_ancestor_cwds()], marker=marker)
    yield scene
    scene.clean_up(REPOS / CPP["repo"])
    shutil.rmtree(repo.parent, ignore_errors=True)


def _user_env(world: UserWorld, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**_base_env(world.home, world.cache), "LESSONL_TIMING_LOCK": str(world.lock), **(extra or {})}


def _run_as_user(scene: Scene, world: UserWorld, text: str, extra_env: dict[str, str] | None = None) -> Verdict:
    candidate = world.root / f"candidate-{uuid.uuid4().hex[:8]}.cpp"
    candidate.write_text(text)
    os.chmod(candidate, 0o644)
    return cli_verdict(cli(scene.repo, candidate, _user_env(world, extra_env), as_user=True))


def test_as_an_ordinary_user_writes_outside_the_scratch_copy_fail(as_user: Scene, user_world: UserWorld) -> None:
    verdict = _run_as_user(as_user, user_world, as_user.candidate("writes_outside.cpp"))
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    as_user.assert_contained(verdict)


def test_as_an_ordinary_user_a_forged_timing_is_rejected(as_user: Scene, user_world: UserWorld) -> None:
    verdict = _run_as_user(as_user, user_world, as_user.candidate("forged_destructor.cpp"))
    assert verdict.outcome is Outcome.REJECTED, _said(verdict)
    as_user.assert_contained(verdict)


def test_as_an_ordinary_user_the_baseline_cannot_be_sabotaged(as_user: Scene, user_world: UserWorld) -> None:
    verdict = _run_as_user(as_user, user_world, as_user.candidate("sabotage_baseline.cpp"))
    assert verdict.outcome is not Outcome.FASTER, _said(verdict)
    unchanged = _run_as_user(as_user, user_world, (as_user.repo / "kernel.cpp").read_text())
    assert unchanged.outcome is Outcome.NO_SIGNIFICANT_CHANGE, "the unchanged code afterwards: " + _said(unchanged)
    as_user.assert_contained(verdict)


def test_as_an_ordinary_user_secrets_do_not_reach_the_candidate(as_user: Scene, user_world: UserWorld) -> None:
    secrets = _secrets(as_user.marker)
    as_user.values.update(GH_PAT=secrets["GH_PAT"], HF_AUTH=secrets["HF_AUTH"])
    verdict = _run_as_user(as_user, user_world, as_user.candidate("secrets.cpp"), secrets)
    assert "LEAKED" not in verdict.log_tail, _said(verdict)
    assert verdict.outcome in (Outcome.NO_SIGNIFICANT_CHANGE, Outcome.SLOWER), _said(verdict)
    as_user.assert_contained(verdict)
