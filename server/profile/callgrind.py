"""valgrind's callgrind, the fallback for C and C++ when perf is missing or not permitted: it
counts instructions (not time: memory stalls and system calls do not show), runs the program
30-100x slower, and needs no kernel permission. Its output files are read here (the format is
documented in valgrind's "Callgrind Format Specification"): per function, the instructions
at each source line, and each call with the callee's inclusive cost at the call line.
"""
from __future__ import annotations

import re
import shlex
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..records import FunctionRef
from .index import symbol_name
from .perf import Frame, NativeMapper
from .tally import Tally

NAME = re.compile(r"^\((\d+)\)(?:\s+(.*))?$")


def record_command(command: str, out_dir: Path) -> str:
    pattern = shlex.quote(str(out_dir / "callgrind.out.%p"))
    return (f"valgrind --tool=callgrind -q --trace-children=yes --dump-line=yes --dump-instr=no "
            f"--callgrind-out-file={pattern} /bin/sh -c {shlex.quote(command)}")


@dataclass
class Function:
    obj: str
    file: str
    name: str
    costs: Counter = field(default_factory=Counter)  # (file, line) -> self instructions
    calls: list[tuple[int, str, int, float]] = field(default_factory=list)  # (callee id, file, line, inclusive)


@dataclass
class Profile:
    functions: dict[int, Function] = field(default_factory=dict)
    total: float = 0.0


def parse(text: str, profile: Profile | None = None) -> Profile:
    """Add one callgrind output file to `profile` (several processes: several files)."""
    profile = profile or Profile()
    base = len(profile.functions)
    names: dict[str, dict[str, str]] = {"ob": {}, "fl": {}, "fn": {}}
    ids: dict[tuple[str, str, str], int] = {(f.obj, f.file, f.name): i for i, f in profile.functions.items()}
    obj = file = cost_file = ""
    current: Function | None = None
    call: tuple[str, str, str] | None = None
    cfile = cobj = ""
    last_line = 0
    summary = None
    own_total = 0.0

    def named(kind: str, value: str) -> str:
        match = NAME.match(value.strip())
        if not match:
            return value.strip()
        if match.group(2) is not None:
            names[kind][match.group(1)] = match.group(2)
            return match.group(2)
        return names[kind].get(match.group(1), "")

    def function_id(key: tuple[str, str, str]) -> int:
        if key not in ids:
            ids[key] = len(profile.functions)
            profile.functions[ids[key]] = Function(*key)
        return ids[key]

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, sep, rest = line.partition("=")
        if sep and head in ("ob", "fl", "fi", "fe", "fn", "cob", "cfi", "cfl", "cfn", "calls"):
            if head == "ob":
                obj = named("ob", rest)
            elif head == "fl":
                file = cost_file = named("fl", rest)
            elif head in ("fi", "fe"):
                cost_file = named("fl", rest)
            elif head == "fn":
                current = profile.functions[function_id((obj, file, named("fn", rest)))]
                cost_file = file
            elif head == "cob":
                cobj = named("ob", rest)
            elif head in ("cfi", "cfl"):
                cfile = named("fl", rest)
            elif head == "cfn":
                call = (cobj or obj, cfile or file, named("fn", rest))
            elif head == "calls":
                pending_call = call
                call = ("pending",) + (pending_call or ("", "", ""))  # type: ignore[assignment]
            continue
        if line.startswith(("summary:", "totals:")):
            try:
                value = float(line.split(":", 1)[1].split()[0])
                summary = max(summary or 0.0, value)
            except (ValueError, IndexError):
                pass
            continue
        if ":" in line.split()[0]:
            continue  # other headers (version:, creator:, events:, positions:, cmd:, pid:, ...)
        parts = line.split()
        position = parts[0]
        if position.startswith(("+", "-")):
            number = last_line + int(position)
        elif position == "*":
            number = last_line
        else:
            try:
                number = int(position)
            except ValueError:
                continue
        last_line = number
        cost = float(parts[1]) if len(parts) > 1 else 0.0
        if current is None:
            continue
        if call is not None and call[0] == "pending":  # the line after calls=: the call's inclusive cost
            callee = function_id(call[1:])  # type: ignore[arg-type]
            current.calls.append((callee, cost_file, number, cost))
            call, cobj, cfile = None, "", ""
            continue
        current.costs[(cost_file, number)] += cost
        own_total += cost
    profile.total += summary if summary is not None else own_total
    del base
    return profile


def tally_profile(profile: Profile, mapper: NativeMapper) -> Tally:
    """Self, inclusive, lines and callers from instruction counts (see the module docstring)."""
    tally = Tally(total=profile.total)
    refs: dict[int, FunctionRef | None] = {}

    def ref_of(fid: int) -> FunctionRef | None:
        if fid not in refs:
            fn = profile.functions[fid]
            places = [place for place, _cost in sorted(fn.costs.items(), key=lambda item: -item[1])][:50]
            refs[fid] = None
            for file, line in places or [(fn.file, None)]:  # the costliest line the repository holds
                mapped = mapper.map(Frame(symbol=fn.name, dso=fn.obj, file=file or fn.file, line=line))
                if mapped:
                    refs[fid] = mapped[-1][0]  # the function itself, not what was inlined into it
                    break
        return refs[fid]

    for fid, fn in profile.functions.items():
        ref = ref_of(fid)
        own = tally.add_ref(ref) if ref is not None else None
        for (cost_file, line), cost in fn.costs.items():
            rel = mapper.index.resolve(cost_file) if cost_file else None
            inner = mapper.index.at(rel, line) if rel else None
            if inner is not None and ref is not None and inner == ref:
                inner = None
            target = inner or ref
            if target is None:
                reason = mapper.why_unmapped(Frame(symbol=fn.name, dso=fn.obj, file=cost_file, line=line))
                tally.unmapped[(symbol_name(fn.name) or fn.name, reason)] += cost
                continue
            tally.self_weight[tally.add_ref(target)] += cost
            for holder in filter(None, (ref, inner)):
                key = tally.add_ref(holder)
                tally.inclusive[key] += cost
                if holder.start_line <= line <= holder.end_line:
                    tally.lines[key][line] += cost
        if own is None:
            continue
        for callee_id, cost_file, line, cost in fn.calls:
            callee = ref_of(callee_id)
            rel = mapper.index.resolve(cost_file) if cost_file else None
            inner = mapper.index.at(rel, line) if rel else None  # a function inlined here made the call
            if inner is not None and inner == ref:
                inner = None
            if callee is None or callee != ref:  # a call back into the same function is already inside it
                tally.inclusive[own] += cost
                if ref is not None and ref.start_line <= line <= ref.end_line:
                    tally.lines[own][line] += cost
            caller_key = own
            if inner is not None and inner != callee:
                caller_key = tally.add_ref(inner)
                tally.inclusive[caller_key] += cost
                tally.lines[caller_key][line] += cost
            if callee is not None and callee != (inner or ref):
                callee_key = tally.add_ref(callee)
                tally.callers[callee_key][caller_key] += cost
                tally.call_lines[(callee_key, caller_key)][line] += cost
    if tally.total:
        for key in list(tally.inclusive):
            tally.inclusive[key] = min(tally.inclusive[key], tally.total)
    return tally
