"""The judge: builds, tests and times a candidate against the baseline in a scratch copy.

`Judge(config).evaluate(file_rel, new_text)` is the whole contract with the engine; the
modules underneath each do one job (processes, scratch copies, output parsing, statistics).
"""
from .behaviour_check import CheckTarget
from .benchparse import BenchParseError
from .judge import Judge
from .reports import BaselineReport, CalibrationReport
from ..procs import Limits, ProcResult, run, scrub_env
from .request import calibrate_repository, check_repository, evaluate_file, open_judge, relative_to_root

__all__ = [
    "Judge", "CheckTarget", "BaselineReport", "CalibrationReport", "BenchParseError", "Limits", "ProcResult", "run",
    "scrub_env", "evaluate_file", "check_repository", "calibrate_repository", "open_judge", "relative_to_root",
]
