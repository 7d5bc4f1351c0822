"""The CLI's stop latch (lessonl.cli.stopping): a Ctrl-C or SIGTERM at any moment of a command
run makes its status 130, the first one cancels async work cleanly, and nothing of it is lost
between the work finishing and the process exiting."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from lessonl.cancel import CancelToken
from lessonl.cli import main, stopping
from lessonl.errors import Cancelled


def kill_self(signum: int) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(0.01)  # the handler runs at the next bytecode boundary


@pytest.fixture
def latch():
    """The handlers as main(argv) installs them, and always put back."""
    before = {s: signal.getsignal(s) for s in stopping.SIGNALS}
    assert stopping.install(whole_process=False)
    try:
        yield
    finally:
        stopping.finish(0)
        assert {s: signal.getsignal(s) for s in stopping.SIGNALS} == before


@pytest.mark.parametrize("signum", stopping.SIGNALS)
def test_a_signal_after_the_work_finished_still_makes_it_130(latch: None, signum: int) -> None:
    """The window of issue 11: the work had passed its last cancellation check and returned a
    result, which the command would have printed as a success."""
    async def work() -> str:
        kill_self(signum)
        return "done"

    with pytest.raises(KeyboardInterrupt):
        stopping.run(work())
    assert stopping.finish(0) == 130


def test_the_first_signal_cancels_the_work_cleanly(latch: None) -> None:
    cleaned = []

    async def work() -> None:
        asyncio.get_running_loop().call_later(0.05, kill_self, signal.SIGTERM)
        try:
            await asyncio.sleep(30)
        finally:
            cleaned.append(True)  # where the judge kills its process groups

    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        stopping.run(work())
    assert cleaned and time.monotonic() - began < 5
    assert stopping.finish(0) == 130


def test_with_a_token_the_engine_is_cancelled_its_own_way(latch: None) -> None:
    token, notes = CancelToken(), []

    async def work() -> str:
        asyncio.get_running_loop().call_later(0.05, kill_self, signal.SIGINT)
        await token.wait()
        return "a result after the cancel"  # the engine finished anyway

    with pytest.raises(Cancelled):
        stopping.run(work(), cancel=token, on_stop=lambda: notes.append("cancelling"))
    assert token.cancelled and notes == ["cancelling"]


def test_a_second_signal_interrupts_work_that_ignores_the_first(latch: None) -> None:
    async def work() -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, kill_self, signal.SIGINT)
        loop.call_later(0.3, kill_self, signal.SIGINT)
        for _ in range(300):
            try:
                await asyncio.sleep(0.1)
            except asyncio.CancelledError:
                pass  # deaf to the clean cancel

    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        stopping.run(work())
    assert time.monotonic() - began < 5


def test_a_second_signal_stops_waiting_for_cleanup_that_hangs(latch: None) -> None:
    """The first signal cancels the work, whose leftover task does not stop: waiting for it
    would hang forever, so a second signal gives it GRACE_S and goes."""
    async def deaf() -> None:
        while True:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                pass

    async def work() -> None:
        loop = asyncio.get_running_loop()
        loop.create_task(deaf())
        loop.call_later(0.05, kill_self, signal.SIGINT)
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()  # while it waits
        await asyncio.sleep(30)

    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        stopping.run(work())
    assert time.monotonic() - began < stopping.GRACE_S + 3


def test_only_one_keyboard_interrupt_cuts_into_plain_code(latch: None) -> None:
    unwound = False
    with pytest.raises(KeyboardInterrupt):
        try:
            kill_self(signal.SIGINT)
            time.sleep(1)
        finally:
            kill_self(signal.SIGTERM)  # recorded, but the cleanup already under way goes on
            unwound = True
    assert unwound and stopping.received() == signal.SIGINT
    assert stopping.finish(0) == 130


def test_main_inside_a_program_puts_its_handlers_back() -> None:
    def mine(signum: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with pytest.raises(SystemExit):
            main(["--version"])
        assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_script(body: str) -> subprocess.CompletedProcess:
    """A process that uses the latch as `lessonl` does: installed first, ended by finish()."""
    script = "import os, signal, sys, threading, time, atexit\nfrom lessonl.cli import stopping\n" \
             "stopping.install(whole_process=True)\n" + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)


def test_the_process_ends_with_its_own_status_and_output_when_not_stopped() -> None:
    done = run_script("print('out'); atexit.register(print, 'atexit ran'); stopping.finish(3)")
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\natexit ran\n", "")


@pytest.mark.parametrize("signum", stopping.SIGNALS)
def test_a_signal_while_the_interpreter_shuts_down_makes_it_130(signum: int) -> None:
    """After the command returned 0: while the interpreter joins threads and runs its atexit
    callbacks, a signal used to be dropped (status 0) or kill the process with its own status."""
    for when in ("atexit.register(os.kill, os.getpid(), {s})",
                 "threading.Thread(target=lambda: (time.sleep(0.2), os.kill(os.getpid(), {s}))).start()"):
        done = run_script(f"print('ok'); {when.format(s=int(signum))}; stopping.finish(0)")
        assert done.returncode == 130, (when, done.returncode, done.stderr)
        assert done.stdout == "ok\n" and done.stderr == "lessonl: interrupted\n", when


def test_a_second_signal_ends_a_process_stuck_on_its_way_out() -> None:
    """Stopped, and then a thread that never ends keeps the interpreter's exit waiting."""
    began = time.monotonic()
    done = run_script("""
        threading.Thread(target=time.sleep, args=(60,)).start()
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
        threading.Timer(0.6, os.kill, (os.getpid(), signal.SIGTERM)).start()
        stopping.finish(0)
        """)
    assert done.returncode == 130 and time.monotonic() - began < 30, (done.returncode, done.stderr)


class _SignalsWhileNamed:
    """A descriptor whose __set_name__ receives the signal: Python 3.11 wraps what it raises
    (here the latch's KeyboardInterrupt) in a RuntimeError while the class is being made."""

    def __set_name__(self, owner: type, name: str) -> None:
        kill_self(signal.SIGTERM)


def make_a_class() -> None:
    type("Config", (), {"lengths": _SignalsWhileNamed()})


def test_a_signal_wrapped_while_a_module_is_imported_is_still_130(monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture) -> None:
    """Seen in CI: a SIGTERM landed while `lessonl check` imported its config classes and came
    out as 'RuntimeError: Error calling __set_name__' with a traceback and status 1."""
    import lessonl.cli as cli

    def parser(only: object = None) -> None:
        make_a_class()

    monkeypatch.setattr(cli, "build_parser", parser)
    assert main(["check"]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_a_signal_wrapped_inside_a_command_is_still_130(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture) -> None:
    import argparse

    import lessonl.cli as cli

    def parser(only: object = None) -> argparse.ArgumentParser:
        made = argparse.ArgumentParser()
        made.add_argument("command")
        made.set_defaults(handler=lambda args: make_a_class())
        return made

    monkeypatch.setattr(cli, "build_parser", parser)
    assert main(["check"]) == 130
    assert "internal error" not in capsys.readouterr().err
