"""On native Windows `lessonl` says it is not supported and how to run it, instead of crashing."""
from __future__ import annotations

from lessonl import cli


def test_native_windows_gets_a_clear_message_and_status_2(monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli.os, "name", "nt")
    assert cli._main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lessonl: error: native Windows is not supported") and "WSL2" in err
