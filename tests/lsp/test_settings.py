"""Settings: initializationOptions, workspace/configuration (section "lessonl") per folder, and
workspace/didChangeConfiguration. Their `config` overrides lessonl.toml; bad values are named."""
from __future__ import annotations

import asyncio
import shutil

from lsprotocol import types

from .lsp_client import code_actions, line_of, open_doc, session

OPTIMIZE = "Optimize this function (LessonL)"
BAD_ROUNDS = {"lessonl": {"config": {"loop": {"rounds": "many"}}}}


async def optimize_action(client, path):
    uri = open_doc(client, path)
    actions = await code_actions(client, uri, line_of(path, "sum += a[i * n + k]"))
    return next(a for a in actions if a.title == OPTIMIZE)


async def test_configuration_overrides_reach_the_config_and_changes_are_picked_up(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo, configuration=BAD_ROUNDS) as client:
        action = await optimize_action(client, kernels)
        assert action.disabled is not None and "rounds" in action.disabled.reason

        client.set_configuration({"lessonl": {"config": {"loop": {"rounds": 2}}}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        for _ in range(50):
            action = await optimize_action(client, kernels)
            if action.disabled is None:
                break
            await asyncio.sleep(0.1)
        assert action.disabled is None


async def test_initialization_options_are_used_and_configuration_wins_over_them(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo, initialization_options=BAD_ROUNDS) as client:
        action = await optimize_action(client, kernels)
        assert action.disabled is not None and "rounds" in action.disabled.reason
    async with session(cpp_repo, initialization_options=BAD_ROUNDS,
                       configuration={"lessonl": {"config": {"loop": {"rounds": 3}}}}) as client:
        assert (await optimize_action(client, kernels)).disabled is None


async def test_invalid_settings_are_reported_by_name_and_ignored(cpp_repo):
    kernels = cpp_repo / "kernels.cpp"
    settings = {"lessonl": {"apiKeys": {"not a name": 3}, "codeLens": "yes", "colour": "red"}}
    async with session(cpp_repo, configuration=settings) as client:
        assert (await optimize_action(client, kernels)).disabled is None
        messages = [m.message for m in client.messages if m.type == types.MessageType.Warning]
        assert any("lessonl.apiKeys must map environment variable names" in m for m in messages)
        assert any("lessonl.codeLens must be true or false" in m for m in messages)
        assert any("unknown lessonl setting(s) colour" in m for m in messages)


async def test_each_workspace_folder_has_its_own_settings_and_config(cpp_repo, tmp_path):
    other = tmp_path / "other-kernels"
    shutil.copytree(cpp_repo, other)
    (other / "lessonl.toml").unlink()
    configuration = {"": {}, cpp_repo.as_uri(): BAD_ROUNDS}
    async with session(cpp_repo, folders=[cpp_repo, other]) as client:
        client._configuration = configuration
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await asyncio.sleep(0.5)
        first = await optimize_action(client, cpp_repo / "kernels.cpp")
        second = await optimize_action(client, other / "kernels.cpp")
        assert "rounds" in first.disabled.reason
        assert "lessonl init" in second.disabled.reason


async def test_an_agent_preset_from_the_settings_reaches_the_config(cpp_repo):
    """The extension's `lessonl.agents[].preset` arrives as `config.agents[].preset`: a preset
    stands for its endpoint, so an agent without base_url is valid with it and not without."""
    kernels = cpp_repo / "kernels.cpp"

    def agents(**agent):
        return {"lessonl": {"config": {"agents": [{"name": "local", "model": "qwen2.5-coder:7b", **agent}]}}}

    async with session(cpp_repo, configuration=agents(preset="vllm")) as client:
        assert (await optimize_action(client, kernels)).disabled is None
    async with session(cpp_repo, configuration=agents(preset="custom")) as client:
        reason = (await optimize_action(client, kernels)).disabled.reason
        assert "agents" in reason and "needs base_url" in reason
    async with session(cpp_repo, configuration=agents(preset="olama")) as client:
        reason = (await optimize_action(client, kernels)).disabled.reason
        assert "preset" in reason and "ollama" in reason  # the valid names are listed


def test_the_extension_offers_the_presets_the_config_knows():
    import json
    from pathlib import Path

    from lessonl.config.presets import PRESETS

    manifest = json.loads((Path(__file__).resolve().parents[2] / "package.json").read_text())
    agent = manifest["contributes"]["configuration"]["properties"]["lessonl.agents"]["items"]
    assert agent["properties"]["preset"]["enum"] == list(PRESETS)
