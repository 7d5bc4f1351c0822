"""The shared bank's password from the editor's secret storage: the client sends it as
`bankPasswords` ({bank URL: password}) in the "lessonl" settings (as the VS Code extension does,
next to `apiKeys`) and the URL, without a password, as the `config.bank.url` override (the
extension's lessonl.bank.url).
The server opens a real PostgreSQL bank whose role must give a password (scram-sha-256)."""
from __future__ import annotations

import asyncio
import os
import uuid
from urllib.parse import quote

import pytest
from lsprotocol import types

from lessonl_store import open_bank
from lessonl_store.records import Lesson
from tests.support.postgres import postgres_server  # noqa: F401  (session fixture)

from .lsp_client import execute, session

PASSWORD = "pa:ss/w@rd-" + uuid.uuid4().hex[:8]  # characters a URL must escape
REPOSITORY = "team/cpp-kernels"


@pytest.fixture(scope="module")
def bank_url(postgres_server):  # noqa: F811
    """A database only a role with PASSWORD can open, holding two lessons of REPOSITORY."""
    role = "bank_" + uuid.uuid4().hex[:8]
    url = postgres_server.password_database(role, PASSWORD)
    bank = open_bank(url.replace(f"{role}@", f"{role}:{quote(PASSWORD, safe='')}@"), repo=REPOSITORY)
    try:
        for text, speedup in (("First.", 2.0), ("Second.", 3.0)):
            bank.add(Lesson(text=text, outcome="faster", speedup=speedup, round=0, agent="a", model="m",
                            file="kernels.cpp", qualified_name="histogram", function_hash="h"))
    finally:
        bank.close()
    return url


def server_env() -> dict[str, str]:
    """The server's environment without any other way to the password (PGPASSWORD, ~/.pgpass)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "LESSONL_BANK_URL", "PGPASSFILE")}
    env["PGPASSFILE"] = os.devnull
    return env


def settings(url: str, passwords: dict[str, str] | None) -> dict:
    section: dict = {"apiKeys": {}, "config": {"bank": {"url": url, "repository": REPOSITORY}}, "codeLens": True}
    if passwords is not None:
        section["bankPasswords"] = passwords
    return {"lessonl": section}


def said(client) -> str:
    """Everything the server showed or logged to the client."""
    return "\n".join([m.message for m in client.messages] + [m.message for m in client.log_messages])


async def test_the_password_from_the_settings_opens_the_postgresql_bank(cpp_repo, bank_url):
    async with session(cpp_repo, configuration=settings(bank_url, {bank_url: PASSWORD}), env=server_env()) as client:
        listed = await execute(client, "lessonl.listLessons")
        assert listed["status"] == "ok", listed
        assert listed["total"] == 2 and [l["text"] for l in listed["lessons"]] == ["Second.", "First."]
        assert PASSWORD not in said(client) and quote(PASSWORD, safe="") not in said(client)


async def test_without_its_password_it_says_how_to_give_it_and_a_new_password_is_picked_up(cpp_repo, bank_url):
    async with session(cpp_repo, configuration=settings(bank_url, None), env=server_env()) as client:
        refused = await execute(client, "lessonl.listLessons")
        assert refused["status"] == "error"
        assert "password" in refused["message"] and "LessonL: Set Lesson Bank Password" in refused["message"]

        other_port = bank_url.replace(bank_url.split(":")[2].split("/")[0], "1")  # another server
        client.set_configuration(settings(bank_url, {other_port: PASSWORD}))
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await asyncio.sleep(0.5)  # the server pulls the settings after the notification
        refused = await execute(client, "lessonl.listLessons")
        assert refused["status"] == "error" and "Set Lesson Bank Password" in refused["message"]

        client.set_configuration(settings(bank_url, {bank_url: "not-the-password"}))
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        wrong = await _until(client, lambda answer: "password authentication failed" in answer.get("message", ""))
        assert wrong["status"] == "error" and "Set Lesson Bank Password" not in wrong["message"]

        client.set_configuration(settings(bank_url, {bank_url: PASSWORD}))
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        listed = await _until(client, lambda answer: answer["status"] == "ok")
        assert listed["total"] == 2
        assert PASSWORD not in said(client) and "not-the-password" not in said(client)


async def _until(client, done, tries: int = 50) -> dict:
    """listLessons until `done(answer)`: the server pulls the new settings after the notification."""
    for _ in range(tries):
        answer = await execute(client, "lessonl.listLessons")
        if done(answer):
            return answer
        await asyncio.sleep(0.1)
    return answer
