"""Is a call inside a loop of its caller (tree-sitter on the caller's file)?"""
from __future__ import annotations

from lessonl.code import locate
from lessonl.profile.loops import call_in_loop

CPP = """\
double f(double);
double g(const double* x, int n) {
    double s = f(0);
    for (int i = 0; i < n; ++i) {
        s += f(x[i]);
    }
    int k = 0;
    do { s -= ns::h(s); } while (++k < 3);
    return s;
}
"""

PY = """\
def g(xs):
    first = f(0)
    total = sum(f(x) for x in xs)
    while total > 10:
        total = obj.h(total)
    return first
"""


def test_cpp_call_sites() -> None:
    g = locate(CPP, "cpp", "g.cpp", name="g")
    assert call_in_loop(CPP, g, "f", line=5)
    assert not call_in_loop(CPP, g, "f", line=3)
    assert call_in_loop(CPP, g, "ns::h", line=8)
    assert call_in_loop(CPP, g, "f")  # no line: any call of f in a loop
    assert not call_in_loop(CPP, g, "absent")


def test_python_call_sites() -> None:
    g = locate(PY, "python", "g.py", name="g")
    assert not call_in_loop(PY, g, "f", line=2)
    assert call_in_loop(PY, g, "f", line=3)  # a generator expression repeats its call
    assert call_in_loop(PY, g, "C.h")
