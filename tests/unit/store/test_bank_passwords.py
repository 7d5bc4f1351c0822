"""The editor's bank passwords (lessonl.bankaccess): each goes only to the bank whose URL it was
given with, into a URL for connecting only, and never over a password the URL already has."""
from __future__ import annotations

import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from lessonl.bankaccess import (bank_key, give_passwords, given_password, open_repository_bank, password_for,
                                with_password)
from lessonl.errors import BankError
from lessonl_store.pg_bank import redact


def test_a_password_belongs_to_one_user_host_port_and_database():
    given = {"postgresql://me@DB.example:5432/lessons": "s"}
    assert password_for("postgres://me@db.example/lessons", given) == "s"  # default port, host case
    assert password_for("postgresql://me@db.example:5433/lessons", given) == ""
    assert password_for("postgresql://other@db.example/lessons", given) == ""
    assert password_for("postgresql://me@evil.example/lessons", given) == ""
    assert password_for("postgresql://me@db.example/other", given) == ""
    assert bank_key("postgresql://me@h/d?sslmode=require") == ("me", "h", 5432, "d")


def test_the_password_is_escaped_into_the_url_and_redacted_from_messages():
    url = with_password("postgresql://me@h:6000/d?sslmode=disable", "p@ss:w/rd")
    assert urlsplit(url).password == "p%40ss%3Aw%2Frd" and url.endswith("@h:6000/d?sslmode=disable")
    assert "p%40ss" not in redact(url)
    assert with_password("postgresql://me:own@h/d", "other") == "postgresql://me:own@h/d"
    assert with_password("postgresql://me@h/d", "") == "postgresql://me@h/d"


def test_passwords_are_kept_per_root_and_forgotten(tmp_path):
    give_passwords(tmp_path, {"postgresql://me@h/d": "s"})
    assert given_password(tmp_path / ".", "postgresql://me@h:5432/d") == "s"
    assert given_password(tmp_path / "elsewhere", "postgresql://me@h/d") == ""
    give_passwords(tmp_path, {})
    assert given_password(tmp_path, "postgresql://me@h/d") == ""


def test_a_bank_opened_without_a_password_argument_uses_the_one_given_for_its_root(postgres_server, tmp_path):
    """The optimize jobs' path: they open the bank by themselves (lessonl.engine.loop), with the
    password the language server gave for the root."""
    role = "jobs_" + uuid.uuid4().hex[:8]
    url = postgres_server.password_database(role, "jobs-secret")
    bank_config = SimpleNamespace(url=url, repository="team/jobs", share=False, path=".lessonl")
    with pytest.raises(BankError, match="no password supplied") as refused:
        open_repository_bank(tmp_path, bank_config, env={})
    assert "jobs-secret" not in str(refused.value)
    give_passwords(tmp_path, {url: "jobs-secret"})
    try:
        bank = open_repository_bank(tmp_path, bank_config, env={})
        assert bank.lessons() == [] and "jobs-secret" not in bank.location
        bank.close()
    finally:
        give_passwords(tmp_path, {})
