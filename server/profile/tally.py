"""From a profiler's raw figures to the ranked FunctionShare records: one tally per profiled
run, filled by the profiler's reader (perf samples, callgrind costs, cProfile times), then
turned into shares of the run's total, with hot lines and callers for the functions asked for.

Weights are whatever the profiler counts (samples, instructions, seconds); only ratios leave
this module. A function is keyed by file, qualified name and first line, so overloads stay
apart.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from ..records import FunctionRef
from .index import FunctionIndex
from .loops import call_in_loop
from .records import CallerShare, FunctionShare, LineShare, Unmapped

HOT_SHARE = 0.05  # lines_for=None: functions at or above this inclusive share get lines
MAX_HOT = 8
MAX_LINES = 12
MIN_LINE_SHARE = 0.005  # lines under half a percent of the function's time are left out
MAX_CALLERS = 5
UNMAPPED_MIN = 0.01


def key_of(ref: FunctionRef) -> str:
    return f"{ref.file}::{ref.qualified_name}@{ref.start_line}"


@dataclass
class Tally:
    total: float = 0.0
    refs: dict[str, FunctionRef] = field(default_factory=dict)
    self_weight: Counter = field(default_factory=Counter)
    inclusive: Counter = field(default_factory=Counter)
    lines: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    callers: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    call_lines: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    unmapped: Counter = field(default_factory=Counter)  # (symbol, reason) -> self weight
    samples: int = 0  # sampled profilers: how many samples (else 0)
    line_base: dict[str, float] = field(default_factory=dict)  # lines measured in their own run: their total
    scale: float = 1.0  # FunctionShare.samples = weight x scale (seconds -> microseconds)

    def add_ref(self, ref: FunctionRef) -> str:
        key = key_of(ref)
        self.refs.setdefault(key, ref)
        return key

    def add_stack(self, chain: list[tuple[FunctionRef, int | None]], weight: float,
                  leaf_unmapped: tuple[str, str] | None = None) -> None:
        """One sample: `chain` is the stack's functions, leaf first (inlined ones before the
        function they were inlined into), each with the line it was at (None: unknown). The
        leaf function (chain[0], unless `leaf_unmapped` names the symbol the sample landed in
        outside the repository's functions) gets the self weight; every function on the stack
        gets the inclusive weight once."""
        self.total += weight
        keys = [self.add_ref(ref) for ref, _ in chain]
        if leaf_unmapped is not None:
            self.unmapped[leaf_unmapped] += weight
        elif keys:
            self.self_weight[keys[0]] += weight
        seen: set[str] = set()
        paired: set[tuple[str, str]] = set()
        for position, (key, (ref, line)) in enumerate(zip(keys, chain)):
            if key not in seen:
                seen.add(key)
                self.inclusive[key] += weight
                if line is not None and ref.start_line <= line <= ref.end_line:
                    self.lines[key][line] += weight
            caller = next(((k, c) for k, c in zip(keys[position + 1:], chain[position + 1:]) if k != key), None)
            if caller is not None and (key, caller[0]) not in paired:
                paired.add((key, caller[0]))
                self.callers[key][caller[0]] += weight
                if caller[1][1] is not None:
                    self.call_lines[(key, caller[0])][caller[1][1]] += weight


def shares(tally: Tally, index: FunctionIndex, lines_for: Iterable[tuple[str, str]] | None
           ) -> tuple[list[FunctionShare], list[Unmapped]]:
    """The functions ranked by inclusive share (then self), with lines and callers for those
    in `lines_for` (None: the hottest at or above HOT_SHARE), and the hot unplaced symbols."""
    total = tally.total or 1.0
    ranked = sorted(tally.inclusive, key=lambda k: (-tally.inclusive[k], -tally.self_weight[k], k))
    wanted = set(lines_for) if lines_for is not None else None
    hot = [k for k in ranked if tally.inclusive[k] / total >= HOT_SHARE][:MAX_HOT]
    out: list[FunctionShare] = []
    for key in ranked:
        ref = tally.refs[key]
        detailed = (ref.file, ref.qualified_name) in wanted if wanted is not None else key in hot
        out.append(FunctionShare(
            file=ref.file, qualified_name=ref.qualified_name, start_line=ref.start_line, end_line=ref.end_line,
            self_share=min(1.0, tally.self_weight[key] / total), inclusive_share=min(1.0, tally.inclusive[key] / total),
            samples=int(round(tally.inclusive[key] * tally.scale)),
            text_hash=ref.text_hash,
            lines=_lines(tally, index, key) if detailed else [],
            callers=_callers(tally, index, key) if detailed else []))
    unmapped = [Unmapped(symbol, weight / total, reason)
                for (symbol, reason), weight in tally.unmapped.most_common() if weight / total >= UNMAPPED_MIN][:20]
    return out, unmapped


def _lines(tally: Tally, index: FunctionIndex, key: str) -> list[LineShare]:
    counts = tally.lines.get(key)
    whole = tally.line_base.get(key) or tally.inclusive[key]
    if not counts or not whole:
        return []
    ref = tally.refs[key]
    text = index.text(ref.file).splitlines()
    out = []
    for line, weight in counts.most_common(MAX_LINES):
        if weight / whole < MIN_LINE_SHARE:
            break
        body = text[line - 1].rstrip() if 0 < line <= len(text) else ""
        out.append(LineShare(line=line, share=min(1.0, weight / whole), text=body))
    return out


def _callers(tally: Tally, index: FunctionIndex, key: str) -> list[CallerShare]:
    counts = tally.callers.get(key)
    whole = tally.inclusive[key]
    if not counts or not whole:
        return []
    callee = tally.refs[key]
    out = []
    for caller_key, weight in counts.most_common(MAX_CALLERS):
        caller = tally.refs[caller_key]
        sites = tally.call_lines.get((key, caller_key))
        line = sites.most_common(1)[0][0] if sites else None
        loop = call_in_loop(index.text(caller.file), caller, callee.name, line)
        out.append(CallerShare(file=caller.file, qualified_name=caller.qualified_name,
                               share=min(1.0, weight / whole), in_loop=loop))
    return out
