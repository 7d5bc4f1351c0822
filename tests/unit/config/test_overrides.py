"""`--set KEY=VALUE` reads values as TOML, except that a string setting keeps what was typed."""
from __future__ import annotations

import pytest

from lessonl.config.overrides import parse_overrides
from lessonl.errors import LessonLError


def test_numbers_and_booleans_are_toml_values() -> None:
    assert parse_overrides(["timing.budget=5", "timing.min_effect=0.05", "sandbox.network=true"]) == {
        "timing": {"budget": 5, "min_effect": 0.05}, "sandbox": {"network": True}}


def test_a_string_setting_keeps_the_text_as_typed() -> None:
    assert parse_overrides(["code.flags=-O2 -march=native", "bench.regex=1", "code.standard=true"]) == {
        "code": {"flags": "-O2 -march=native", "standard": "true"}, "bench": {"regex": "1"}}


def test_quoted_strings_and_bare_words_are_strings() -> None:
    assert parse_overrides(['bench.command="make bench"', "bench.format=wall"]) == {
        "bench": {"command": "make bench", "format": "wall"}}


def test_unknown_keys_still_parse_as_toml_so_the_loader_can_name_them() -> None:
    assert parse_overrides(["timing.budgett=5"]) == {"timing": {"budgett": 5}}


@pytest.mark.parametrize("item", ["timing.budget", "=5", " =5"])
def test_not_key_value_is_a_clear_error(item: str) -> None:
    with pytest.raises(LessonLError, match="is not KEY=VALUE"):
        parse_overrides([item])


def test_a_value_and_a_table_for_the_same_key_is_a_clear_error() -> None:
    with pytest.raises(LessonLError, match="already given a value"):
        parse_overrides(["timing=3", "timing.budget=5"])
