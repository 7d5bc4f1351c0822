"""The editor's bank passwords (lessonl.bankaccess): each goes only to the bank whose URL it was
given with, into a URL for connecting only, and never over a password the URL already has."""
from __future__ import annotations

from urllib.parse import urlsplit

from lessonl.bankaccess import bank_key, give_passwords, given_password, password_for, with_password
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
