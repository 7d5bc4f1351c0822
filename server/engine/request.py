"""What a face asks the engine for: one function in one repository, plus settings overrides."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping


@dataclass
class OptimizeRequest:
    """One optimization job.

    `file_rel` may be repository-relative or absolute (it must lie inside `root`). The function is
    named by `name` ("matmul", "ns::Class::method", "Class.method"; `line` disambiguates
    overloads) or found at the cursor `position` = (line0, utf16_character). `overrides` is a
    nested dict merged over the project's configuration (e.g. {"loop": {"rounds": 1}}).
    `agent_env` adds environment variables for API keys (the editor's secret storage) on top of
    the process environment. `use_profile` = False leaves the benchmark's profile out of the code
    prompts (the `--no-profile` ablation); so does `[profile] prompt = false`.
    """

    root: Path | str
    file_rel: str
    name: str | None = None
    line: int | None = None
    position: tuple[int, int] | None = None
    overrides: dict[str, Any] | None = None
    agent_env: Mapping[str, str] | None = None
    result_key: str = ""  # the bank's idempotency key for this job's result ("" = its own id)
    use_profile: bool = True
