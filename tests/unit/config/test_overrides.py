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


def test_an_entry_of_a_string_table_keeps_the_text_and_the_loader_accepts_it(cpp_repo) -> None:
    from lessonl.config import load_config

    overrides = parse_overrides(["bench.functions.matmul=1", "env.OMP_NUM_THREADS=01", "bench.functions.hist=true"])
    assert overrides == {"bench": {"functions": {"matmul": "1", "hist": "true"}}, "env": {"OMP_NUM_THREADS": "01"}}
    config = load_config(cpp_repo, overrides)
    assert dict(config.bench.functions) == {"matmul": "1", "hist": "true"}
    assert config.env["OMP_NUM_THREADS"] == "01"


def test_keys_and_then_a_value_for_the_same_table_is_a_clear_error() -> None:
    with pytest.raises(LessonLError, match=r"timing was already given keys \(timing.budget\), not a value"):
        parse_overrides(["timing.budget=5", "timing=3"])


def test_a_table_value_and_keys_of_the_same_table_both_count() -> None:
    assert parse_overrides(["timing.min_runs=3", "timing={budget = 5}"]) == {"timing": {"min_runs": 3, "budget": 5}}


def test_an_empty_part_of_a_key_is_a_clear_error() -> None:
    with pytest.raises(LessonLError, match="has an empty part"):
        parse_overrides(["timing..budget=5"])


def test_the_schema_decides_what_a_path_holds() -> None:
    from lessonl.config.overrides import field_at

    assert field_at(["code", "flags"]).kind == "str"
    assert field_at(["bench", "functions", "anything"]).kind == "str"
    assert field_at(["env", "ANY"]).kind == "str"
    assert field_at(["timing", "budget"]).kind == "number"
    assert field_at(["timing"]) is None and field_at(["code", "flags", "x"]) is None
    assert field_at(["nope", "x"]) is None
