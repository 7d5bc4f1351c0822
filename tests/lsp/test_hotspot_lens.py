"""Hotspot code lenses and hover: from the saved profile (.lessonl/hotspots.json) of the Python
example, a lens over each function taking at least the threshold's share of benchmark time, none
over cold or stale ones (text changed since the measurement), none without a saved profile; the
lens runs lessonl.optimize on its function; a stored result adds its own lens beside it; hover
says the share."""
from __future__ import annotations

from pathlib import Path

from lessonl_store import LessonBank
from lessonl_store.records import StoredResult
from lsprotocol import types

from tests.support.saved_profile import PY_CORE, save_profile

from .lsp_client import hover, line_of, open_doc, session

CORE = PY_CORE


async def lenses(client, uri):
    return list(await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))))


def open_core(client, repo: Path) -> str:
    return open_doc(client, repo / CORE, language="python")


async def test_a_lens_over_each_hot_function_and_none_over_cold_or_stale_ones(py_repo):
    save_profile(py_repo)
    core = py_repo / CORE
    async with session(py_repo) as client:
        uri = open_core(client, py_repo)
        found = {lens.range.start.line: lens.command for lens in await lenses(client, uri)}

    assert set(found) == {line_of(core, "def count_primes"), line_of(core, "def moving_average")}
    primes = found[line_of(core, "def count_primes")]
    assert primes.title == "LessonL: 41% of benchmark time · Optimize"
    # the lens's command optimizes that function (the position lies in it)
    assert primes.command == "lessonl.optimize"
    assert list(primes.arguments) == [uri, line_of(core, "def count_primes"), 0]
    assert found[line_of(core, "def moving_average")].title == "LessonL: 30% of benchmark time · Optimize"


async def test_the_threshold_is_a_setting(py_repo):
    save_profile(py_repo)
    async with session(py_repo, configuration={"lessonl": {"hotspotThreshold": 0.35}}) as client:
        titles = [lens.command.title for lens in await lenses(client, open_core(client, py_repo))]
    assert titles == ["LessonL: 41% of benchmark time · Optimize"]

    async with session(py_repo, configuration={"lessonl": {"hotspotThreshold": 0.01}}) as client:
        titles = [lens.command.title for lens in await lenses(client, open_core(client, py_repo))]
    assert "LessonL: 3% of benchmark time · Optimize" in titles and len(titles) == 3  # join_words stays stale


async def test_a_bad_threshold_is_ignored_with_a_warning(py_repo):
    save_profile(py_repo)
    async with session(py_repo, configuration={"lessonl": {"hotspotThreshold": 5}}) as client:
        titles = [lens.command.title for lens in await lenses(client, open_core(client, py_repo))]
        messages = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert len(titles) == 2  # the default 5% holds
    assert any("hotspotThreshold must be a share" in m for m in messages), messages


async def test_no_saved_profile_no_hotspot_lens(py_repo):
    async with session(py_repo) as client:
        assert await lenses(client, open_core(client, py_repo)) == []


async def test_an_edited_function_loses_its_lens(py_repo):
    save_profile(py_repo, stale=())
    core = py_repo / CORE
    edited = core.read_text().replace("    count = 0\n", "    count = 0  # edited\n", 1)
    async with session(py_repo) as client:
        uri = open_doc(client, core, language="python", text=edited)
        titles = {lens.range.start.line: lens.command.title for lens in await lenses(client, uri)}
    assert line_of(core, "def count_primes") not in titles
    assert titles[line_of(core, "def join_words")] == "LessonL: 20% of benchmark time · Optimize"


async def test_a_hot_function_with_a_result_gets_both_lenses(py_repo):
    save_profile(py_repo)
    bank = LessonBank.open(py_repo / ".lessonl")
    bank.save_result(StoredResult(file=CORE, qualified_name="count_primes", function_hash="h", improved=True,
                                  speedup=3.5, ci=(3.1, 3.9), diff="", new_function_hash=None, lesson_ids=[],
                                  models=["model-a"], message="", rounds=1, attempts=1))
    if hasattr(bank, "close"):
        bank.close()
    core = py_repo / CORE
    async with session(py_repo) as client:
        found = [(lens.range.start.line, lens.command.title, lens.command.command)
                 for lens in await lenses(client, open_core(client, py_repo))]
    line = line_of(core, "def count_primes")
    assert [(t, c) for l, t, c in found if l == line] == [
        ("LessonL: 41% of benchmark time · Optimize", "lessonl.optimize"),
        ("LessonL: 3.50× (95% CI 3.10–3.90) faster", "lessonl.showLessons")]


async def test_lenses_off_turns_hotspot_lenses_off_too(py_repo):
    save_profile(py_repo)
    async with session(py_repo, configuration={"lessonl": {"codeLens": False}}) as client:
        assert await lenses(client, open_core(client, py_repo)) == []


async def test_hover_on_a_hot_function_says_its_share(py_repo):
    save_profile(py_repo)
    core = py_repo / CORE
    async with session(py_repo) as client:
        uri = open_core(client, py_repo)
        hot = await hover(client, uri, line_of(core, "is_prime = True"))
        stale = await hover(client, uri, line_of(core, "result = result + separator"))
    assert "Takes **41%** of benchmark time (38% in its own body) · cprofile" in hot.contents.value
    assert "`count_primes`" in hot.contents.value
    assert "benchmark time" not in stale.contents.value


async def test_a_changed_threshold_refreshes_the_lenses(py_repo):
    import asyncio

    save_profile(py_repo)
    async with session(py_repo) as client:
        refreshed = asyncio.Event()
        client.feature(types.WORKSPACE_CODE_LENS_REFRESH)(lambda params: refreshed.set())
        uri = open_core(client, py_repo)
        assert len(await lenses(client, uri)) == 2
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"lessonl": {"hotspotThreshold": 0.4}}))
        await asyncio.wait_for(refreshed.wait(), 10)
        assert [lens.command.title for lens in await lenses(client, uri)] == [
            "LessonL: 41% of benchmark time · Optimize"]
