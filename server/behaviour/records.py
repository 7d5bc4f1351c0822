"""Records and the wire protocol of the behaviour check (dual execution).

The behaviour check builds the target function twice in a separate scratch slot: the original
under one private name, the candidate under another, and in place of the target a generated
wrapper that, on every call, copies the arguments, calls both, and compares the return values
and every argument the function may change. The user's test and benchmark commands then run
once each (untimed) on that build, so every real call they make becomes a check.

The generators (`lessonl.behaviour.cfamily` for C and C++, `lessonl.behaviour.python` for
Python) turn a file into its instrumented text; the wrappers they generate report through one
protocol, read back by `lessonl.behaviour.report`:

Environment of the instrumented processes
  LESSONL_CHECK_REPORT  absolute path of a JSON Lines file; each event is ONE line written with
                        ONE write(2) on a descriptor opened with O_APPEND (several processes
                        may append at once). Unset: the wrapper forwards to the candidate and
                        reports nothing (someone ran the scratch build by hand).
  LESSONL_CHECK_PHASE   "tests" or "benchmark": which command is running; when unset, the
                        first line of the file `phase` beside the report ("" when neither).
                        The judge writes that file, so candidate commands see the same
                        environment in every phase.

Events (every line has "v": 1, "event", "site", "phase", "pid")
  reached      the first call of `site` in this process (written at once, so a process that
               later dies without running its exit handlers still proves the call).
  mismatch     the first difference in this process: "call" (1-based number of the call of
               `site` in this process and phase), "what" (a path in the language's own syntax:
               "return value", "y[1000000]", "y.size()", "len(return value)",
               "return value[2].first", "std::get<1>(return value)", "*this", "self.total",
               "type(return value)", "exception"), "original" and "rewrite" (the two values as
               short text: "6.5", "4.0", "[1, 2, 3]", "raised ValueError('x')", 'threw "msg"',
               "returned normally", "the argument `items` itself"). Arguments are compared
               before the return value: an element of an output says more than a sum of them.
               After a mismatch the wrapper stops comparing and forwards to the candidate.
  uncompared   something the wrapper found it cannot compare, once per process and (site, what):
               "what" (a name) and "why" ("its type has no operator== and is not a
               container", "cannot be copied: TextIOWrapper").
  summary      at process exit, one per process that reached `site` (also when the target's
               file is compiled into several translation units): "calls" (every call of `site`
               in this process and phase) and "checked" (how many of them ran both versions
               and compared; calls whose arguments could not be copied ran the candidate only).

Recursion: a call of the target made while the original (or the candidate) runs goes straight
to that same version, uncounted and unchecked, so a recursive function is compared once per
outermost call. Calls beyond `max_calls` per process and phase are only counted (forwarded to
the candidate), so a benchmark that calls a tiny function a billion times stays fast.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

REPORT_ENV = "LESSONL_CHECK_REPORT"
PHASE_ENV = "LESSONL_CHECK_PHASE"
PHASES = ("tests", "benchmark")
PROTOCOL_VERSION = 1
PRIVATE_PREFIX = "lessonl_"  # generated names start with __lessonl_ (C, C++) or _lessonl_ (Python)


@dataclass(frozen=True)
class CheckSettings:
    """[check] of lessonl.toml, as the generators need it."""

    # Floats match when |a - b| <= atol + rtol * max(|a|, |b|) + 64 * eps * s, eps the type's
    # machine epsilon and s the value's scale: for an element of a container, the largest
    # magnitude in that container (original's side); for a scalar, the sum of the magnitudes of
    # the floating inputs (reassociating a sum moves it by about eps times the size of its terms).
    rtol: float = 1e-9  # double / Python float / float64
    atol: float = 1e-12
    rtol_f32: float = 1e-4  # C/C++ float, NumPy float32 / float16
    atol_f32: float = 1e-6
    max_calls: int = 100_000  # calls compared per process and phase; later calls are only counted
    # Element counts of C/C++ pointer parameters, as C expressions of the other parameters:
    # key "param" (any function) or "function.param" (qualified or bare name: "ns::f.out", "f.out"), plus
    # "return" / "function.return" for a returned pointer. Value e.g. "n", "n * n", "rows*cols".
    lengths: Mapping[str, str] = field(default_factory=dict)
    # Parameters whose contents after the call do not matter (scratch buffers, caches): each
    # version still gets its own copy, but they are not compared. Key "param" or
    # "function.param", like `lengths`.
    ignore: tuple[str, ...] = ()


@dataclass
class Instrumented:
    """The target file as the check slot builds it."""

    text: str  # the whole file's new text
    mode: str  # "dual": both versions run and are compared | "count": the candidate alone, calls counted
    site: str  # the id every event of this target carries, e.g. "kernels.cpp::matmul"
    compared: list[str] = field(default_factory=list)  # e.g. ["return value", "y", "out[0..n)"]
    not_compared: list[tuple[str, str]] = field(default_factory=list)  # (what, why), e.g. ("ctx", "an opaque pointer")
    reason: str = ""  # mode "count": why there is no dual check, in words for the verdict
    # Effects outside the arguments seen by reading the code ("calls printf", "assigns the global
    # `hits`", "uses `global`"): hints only. Whether the dual check applies is decided by running
    # the original against itself first (the judge's reference run); these explain a failure.
    effects: list[str] = field(default_factory=list)


class InstrumentError(Exception):
    """Not even a call counter can be put into this function (a C++ constexpr function, a
    Python function compiled by a JIT decorator, a rewrite that is not in the file at all):
    the message says why, in words for the verdict."""
