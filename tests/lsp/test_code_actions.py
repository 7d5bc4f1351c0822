"""Code actions: offered cheaply inside a function, disabled with a reason when LessonL cannot run."""
from __future__ import annotations

from lsprotocol import types
from pytest_lsp import client_capabilities

from .lsp_client import code_actions, line_of, open_doc, session

OPTIMIZE = "Optimize this function (LessonL)"
SHOW = "Show lessons for this function"


def by_title(actions):
    return {a.title: a for a in actions}


def command_of(action):
    """The command an action runs: pytest-lsp may structure a CodeAction with a command as a Command."""
    command = action.command if isinstance(action, types.CodeAction) else action
    return command if command is None or isinstance(command.command, str) else command.command


async def test_both_actions_are_offered_inside_a_function_with_their_command(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    line = line_of(kernels, "sum += a[i * n + k]")
    async with session(cpp_repo) as client:  # VS Code's capabilities: resolveSupport lists only "edit"
        uri = open_doc(client, kernels)
        actions = by_title(await code_actions(client, uri, line))
        assert set(actions) == {OPTIMIZE, SHOW}
        optimize = actions[OPTIMIZE]
        assert optimize.kind == types.CodeActionKind.RefactorRewrite
        assert optimize.disabled is None
        # VS Code would never resolve a command it did not list: the command comes at once.
        command = command_of(optimize)
        assert command.command == "lessonl.optimize"
        assert list(command.arguments) == [uri, line, 4]
        assert command.title == f"{OPTIMIZE}: matmul"
        assert command_of(actions[SHOW]).command == "lessonl.showLessons"


async def test_a_client_that_resolves_commands_gets_them_on_code_action_resolve(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    line = line_of(kernels, "sum += a[i * n + k]")
    capabilities = client_capabilities("neovim@v0.11.0")  # resolveSupport: ["edit", "command"]
    assert "command" in capabilities.text_document.code_action.resolve_support.properties
    async with session(cpp_repo, capabilities=capabilities) as client:
        uri = open_doc(client, kernels)
        actions = by_title(await code_actions(client, uri, line))
        assert set(actions) == {OPTIMIZE, SHOW}
        assert all(isinstance(a, types.CodeAction) and a.command is None for a in actions.values())
        assert actions[OPTIMIZE].data["function"] == "matmul"

        resolved = await client.code_action_resolve_async(actions[OPTIMIZE])
        assert resolved.command.command == "lessonl.optimize"
        assert list(resolved.command.arguments) == [uri, line, 4]
        assert resolved.command.title == f"{OPTIMIZE}: matmul"
        show = await client.code_action_resolve_async(actions[SHOW])
        assert show.command.command == "lessonl.showLessons" and show.command.title == f"{SHOW}: matmul"


async def test_a_client_without_resolve_gets_the_command_at_once(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    line = line_of(kernels, "counts[bin] += 1;")
    async with session(cpp_repo, capabilities=client_capabilities("neovim@v0.7.0")) as client:
        uri = open_doc(client, kernels)
        actions = await code_actions(client, uri, line)
        titles = [a.title for a in actions]
        assert titles == [OPTIMIZE, SHOW]
        assert command_of(actions[0]).command == "lessonl.optimize"


async def test_no_action_outside_functions(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        assert list(await code_actions(client, uri, line_of(kernels, '#include "kernels.h"'), 0)) == []


async def test_without_config_the_action_is_disabled_and_says_run_lessonl_init(cpp_repo):
    (cpp_repo / "lessonl.toml").unlink()
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        actions = by_title(await code_actions(client, uri, line_of(kernels, "sum += a[i * n + k]")))
        reason = actions[OPTIMIZE].disabled.reason
        assert "lessonl init" in reason


async def test_an_invalid_config_disables_the_action_with_the_config_error(cpp_repo):
    config = cpp_repo / "lessonl.toml"
    config.write_text(config.read_text().replace('command = "./test_kernels"', "command = 42"))
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, kernels)
        actions = by_title(await code_actions(client, uri, line_of(kernels, "sum += a[i * n + k]")))
        reason = actions[OPTIMIZE].disabled.reason
        assert "lessonl.toml" in reason and "test" in reason


async def test_an_unsupported_language_disables_the_action(cpp_repo):
    script = cpp_repo / "tool.rs"
    script.write_text("fn main() {\n    println!(\"hi\");\n}\n")
    async with session(cpp_repo) as client:
        uri = open_doc(client, script, language="rust")
        actions = by_title(await code_actions(client, uri, 1))
        assert "supported languages are C, C++ and Python" in actions[OPTIMIZE].disabled.reason


async def test_python_functions_get_the_actions_too(py_repo):
    core = py_repo / "hotspots" / "core.py"
    async with session(py_repo) as client:
        uri = open_doc(client, core, language="python")
        actions = by_title(await code_actions(client, uri, line_of(core, "result = result + separator")))
        assert actions[OPTIMIZE].disabled is None
        assert command_of(actions[OPTIMIZE]).title == f"{OPTIMIZE}: join_words"
