"""The `lessonl` command as a demanding user meets it: real processes, real g++/make, the fake
OpenAI server over HTTP. Each test is one path a person takes (often a mistake) and states what
they must get: the exit status, one clear line naming the file/line/setting and what to do, never
a traceback, and their files untouched.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support import cpp_replies as R
from tests.support.fake_openai import Body, FakeOpenAI
from tests.support.loop_script import is_lesson

FAST = ("--set", "timing.budget=2", "--set", "timing.max_runs=6")


def lessonl(cwd: Path, *args: str, timeout: float = 120, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lessonl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env or os.environ.copy())


def assert_clean_error(done: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("lessonl") and done.stderr.count("\n") <= 3, done.stderr
    for needle in needles:
        assert needle in done.stderr, (needle, done.stderr)


def write_config(repo: Path, text: str) -> Path:
    path = repo / "lessonl.toml"
    path.write_text(text)
    return path


# -- config mistakes ---------------------------------------------------------------------------

def test_a_misspelt_required_key_is_named_with_the_right_spelling(cpp_repo: Path) -> None:
    write_config(cpp_repo, '[test]\ncommand = "./test_kernels"\n[bench]\ncomand = "./bench"\n')
    done = lessonl(cpp_repo, "check")
    assert_clean_error(done, 2, "lessonl.toml:4", "unknown key 'comand'", "did you mean 'command'")
    assert "needs 'command'" not in done.stderr  # one problem, reported once, where it is


def test_a_section_set_to_a_value_is_an_error_not_a_crash(cpp_repo: Path) -> None:
    done = lessonl(cpp_repo, "check", "--set", "timing=3")
    assert_clean_error(done, 2, "[timing]", "must be a table")
    write_config(cpp_repo, 'timing = 3\n[test]\ncommand = "./test_kernels"\n[bench]\ncommand = "./bench"\n')
    assert_clean_error(lessonl(cpp_repo, "check"), 2, "lessonl.toml:1", "[timing]", "must be a table")


def test_an_init_placeholder_left_in_the_config_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test_x():\n    assert True\n")
    assert lessonl(tmp_path, "init").returncode == 0
    line = next(n for n, text in enumerate((tmp_path / "lessonl.toml").read_text().splitlines(), 1)
                if "EDIT ME" in text)
    for args in (["check"], ["calibrate"]):
        assert_clean_error(lessonl(tmp_path, *args), 2, f"lessonl.toml:{line}", "[bench.command]",
                           "placeholder", "lessonl init")
    # a --set that replaces the placeholder is what the user asked for: it goes ahead
    done = lessonl(tmp_path, "check", "--set", "bench.command=echo ok")
    assert done.returncode == 0, done.stderr


# -- init on a Makefile project ----------------------------------------------------------------

C_SOURCES = {
    "sum.h": "long sum(const int *a, int n);\n",
    "sum.c": "#include \"sum.h\"\nlong sum(const int *a, int n) {\n    long s = 0;\n"
             "    for (int i = 0; i < n; i++) s += a[i];\n    return s;\n}\n",
    "test.c": "#include \"sum.h\"\nint main(void) { int a[4] = {1, 2, 3, 4}; return sum(a, 4) == 10 ? 0 : 1; }\n",
    "bench.c": "#include \"sum.h\"\n#include <stdio.h>\nint main(void) { static int a[1 << 16]; long s = 0;\n"
               "  for (int r = 0; r < 50; r++) s += sum(a, 1 << 16);\n  printf(\"%ld\\n\", s); return 0; }\n",
    "Makefile": "all: test bench\ntest: test.c sum.c sum.h\n\t$(CC) -O2 -o test test.c sum.c\n"
                "bench: bench.c sum.c sum.h\n\t$(CC) -O2 -o bench bench.c sum.c\n.PHONY: all\n",
}


def test_init_runs_make_test_programs_instead_of_only_building_them(tmp_path: Path) -> None:
    """`test` here is a program built from test.c: `make test` would only compile it and pass any
    candidate, so the test command must run ./test (and a wrong sum must fail the check)."""
    for name, text in C_SOURCES.items():
        (tmp_path / name).write_text(text)
    done = lessonl(tmp_path, "init")
    assert done.returncode == 0, done.stderr
    assert "test: ./test" in done.stdout and "bench: ./bench" in done.stdout
    assert lessonl(tmp_path, "check", *FAST).returncode == 0
    (tmp_path / "sum.c").write_text(C_SOURCES["sum.c"].replace("s += a[i]", "s += a[i] + 1"))
    assert_clean_error(lessonl(tmp_path, "check", *FAST), 2, "does not pass its tests")


# -- optimize: agents from the command line ----------------------------------------------------

def test_base_url_overrides_configured_agents(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    """Configured agents (no seed set) pointed elsewhere with --base-url/--model: the loader's own
    fields and unset values must not come back as invalid overrides."""
    toml = cpp_repo / "lessonl.toml"
    toml.write_text(toml.read_text() + '\n[[agents]]\nname = "mine"\nbase_url = "http://127.0.0.1:9/v1"\n'
                    'model = "other"\n')
    toml.write_text(toml.read_text().replace("[timing]\n", "[timing]\nbudget = 2\nmax_runs = 6\n", 1))

    def answer(body: Body) -> str:
        return "Code B is the same." if is_lesson(body) else R.NO_CODE

    fake_openai.respond(answer)
    source = (cpp_repo / "kernels.cpp").read_bytes()
    done = lessonl(cpp_repo, "optimize", "kernels.cpp::histogram", "--rounds", "1", "--agents", "mine",
                   "--base-url", fake_openai.base_url, "--model", "fake-model", "--apply", "--quiet")
    assert done.returncode == 1, done.stderr  # no improvement, but it ran against the fake
    assert {r.model for r in fake_openai.chat_requests} == {"fake-model"}
    assert (cpp_repo / "kernels.cpp").read_bytes() == source


def test_a_bad_number_option_is_a_usage_error(cpp_repo: Path) -> None:
    done = lessonl(cpp_repo, "optimize", "kernels.cpp::histogram", "--rounds", "x")
    assert done.returncode == 2 and "must be a whole number" in done.stderr and "_positive" not in done.stderr


# -- paths that do not exist -------------------------------------------------------------------

def test_a_missing_folder_is_named_as_missing(cpp_repo: Path) -> None:
    assert_clean_error(lessonl(cpp_repo, "check", "no/such/dir"), 2, "no/such/dir", "no such file or folder")
    assert_clean_error(lessonl(cpp_repo, "lessons", "--repo", "/no/such/dir", "list"), 2, "/no/such/dir",
                       "does not exist")
    assert_clean_error(lessonl(cpp_repo, "lessons", "export", "/no/such/dir/x.jsonl"), 2, "does not exist")
    assert_clean_error(lessonl(cpp_repo, "lessons", "export", str(cpp_repo)), 2, "is a folder")
    assert_clean_error(lessonl(cpp_repo, "lessons", "import", str(cpp_repo)), 2, "is a folder")


# -- the lesson bank ---------------------------------------------------------------------------

def test_an_unusable_bank_path_says_which_setting_to_change(cpp_repo: Path) -> None:
    toml = cpp_repo / "lessonl.toml"
    toml.write_text(toml.read_text() + '\n[bank]\npath = "/dev/null/bank"\n')
    done = lessonl(cpp_repo, "lessons", "stats")
    assert_clean_error(done, 3, "/dev/null/bank", "[bank] path")
    assert "moved to" not in done.stderr  # nothing was moved: it was never a corrupt bank


def test_lessons_filters_are_checked(cpp_repo: Path) -> None:
    done = lessonl(cpp_repo, "lessons", "prune", "--outcome", "rejectd")
    assert done.returncode == 2 and "rejected" in done.stderr  # lists the valid outcomes
    done = lessonl(cpp_repo, "lessons", "list", "--limit", "0")
    assert done.returncode == 2 and "--limit" in done.stderr


def test_output_cut_short_by_a_pipe_is_not_a_traceback(cpp_repo: Path) -> None:
    reader = subprocess.Popen([sys.executable, "-m", "lessonl", "functions", "kernels.cpp", "--json"],
                              cwd=cpp_repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None
    reader.stdout.close()  # like `| head -0`: the reader is gone before anything is written
    _, err = reader.communicate(timeout=60)
    assert reader.returncode == 0 and b"Traceback" not in err, err


# -- Ctrl-C and SIGTERM ---------------------------------------------------------------------
#
# A signal is sent to a frozen process (SIGSTOP, then the signal, then SIGCONT), so the test knows
# it arrived before the process ended, and knows where the process was: an exited process is too
# late; one that has not taken the signals yet (SIGTERM not caught and nothing written: the
# interpreter is still starting) or has already blocked them to choose its status has nothing left
# to decide. At any other moment, the interpreter's own shutdown included, the status must be 130,
# with no traceback and nothing it started left running.

STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM]


def _proc_status(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except (FileNotFoundError, ProcessLookupError):
        return {"State": "X (gone)"}


def _masked(status: dict[str, str], field: str, signum: int) -> bool:
    return bool(int(status.get(field, "0"), 16) >> (signum - 1) & 1)


def _has_written(proc: subprocess.Popen) -> bool:
    pipes = [pipe for pipe in (proc.stdout, proc.stderr) if pipe is not None]
    return bool(select.select(pipes, [], [], 0)[0])


def send_while_alive(proc: subprocess.Popen, signum: int, written: bool = False,
                     ) -> tuple[str, list[psutil.Process]]:
    """Freeze `proc`, look where it is, send `signum`, let it go on. Returns the moment ("exited",
    "starting", "chosen" or "running") and the processes it had started then. `written`: it
    has printed something already (so it is past its start, whatever its handlers say)."""
    os.kill(proc.pid, signal.SIGSTOP)
    while True:  # the stop takes effect when the process next enters the kernel
        status = _proc_status(proc.pid)
        state = status.get("State", "X")[0]
        if state in "TtZX":
            break
        time.sleep(0.0002)
    children: list[psutil.Process] = []
    if state in "ZX":
        moment = "exited"
    elif not _masked(status, "SigCgt", signal.SIGTERM) and not (written or _has_written(proc)):
        moment = "starting"
    elif _masked(status, "SigBlk", signal.SIGINT) or _masked(status, "SigBlk", signal.SIGTERM):
        moment = "chosen"
    else:
        moment = "running"
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            pass
    os.kill(proc.pid, signum)
    os.kill(proc.pid, signal.SIGCONT)
    return moment, children


def assert_stopped(proc: subprocess.Popen, err: str, children: list[psutil.Process], moment: str) -> None:
    assert proc.returncode == 130 and "Traceback" not in err, (moment, proc.returncode, err)
    time.sleep(0.2)
    assert [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE] == [], moment


def start_check(repo: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lessonl", "check"], cwd=repo, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.slow
@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=["ctrl-c", "sigterm"])
def test_stopping_a_check_mid_build_exits_130_and_kills_the_build(cpp_repo: Path, signum: int,
                                                                   tmp_path: Path) -> None:
    """A fresh cache, so the scratch copy really compiles; SIGTERM (a closed terminal, `timeout`)
    must not leave make and the compiler running on."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "own-cache")}
    proc = start_check(cpp_repo, env)
    deadline, compilers = time.monotonic() + 60, []
    while not compilers and time.monotonic() < deadline:  # wait for the scratch build to start
        time.sleep(0.05)
        compilers = [c for c in psutil.Process(proc.pid).children(recursive=True)
                     if c.name() in ("make", "g++", "cc1plus")]
    assert compilers, "the build never started"
    moment, children = send_while_alive(proc, signum)
    _, err = proc.communicate(timeout=30)
    assert moment == "running", (moment, proc.returncode, err)  # it was mid-build: it had not exited
    assert_stopped(proc, err, [*compilers, *children], moment)


@pytest.mark.slow
@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=["ctrl-c", "sigterm"])
def test_a_signal_at_any_moment_of_a_check_exits_130(cpp_repo: Path, signum: int, tmp_path: Path) -> None:
    """Issue 11: on a loaded machine a Ctrl-C that landed late in a check (its result being
    printed, asyncio closing its loop, the interpreter shutting down) was lost and the check
    exited 0 (or died of the signal, with a traceback). Sweep the signal across the whole life
    of a check, then send it right as the check has printed its verdict."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "own-cache"), "PYTHONUNBUFFERED": "1"}
    assert start_check(cpp_repo, env).wait(timeout=120) == 0  # builds once: later runs are quick
    began = time.monotonic()
    assert start_check(cpp_repo, env).wait(timeout=120) == 0
    life = time.monotonic() - began
    moments: dict[str, int] = {}

    def stop(delay: float = 0.0, after_verdict: bool = False) -> str:
        proc = start_check(cpp_repo, env)
        if after_verdict:  # the verdict is out: the work is done
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("ok:"):
                    break
        time.sleep(delay)
        moment, children = send_while_alive(proc, signum, written=after_verdict)
        _, err = proc.communicate(timeout=60)
        moments[moment] = moments.get(moment, 0) + 1
        if moment == "running":
            when = f"{delay * 1000:.1f} ms after the verdict" if after_verdict else f"after {delay:.3f} s"
            assert_stopped(proc, err, children, f"{when} (a check takes {life:.3f} s)")
        return moment

    # Forward in steps until the check is over before the signal, whatever the load does to its
    # length; then finer steps over the last one, where its end lies.
    delay, step, last = 0.0, life / 12, 0.0
    for _ in range(40):
        if stop(delay) == "exited":
            break
        last, delay = delay, delay + step
    for i in range(1, 9):
        stop(last + (delay - last) * i / 9)
    for extra in (0.0, 0.0005, 0.001, 0.002, 0.005):
        stop(extra, after_verdict=True)
    assert moments.get("running", 0) >= 8, moments  # the sweep did reach the check


def test_init_in_a_folder_it_cannot_write_is_a_clean_error(tmp_path: Path) -> None:
    assert_clean_error(lessonl(tmp_path, "init", "/proc/1"), 2, "cannot write", "lessonl.toml")


def test_filtering_repository_agents_keeps_keys_from_untrusted_hosts(cpp_repo: Path) -> None:
    """--agents alone still uses the endpoint the repository's config chose: the user's key must
    not go there (the rule the agent client applies to repository-defined agents)."""
    toml = cpp_repo / "lessonl.toml"
    toml.write_text(toml.read_text() + '\n[[agents]]\nname = "far"\nbase_url = "http://lessonl-untrusted.invalid/v1"\n'
                    'model = "m"\napi_key_env = "LESSONL_TEST_SECRET"\ntimeout = 2\nmax_retries = 0\n')
    env = {**os.environ, "LESSONL_TEST_SECRET": "sk-test"}
    done = lessonl(cpp_repo, "optimize", "kernels.cpp::histogram", "--rounds", "1", "--agents", "far", "--quiet",
                   env=env)
    assert done.returncode == 3, done.stderr
    assert "not sending $LESSONL_TEST_SECRET" in done.stderr and "LESSONL_TRUSTED_HOSTS" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_config_suggests_init_everywhere(tmp_path: Path) -> None:
    (tmp_path / "a.cpp").write_text("int f(int x) { return x + 1; }\n")
    for args in (["check"], ["calibrate"], ["optimize", "a.cpp::f"], ["evaluate", "a.cpp", "--candidate", "a.cpp"],
                 ["lessons", "list"]):
        assert_clean_error(lessonl(tmp_path, *args), 2, "lessonl init")
    assert (tmp_path / "a.cpp").read_text() == "int f(int x) { return x + 1; }\n"


@pytest.mark.slow
def test_sigterm_during_optimize_cancels_cleanly(cpp_repo: Path, fake_openai: FakeOpenAI) -> None:
    from tests.support.fake_openai import Reply

    fake_openai.respond(lambda body: Reply.slow(R.HISTOGRAM_FASTER, 60))
    source = (cpp_repo / "kernels.cpp").read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "lessonl", "optimize", "kernels.cpp::histogram", "--rounds", "1",
                             "--base-url", fake_openai.base_url, "--model", "fake-model", "--apply"],
                            cwd=cpp_repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not fake_openai.chat_requests and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fake_openai.chat_requests, "the run never reached the agents"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "cancelled" in err and "Traceback" not in err, err
    assert (cpp_repo / "kernels.cpp").read_bytes() == source
