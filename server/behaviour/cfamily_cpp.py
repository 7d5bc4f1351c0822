"""The C++ wrapper: both versions run on every call, the compiler classifies the arguments.

The wrapper only names things; what to copy and how to compare is decided by the templates
of the runtime from `decltype(param)`, so templates, `auto` return types and any argument type
work the same way. Pointers are the exception: their extent is not in the type, so the
wrapper hands each pointer slot the count this generator found (or -1 for unknown).

Read-only inputs (a const reference, a pointer to const with a known count) are snapshot before
the call and compared with the caller's argument after both versions ran: the original runs
first, on the caller's own input, so it always sees it untouched, and a rewrite that writes
through a cast and does not restore is caught. A snapshot is dropped where the input lies in
what an output owns (it may change legitimately), and where the original itself changed it
(looked at only when some writable pointer is shared: everything else it writes is a copy).
"""
from __future__ import annotations

from .cfamily_extent import IGNORED_WHY, RETURNED_POINTER_WHY, UNKNOWN_WHY
from .cfamily_params import Param
from .cfamily_runtime import c_string, site_key
from .cfamily_target import Target

SELF_BIT = 62


def cpp_wrapper_body(t: Target, site: str, indent: str, unit: str = "    ") -> str:
    """The wrapper's body, from `{` to `}`, for a function whose header sits at `indent`."""
    k = site_key(site)
    ignored = t.ignored
    site_ref = f"&__lessonl_site_{k}()"
    fwd = ", ".join(f"static_cast<decltype({p.name})&&>({p.name})" for p in t.params)
    orig_args = ", ".join(f"__lessonl_p{p.index}.for_orig()" for p in t.params)
    cand = f"{_callee(t, 'cand', 'this->')}({fwd})"
    self_copy = t.member == "method"
    orig_on_copy = f"{_callee(t, 'orig', '__lessonl_self.for_orig().')}({orig_args})" if self_copy \
        else f"{_callee(t, 'orig', 'this->')}({orig_args})"
    i1, i2, i3, i4 = (indent + unit * n for n in range(1, 5))
    lines = ["{",
             f"{i1}::lessonl_rt::mode_guard __lessonl_g(__lessonl_mode_{k}());",
             f"{i1}if (__lessonl_g.previous == 1) return {_callee(t, 'orig', 'this->')}({fwd});",
             f"{i1}if (__lessonl_g.previous == 2) return {cand};",
             f"{i1}if (unsigned long long __lessonl_n = "
             f"::lessonl_rt::lessonl_enter({site_ref}, __lessonl_exit_{k})) {{"]
    slots = t.params
    for p in slots:
        lines.append(f"{i2}{_slot(t, p, p.index in ignored)}")
    if self_copy:
        lines.append(f"{i2}::lessonl_rt::slot<decltype(*this)> __lessonl_self(*this);")
    lines += [f"{i2}::lessonl_rt::alias({a}, {b});" for a, b in _alias_pairs(t)]
    watched = [p for p in slots if _watched(t, p)]
    writers = [f"__lessonl_p{p.index}" for p in slots if p.kind in ("pointer", "lref", "rref") and not p.const]
    if self_copy:
        writers.append("__lessonl_self")
    for p in watched:
        lines.append(f"{i2}__lessonl_p{p.index}.watch();")
        lines += [f"{i2}__lessonl_p{p.index}.spare({w});" for w in writers if w != f"__lessonl_p{p.index}"]
    ready = [f"__lessonl_p{p.index}.ready({site_ref}, {_bit(p)}, {c_string(p.name)})" for p in slots]
    if self_copy:
        ready.append(f"__lessonl_self.ready({site_ref}, {SELF_BIT}, \"*this\")")
    lines += [f"{i2}if ({' && '.join(ready) or 'true'}) {{",
              f"{i3}typedef decltype({cand}) __lessonl_R;",
              f"{i3}::lessonl_rt::outcome<__lessonl_R> __lessonl_ro, __lessonl_rc;",
              *_input_scale(t, site_ref, i3, unit),
              f"{i3}__lessonl_g.set(1);",
              f"{i3}__lessonl_ro.run([&]() -> __lessonl_R {{ return {orig_on_copy}; }});",
              *[f"{i3}__lessonl_p{p.index}.settle({site_ref});" for p in watched if t.shares_writable_pointer],
              f"{i3}__lessonl_g.set(2);",
              f"{i3}__lessonl_rc.run([&]() -> __lessonl_R {{ return {cand}; }});",
              *_late_input_scale(t, watched, site_ref, i3, unit),
              f"{i3}::lessonl_rt::diff __lessonl_d({site_ref}, __lessonl_n);",
              f"{i3}__lessonl_d.c.scale = __lessonl_in;",
              f"{i3}if (::lessonl_rt::both_returned(__lessonl_d, __lessonl_ro, __lessonl_rc)) {{"]
    for p in slots:  # `T&&` too: a forwarding reference bound to an lvalue is compared
        if p.kind in ("pointer", "lref", "rref") and p.index not in ignored:
            lines.append(f"{i4}__lessonl_p{p.index}.compare(__lessonl_d, {_bit(p)}, {c_string(p.name)});")
    if self_copy:
        lines.append(f"{i4}__lessonl_self.compare(__lessonl_d, {SELF_BIT}, \"*this\");")
    if t.returns == "pointer" and t.return_extent:
        lines.append(f"{i4}::lessonl_rt::compare_return_span(__lessonl_d, __lessonl_ro, __lessonl_rc, "
                     f"static_cast<long long>({t.return_extent}));")
    else:
        lines.append(f"{i4}::lessonl_rt::compare_return(__lessonl_d, __lessonl_ro, __lessonl_rc);")
    lines += [f"{i3}}}",
              f"{i3}::lessonl_rt::lessonl_finish(&__lessonl_d.c);",
              f"{i3}return __lessonl_rc.get();",
              f"{i2}}}",
              f"{i1}}}",
              f"{i1}__lessonl_g.set(2);",
              f"{i1}return {cand};",
              f"{indent}}}"]
    return "\n".join(lines)


def cpp_lists(t: Target) -> tuple[list[str], list[tuple[str, str]]]:
    """What the wrapper compares, and what it leaves alone with the reason, for the verdict."""
    compared: list[str] = []
    not_compared: list[tuple[str, str]] = []
    for p in t.params:
        if p.index in t.ignored and p.kind in ("pointer", "lref", "rref"):
            not_compared.append((p.name, IGNORED_WHY))
        elif _watched(t, p):
            extent = t.extents.get(p.index)
            shown = f"{p.name}[0..{extent.expr})" if p.kind == "pointer" and extent is not None else p.name
            compared.append(f"{shown} (unchanged)")
        elif p.kind == "pointer" and not p.const:
            extent = t.extents.get(p.index)
            if p.void_pointee:
                not_compared.append((p.name, "an untyped pointer (void *): LessonL cannot copy what it points to"))
            elif extent is not None and extent.expr is not None:
                compared.append(f"{p.name}[0..{extent.expr})")
            else:
                not_compared.append((p.name, UNKNOWN_WHY))
        elif p.kind == "lref" and not p.const:
            compared.append(p.name)
        elif p.kind == "rref" and not p.const and p.type_text in t.template_args:
            compared.append(f"{p.name} (when it is an lvalue)")  # a forwarding reference
        elif p.kind == "rref" and not p.const:
            not_compared.append((p.name, "an rvalue reference: the original gets a copy it may consume"))
    if t.member == "method":
        compared.append("*this")
    compared_return, why = return_lists(t)
    if compared_return:
        compared.append(compared_return)
    if why:
        not_compared.append(("return value", why))
    return compared, not_compared


def return_lists(t: Target) -> tuple[str, str]:
    """("what of the return value is compared", "why it is not") for either language."""
    if t.returns == "void":
        return "", ""
    if t.returns == "pointer":
        if t.return_extent:
            return f"return value[0..{t.return_extent})", ""
        return "", RETURNED_POINTER_WHY
    return "return value", ""


def _callee(t: Target, which: str, member_prefix: str) -> str:
    """`__lessonl_orig_f<T>`, or `this->template __lessonl_orig_f<T>` for a member."""
    targs = f"<{', '.join(t.template_args)}>" if t.template_args else ""
    name = f"__lessonl_{which}_{t.copy_suffix}"
    if t.member in ("const", "method"):
        return f"{member_prefix}{'template ' if targs else ''}{name}{targs}"
    return f"{name}{targs}"


def _watched(t: Target, p: Param) -> bool:
    """A read-only input the wrapper snapshots: a const reference (the compiler decides whether
    its type can be copied and compared), a pointer to const with a known count."""
    if p.index in t.ignored or not p.const:
        return False
    if p.kind in ("lref", "rref"):
        return True
    extent = t.extents.get(p.index)
    return p.kind == "pointer" and p.depth == 1 and not p.void_pointee and extent is not None \
        and extent.expr is not None


def _float_outs(t: Target) -> list[Param]:
    return [p for p in t.params if p.kind in ("pointer", "lref") and not p.const and p.index not in t.ignored]


def _late_input_scale(t: Target, watched: list[Param], site_ref: str, i3: str, unit: str) -> list[str]:
    """The snapshots' part of `__lessonl_in`, taken after both versions ran and only when a
    floating scalar result is not the same bytes in both (else the scale is not needed)."""
    if not watched:
        return []
    i4 = i3 + unit
    differs = ["(::lessonl_rt::returns_float<__lessonl_R>::value && ::lessonl_rt::differs(__lessonl_ro, __lessonl_rc))",
               *[f"__lessonl_p{p.index}.float_out_differs()" for p in _float_outs(t)]]
    return [f"{i3}if ({' || '.join(differs)}) {{",
            f"{i4}::lessonl_rt::diff __lessonl_sd({site_ref}, 0);",
            f"{i4}::lessonl_rt::lessonl_scan_begin(&__lessonl_sd.c, 2);",
            *[f"{i4}__lessonl_p{p.index}.scan_kept(__lessonl_sd);" for p in watched],
            f"{i4}__lessonl_in += __lessonl_sd.c.scan_sum;",
            f"{i3}}}"]


def _input_scale(t: Target, site_ref: str, i3: str, unit: str) -> list[str]:
    """`__lessonl_in`: the sum of the floating magnitudes in the inputs, taken before the call
    when a floating scalar comes out (see lessonl_close in the runtime); inputs with a snapshot
    are left to `_late_input_scale`."""
    ignored = t.ignored
    outs = [f"__lessonl_p{p.index}.float_out()" for p in _float_outs(t)]
    scans = [f"if (!__lessonl_p{p.index}.kept()) __lessonl_p{p.index}.scan(__lessonl_sd);" if _watched(t, p)
             else f"__lessonl_p{p.index}.scan(__lessonl_sd);" for p in t.params if p.index not in ignored]
    if t.member == "method":
        scans.append("__lessonl_self.scan(__lessonl_sd);")
    elif t.member == "const":
        scans.append("::lessonl_rt::scan_value(__lessonl_sd, *this);")
    if not scans:
        return [f"{i3}long double __lessonl_in = 0;"]
    i4 = i3 + unit
    return [f"{i3}long double __lessonl_in = 0;",
            f"{i3}if ({' || '.join(['::lessonl_rt::returns_float<__lessonl_R>::value', *outs])}) {{",
            f"{i4}::lessonl_rt::diff __lessonl_sd({site_ref}, 0);",
            f"{i4}::lessonl_rt::lessonl_scan_begin(&__lessonl_sd.c, 2);",
            *[f"{i4}{s}" for s in scans],
            f"{i4}__lessonl_in = __lessonl_sd.c.scan_sum;",
            f"{i3}}}"]


def _slot(t: Target, p: Param, ignored: bool = False) -> str:
    if p.kind == "pointer":
        extent = t.extents.get(p.index)
        count = f"static_cast<long long>({extent.expr})" if extent is not None and extent.expr is not None else "-1"
        kind = _ignored(f"::lessonl_rt::ptr_slot<decltype({p.name})>", ignored)
        return f"{kind} __lessonl_p{p.index}({p.name}, {count});"
    return f"{_ignored(f'::lessonl_rt::slot<decltype({p.name})>', ignored)} __lessonl_p{p.index}({p.name});"


def _ignored(slot: str, ignored: bool) -> str:
    return f"::lessonl_rt::ignored<{slot}>" if ignored else slot


def _alias_pairs(t: Target) -> list[tuple[str, str]]:
    """Every (parameter, other) that may share memory: the first redirect of each one wins."""
    shared = [p for p in t.params if p.kind in ("pointer", "lref", "rref") and not p.void_pointee]
    pairs = [(f"__lessonl_p{a.index}", f"__lessonl_p{b.index}") for a in shared for b in shared if a.index != b.index]
    if t.member == "method":
        pairs += [(f"__lessonl_p{a.index}", "__lessonl_self") for a in shared if a.kind != "pointer"]
    return pairs


def _bit(p: Param) -> int:
    return min(p.index + 1, SELF_BIT - 1)
