"""Plain-text reports of verdicts, baseline checks and calibrations, for people at a terminal."""
from __future__ import annotations

from ..records import BehaviourReport, Verdict
from .reports import BaselineReport, CalibrationReport


def seconds(value: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if value >= scale:
            return f"{value / scale:.4g} {unit}"
    return f"{value / 1e-9:.4g} ns"


def verdict_text(verdict: Verdict) -> str:
    message = verdict.message
    for prefix in (verdict.outcome.value, verdict.outcome.value.replace("_", " ")):
        if message.startswith(prefix + ":"):
            message = message[len(prefix) + 1:].strip()
    lines = [f"{verdict.outcome.value}: {message}"]
    if verdict.cases:
        width = max(len(case.name) for case in verdict.cases)
        for case in verdict.cases:
            lines.append(f"  {case.name:<{width}}  baseline {seconds(case.baseline_s):>10}  candidate "
                         f"{seconds(case.candidate_s):>10}  {case.speedup:.3f}x [{case.ci[0]:.3f}, {case.ci[1]:.3f}]")
    if verdict.behaviour is not None:
        lines.append(verdict.behaviour.summary())
    if verdict.sanitizers:
        lines.append(f"sanitizers: {verdict.sanitizers}")
    if verdict.log_tail:
        lines.append("log:")
        lines.extend("  " + line for line in verdict.log_tail.splitlines())
    for warning in verdict.warnings:
        lines.append(f"warning: {warning}")
    check = ""
    if verdict.behaviour is not None and verdict.behaviour.wall_s:
        check = f"; behaviour check {verdict.behaviour.wall_s:.1f} s, beside the build and tests"
    lines.append(f"({verdict.wall_s:.1f} s, of which {verdict.process_s:.1f} s in build/test/bench processes{check})")
    return "\n".join(lines)


def baseline_text(report: BaselineReport) -> str:
    lines = []
    if report.build is not None:
        lines.append(f"build     ok  ({report.build.wall_s:.1f} s)  {report.build.cmd}")
    else:
        lines.append("build     (no [build] command)")
    lines.append(f"tests     ok  ({report.test.wall_s:.1f} s)  {report.test.cmd}")
    lines.append(f"benchmark ok  ({report.bench.wall_s:.1f} s)  {report.bench_command}")
    width = max(len(name) for name in report.cases)
    for name, value in report.cases.items():
        lines.append(f"  {name:<{width}}  {seconds(value)}")
    if report.behaviour is not None:
        behaviour = report.behaviour
        lines.append(f"reach     tests {behaviour.calls_tests} calls, benchmark {behaviour.calls_benchmark} calls")
        lines.append(f"behaviour {_promise(behaviour)}")
    if report.python:
        lines.append(f"python    {report.python}")
    lines.append(f"sandbox   {report.sandbox}")
    for warning in report.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def _promise(behaviour: BehaviourReport) -> str:
    """What the behaviour check will do for candidates of this function."""
    if behaviour.status == "matched":
        text = f"checked on every call: the original matched itself on {behaviour.checked} calls"
        if behaviour.compared:
            text += "; compared: " + ", ".join(behaviour.compared)
        if behaviour.not_compared:
            text += "; not compared: " + ", ".join(f"{w} ({why})" for w, why in behaviour.not_compared)
        return text
    return {"not_applicable": "not applicable: ", "counted": "calls counted only: ",
            "unavailable": "unavailable: ", "off": "off: "}.get(behaviour.status, "") + behaviour.reason


def calibration_text(report: CalibrationReport) -> str:
    min_effect = report.min_effect
    verdict = report.verdict
    low, high = verdict.ci or (1.0, 1.0)
    lines = [f"baseline against itself: {verdict.speedup:.3f}x, 95% CI [{low:.3f}, {high:.3f}], "
             f"{verdict.runs} runs ({report.stop})",
             f"noise floor: +-{report.noise_floor * 100:.1f}%  (min_effect is {min_effect * 100:.1f}%)"]
    width = max((len(name) for name in report.spread), default=0)
    for case in verdict.cases:
        lines.append(f"  {case.name:<{width}}  {seconds(case.baseline_s):>10}  spread +-"
                     f"{report.spread[case.name] * 50:.1f}%  ratio CI [{case.ci[0]:.3f}, {case.ci[1]:.3f}]")
    if verdict.outcome.value != "no_significant_change":
        lines.append(f"warning: identical code was judged {verdict.outcome.value}: this machine is too noisy "
                     f"right now; raise [timing] min_effect or budget, or close other programs")
    elif report.noise_floor > min_effect:
        lines.append(f"note: the interval is wider than min_effect; more runs ([timing] budget, max_runs) "
                     f"will be needed to detect effects of {min_effect * 100:.0f}%")
    for warning in verdict.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)
