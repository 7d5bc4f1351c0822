"""The profiler bootstrap for Python: copied as `sitecustomize.py` into a folder put first on
PYTHONPATH of the profiled commands, so every Python process those commands start (`{python}
bench.py`, pytest, a subprocess of either) profiles itself from its first line to its exit,
whatever the command looks like. Python imports `sitecustomize` on start-up by itself.

It does nothing unless LESSONL_PROFILE_OUT names a folder. Then:
- by default, cProfile runs from start-up and each process dumps `py-<pid>-<random>.prof` there at exit
  (a forked child starts its own profile);
- with LESSONL_PROFILE_LINES naming a JSON file of targets ([{"file", "start", "end",
  "name"}]), a line timer runs instead: a trace function that traces only the code objects of
  those functions (every other call returns at once) and adds the time from one line event to
  the next to the line (callees included, as a line profiler does), and counts each call's
  call site; once a function has had LESSONL_PROFILE_LINE_EVENTS line events timed (300 000,
  about half a second), the rest of that call and its later calls run untraced, which bounds
  the slowdown (a loop's lines are measured on its first iterations; a count, not seconds, so
  that a busy machine pausing the process does not end it early); each process writes
  `lines-<pid>-<random>.json`.
Then whatever `sitecustomize` the interpreter would have imported without us is run.
Standard library only, and valid Python 3.8+: it runs in the project's interpreter.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _tag():
    """Processes in a sandbox's own PID namespace get the same pids run after run."""
    return os.urandom(6).hex()


def _cprofile(out):
    import atexit
    import cProfile

    state = {}

    def begin():
        profile = cProfile.Profile()
        state["profile"], state["pid"] = profile, os.getpid()
        profile.enable()

    def finish():
        profile = state.get("profile")
        if profile is None or state.get("pid") != os.getpid():
            return
        profile.disable()
        try:
            os.makedirs(out, exist_ok=True)
            profile.dump_stats(os.path.join(out, "py-%d-%s.prof" % (os.getpid(), _tag())))
        except OSError:
            pass

    atexit.register(finish)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=begin)
    begin()


def _line_timer(out, spec_path):
    import atexit
    import json
    import threading
    import time

    with open(spec_path, encoding="utf-8") as handle:
        targets = json.load(handle)
    by_file = {}
    for index, target in enumerate(targets):
        by_file.setdefault(os.path.realpath(target["file"]), []).append((index, target))
    timer = time.perf_counter
    known = {}  # code object -> target index, -1 for every other function
    line_time = {}  # (index, line) -> seconds
    calls = {}  # (index, caller file, caller first line, caller name, call line) -> count
    pid = os.getpid()

    def match(code):
        for index, target in by_file.get(os.path.realpath(code.co_filename), ()):
            if code.co_name == target["name"] and target["start"] <= code.co_firstlineno <= target["end"]:
                return index
        return -1

    budget = int(os.environ.get("LESSONL_PROFILE_LINE_EVENTS") or "300000")
    spent = {}  # target index -> line events timed so far

    def trace(frame, event, arg):
        code = frame.f_code
        index = known.get(code)
        if index is None:
            index = known[code] = match(code)
        if index < 0:
            return None
        if spent.get(index, 0) >= budget:  # enough calls timed: the rest run untraced
            known[code] = -1
            return None
        back = frame.f_back
        if back is not None:
            site = (index, back.f_code.co_filename, back.f_code.co_firstlineno, back.f_code.co_name, back.f_lineno)
            calls[site] = calls.get(site, 0) + 1
        state = [frame.f_lineno, timer(), False]

        def local(frame, event, arg):
            if state[2]:
                return None
            key = (index, state[0])
            elapsed = timer() - state[1]
            line_time[key] = line_time.get(key, 0.0) + elapsed
            spent[index] = spent.get(index, 0) + 1
            if spent[index] >= budget:  # enough: the rest of this call, and later ones, untraced
                known[code] = -1
                state[2] = True
                frame.f_trace_lines = False  # returning None does not stop a frame's line events
                return None
            state[0] = frame.f_lineno
            state[1] = timer()
            return local

        return local

    def finish():
        if os.getpid() != pid:
            return
        sys.settrace(None)
        data = {"lines": [[i, line, t] for (i, line), t in line_time.items()],
                "calls": [list(site) + [n] for site, n in calls.items()]}
        try:
            os.makedirs(out, exist_ok=True)
            with open(os.path.join(out, "lines-%d-%s.json" % (pid, _tag())), "w", encoding="utf-8") as handle:
                json.dump(data, handle)
        except OSError:
            pass

    atexit.register(finish)
    threading.settrace(trace)
    sys.settrace(trace)


def _chain():
    """Run the sitecustomize the interpreter would have found without this folder."""
    import importlib.machinery
    import importlib.util

    rest = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None or not spec.origin or os.path.dirname(spec.origin) == _HERE:
        return
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:  # as Python's site.py: a broken sitecustomize must not stop the program
        pass


def _start():
    out = os.environ.get("LESSONL_PROFILE_OUT")
    if out:
        lines = os.environ.get("LESSONL_PROFILE_LINES")
        if lines:
            _line_timer(out, lines)
        else:
            _cprofile(out)
    _chain()


if __name__ == "sitecustomize":
    _start()
