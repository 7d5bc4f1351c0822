"""Per-repository configuration: lessonl.toml or [tool.lessonl] in pyproject.toml."""
from .check import ConfigIssue, check_config_text
from .loader import deep_merge, default_agents, load_config
from .model import (AgentConfig, BankConfig, BenchConfig, CodeConfig, LoopConfig, ProfileConfig, ProjectConfig,
                    RelevanceConfig, SandboxConfig, ScratchConfig, StepConfig, TimingConfig)
from .source import CONFIG_NAME, config_file_in, find_root

__all__ = [
    "AgentConfig", "BankConfig", "BenchConfig", "CodeConfig", "ConfigIssue", "CONFIG_NAME", "LoopConfig",
    "ProfileConfig", "ProjectConfig", "RelevanceConfig", "SandboxConfig", "ScratchConfig", "StepConfig", "TimingConfig",
    "check_config_text", "config_file_in", "deep_merge", "default_agents", "find_root", "load_config",
]
