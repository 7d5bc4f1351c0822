"""Ctrl-C and SIGTERM win at any moment: whenever one reaches a `lessonl` command before the
process ends, the exit status is 130 and the process groups it started are killed.

Both signals go to one handler for the whole run, installed before anything else happens, which
first of all records the signal; every way out of the run consults that record, so a signal can
no longer be lost in a window (one that came while a result was being printed, while asyncio
was closing its loop, after the last cancellation check or while the interpreter was shutting
down used to end in status 0, or kill the process with its own status). What the handler does
besides recording depends on where the run is:

- in plain code (argument parsing, imports, config, printing): it raises KeyboardInterrupt;
- inside `run()` (the engine's async work): the first signal cancels the work cleanly from inside
  the event loop (its task, or the engine's CancelToken), so the judge kills its process groups
  on the way out; a second one raises KeyboardInterrupt at once;
- once the command's own code has returned: it only records, and the status is chosen from the
  record (`finish`); while the process then waits on its exit steps, a second signal ends it
  at once.

At most one KeyboardInterrupt is raised per run, so cleanup that is already unwinding (an
except clause, a finally, asyncio closing its loop) is never cut short by a second one; and
after a second signal nothing waits long on work that does not stop (`GRACE_S`).

`main()` with no arguments is the `lessonl` process itself, and `finish` ends the process: it
does what the interpreter does at exit (joins threads, runs the atexit callbacks that kill
process groups and stop local model servers, flushes stdout and stderr), then blocks the
signals, chooses the status from the record and any signal still pending, and exits at once,
so nothing runs between the choice and the exit (the interpreter's module teardown is skipped).
`main(argv)`, called inside another program (tests), puts that program's handlers back instead.

Before `main()` runs, the interpreter is starting and the signals have their default effect
(the process dies of the signal); this module and `lessonl.cli` import next to nothing, to keep
that window short.
"""
from __future__ import annotations

import _thread
import atexit
import os
import signal
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing before the handlers are in
if TYPE_CHECKING:
    from typing import Any, Callable, Coroutine, NoReturn, TypeVar

    from ..cancel import CancelToken

    T = TypeVar("T")

EXIT_STOPPED = 130  # for SIGTERM too: a terminal's Ctrl-C and an editor's stop mean the same here
SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_S = 2.0  # after a second signal: how long cancelled work gets to kill its process groups


class _Run:
    """What the handler knows about the command run that owns the signals."""

    def __init__(self, owner: int | None = None, whole_process: bool = False) -> None:
        self.owner = owner                     # thread id of the run that installed the handler
        self.whole_process = whole_process     # the handlers stay until the process exits
        self.signum: int | None = None         # the first SIGINT/SIGTERM received
        self.count = 0                         # how many were received
        self.exiting = False                   # the process is on its way out (_exit_process)
        self.raised = False                    # the one KeyboardInterrupt was raised
        self.recording_only = False            # the command's code has returned
        self.hook: Callable[[], None] | None = None  # run()'s clean cancel, while async work runs
        self.previous: dict[int, Any] = {}     # handlers to put back (main(argv) inside a program)
        self.announced = False                 # "interrupted" was said


_run = _Run()


def _on_signal(signum: int, frame: object) -> None:
    run = _run
    if run.signum is None:
        run.signum = signum
    run.count += 1
    if run.recording_only:
        if run.exiting and run.count > 1:  # the exit steps wait on something, and the user insists
            _exit_now()
        return
    if run.hook is not None:  # run(): it decides
        run.hook()
        return
    if not run.raised:
        run.raised = True
        raise KeyboardInterrupt


def install(whole_process: bool) -> bool:
    """Take SIGINT and SIGTERM for a command run, first thing. False outside the main thread,
    where no handler can be set (the calling program's own handlers apply)."""
    global _run
    threading = sys.modules.get("threading")  # not imported yet: no other thread to be on
    if threading is not None and threading.current_thread() is not threading.main_thread():
        return False
    run = _Run(_thread.get_ident(), whole_process)
    run.previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    blocked = _block()  # both handlers in at once: no moment with one of them still the default
    try:
        _run = run
        for signum in SIGNALS:
            signal.signal(signum, _on_signal)
    except ValueError:  # pragma: no cover - not the main thread after all
        return False
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # one that came meanwhile: handled now
    return True


def received() -> int | None:
    """The first SIGINT or SIGTERM this run received, if any."""
    return _run.signum if _owns() else None


def release() -> None:
    """Hand the signals back (to a command with its own shutdown: the language server)."""
    if not _owns():
        return
    _run.recording_only = True
    _run.whole_process = False
    _restore(_run)


def finish(status: int) -> int:
    """The run's exit status: `status`, or 130 when a signal came at any point of it. From here
    on a signal is only recorded. For the whole process this does not return: it ends the
    process (see the module's docstring)."""
    if not _owns():
        return status
    run = _run
    run.recording_only = True
    run.hook = None
    if run.whole_process:
        _exit_process(status)
    _restore(run)
    if run.signum is not None:
        if status != EXIT_STOPPED:
            announce()
        return EXIT_STOPPED
    return status


def announce(text: str = "interrupted") -> None:
    """Say once that the run was stopped (a command that says it its own way calls this too)."""
    if _owns():
        if _run.announced:
            return
        _run.announced = True
    try:
        print(f"lessonl: {text}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr gone: the status says it
        pass


def run(work: Coroutine[Any, Any, T], cancel: CancelToken | None = None,
        on_stop: Callable[[], None] | None = None) -> T:
    """asyncio.run for a command. The first Ctrl-C or SIGTERM cancels `work` from inside its
    event loop: through `cancel` when given (the engine's own way), else by cancelling its task;
    `on_stop` runs first (a progress note). A second signal raises KeyboardInterrupt at once.

    A signal that came at any point, even after `work` had finished, ends in KeyboardInterrupt
    (in Cancelled with `cancel`, as the engine reports it) instead of a result that the command
    would print as a success.
    """
    import asyncio

    from ..errors import Cancelled

    owned = _owns()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # as asyncio.run does
    task = loop.create_task(work)
    seen, closing = 0, False

    def stop() -> None:  # in the loop, not in the signal handler: the engine's code is not reentrant
        if on_stop is not None:
            on_stop()
        if cancel is not None:
            cancel.cancel()
        else:
            task.cancel()

    def on_signal() -> None:
        nonlocal seen
        seen += 1
        if closing:  # the first one lets the cleanup finish; another one stops waiting for it
            if seen > 1:
                _soon(loop, loop.stop)
        elif seen == 1:
            _soon(loop, stop)
        elif not _run.raised:
            raise _interrupt()

    hurry = False
    # The hook stays while what is left is cancelled and the loop closed: a signal then must
    # not cut that cleanup short.
    with _hooked(on_signal if owned else None), _woken_by_signals(loop, owned):
        if owned and _run.signum is not None:  # it came before the work started
            on_signal()
        try:
            result = loop.run_until_complete(task)
        except KeyboardInterrupt:  # a second signal: stop at once
            hurry = True
            raise
        except asyncio.CancelledError:
            if received() is not None:
                raise _interrupt() from None
            raise
        except Cancelled:
            raise
        except Exception as exc:
            if received() is not None:  # torn down by the signal: that is the news
                raise _interrupt() from exc
            raise
        finally:
            closing = True
            _close(loop, hurry)
    if received() is not None:
        if cancel is not None:
            raise Cancelled("cancelled by the user")
        raise _interrupt()
    return result


def _soon(loop: Any, callback: Callable[[], None]) -> None:
    try:
        loop.call_soon_threadsafe(callback)
    except RuntimeError:  # the loop is closed already: the record is enough
        pass


def _close(loop: Any, hurry: bool) -> None:
    """What asyncio.run does after its work: cancel the tasks left and wait for them (they kill
    their process groups on the way out), then for the worker threads. In a hurry (a second
    signal, also one during this wait, which stops the loop) the tasks get GRACE_S, the
    threads nothing, and the process groups still alive are killed."""
    import asyncio

    try:
        if not hurry:
            try:
                _cancel_tasks(loop, None)
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
                return
            except RuntimeError:  # "Event loop stopped before Future completed": a signal
                if not loop.is_closed() and received() is not None:
                    hurry = True
                    return
                raise
    finally:
        if hurry:
            try:
                _cancel_tasks(loop, GRACE_S)
            finally:
                _kill_process_groups()  # the last resort, for what the grace was too short for
        asyncio.set_event_loop(None)
        loop.close()  # without waiting for the worker threads


def _cancel_tasks(loop: Any, timeout: float | None) -> None:
    import asyncio

    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        try:
            loop.run_until_complete(asyncio.wait(tasks, timeout=timeout))
        except RuntimeError:  # the loop was stopped: a signal while in a hurry, stop waiting
            if timeout is None:
                raise
    for task in tasks:  # retrieve what they raised: no "exception was never retrieved"
        if task.done() and not task.cancelled():
            task.exception()


def _kill_process_groups() -> None:
    procs = sys.modules.get(f"{__package__.rpartition('.')[0]}.procs.runner")
    if procs is not None:
        try:
            procs.kill_all_groups()
        except Exception:  # pragma: no cover
            pass


def _interrupt() -> KeyboardInterrupt:
    """The run's one KeyboardInterrupt, raised by run() for a signal its handler recorded."""
    if _owns():
        _run.raised = True
    return KeyboardInterrupt()


class _hooked:
    """While async work runs, a signal calls `hook` instead of raising."""

    def __init__(self, hook: Callable[[], None] | None) -> None:
        self.hook = hook

    def __enter__(self) -> None:
        if self.hook is not None:
            _run.hook = self.hook

    def __exit__(self, *exc: object) -> None:
        if self.hook is not None:
            _run.hook = None


class _woken_by_signals:
    """Wake the event loop when a signal arrives, so that the handler runs at once even when the
    kernel handed the signal to another thread while the loop sat in select()."""

    def __init__(self, loop: Any, owned: bool) -> None:
        self.loop, self.owned = loop, owned
        self.pair: tuple[Any, Any] | None = None
        self.previous = -1

    def __enter__(self) -> None:
        if not self.owned:
            return
        import socket

        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        try:
            self.previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        except (ValueError, OSError):  # pragma: no cover
            reader.close()
            writer.close()
            return
        self.pair = reader, writer

        def drain() -> None:
            try:
                while reader.recv(4096):
                    pass
            except OSError:  # BlockingIOError: drained
                pass

        self.loop.add_reader(reader.fileno(), drain)

    def __exit__(self, *exc: object) -> None:
        if self.pair is None:
            return
        reader, writer = self.pair
        signal.set_wakeup_fd(self.previous)
        try:
            if not self.loop.is_closed():
                self.loop.remove_reader(reader.fileno())
        except Exception:  # pragma: no cover - the loop is being torn down
            pass
        reader.close()
        writer.close()


def _block() -> Any:
    """Block SIGINT and SIGTERM for this thread; the mask before, or None where there is none."""
    try:
        return signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    except (AttributeError, OSError):  # pragma: no cover - no sigmask here
        return None


def _owns() -> bool:
    return _run.owner is not None and _run.owner == _thread.get_ident()


def _restore(run: _Run) -> None:
    for signum, handler in run.previous.items():
        try:
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        except (ValueError, OSError):  # pragma: no cover
            pass
    run.previous = {}


def _exit_process(status: int) -> NoReturn:
    """End the `lessonl` process with `status`, or 130 for a signal that came at any point."""
    run = _run
    run.exiting = True  # from here a second signal ends the process at once
    if run.count > 1:
        _exit_now()
    threading = sys.modules.get("threading")  # not imported: no threads to wait for
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:  # the interpreter's own exit steps, in its order
        try:
            shutdown()  # joins the threads that are not daemons
        except Exception:  # pragma: no cover
            pass
    try:
        atexit._run_exitfuncs()  # process groups killed, local model servers stopped, ...
    except Exception:  # pragma: no cover - each callback's own error is reported and skipped
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # the reader left (`| head`): nothing more to say to it
            pass
        except Exception:  # as the interpreter reports a failed final flush
            status = 120
    # Blocking runs the handler for a signal Python has seen but not handled yet, and keeps any
    # later one pending: nothing runs between this choice and the exit.
    pending = signal.sigpending() & set(SIGNALS) if _block() is not None else set()
    if run.signum is None and pending:
        run.signum = min(pending)
    if run.signum is not None:
        if status != EXIT_STOPPED:
            announce()
        status = EXIT_STOPPED
    os._exit(status)


def _exit_now() -> NoReturn:
    """A second signal while the process waits to exit: kill what it started and go."""
    _kill_process_groups()
    announce()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(EXIT_STOPPED)
