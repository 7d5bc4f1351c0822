"""The engine: `optimize()` is the only LessonL loop; the CLI, the language server and the tests
all call it (see docs/design.md, "Engine").

`optimize` is imported on first use: the request/result records are needed by faces at
startup, the loop (openai client, judge, bank) only when a job runs.
"""
from typing import TYPE_CHECKING, Any

from .apply import apply_result
from .request import OptimizeRequest
from .result import OptimizationResult

if TYPE_CHECKING:
    from .loop import optimize

__all__ = ["OptimizeRequest", "OptimizationResult", "apply_result", "optimize"]


def __getattr__(name: str) -> Any:
    if name == "optimize":
        from .loop import optimize

        return optimize
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
