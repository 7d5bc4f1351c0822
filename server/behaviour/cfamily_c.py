"""The C wrapper: both versions run on every call, chosen comparisons from the file's types.

Without templates, everything the wrapper does is spelled out here: `__typeof__` copies of
the pointers that may be written (their extent found by `cfamily_extent`), snapshots of the
read-only ones with a known extent (compared after both versions ran: the original runs first,
on the caller's own input, so a rewrite that writes through a cast and does not restore is
caught), the comparison of each element and of the return value (`cfamily_ctypes`), the input
scale of floating scalars (see lessonl_close in the runtime), and the recursion guard, restored
by `__attribute__((cleanup))` on every way out. Declarations come first in every block, so the
text is valid C89 as well as C99 and later.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .cfamily_ctypes import Comparison, CTypes
from .cfamily_extent import IGNORED_WHY, RETURNED_POINTER_WHY, UNKNOWN_WHY
from .cfamily_params import Param
from .cfamily_runtime import c_string, site_key
from .cfamily_target import Target


@dataclass
class CPlan:
    """What the C wrapper does with each parameter and with the return value."""

    copied: list[tuple[Param, str, Comparison]] = field(default_factory=list)  # (param, count, comparison)
    watched: list[tuple[Param, str, Comparison]] = field(default_factory=list)  # read-only, snapshot: same
    shared: list[Param] = field(default_factory=list)  # pointers both versions get as they are
    counts: dict[int, str] = field(default_factory=dict)  # every pointer's known count, by index
    elements: dict[int, Comparison] = field(default_factory=dict)  # how each counted pointer's elements compare
    ret: Comparison = Comparison(None)
    scale: str = ""  # C condition: take the input scale before the call ("" never)
    scans: list[str] = field(default_factory=list)  # before the call: inputs without a snapshot, into `__lessonl_d`
    late_scans: list[str] = field(default_factory=list)  # after it, when needed: the snapshots
    differs: str = ""  # C condition after both ran: a floating scalar result is not the same bytes
    scanned: set[int] = field(default_factory=set)  # pointers those statements read
    compared: list[str] = field(default_factory=list)
    not_compared: list[tuple[str, str]] = field(default_factory=list)


def c_plan(t: Target, types: CTypes) -> CPlan:
    plan = CPlan()
    for p in t.params:
        if p.kind != "pointer":
            continue
        extent = t.extents.get(p.index)
        if extent is not None and extent.expr is not None and not p.void_pointee:
            plan.counts[p.index] = extent.expr
            if p.index not in t.ignored:
                plan.elements[p.index] = types.compare(p.type_node, p.depth - 1, f"{p.name}[i]")
        if p.index in t.ignored:
            plan.not_compared.append((p.name, IGNORED_WHY))
            if p.writable_pointer and p.index in plan.counts:  # its own copy each, never compared
                plan.copied.append((p, plan.counts[p.index], Comparison(None, IGNORED_WHY)))
            else:
                plan.shared.append(p)
            continue
        if not p.writable_pointer:
            if p.void_pointee and not p.const:
                plan.not_compared.append((p.name, "an untyped pointer (void *): LessonL cannot copy what it points to"))
            comparison = plan.elements.get(p.index)
            if comparison is not None and comparison.fn is not None:
                plan.watched.append((p, plan.counts[p.index], comparison))
                plan.compared.append(f"{p.name}[0..{plan.counts[p.index]}) (unchanged)")
            plan.shared.append(p)
            continue
        if p.index not in plan.counts:
            plan.not_compared.append((p.name, UNKNOWN_WHY))
            plan.shared.append(p)
            continue
        comparison = plan.elements[p.index]
        plan.copied.append((p, plan.counts[p.index], comparison))
        if comparison.fn is not None:
            plan.compared.append(f"{p.name}[0..{plan.counts[p.index]})")
        else:
            plan.not_compared.append((f"{p.name}[0..{plan.counts[p.index]})", comparison.why))
    if t.returns == "value":
        plan.ret = types.compare(t.return_type, 0, "return value")
        if plan.ret.fn is not None:
            plan.compared.append("return value")
        else:
            plan.not_compared.append(("return value", plan.ret.why))
    elif t.returns == "pointer":
        if t.return_extent:
            plan.ret = types.compare(t.return_type, t.return_depth - 1, "return value[i]")
            if plan.ret.fn is not None:
                plan.compared.append(f"return value[0..{t.return_extent})")
            else:
                plan.not_compared.append(("return value", plan.ret.why))
        else:
            plan.not_compared.append(("return value", RETURNED_POINTER_WHY))
    plan.not_compared += types.notes
    _input_scale(t, types, plan)
    return plan


def _input_scale(t: Target, types: CTypes, plan: CPlan) -> None:
    """When a floating scalar comes out (a returned value, a 1-element pointer output), the
    statements that add up the floating magnitudes of the inputs: before the call for inputs
    without a snapshot; for the snapshots of read-only ones only after both versions ran, and
    only when such a result is not the same bytes in both (else the scale is not needed)."""
    conditions, differs = [], []
    if t.returns == "value" and types.may_hold_float(plan.ret.fn):
        conditions.append("1")
        differs.append("memcmp(&__lessonl_ro, &__lessonl_rc, sizeof __lessonl_ro)")
    for p, _, comparison in plan.copied:
        if comparison.fn is not None and types.may_hold_float(comparison.fn):
            conditions.append(f"__lessonl_k{p.index} == 1")
            differs.append(f"(__lessonl_k{p.index} == 1 && memcmp(__lessonl_a{p.index}, {p.name}, sizeof *({p.name})))")
    if not conditions:
        return
    plan.scale = "1" if "1" in conditions else " || ".join(conditions)
    plan.differs = " || ".join(differs)
    watched = {q.index for q, _, _ in plan.watched}
    for p in t.params:
        if p.index in t.ignored:
            continue
        if p.kind == "pointer":
            comparison = plan.elements.get(p.index)
            if comparison is not None and types.may_hold_float(comparison.fn):
                fn = comparison.fn.format(x=f"*({p.name})")
                scan = f"lessonl_eq_span({p.name}, {p.name}, __lessonl_k{p.index}, sizeof *({p.name}), {fn}, &__lessonl_d);"
                if p.index in watched:
                    plan.scans.append(f"if (!__lessonl_s{p.index}) {scan}")
                    plan.late_scans.append(f"if (__lessonl_s{p.index}) lessonl_eq_span(__lessonl_s{p.index}, "
                                           f"__lessonl_s{p.index}, __lessonl_k{p.index}, sizeof *({p.name}), {fn}, "
                                           "&__lessonl_d);")
                else:
                    plan.scans.append(scan)
                plan.scanned.add(p.index)
        elif p.kind == "value" and not p.indirect and not p.integer:
            comparison = types.compare(p.type_node, 0, p.name)
            if types.may_hold_float(comparison.fn):
                fn = comparison.fn.format(x=p.name)
                plan.scans.append(f"{fn}(&{p.name}, &{p.name}, &__lessonl_d);")


def c_wrapper_body(t: Target, plan: CPlan, site: str, indent: str, unit: str = "    ") -> str:
    """The wrapper's body, from `{` to `}`, for a function whose header sits at `indent`."""
    k = site_key(site)
    i1, i2, i3 = (indent + unit * n for n in range(1, 4))
    orig, cand = f"__lessonl_orig_{t.copy_suffix}", f"__lessonl_cand_{t.copy_suffix}"
    args = ", ".join(p.name for p in t.params)
    void = t.returns == "void"

    def call(fn: str) -> str:
        return f"{{ {fn}({args}); return; }}" if void else f"return {fn}({args});"

    return "\n".join(["{",
                      f"{i1}int __lessonl_prev __attribute__((cleanup(__lessonl_restore_{k}))) = __lessonl_mode_{k};",
                      f"{i1}unsigned long long __lessonl_n;",
                      f"{i1}if (__lessonl_prev == 1) {call(orig)}",
                      f"{i1}if (__lessonl_prev == 2) {call(cand)}",
                      f"{i1}__lessonl_n = lessonl_enter(&__lessonl_site_{k}, __lessonl_exit_{k});",
                      f"{i1}if (__lessonl_n) {{",
                      *_copies(t, plan, k, i2, i3),
                      f"{i2}{{",
                      *_run_and_compare(t, plan, k, i3),
                      f"{i2}}}",
                      f"{i1}}}",
                      f"{i1}__lessonl_mode_{k} = 2;",
                      f"{i1}{call(cand)}",
                      f"{indent}}}"])


def _pointers(t: Target) -> list[Param]:
    return [p for p in t.params if p.kind == "pointer" and not p.void_pointee]


def _copies(t: Target, plan: CPlan, k: str, i2: str, i3: str) -> list[str]:
    """Declarations first (C89): counts, copies, snapshots, what the original gets
    (`__lessonl_a<i>`); then the statements that make the original see the caller's aliasing on
    its copies, drop the snapshots of inputs that lie in a copied output (they may change
    legitimately), and take the input scale."""
    pointers = _pointers(t)
    copied = {p.index for p, _, _ in plan.copied}
    watched = {p.index for p, _, _ in plan.watched}
    pairs = [(p, q) for p in pointers for q in pointers if q.index != p.index and q.index in copied]
    involved = copied | watched | plan.scanned | {p.index for pair in pairs for p in pair}
    lines: list[str] = []
    for p in pointers:
        if p.index in involved:
            count = plan.counts.get(p.index)
            lines.append(f"{i2}long long __lessonl_k{p.index} = {f'(long long)({count})' if count else '-1'};")
    kept = [p for p in pointers if p.index in copied or p.index in watched]
    if kept:
        rooms = " + ".join(f"lessonl_room({p.name}, __lessonl_k{p.index}, sizeof *({p.name}))" for p in kept)
        lines += [f"{i2}unsigned long __lessonl_used = 0;",
                  f"{i2}char *__lessonl_block = (char *)malloc({rooms} + 1);"]
    for p in pointers:
        if p.index in copied:
            lines.append(f"{i2}__typeof__(&*({p.name})) __lessonl_c{p.index} = (__typeof__(&*({p.name})))"
                         f"lessonl_carve(__lessonl_block, &__lessonl_used, {p.name}, __lessonl_k{p.index}, "
                         f"sizeof *({p.name}));")
    for p in pointers:
        if p.index in watched:
            lines += [f"{i2}void *__lessonl_s{p.index} = lessonl_carve(__lessonl_block, &__lessonl_used, {p.name}, "
                      f"__lessonl_k{p.index}, sizeof *({p.name}));",
                      f"{i2}int __lessonl_u{p.index} = 0;"]
    for p in pointers:
        source = f"__lessonl_c{p.index} ? __lessonl_c{p.index} : {p.name}" if p.index in copied else p.name
        lines.append(f"{i2}__typeof__(&*({p.name})) __lessonl_a{p.index} = {source};")
    for index in dict.fromkeys(p.index for p, _ in pairs):
        lines.append(f"{i2}int __lessonl_r{index} = 0;")
    lines.append(f"{i2}struct lessonl_diff __lessonl_d;")
    if plan.scale:
        lines.append(f"{i2}long double __lessonl_in = 0;")
    for p, q in pairs:
        lines += [
            f"{i2}if (!__lessonl_r{p.index} && __builtin_types_compatible_p(__typeof__(*({p.name})), "
            f"__typeof__(*({q.name})))) {{",
            f"{i3}const void *__lessonl_at = lessonl_alias({p.name}, __lessonl_k{p.index}, {q.name}, "
            f"__lessonl_a{q.index} != {q.name} ? (const void *)__lessonl_a{q.index} : (const void *)0, "
            f"__lessonl_k{q.index}, sizeof *({q.name}));",
            f"{i3}if (__lessonl_at) {{ __lessonl_a{p.index} = (__typeof__(&*({p.name})))__lessonl_at; "
            f"__lessonl_r{p.index} = 1; }}",
            f"{i2}}}"]
    for p, _, _ in plan.watched:
        outputs = [f"lessonl_overlap({p.name}, (unsigned long)__lessonl_k{p.index} * sizeof *({p.name}), {q.name}, "
                   f"(unsigned long)__lessonl_k{q.index} * sizeof *({q.name}))"
                   for q in pointers if q.index in copied]
        moved = " || ".join([f"__lessonl_a{p.index} != {p.name}", *outputs])
        lines.append(f"{i2}if (__lessonl_s{p.index} && ({moved})) __lessonl_s{p.index} = 0;")
    if plan.scale:
        lines += [f"{i2}if ({plan.scale}) {{",
                  f"{i3}lessonl_diff_init(&__lessonl_d, &__lessonl_site_{k}, 0);",
                  f"{i3}lessonl_scan_begin(&__lessonl_d, 2);",
                  *[f"{i3}{s}" for s in plan.scans],
                  f"{i3}__lessonl_in = __lessonl_d.scan_sum;",
                  f"{i2}}}"]
    return lines


def _run_and_compare(t: Target, plan: CPlan, k: str, i3: str) -> list[str]:
    """The original on the copies (and on the caller's read-only inputs, which it must leave as
    they were), the rewrite on the caller's arguments, then the comparisons (arguments first: an
    element pinpoints a bug better than a sum), the report, the result."""
    orig, cand = f"__lessonl_orig_{t.copy_suffix}", f"__lessonl_cand_{t.copy_suffix}"
    pointers = {p.index for p in _pointers(t)}
    args = ", ".join(p.name for p in t.params)
    orig_args = ", ".join(f"__lessonl_a{p.index}" if p.index in pointers else p.name for p in t.params)
    void = t.returns == "void"
    # the original left a read-only input as it was: then the rewrite must too. Only a pointer both
    # get as it is lets the original change it in the caller's memory (all else it writes are copies)
    settle = [f"__lessonl_u{p.index} = __lessonl_s{p.index} && !memcmp(__lessonl_s{p.index}, {p.name}, "
              f"(unsigned long)__lessonl_k{p.index} * sizeof *({p.name}))" if t.shares_writable_pointer
              else f"__lessonl_u{p.index} = __lessonl_s{p.index} != 0" for p, _, _ in plan.watched]
    if void:
        lines = [f"{i3}__lessonl_mode_{k} = 1;", f"{i3}{orig}({orig_args});",
                 *[f"{i3}{s};" for s in settle],
                 f"{i3}__lessonl_mode_{k} = 2;", f"{i3}{cand}({args});"]
    else:
        lines = [f"{i3}__typeof__({orig}({orig_args})) __lessonl_ro = (__lessonl_mode_{k} = 1, {orig}({orig_args}));",
                 f"{i3}__typeof__({cand}({args})) __lessonl_rc = ({''.join(s + ', ' for s in settle)}"
                 f"__lessonl_mode_{k} = 2, {cand}({args}));"]
    if plan.late_scans and plan.differs:
        lines += [f"{i3}if ({plan.differs}) {{",
                  f"{i3}    lessonl_diff_init(&__lessonl_d, &__lessonl_site_{k}, 0);",
                  f"{i3}    lessonl_scan_begin(&__lessonl_d, 2);",
                  *[f"{i3}    {s}" for s in plan.late_scans],
                  f"{i3}    __lessonl_in += __lessonl_d.scan_sum;",
                  f"{i3}}}"]
    lines.append(f"{i3}lessonl_diff_init(&__lessonl_d, &__lessonl_site_{k}, __lessonl_n);")
    if plan.scale:
        lines.append(f"{i3}__lessonl_d.scale = __lessonl_in;")
    checks = {p.index: ("copied", p, c) for p, _, c in plan.copied}
    checks.update({p.index: ("watched", p, c) for p, _, c in plan.watched})
    for index in sorted(checks):
        role, p, comparison = checks[index]
        if comparison.fn is None:
            continue
        fn = comparison.fn.format(x=f"*({p.name})")
        if role == "watched":
            lines.append(f"{i3}if (__lessonl_u{p.index}) lessonl_unchanged(&__lessonl_d, __lessonl_s{p.index}, "
                         f"{p.name}, __lessonl_k{p.index}, sizeof *({p.name}), {fn}, {min(p.index + 1, 61)}, "
                         f"{c_string(p.name)});")
        else:
            lines.append(f"{i3}if (!__lessonl_d.found && __lessonl_a{p.index} != {p.name}) "
                         f"lessonl_root(&__lessonl_d, lessonl_eq_span(__lessonl_a{p.index}, {p.name}, "
                         f"__lessonl_k{p.index}, sizeof *({p.name}), {fn}, &__lessonl_d), {min(p.index + 1, 61)}, "
                         f"{c_string(p.name)});")
    if not void and plan.ret.fn is not None and t.returns == "pointer":
        fn = plan.ret.fn.format(x="*__lessonl_rc")
        lines.append(f"{i3}if (!__lessonl_d.found && __lessonl_ro && __lessonl_rc) lessonl_root(&__lessonl_d, "
                     f"lessonl_eq_span(__lessonl_ro, __lessonl_rc, (long long)({t.return_extent}), "
                     f"sizeof *__lessonl_rc, {fn}, &__lessonl_d), 0, \"return value\");")
    elif not void and plan.ret.fn is not None:
        fn = plan.ret.fn.format(x="__lessonl_rc")
        lines.append(f"{i3}if (!__lessonl_d.found) lessonl_root(&__lessonl_d, {fn}(&__lessonl_ro, &__lessonl_rc, "
                     f"&__lessonl_d), 0, \"return value\");")
    if not void:
        lines.append(f"{i3}(void)__lessonl_ro;")
    lines.append(f"{i3}lessonl_finish(&__lessonl_d);")
    if plan.copied or plan.watched:
        lines.append(f"{i3}free(__lessonl_block);")
    lines.append(f"{i3}return;" if void else f"{i3}return __lessonl_rc;")
    return lines
