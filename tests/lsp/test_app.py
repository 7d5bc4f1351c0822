"""lessonl.lsp.app builds the server: every feature registered, every command runnable.

In process, no client: what the wire tests would only find out when a command is run.
"""
from __future__ import annotations

import typing

import pytest

from lessonl.lsp.app import create_server
from lessonl.lsp.server import LessonLServer

from .test_initialize import COMMANDS


@pytest.fixture
def server():
    server = create_server()
    yield server
    server.executor.shutdown(wait=False)


def test_every_command_is_registered(server) -> None:
    assert COMMANDS | {"lessonl.listJobs"} <= set(server.protocol.fm.commands)


def test_every_command_handler_annotation_resolves_at_run_time(server) -> None:
    """pygls reads a command handler's annotations (typing.get_type_hints) to convert its
    arguments: a name imported only for type checkers makes every call of it fail."""
    for name, handler in server.protocol.fm.commands.items():
        hints = typing.get_type_hints(getattr(handler, "func", handler))
        assert hints.get("ls") is LessonLServer, name
