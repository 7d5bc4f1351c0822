"""The behaviour check inside the user's Python program (copied by the judge as `_lessonl_check.py`).

The generated module calls `dual(original, rewrite, ...)` in place of the target function and
`hit(site)` in a function that can only be counted. This file runs in the USER's interpreter,
so it uses the standard library only (NumPy is looked at only when a value is a NumPy object,
never imported) and stays valid Python 3.8. It speaks the protocol of
`lessonl.behaviour.records`: JSON lines appended with one write each, `reached` at a process's
first call, `mismatch` once, `uncompared` once per (site, what), `summary` at exit.

Each checked call runs the original on deep copies of the arguments and the rewrite on the
caller's own arguments, so the caller sees exactly the rewrite's results and effects; the two
outcomes (return values, the arguments afterwards, exceptions, what the result aliases) are
then compared. Nothing here may break the user's program: a failure of the check itself
becomes an `uncompared` event and the rewrite's result is returned as usual.
"""
from __future__ import annotations

import atexit
import contextvars
import copy
import functools
import itertools
import json
import math
import os
import re
import reprlib
import sys
import threading
import types

_REPORT = os.environ.get("LESSONL_CHECK_REPORT", "")


def _read_phase():
    """LESSONL_CHECK_PHASE, else the file `phase` beside the report (written by the judge before
    each run, so that the environment is the same in every phase)."""
    if "LESSONL_CHECK_PHASE" in os.environ:
        return os.environ["LESSONL_CHECK_PHASE"]
    try:
        with open(os.path.join(os.path.dirname(_REPORT), "phase"), encoding="utf-8") as handle:
            return handle.read(31).strip()
    except (OSError, ValueError):
        return ""


_PHASE = _read_phase() if _REPORT else ""
_PROTOCOL = 1
_ORIGINAL = "original"
_REWRITE = "rewrite"  # also the guard's value while the check itself copies and compares


# ---- events ------------------------------------------------------------------------------------

def _emit(event, site, **fields):
    """One JSON line, one write(2) on an O_APPEND descriptor: processes appending at once never
    interleave. The file is opened per event (events are few) so that a program that closes
    every descriptor, or forks, can never make us write into one of its own files."""
    if not _REPORT:
        return
    record = {"v": _PROTOCOL, "event": event, "site": site, "phase": _PHASE, "pid": os.getpid()}
    record.update(fields)
    line = (json.dumps(record, ensure_ascii=True) + "\n").encode("ascii")
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(_REPORT, flags, 0o644)
    except OSError:
        return
    try:
        os.write(fd, line)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Site(object):
    """Counts of one target in this process and phase."""

    __slots__ = ("site", "calls", "checked", "reached", "stopped", "reported", "guard")

    def __init__(self, site):
        self.site = site
        # The guard says which version is running in this thread / asyncio task: a call of the
        # target made meanwhile goes straight to that version (recursion is compared once).
        self.guard = contextvars.ContextVar("lessonl_guard:" + site, default=None)
        self.reset()

    def reset(self):
        self.calls = 0
        self.checked = 0
        self.reached = False
        self.stopped = False  # after the first mismatch only the rewrite runs
        self.reported = set()  # `what`s already reported as uncompared


_sites = {}
_lock = threading.Lock()


def _site(site):
    st = _sites.get(site)
    if st is None:
        with _lock:
            st = _sites.setdefault(site, _Site(site))
    return st


def _count(st):
    """Counts a call; the first one in this process is reported at once."""
    st.calls += 1
    if not st.reached:
        with _lock:
            if not st.reached:
                st.reached = True
                _emit("reached", st.site)
    return st.calls


def _uncompared(st, what, why):
    if what not in st.reported:
        st.reported.add(what)
        _emit("uncompared", st.site, what=what, why=why)


def _mismatch(st, call, what, original, rewrite):
    st.stopped = True
    _emit("mismatch", st.site, call=call, what=what, original=original, rewrite=rewrite)


def _at_exit():
    for st in list(_sites.values()):
        if st.reached:
            _emit("summary", st.site, calls=st.calls, checked=st.checked)


def _forked():
    """A forked child is a process of its own: its counts start from zero."""
    global _lock
    _lock = threading.Lock()
    for st in list(_sites.values()):
        st.reset()


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


# ---- count mode --------------------------------------------------------------------------------

def hit(site: str) -> None:
    """Called first thing in the body of a function that can only be counted. A call straight
    from the function's own body (direct recursion, `yield from` itself) is not counted."""
    if not _REPORT:
        return
    frame = sys._getframe(1)
    back = frame.f_back
    if back is not None and back.f_code is frame.f_code:
        return
    _count(_site(site))


# ---- dual mode: building the wrapper -------------------------------------------------------------

class _Options(object):
    __slots__ = ("name", "params", "method", "max_calls", "rtol", "atol", "rtol_f32", "atol_f32", "ignore")

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self, key, value)


def dual(original, rewrite, site: str, name: str = "", params=(), method: bool = False,
         is_async: bool = False, max_calls: int = 100000, rtol: float = 1e-9, atol: float = 1e-12,
         rtol_f32: float = 1e-4, atol_f32: float = 1e-6, ignore=()):
    """What the target's name is bound to: the rewrite, with the original run beside it.

    `original` and `rewrite` are what their decorators produced (a function, an `lru_cache`
    wrapper, a `staticmethod` or `classmethod`); the result is of the rewrite's kind.
    `params` are the parameter names ("self", "items", "*args", "*", "**kw") for paths.
    `ignore` names parameters ("work", "args" for `*args`) whose contents after the call do not
    matter ([check] ignore): each version still gets its own copy, but they are not compared.
    """
    kind_o, func_o = _unwrap(original)
    kind_c, func_c = _unwrap(rewrite)
    name = name or getattr(func_c, "__name__", "function")
    st = _site(site)
    opts = _Options(name=name, params=tuple(params), method=bool(method and kind_c != "staticmethod"),
                    max_calls=max_calls, rtol=rtol, atol=atol, rtol_f32=rtol_f32, atol_f32=atol_f32,
                    ignore=frozenset(ignore))
    if kind_o != kind_c:
        why = "the original is a %s and the rewrite a %s: only the rewrite runs" % (kind_o, kind_c)
        wrapper = _forwarding(func_c, st, is_async, why)
    elif is_async:
        wrapper = _async_wrapper(func_o, func_c, st, opts)
    else:
        wrapper = _sync_wrapper(func_o, func_c, st, opts)
    _dress(wrapper, func_o, func_c, name)
    if kind_c == "staticmethod":
        return staticmethod(wrapper)
    if kind_c == "classmethod":
        return classmethod(wrapper)
    return wrapper


def _unwrap(obj):
    if isinstance(obj, staticmethod):
        return "staticmethod", obj.__func__
    if isinstance(obj, classmethod):
        return "classmethod", obj.__func__
    return "function", obj


def _dress(wrapper, func_o, func_c, name):
    """The wrapper looks like the rewrite under the target's own name, so that `__name__`,
    `__qualname__`, `inspect.signature` and pickling by qualified name all still work; an
    `lru_cache`d rewrite keeps `cache_info()`, and `cache_clear()` empties both caches."""
    functools.update_wrapper(wrapper, func_c)
    qualname = getattr(func_c, "__qualname__", name)
    head, dot, _ = qualname.rpartition(".")
    wrapper.__name__ = name
    wrapper.__qualname__ = head + dot + name
    if hasattr(func_c, "cache_info"):
        wrapper.cache_info = func_c.cache_info

        def cache_clear():
            for func in (func_o, func_c):
                clear = getattr(func, "cache_clear", None)
                if clear is not None:
                    clear()

        wrapper.cache_clear = cache_clear
        if hasattr(func_c, "cache_parameters"):
            wrapper.cache_parameters = func_c.cache_parameters


def _forwarding(func, st, is_async, why):
    """Counts calls and runs the rewrite alone (the two versions cannot be called alike)."""
    guard = st.guard

    def enter():
        if guard.get() is not None or not _REPORT:
            return False
        _count(st)
        _uncompared(st, "the function", why)
        return True

    if is_async:
        async def wrapper(*args, **kwargs):
            if not enter():
                return await func(*args, **kwargs)
            token = guard.set(_REWRITE)
            try:
                return await func(*args, **kwargs)
            finally:
                guard.reset(token)
        return wrapper

    def wrapper(*args, **kwargs):
        if not enter():
            return func(*args, **kwargs)
        return _run(guard, _REWRITE, func, args, kwargs)
    return wrapper


def _sync_wrapper(orig, cand, st, opts):
    guard = st.guard

    def wrapper(*args, **kwargs):
        running = guard.get()
        if running is not None:
            return (orig if running == _ORIGINAL else cand)(*args, **kwargs)
        if not _REPORT:
            return cand(*args, **kwargs)
        call = _count(st)
        copies = _prepare(st, opts, args, kwargs) if not st.stopped and st.checked < opts.max_calls else None
        if copies is None:
            return _run(guard, _REWRITE, cand, args, kwargs)
        first = _outcome(guard, _ORIGINAL, orig, copies[0], copies[1])
        second = _outcome(guard, _REWRITE, cand, args, kwargs)
        _settle(st, opts, call, copies, first, (args, kwargs), second)
        return _deliver(second)
    return wrapper


def _async_wrapper(orig, cand, st, opts):
    guard = st.guard

    async def wrapper(*args, **kwargs):
        running = guard.get()
        if running is not None:
            return await (orig if running == _ORIGINAL else cand)(*args, **kwargs)
        if not _REPORT:
            return await cand(*args, **kwargs)
        call = _count(st)
        copies = _prepare(st, opts, args, kwargs) if not st.stopped and st.checked < opts.max_calls else None
        if copies is None:
            token = guard.set(_REWRITE)
            try:
                return await cand(*args, **kwargs)
            finally:
                guard.reset(token)
        first = await _outcome_async(guard, _ORIGINAL, orig, copies[0], copies[1])
        second = await _outcome_async(guard, _REWRITE, cand, args, kwargs)
        _settle(st, opts, call, copies, first, (args, kwargs), second)
        return _deliver(second)
    return wrapper


def _run(guard, version, func, args, kwargs):
    token = guard.set(version)
    try:
        return func(*args, **kwargs)
    finally:
        guard.reset(token)


def _outcome(guard, version, func, args, kwargs):
    """(return value, exception) of one version."""
    token = guard.set(version)
    try:
        return func(*args, **kwargs), None
    except Exception as exc:
        return None, exc
    finally:
        guard.reset(token)


async def _outcome_async(guard, version, func, args, kwargs):
    token = guard.set(version)
    try:
        return await func(*args, **kwargs), None
    except Exception as exc:
        return None, exc
    finally:
        guard.reset(token)


def _deliver(outcome):
    value, exc = outcome
    if exc is not None:
        raise exc
    return value


# ---- dual mode: copying the arguments ----------------------------------------------------------

def _named(opts, args, kwargs):
    """(name, value, is the method's own self/cls) for every argument, as the caller passed it."""
    positional, star, double = [], "", ""
    names = set()
    for param in opts.params:
        if param.startswith("**"):
            double = param[2:]
        elif param.startswith("*"):
            star = star or param[1:] or "*"
        elif not star:
            positional.append(param)
            names.add(param)
        else:
            names.add(param)
    out = []
    for i, value in enumerate(args):
        if i < len(positional):
            name = positional[i]
        elif star and star != "*":
            name = "%s[%d]" % (star, i - len(positional))
        else:
            name = "args[%d]" % i
        out.append((name, value, opts.method and i == 0))
    for key, value in kwargs.items():
        name = key if key in names or not double else "%s[%r]" % (double, key)
        out.append((name, value, False))
    return out


def _prepare(st, opts, args, kwargs):
    """(args, kwargs, input scale): deep copies of the arguments for the original, and the scale
    of floating results (`_input_scale`, taken now, before either version can change them); None
    when the copies cannot be made (the call then runs the rewrite alone). Callables and modules
    are shared, not copied: both versions call the same callback; one memo keeps arguments that
    alias each other aliased."""
    guard = st.guard
    token = guard.set(_REWRITE)
    try:
        memo = {}
        named = _named(opts, args, kwargs)
        for name, value, is_self in named:
            if is_self:
                continue
            if _is_module(value):
                memo[id(value)] = value
            elif callable(value) and not isinstance(value, type):
                memo[id(value)] = value
                _uncompared(st, name, "a callable: both versions call it")
        seed = dict(memo)
        try:
            copies = copy.deepcopy((args, kwargs), memo)
        except Exception as exc:
            what, why = _copy_failure(named, seed, exc)
            _uncompared(st, what, why)
            return None
        try:
            scale = _input_scale([(name, value) for name, value, _ in named if _param_of(name) not in opts.ignore])
        except Exception:
            scale = 0.0  # an argument that refuses to be looked at: floats get no extra slack
        return copies[0], copies[1], scale
    finally:
        guard.reset(token)


def _copy_failure(named, seed, exc):
    for name, value, _ in named:
        try:
            copy.deepcopy(value, dict(seed))
        except Exception as inner:
            return name, "cannot be copied: " + _uncopyable(value, inner)
    return "the arguments", "cannot be copied: " + _uncopyable(None, exc)


def _uncopyable(value, exc):
    """The type that refused, as Python names it ("TextIOWrapper", "generator", "lock")."""
    named = re.search(r"pickle '?([A-Za-z_][\w.]*)'? object", str(exc))
    if named:
        return named.group(1).rpartition(".")[2]
    return type(value).__name__ if value is not None else type(exc).__name__


def _is_module(value):
    return type(value).__name__ == "module" and hasattr(value, "__spec__")


def _param_of(name):
    """The parameter an argument's path belongs to: "args[2]" -> "args", "kw['x']" -> "kw"."""
    return name.split("[", 1)[0]


# ---- dual mode: comparing ----------------------------------------------------------------------

def _settle(st, opts, call, copies, first, real, second):
    """Compare the two outcomes; the first difference becomes the process's mismatch. The check
    must never break the program: a failure of the comparison itself is only reported."""
    guard = st.guard
    token = guard.set(_REWRITE)
    cmp = _Comparer(opts, copies[2])
    try:
        found = _difference(cmp, opts, copies, first, real, second)
        for what, why in cmp.uncomparable:
            _uncompared(st, what, why)
        if found is not None:
            _mismatch(st, call, *found)
    except RecursionError:
        _uncompared(st, "return value", "too deeply nested to compare")
    except Exception as exc:
        _uncompared(st, "return value", "comparing failed: " + _short(exc))
    finally:
        guard.reset(token)
        st.checked += 1


def _difference(cmp, opts, copies, first, real, second):
    (value_o, exc_o), (value_c, exc_c) = first, second
    if exc_o is not None or exc_c is not None:
        if exc_o is not None and exc_c is not None and type(exc_o) is type(exc_c):
            return None
        return "exception", _ending(value_o, exc_o), _ending(value_c, exc_c)
    named_o = _named(opts, copies[0], copies[1])
    named_c = _named(opts, real[0], real[1])
    alias_o = _alias(value_o, [(n, v) for n, v, _ in named_o])
    alias_c = _alias(value_c, [(n, v) for n, v, _ in named_c])
    if alias_o != alias_c:
        return ("return value", alias_o or "a new " + type(value_o).__name__,
                alias_c or "a new " + type(value_c).__name__)
    found = cmp.diff(value_o, value_c, "return value")
    if found is not None:
        return found
    for (name, after_o, _), (_, after_c, _) in zip(named_o, named_c):
        if _param_of(name) in opts.ignore:
            continue  # [check] ignore: a scratch buffer or cache whose contents afterwards do not matter
        found = cmp.diff(after_o, after_c, name)
        if found is not None:
            return found
    return None


def _ending(value, exc):
    if exc is not None:
        return "raised " + _short(exc)
    return "returned " + _short(value)


_ATOMIC = (type(None), bool, int, float, complex, str, bytes, range, type(Ellipsis))
_IMMUTABLE = _ATOMIC + (tuple, frozenset)


def _alias(value, roots, budget=100000):
    """Where the returned object comes from when it is one of the arguments (or an object inside
    one, or a NumPy view of one): returning the caller's list instead of a new one is behaviour.
    None for a new object. Immutable values have no identity worth comparing."""
    if isinstance(value, _IMMUTABLE) or isinstance(value, type) or _is_module(value):
        return None
    for name, root in roots:
        if root is value:
            return "the argument `%s` itself" % name
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.ndarray):
        for name, root in roots:
            base = value.base
            while base is not None:
                if base is root:
                    return "a view of the argument `%s`" % name
                base = getattr(base, "base", None)
    left = [budget]
    for name, root in roots:
        path = _find_inside(value, root, name, left, 0, set())
        if path is not None:
            return "`%s` itself, from inside the arguments" % path
    return None


def _find_inside(value, holder, path, left, depth, seen):
    """Depth- and budget-limited search of containers and attributes; paths are only spelled
    out for what is found or descended into (a million-element argument costs no strings)."""
    if depth > 4 or left[0] <= 0 or id(holder) in seen:
        return None
    seen.add(id(holder))
    for key, item in _children(holder):
        left[0] -= 1
        if left[0] <= 0:
            return None
        if item is value:
            return _child_path(holder, path, key)
        if not isinstance(item, _ATOMIC):
            found = _find_inside(value, item, _child_path(holder, path, key), left, depth + 1, seen)
            if found is not None:
                return found
    return None


def _children(holder):
    if isinstance(holder, (list, tuple)):
        return enumerate(holder)
    if isinstance(holder, dict):
        return holder.items()
    attrs = getattr(holder, "__dict__", None)
    if isinstance(attrs, dict) and not isinstance(holder, type) and not _is_module(holder):
        return attrs.items()
    return ()


def _child_path(holder, path, key):
    if isinstance(holder, (list, tuple)):
        return "%s[%d]" % (path, key)
    if isinstance(holder, dict):
        return "%s[%s]" % (path, _short(key))
    return "%s.%s" % (path, key)


_FLAT = frozenset([type(None), bool, int, float, str, bytes])
_PLAIN = frozenset([type(None), bool, int, str, bytes])  # never floating, never holding floats
_SCALARS = _PLAIN | frozenset([float, complex])


# ---- floating point tolerance --------------------------------------------------------------------
#
# Two floats match when |a - b| <= atol + rtol * max(|a|, |b|) + 64 * eps * s, where eps is the
# machine epsilon of their type (Python float / float64, float32, float16) and s the SCALE of
# the value:
#   - an element of a container (list, tuple, dict values, NumPy array, nested): the largest
#     finite floating magnitude in that container on the original's side (computed once per
#     container comparison, and only when some element is not already within rtol / atol);
#   - a floating scalar (a return value, a float attribute): the sum of the finite floating
#     magnitudes in the call's INPUT arguments, taken before the call (`_input_scale`).
# Why: reassociating a sum of terms (math.fsum, pairwise numpy.sum, blocked partial sums)
# changes it by about eps times the sum of the magnitudes of its TERMS, not of its result, so a
# correct rewrite of a sum that cancels to nearly zero differs by far more than rtol * |result|.
# A dropped, doubled or wrong term changes it by about the size of that term, which is far
# larger than 64 * eps times the sum of all of them, so such bugs are still caught. Within a
# container, an element that cancels to nearly zero carries the rounding of terms as large as
# its neighbours, whose magnitudes stand in for them.
_SLACK = 64
_EPS = sys.float_info.epsilon  # Python float, float64
_SCALE_CAP = 10000000  # numbers looked at per scale: beyond, the scale is what was seen so far


def _floating(cls, np):
    """Python float and complex (subclasses too: numpy.float64), NumPy floating scalars."""
    if issubclass(cls, (float, complex)):
        return True
    return np is not None and issubclass(cls, (np.floating, np.complexfloating))


def _finite_magnitude(value):
    m = float(abs(value))
    return m if m - m == 0 else 0.0


def _input_scale(values):
    """The scale of floating scalars compared after this call: the sum of the finite floating
    magnitudes in the arguments `[(name, value)]`: floats, lists / tuples / dict values /
    attributes holding floats, NumPy float arrays, one level of nesting; at most _SCALE_CAP
    numbers looked at."""
    np = sys.modules.get("numpy")
    left = [_SCALE_CAP]
    total = 0.0
    for _, value in values:
        total += _magnitudes(value, 0, left, np)
        if left[0] <= 0:
            break
    return min(total, sys.float_info.max)


def _magnitudes(value, depth, left, np):
    cls = type(value)
    left[0] -= 1
    if cls is float or _floating(cls, np):
        return _finite_magnitude(value)
    if np is not None and isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            return _array_magnitudes(value, left, np)
        if value.dtype.kind != "O" or depth >= 1:
            return 0.0
        items = value.ravel()
    elif depth >= 2 or cls in _PLAIN or isinstance(value, type) or _is_module(value):
        return 0.0
    elif isinstance(value, (list, tuple)) or _is_deque(value):
        items = value
    elif isinstance(value, dict):
        items = value.values()
    else:
        attrs = getattr(value, "__dict__", None)
        if not isinstance(attrs, dict) or callable(value):
            return 0.0
        items = attrs.values()
    if len(items) > left[0]:
        items = list(itertools.islice(items, max(left[0], 0)))
    kinds = set(map(type, items))
    if kinds <= _SCALARS:  # the common case, at C speed: a list of floats
        left[0] -= len(items)
        if float not in kinds and complex not in kinds:
            return 0.0
        values = items if kinds == {float} else [v for v in items if type(v) is float or type(v) is complex]
        total = sum(map(abs, values))
        return total if total - total == 0 else sum(map(_finite_magnitude, values))
    total = 0.0
    for item in items:
        total += _magnitudes(item, depth + 1, left, np)
        if left[0] <= 0:
            break
    return total


def _array_magnitudes(value, left, np):
    """Sum of |x| over the finite elements of a float / complex array, in float64, in chunks
    (no temporary the size of a huge array)."""
    take = min(int(value.size), max(left[0], 0))
    left[0] -= int(value.size)
    flat = np.ravel(value, order="K")
    total = 0.0
    chunk = 1 << 16
    for start in range(0, take, chunk):
        part = np.abs(flat[start:min(start + chunk, take)])
        s = float(part.sum(dtype=np.float64))
        if s - s != 0:
            s = float(part[np.isfinite(part)].sum(dtype=np.float64))
        total += s
    return total


def _peak(root, np):
    """The scale of the elements of a container: its largest finite floating magnitude, nested
    containers included (lists, tuples, deques, dict values, NumPy arrays; not the attributes of
    objects inside, which are compared as scalars)."""
    best = 0.0
    left = _SCALE_CAP
    stack = [root]
    seen = set()
    while stack and left > 0:
        value = stack.pop()
        cls = type(value)
        left -= 1
        if cls is float or _floating(cls, np):
            best = max(best, _finite_magnitude(value))
            continue
        if np is not None and isinstance(value, np.ndarray):
            if value.dtype.kind in "fc" and value.size:
                best = max(best, _array_peak(value, np))
                continue
            if value.dtype.kind != "O":
                continue
            items = value.ravel()
        elif cls in _PLAIN or id(value) in seen:
            continue
        elif isinstance(value, (list, tuple)) or _is_deque(value):
            items = value
        elif isinstance(value, dict):
            items = list(value.values())
        else:
            continue
        seen.add(id(value))
        if len(items) > left:
            items = list(itertools.islice(items, max(left, 0)))
        kinds = set(map(type, items))
        if kinds <= _SCALARS:  # the common case, at C speed: a list of floats
            left -= len(items)
            if float not in kinds and complex not in kinds:
                continue
            values = items if kinds == {float} else [v for v in items if type(v) is float or type(v) is complex]
            m = max(map(abs, values), default=0.0)  # a NaN is skipped unless it comes first
            best = max(best, m if m - m == 0 else max(map(_finite_magnitude, values), default=0.0))
        else:
            stack.extend(items)
    return best


def _array_peak(value, np):
    """The largest finite |x| of a float / complex array, without temporaries the array's size
    where possible."""
    with np.errstate(all="ignore"):
        if value.dtype.kind == "f":
            m = max(float(value.max()), -float(value.min()))
            if m - m == 0:
                return m
        flat = np.ravel(value, order="K")
        best = 0.0
        chunk = 1 << 16
        for start in range(0, flat.size, chunk):
            part = np.abs(flat[start:start + chunk])
            m = float(part.max())
            if m - m != 0:
                finite = part[np.isfinite(part)]
                m = float(finite.max()) if finite.size else 0.0
            best = max(best, m)
        return best


class _Scale(object):
    """The scale of one container's elements, computed on first need."""

    __slots__ = ("container", "value")

    def __init__(self, container):
        self.container = container
        self.value = None

    def get(self, np):
        if self.value is None:
            self.value = _peak(self.container, np)
        return self.value


class _Comparer(object):
    """The first difference between two values as (what, original, rewrite), or None.

    Types must match exactly (list vs tuple, int vs bool, int vs float differ); floats match
    within the tolerance (see "floating point tolerance" above) and NaN matches NaN; containers
    match element by element (dicts in their iteration order, which callers can observe); NumPy
    arrays by shape, dtype and values; objects with their own `==` by it, other objects by their
    attributes.
    """

    def __init__(self, opts, scale=0.0):
        self.opts = opts
        self.scale = scale  # of floating scalars: `_input_scale` of this call
        self.seen = set()
        self.np = sys.modules.get("numpy")
        self.uncomparable = []  # (what, why): values the comparer could not judge (taken as equal)

    def diff(self, a, b, path, scale=None):
        """`scale`: the `_Scale` of the container `a` is inside, None outside containers."""
        ta, tb = type(a), type(b)
        if ta is not tb:
            return "type(%s)" % path, ta.__name__, tb.__name__
        if a is b:
            return None
        if isinstance(a, float):
            return self._number(a, b, path, self.opts.rtol, self.opts.atol, _EPS, scale)
        if ta in _FLAT or isinstance(a, (int, str, bytes, bytearray, range)):
            return None if a == b else (path, _short(a), _short(b))
        if isinstance(a, complex):
            return self._complex(a, b, path, self.opts.rtol, self.opts.atol, _EPS, scale)
        np = self.np
        if np is not None and isinstance(a, np.ndarray):
            return self._array(a, b, path, scale)
        if np is not None and isinstance(a, np.generic):
            return self._numpy_scalar(a, b, path, scale)
        if isinstance(a, type) or _is_module(a):
            return None if a is b else (path, _short(a), _short(b))
        if ta is types.MethodType:  # a bound method kept in an attribute: its object is compared elsewhere
            return None if a.__func__ is b.__func__ else (path, _short(a), _short(b))
        key = (id(a), id(b))
        if key in self.seen:
            return None  # a cycle: this pair is already being compared further up
        self.seen.add(key)
        if isinstance(a, (list, tuple)) or _is_deque(a):
            return _whole(self._sequence(a, b, path, scale or _Scale(a)), a, b, path)
        if isinstance(a, dict):
            return _whole(self._dict(a, b, path, scale or _Scale(a)), a, b, path)
        if isinstance(a, (set, frozenset)):
            return self._set(a, b, path)
        if _has_own_eq(ta):
            return self._equality(a, b, path)
        return self._attributes(a, b, path)

    def _slack(self, eps, scale):
        """64 * eps * the value's scale: the absolute error reassociation may add."""
        return _SLACK * eps * (scale.get(self.np) if scale is not None else self.scale)

    def _number(self, a, b, path, rtol, atol, eps, scale):
        if _close(a, b, rtol, atol) or _close(a, b, rtol, atol, self._slack(eps, scale)):
            return None
        return path, _short(a), _short(b)

    def _complex(self, a, b, path, rtol, atol, eps, scale):
        if _close(a.real, b.real, rtol, atol) and _close(a.imag, b.imag, rtol, atol):
            return None
        slack = self._slack(eps, scale)
        if _close(a.real, b.real, rtol, atol, slack) and _close(a.imag, b.imag, rtol, atol, slack):
            return None
        return path, _short(a), _short(b)

    def _sequence(self, a, b, path, scale):
        if len(a) != len(b):
            return "len(%s)" % path, str(len(a)), str(len(b))
        if _flat_equal(a, b):
            return None
        fields = getattr(type(a), "_fields", None)  # a namedtuple: paths by field name
        for i, (x, y) in enumerate(zip(a, b)):
            sub = "%s.%s" % (path, fields[i]) if fields and i < len(fields) else "%s[%d]" % (path, i)
            found = self.diff(x, y, sub, scale)
            if found is not None:
                return found
        return None

    def _dict(self, a, b, path, scale):
        keys_a, keys_b = list(a), list(b)
        for key in keys_a:
            if key not in b:
                return "%s[%s]" % (path, _short(key)), _short(dict.__getitem__(a, key)), "no such key"
        for key in keys_b:
            if key not in a:
                return "%s[%s]" % (path, _short(key)), "no such key", _short(dict.__getitem__(b, key))
        for i, (x, y) in enumerate(zip(keys_a, keys_b)):
            if type(x) is not type(y) and x == y:
                return "type(list(%s)[%d])" % (path, i), type(x).__name__, type(y).__name__
        if keys_a != keys_b:
            return "list(%s)" % path, _short(keys_a), _short(keys_b)
        for key in keys_a:
            found = self.diff(dict.__getitem__(a, key), dict.__getitem__(b, key), "%s[%s]" % (path, _short(key)),
                              scale)
            if found is not None:
                return found
        return None

    def _set(self, a, b, path):
        if a == b:
            return None
        for x in a:
            if x not in b:
                return path, _short(a), "%s (%s only in the original)" % (_short(b), _short(x))
        for x in b:
            if x not in a:
                return path, _short(a), "%s (%s only in the rewrite)" % (_short(b), _short(x))
        return path, _short(a), _short(b)

    def _equality(self, a, b, path):
        try:
            same = bool(a == b)
        except Exception:
            equals = getattr(a, "equals", None)  # pandas objects: `==` is elementwise
            if equals is None:
                self.uncomparable.append((path, "%s: `==` gives no single answer" % type(a).__name__))
                return None
            same = bool(equals(b))
        return None if same else (path, _short(a), _short(b))

    def _attributes(self, a, b, path):
        attrs_a, attrs_b = _attrs(a), _attrs(b)
        if attrs_a is None:
            if type(a) is not object and not callable(a):
                self.uncomparable.append((path, "%s has no `==` and no attributes to compare" % type(a).__name__))
            return None
        for key in attrs_a:
            if key not in attrs_b:
                return "%s.%s" % (path, key), _short(attrs_a[key]), "no such attribute"
        for key in attrs_b:
            if key not in attrs_a:
                return "%s.%s" % (path, key), "no such attribute", _short(attrs_b[key])
        for key in attrs_a:
            found = self.diff(attrs_a[key], attrs_b[key], "%s.%s" % (path, key))
            if found is not None:
                return found
        return None

    # NumPy: only ever reached when the program itself imported it
    def _tolerance(self, dtype):
        np = self.np
        small = (np.float16, np.float32, np.complex64)
        if dtype.type in small:
            return self.opts.rtol_f32, self.opts.atol_f32
        return self.opts.rtol, self.opts.atol

    def _array(self, a, b, path, scale):
        np = self.np
        if a.shape != b.shape:
            return "%s.shape" % path, _short(a.shape), _short(b.shape)
        if a.dtype != b.dtype:
            return "%s.dtype" % path, str(a.dtype), str(b.dtype)
        if a.size == 0:
            return None
        if a.dtype.kind == "O":
            scale = scale or _Scale(a)
            for index in np.ndindex(a.shape):
                found = self.diff(a[index], b[index], _index_path(path, index), scale)
                if found is not None:
                    return found
            return None
        if a.dtype.kind in "fc":
            rtol, atol = self._tolerance(a.dtype)
            with np.errstate(all="ignore"):
                ok = _close_array(np, a, b, atol, rtol)
                if not ok.all():
                    peak = scale.get(np) if scale is not None else _peak(a, np)
                    ok = _close_array(np, a, b, atol + _SLACK * float(np.finfo(a.dtype).eps) * peak, rtol)
        else:
            ok = np.asarray(a == b)
            if ok.shape != a.shape:
                return None if np.array_equal(a, b) else (path, _short(a), _short(b))
        if ok.all():
            return None
        index = tuple(int(i) for i in np.unravel_index(int(np.argmin(ok.ravel())), a.shape))
        return _index_path(path, index), _short(_item(a[index])), _short(_item(b[index]))

    def _numpy_scalar(self, a, b, path, scale):
        np = self.np
        if isinstance(a, np.floating):
            rtol, atol = self._tolerance(a.dtype)
            x, y = float(a), float(b)
            if _close(x, y, rtol, atol) or _close(x, y, rtol, atol, self._slack(float(np.finfo(a.dtype).eps), scale)):
                return None
            return path, _short(_item(a)), _short(_item(b))
        if isinstance(a, np.complexfloating):
            rtol, atol = self._tolerance(a.dtype)
            return self._complex(complex(a), complex(b), path, rtol, atol, float(np.finfo(a.dtype).eps), scale)
        return None if bool(a == b) else (path, _short(_item(a)), _short(_item(b)))


def _whole(found, a, b, path):
    """A difference inside a small container is shown as the two whole containers ("[3, 1, 2]"
    and "[1, 2, 3]" says more than "return value[0]": 3 and 1); inside a large one, by its path."""
    if found is None or found[0] == path or found[0].startswith("type(%s)" % path):
        return found
    whole_a, whole_b = _complete_repr(a), _complete_repr(b)
    if whole_a is None or whole_b is None or whole_a == whole_b:
        return found  # too long, or the reprs do not show the difference
    return path, whole_a, whole_b


def _complete_repr(value):
    if len(value) > 16:
        return None
    try:
        text = repr(value)
    except Exception:
        return None
    return text if len(text) <= 80 and "\n" not in text and " at 0x" not in text else None


def _close(a, b, rtol, atol, slack=0.0):
    if a == b or (a != a and b != b):
        return True
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b)) + slack


def _close_array(np, a, b, atol, rtol):
    """Elementwise `_close` (atol with the slack already added)."""
    return (a == b) | (np.isnan(a) & np.isnan(b)) | (
        np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))))


def _flat_equal(a, b):
    """Fast path for long sequences of plain values: equal by C-level `==`, element types too."""
    try:
        if a != b:
            return False
    except Exception:
        return False
    types_a = list(map(type, a))
    return _FLAT.issuperset(types_a) and types_a == list(map(type, b))


def _has_own_eq(cls):
    """A class with its own `==`, except generated ones (dataclasses, attrs), which compare the
    attributes exactly: those are compared attribute by attribute here, floats with tolerance."""
    eq = getattr(cls, "__eq__", None)
    if eq is None or eq is object.__eq__:
        return False
    code = getattr(eq, "__code__", None)
    return not (code is not None and code.co_filename.startswith("<"))


def _attrs(obj):
    """`__dict__` plus every `__slots__` entry that is set; None when the object has neither."""
    found = None
    d = getattr(obj, "__dict__", None)
    if isinstance(d, dict):
        found = dict(d)
    for cls in type(obj).__mro__:
        slots = cls.__dict__.get("__slots__")
        if slots is None:
            continue
        found = {} if found is None else found
        for slot in [slots] if isinstance(slots, str) else slots:
            if slot in ("__dict__", "__weakref__"):
                continue
            mangled = "_%s%s" % (cls.__name__.lstrip("_"), slot) if slot.startswith("__") else slot
            try:
                found[slot] = object.__getattribute__(obj, mangled)
            except AttributeError:
                pass
    return found


def _is_deque(value):
    return type(value).__name__ == "deque" and type(value).__module__ == "collections"


def _index_path(path, index):
    return "%s[%s]" % (path, ", ".join(str(i) for i in index)) if index else "%s[()]" % path


def _item(value):
    try:
        return value.item()
    except Exception:
        return value


_repr = reprlib.Repr()
_repr.maxstring = 76
_repr.maxother = 76
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxfrozenset = _repr.maxdict = 8
_repr.maxlevel = 3


def _short(value):
    """A short repr for events (~80 characters at most)."""
    try:
        text = _repr.repr(value)
    except Exception:
        text = "<%s object>" % type(value).__name__
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."
