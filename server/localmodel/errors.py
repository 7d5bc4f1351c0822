"""Typed errors of managed local models.

Each one subclasses the engine error a face already knows how to show (ConfigError,
ToolMissingError, AgentError), so the CLI and the language server need no new cases; the
subclass only lets tests and callers tell the causes apart.
"""
from __future__ import annotations

from ..errors import AgentError, ConfigError, ToolMissingError

INSTALL_HINT = "install it with: pip install 'lessonl[local]'"


class ModelFileError(ConfigError):
    """`model_path` names no readable GGUF file."""


class LocalServerMissingError(ToolMissingError):
    """llama-cpp-python (with its server extra) is not installed in LessonL's Python."""


class PortInUseError(AgentError):
    """The port asked for a managed server is already taken by another program."""

    def __init__(self, message: str, *, key: str | None = "agents", hint: str | None = None,
                 port: int = 0) -> None:
        self.port = port
        super().__init__(message, key=key, hint=hint)


class LocalServerStartError(AgentError):
    """The managed server exited or did not answer before the startup timeout."""

    def __init__(self, message: str, *, log_path: str = "", hint: str | None = None,
                 key: str | None = "agents") -> None:
        self.log_path = log_path
        super().__init__(message, key=key, hint=hint)


class LocalServerDiedError(AgentError):
    """A managed server that was healthy stopped while a job was using it."""

    def __init__(self, message: str, *, log_path: str = "", hint: str | None = None,
                 key: str | None = "agents") -> None:
        self.log_path = log_path
        super().__init__(message, key=key, hint=hint)
