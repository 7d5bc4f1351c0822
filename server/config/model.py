"""The configuration of one repository, as typed records.

Frozen dataclasses so that one loaded config can be shared by concurrent jobs without anybody
changing it under the others; overrides produce a new config instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class StepConfig:
    """A command run in the scratch copy (build or test)."""

    command: str
    timeout: float


@dataclass(frozen=True)
class BenchConfig:
    command: str
    format: str = "google-benchmark"  # google-benchmark | pytest-benchmark | regex | wall
    regex: str | None = None
    unit: str = "s"
    timeout: float = 120.0
    functions: Mapping[str, str] = field(default_factory=dict)

    def bench_function_arg(self, qualified_name: str | None) -> str:
        """The text put in place of {function}: a mapped name, else the bare function name."""
        if not qualified_name:
            return ""
        if qualified_name in self.functions:
            return self.functions[qualified_name]
        bare = qualified_name.replace("::", ".").split(".")[-1]
        return self.functions.get(bare, bare)


@dataclass(frozen=True)
class TimingConfig:
    min_runs: int = 6  # fewer than 6 rounds allow no 95% interval: timing raises it to 6
    max_runs: int = 200
    budget: float = 20.0
    target_ci_width: float | None = None  # obsolete, ignored (a warning says so)
    min_effect: float = 0.03
    allow_case_regressions: bool = True  # false: a candidate that slows any case is not "faster"


@dataclass(frozen=True)
class ScratchConfig:
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class SandboxConfig:
    memory_mb: int = 4096
    cpu_seconds: int = 600
    file_size_mb: int = 1024
    processes: int = 256
    network: bool = False
    isolation: bool = True  # false: candidates run without bubblewrap (every verdict says UNISOLATED)
    allow_unisolated: bool = False  # apply/Accept a rewrite judged without isolation
    pass_env: tuple[str, ...] = ()  # more environment names for candidates (`NAME` or `PREFIX_*`)
    expose: tuple[str, ...] = ()  # more folders candidates may read (e.g. a toolchain under $HOME)


@dataclass(frozen=True)
class PythonConfig:
    """[python]: what `{python}` means (lessonl.judge.interpreter)."""

    interpreter: str = ""  # the project's interpreter; relative paths from the repository root
    editor_interpreter: str = ""  # set by the language server from the editor's selection


@dataclass(frozen=True)
class CodeConfig:
    standard: str = ""
    flags: str = ""


@dataclass(frozen=True)
class CheckConfig:
    """[check]: the behaviour check (dual execution) and the optional sanitizer build."""

    behaviour: bool = True
    rtol: float = 1e-9
    atol: float = 1e-12
    rtol_f32: float = 1e-4
    atol_f32: float = 1e-6
    max_calls: int = 100_000
    lengths: Mapping[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()  # parameters not compared (scratch buffers): "param" or "function.param"
    sanitizers: tuple[str, ...] = ()
    sanitizer_command: str = ""


@dataclass(frozen=True)
class LoopConfig:
    rounds: int = 4
    k: int = 4
    temperature: float = 0.2
    lesson_temperature: float = 0.2
    lesson_max_tokens: int = 250
    significant_speedup: float = 1.1
    run_timeout: float = 300.0


@dataclass(frozen=True)
class RelevanceConfig:
    backend: str = "lexical"  # lexical | embeddings | local
    base_url: str = ""
    model: str = ""
    api_key_env: str = ""
    floor: float | None = None  # unset: the backend's calibrated relevance floor
    # True when base_url comes from a file in the repository: a key is then sent only to this
    # machine, the official OpenAI host or LESSONL_TRUSTED_HOSTS (as for agents).
    from_repository: bool = False


@dataclass(frozen=True)
class BankConfig:
    path: str = ".lessonl"
    url: str = ""  # a shared PostgreSQL bank (LESSONL_BANK_URL wins); "" = the diskcache at `path`
    share: bool = False  # selection also draws on other repositories' lessons in that database
    repository: str = ""  # this repository's id in a shared bank ("" = derived: lessonl.bankaccess)


@dataclass(frozen=True)
class ProfileConfig:
    """[profile]: how the benchmark's profile is used (the code prompt's hot lines)."""

    prompt: bool = True  # false: code prompts carry no profile section (ablation, or to save the run)
    min_share: float = 0.02  # hot lines below this share of the function's own time are left out
    max_lines: int = 8  # at most this many hot lines in the prompt


@dataclass(frozen=True)
class AgentConfig:
    name: str
    model: str
    base_url: str = ""
    preset: str = "custom"
    api_key_env: str = ""
    temperature: float | None = None  # unset: [loop] temperature
    seed: int | None = None
    persona: str = ""
    timeout: float = 120.0
    max_retries: int = 3
    model_path: str = ""  # a GGUF file: LessonL starts a local server for it
    port: int | None = None  # with model_path: serve on this loopback port (unset: a free one)
    # True when the entry comes from a file in the repository rather than from the user's own
    # settings: such an entry may not send the user's API keys to a host of its choosing.
    from_repository: bool = False


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    source_file: Path  # lessonl.toml or pyproject.toml
    test: StepConfig
    bench: BenchConfig
    build: StepConfig | None = None
    timing: TimingConfig = TimingConfig()
    scratch: ScratchConfig = ScratchConfig()
    env: Mapping[str, str] = field(default_factory=dict)
    sandbox: SandboxConfig = SandboxConfig()
    code: CodeConfig = CodeConfig()
    python: PythonConfig = PythonConfig()
    check: CheckConfig = CheckConfig()
    loop: LoopConfig = LoopConfig()
    relevance: RelevanceConfig = RelevanceConfig()
    bank: BankConfig = BankConfig()
    profile: ProfileConfig = ProfileConfig()
    agents: tuple[AgentConfig, ...] = ()
    agents_from_defaults: bool = False  # True when the user configured no agent

    @property
    def bank_path(self) -> Path:
        path = Path(self.bank.path)
        return path if path.is_absolute() else self.root / path
