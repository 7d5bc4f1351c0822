"""initialize: the server says who it is and what it offers."""
from __future__ import annotations

import sys

from lessonl import __version__

from .lsp_client import session

COMMANDS = {"lessonl.optimize", "lessonl.showLessons", "lessonl.cancel", "lessonl.listLessons",
            "lessonl.exportLessons", "lessonl.importLessons", "lessonl.mergeResult"}


async def test_initialize_names_the_server_and_its_version(cpp_repo):
    async with session(cpp_repo) as client:
        info = client.init_result.server_info
        assert (info.name, info.version) == ("lessonl", __version__)


async def test_capabilities_offer_code_actions_hover_and_the_commands(cpp_repo):
    async with session(cpp_repo) as client:
        caps = client.init_result.capabilities
        assert caps.hover_provider
        assert {str(k) for k in caps.code_action_provider.code_action_kinds} >= {"refactor.rewrite"}
        assert caps.code_action_provider.resolve_provider
        assert COMMANDS <= set(caps.execute_command_provider.commands)


async def test_python_m_lessonl_lsp_is_the_same_server(cpp_repo):
    """`python -m lessonl.lsp` (no CLI dispatcher) runs the very server `lessonl serve` runs."""
    async with session(cpp_repo, command=[sys.executable, "-m", "lessonl.lsp", "--stdio"]) as client:
        info = client.init_result.server_info
        assert (info.name, info.version) == ("lessonl", __version__)
        assert COMMANDS <= set(client.init_result.capabilities.execute_command_provider.commands)
