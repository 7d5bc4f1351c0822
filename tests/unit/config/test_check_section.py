"""[check] (the behaviour check, sanitizers) and the [timing] keys of the decide-then-stop rule."""
from __future__ import annotations

from pathlib import Path

import pytest

from lessonl.config import check_config_text, load_config
from lessonl.errors import ConfigError

BASE = '[test]\ncommand = "./t"\n[bench]\ncommand = "./b"\n'


def load(tmp_path: Path, text: str):
    (tmp_path / "lessonl.toml").write_text(BASE + text)
    return load_config(tmp_path)


def test_defaults_check_every_call_with_a_tolerance_for_reassociated_sums(tmp_path: Path) -> None:
    check = load(tmp_path, "").check
    assert check.behaviour is True and check.sanitizers == ()
    assert check.rtol == 1e-9 and check.rtol_f32 == 1e-4 and check.max_calls == 100_000


def test_lengths_tolerances_and_sanitizers_are_read(tmp_path: Path) -> None:
    check = load(tmp_path, '[check]\nrtol = 1e-6\nsanitizers = ["address", "undefined"]\n'
                           '[check.lengths]\n"matmul.c" = "n * n"\nout = "n"\n').check
    assert check.rtol == 1e-6
    assert check.sanitizers == ("address", "undefined")
    assert dict(check.lengths) == {"matmul.c": "n * n", "out": "n"}


def test_an_unknown_sanitizer_names_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, '[check]\nsanitizers = ["adress"]\n')
    assert caught.value.key == "check.sanitizers" and caught.value.line == 6
    assert "address, undefined, leak, thread" in caught.value.message


def test_address_and_thread_sanitizers_do_not_mix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be combined"):
        load(tmp_path, '[check]\nsanitizers = ["address", "thread"]\n')


def test_case_regressions_can_be_refused(tmp_path: Path) -> None:
    assert load(tmp_path, "").timing.allow_case_regressions is True
    assert load(tmp_path, "[timing]\nallow_case_regressions = false\n").timing.allow_case_regressions is False


def test_target_ci_width_still_loads_but_the_editor_says_it_is_ignored(tmp_path: Path) -> None:
    text = BASE + "[timing]\ntarget_ci_width = 0.04\n"
    (tmp_path / "lessonl.toml").write_text(text)
    load_config(tmp_path)  # an old file is not an error
    issues = check_config_text(tmp_path / "lessonl.toml", text)
    assert [(i.line, i.severity) for i in issues] == [(6, "warning")]
    assert "ignored" in issues[0].message
