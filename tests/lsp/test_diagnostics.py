"""Diagnostics for lessonl.toml and pyproject [tool.lessonl]: on open and on save, with the
exact range of the offending value or key, cleared once the file is fixed."""
from __future__ import annotations

import asyncio

from lsprotocol import types

from .lsp_client import code_actions, line_of, open_doc, session


def span(path, needle):
    """The 0-based (line, start, end) of `needle` in the file: what the diagnostic must cover."""
    line = line_of(path, needle)
    start = path.read_text().splitlines()[line].index(needle)
    return line, start, start + len(needle)


def ranges(diagnostics):
    return [(d.range.start.line, d.range.start.character, d.range.end.character) for d in diagnostics]


async def wait_for_diagnostics(client, uri, count_before=None):
    for _ in range(100):
        if uri in client.diagnostics and (count_before is None or client.diagnostics[uri] != count_before):
            return client.diagnostics[uri]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no diagnostics published for {uri}")


async def test_a_broken_lessonl_toml_gets_exact_ranges_on_open(cpp_repo):
    config = cpp_repo / "lessonl.toml"
    text = config.read_text()
    config.write_text(text.replace("timeout = 30", 'timeout = "soon"').replace("min_effect = 0.03", "min_efect = 0.03"))
    async with session(cpp_repo) as client:
        uri = open_doc(client, config, language="toml")
        found = await wait_for_diagnostics(client, uri)
        assert ranges(found) == [span(config, '"soon"'), span(config, "min_efect")]
        by_code = {d.code: d for d in found}
        assert by_code["test.timeout"].severity == types.DiagnosticSeverity.Error
        assert "must be a number" in by_code["test.timeout"].message
        assert "did you mean 'min_effect'" in by_code["timing.min_efect"].message
        assert {d.source for d in found} == {"lessonl"}


async def test_saving_a_fixed_config_clears_diagnostics_and_enables_the_action(cpp_repo):
    config = cpp_repo / "lessonl.toml"
    good = config.read_text()
    config.write_text(good.replace("timeout = 30", 'timeout = "soon"'))
    kernels = cpp_repo / "kernels.cpp"
    async with session(cpp_repo) as client:
        uri = open_doc(client, config, language="toml")
        assert len(await wait_for_diagnostics(client, uri)) == 1
        code_uri = open_doc(client, kernels)
        [optimize, _] = await code_actions(client, code_uri, line_of(kernels, "sum += a[i * n + k]"))
        assert "timeout" in optimize.disabled.reason

        config.write_text(good)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=good)]))
        client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
        assert list(await wait_for_diagnostics(client, uri, client.diagnostics[uri])) == []
        [optimize, _] = await code_actions(client, code_uri, line_of(kernels, "sum += a[i * n + k]"))
        assert optimize.disabled is None


async def test_a_toml_syntax_error_points_at_the_character(cpp_repo):
    config = cpp_repo / "lessonl.toml"
    config.write_text("[build\ncommand = 'make'\n")
    async with session(cpp_repo) as client:
        uri = open_doc(client, config, language="toml")
        [found] = await wait_for_diagnostics(client, uri)
        # Just past "[build": the range covers the line break where the ']' is missing.
        assert (found.range.start.line, found.range.start.character) == (0, 6)
        assert (found.range.end.line, found.range.end.character) == (1, 0)
        assert "TOML syntax error" in found.message and "']'" in found.message


async def test_pyproject_tool_lessonl_is_checked_and_other_pyprojects_are_left_alone(tmp_path):
    repo = tmp_path / "pyrepo"
    repo.mkdir()
    pyproject = repo / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'x'\n\n[tool.lessonl.test]\ncommand = 3\n\n"
                         "[tool.lessonl.bench]\ncommand = 'pytest --benchmark-json=out.json'\n")
    other = tmp_path / "plain" / "pyproject.toml"
    other.parent.mkdir()
    other.write_text("[project]\nname = 'y'\n")
    async with session(repo, folders=[repo, other.parent]) as client:
        uri = open_doc(client, pyproject, language="toml")
        [found] = await wait_for_diagnostics(client, uri)
        assert ranges([found]) == [span(pyproject, "3")[:1] + (10, 11)] and found.code == "test.command"
        plain = open_doc(client, other, language="toml")
        assert list(await wait_for_diagnostics(client, plain)) == []
