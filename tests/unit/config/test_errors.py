"""Config errors name the file, the line, the key and what would be valid."""
from pathlib import Path

import pytest

from lessonl.config import check_config_text, load_config
from lessonl.errors import ConfigError


def error_for(tmp_path: Path, text: str) -> ConfigError:
    (tmp_path / "lessonl.toml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert err.value.file.endswith("lessonl.toml")
    return err.value


BASE = '[test]\ncommand = "./t"\n[bench]\ncommand = "./b"\n'


def test_unknown_key_points_at_the_key_and_suggests(tmp_path):
    err = error_for(tmp_path, '[test]\ncommand = "./t"\ntimout = 3\n[bench]\ncommand = "./b"\n')
    assert (err.line, err.column, err.end_column, err.key) == (3, 1, 7, "test.timout")
    assert "did you mean 'timeout'" in err.message


def test_wrong_type_points_at_the_value(tmp_path):
    err = error_for(tmp_path, BASE + '[timing]\nbudget = "lots"\n')
    assert (err.line, err.column, err.key) == (6, 10, "timing.budget")
    assert "must be a number" in err.message


def test_bad_format_lists_valid_ones(tmp_path):
    err = error_for(tmp_path, '[test]\ncommand = "./t"\n[bench]\ncommand = "./b"\nformat = "json"\n')
    assert err.line == 5 and err.key == "bench.format"
    assert "google-benchmark, pytest-benchmark, regex, wall" in err.message


def test_regex_format_needs_value_group(tmp_path):
    err = error_for(tmp_path, BASE + 'format = "regex"\nregex = "time: ([0-9.]+)"\n')
    assert err.key == "bench.regex" and err.line == 6 and "(?P<value>" in err.message


def test_invalid_regex(tmp_path):
    err = error_for(tmp_path, BASE + 'format = "regex"\nregex = "time: (?P<value>[0-9.]+"\n')
    assert err.key == "bench.regex" and "not a valid regular expression" in err.message


def test_missing_bench_section(tmp_path):
    err = error_for(tmp_path, '[test]\ncommand = "./t"\n')
    assert "missing [bench]" in err.message


def test_non_positive_timeout(tmp_path):
    err = error_for(tmp_path, '[test]\ncommand = "./t"\ntimeout = 0\n[bench]\ncommand = "./b"\n')
    assert err.key == "test.timeout" and err.line == 3 and "greater than 0" in err.message


def test_min_runs_above_max_runs(tmp_path):
    err = error_for(tmp_path, BASE + "[timing]\nmin_runs = 9\nmax_runs = 4\n")
    assert err.key == "timing.min_runs" and err.line == 6


def test_agent_without_endpoint_points_at_its_table(tmp_path):
    err = error_for(tmp_path, BASE + '[[agents]]\nname = "a"\nbase_url = "http://x"\nmodel = "m"\n'
                    '[[agents]]\nname = "b"\nmodel = "m"\n')
    assert err.key == "agents[1]" and err.line == 9 and "base_url" in err.message


def test_unknown_preset(tmp_path):
    err = error_for(tmp_path, BASE + '[[agents]]\npreset = "olama"\nmodel = "m"\n')
    assert err.key == "agents[0].preset" and "ollama" in err.message


def test_syntax_error_has_line_and_column(tmp_path):
    err = error_for(tmp_path, '[test]\ncommand = "./t\n')
    assert err.line == 2 and "TOML syntax error" in err.message


def test_message_renders_file_line_and_key(tmp_path):
    err = error_for(tmp_path, BASE + "[loop]\nrounds = -1\n")
    assert str(err).startswith(str(tmp_path / "lessonl.toml") + ":6: [loop.rounds]")


def test_check_reports_every_problem_with_ranges():
    text = ('[test]\ncommand = "x"\ntimout = 3\n[bench]\ncommand = "b"\nformat = "regexp"\n'
            '[timing]\nmin_runs = 500\n[sandboxx]\n')
    issues = check_config_text("lessonl.toml", text)
    by_key = {i.key: i for i in issues}
    assert set(by_key) == {"test.timout", "bench.format", "timing.min_runs", "sandboxx"}
    fmt = by_key["bench.format"]
    assert (fmt.line, fmt.column, fmt.end_column) == (6, 10, 18)
    assert "did you mean 'sandbox'" in by_key["sandboxx"].message


def test_check_pyproject_only_judges_tool_lessonl():
    assert check_config_text("pyproject.toml", '[project]\nname = "x"\n') == []
    issues = check_config_text("pyproject.toml", '[project]\nname = "x"\n[tool.lessonl.test]\ncommand = "t"\n'
                               '[tool.lessonl.bench]\ncommand = "b"\nunit = "h"\n')
    assert [(i.key, i.line, i.column) for i in issues] == [("bench.unit", 7, 8)]


def test_check_syntax_error_is_one_issue():
    issues = check_config_text("lessonl.toml", "[test\n")
    assert len(issues) == 1 and issues[0].line == 1


def test_first_error_is_the_first_in_the_file(tmp_path):
    text = '[sandboxx]\nmemory_mb = 1\n' + BASE + "[loop]\nrounds = 0\n"
    err = error_for(tmp_path, text)
    assert (err.line, err.column, err.end_column, err.key) == (1, 1, 11, "sandboxx")
    assert "did you mean 'sandbox'" in err.message


def test_unknown_unit_points_at_the_value(tmp_path):
    err = error_for(tmp_path, BASE + 'format = "regex"\nregex = "(?P<value>[0-9]+)"\nunit = "sec"\n')
    assert (err.line, err.column, err.end_column, err.key) == (7, 8, 13, "bench.unit")
    assert "s, ms, us, ns" in err.message


def test_wrong_type_in_a_list(tmp_path):
    err = error_for(tmp_path, BASE + '[scratch]\nexclude = "build/"\n')
    assert (err.line, err.column, err.end_column, err.key) == (6, 11, 19, "scratch.exclude")
    assert "must be a list of strings" in err.message


def test_missing_test_command_points_at_the_table(tmp_path):
    err = error_for(tmp_path, '[test]\ntimeout = 5\n[bench]\ncommand = "./b"\n')
    assert (err.line, err.column, err.end_column, err.key) == (1, 1, 7, "test")
    assert "needs 'command'" in err.message and "exit status 0" in err.message


def test_empty_command_says_what_it_should_be(tmp_path):
    err = error_for(tmp_path, '[test]\ncommand = "  "\n[bench]\ncommand = "./b"\n')
    assert (err.line, err.column, err.key) == (2, 11, "test.command") and "must not be empty" in err.message


def test_regex_format_without_regex_points_at_format(tmp_path):
    err = error_for(tmp_path, BASE + 'format = "regex"\n')
    assert (err.line, err.column, err.end_column, err.key) == (5, 10, 17, "bench.format")
    assert "(?P<value>" in err.message


def test_unknown_override_key_suggests_and_names_the_settings(tmp_path):
    (tmp_path / "lessonl.toml").write_text(BASE)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, {"loop": {"round": 2}})
    assert err.value.key == "loop.round" and "did you mean 'rounds'" in err.value.message
    assert err.value.file == "settings (overrides)" and err.value.line is None


def test_check_lists_issues_in_reading_order():
    text = '[loop]\nrounds = 0\n[test]\ncommand = "t"\ntimeout = -1\n[bench]\ncommand = "b"\nunit = "h"\n[oops]\n'
    issues = check_config_text("lessonl.toml", text)
    assert [(i.line, i.key) for i in issues] == [(2, "loop.rounds"), (5, "test.timeout"), (8, "bench.unit"),
                                                (9, "oops")]
    assert {i.severity for i in issues} == {"error"}


def test_settings_that_would_be_ignored_are_warnings_not_errors(tmp_path):
    text = ('[test]\ncommand = "t"\n[bench]\ncommand = "./bench"\nregex = "(?P<value>[0-9]+)"\n'
            'functions = { "ns::f" = "f" }\n')
    issues = check_config_text("lessonl.toml", text)
    assert [(i.line, i.key, i.severity) for i in issues] == [(5, "bench.regex", "warning"),
                                                            (6, "bench.functions", "warning")]
    assert 'set format = "regex"' in issues[0].message and "{function}" in issues[1].message
    (tmp_path / "lessonl.toml").write_text(text)
    assert load_config(tmp_path).bench.regex == "(?P<value>[0-9]+)"  # loads: warnings never block


def test_bundled_examples_have_no_issues():
    examples = Path(__file__).resolve().parents[3] / "examples"
    for name in ("cpp-kernels", "python-hotspots"):
        path = examples / name / "lessonl.toml"
        assert check_config_text(path, path.read_text()) == [], name
