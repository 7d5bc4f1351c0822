"""Problems point at the exact text to underline, whatever TOML form the user wrote."""
from pathlib import Path

import pytest

from lessonl.config import check_config_text, load_config
from lessonl.errors import ConfigError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BASE = '[test]\ncommand = "./t"\n[bench]\ncommand = "./b"\n'


def underlined(text: str, issue) -> str:
    return text.splitlines()[issue.line - 1][issue.column - 1:issue.end_column - 1]


def only_issue(text: str, name: str = "lessonl.toml"):
    issues = check_config_text(name, text)
    assert len(issues) == 1, issues
    return issues[0]


def test_inline_table_value_without_trailing_space():
    text = 'test = { command = "t", timeout = 0 }\nbench = { command = "b", format = "x" }\n'
    issues = check_config_text("lessonl.toml", text)
    assert [(i.key, i.line, underlined(text, i)) for i in issues] == [
        ("test.timeout", 1, "0"), ("bench.format", 2, '"x"')]


def test_dotted_keys_at_top_level():
    text = 'test.command = "t"\ntest.timeout = -1\nbench.command = "b"\n'
    issue = only_issue(text)
    assert (issue.key, issue.line, underlined(text, issue)) == ("test.timeout", 2, "-1")


def test_header_inside_a_multiline_string_is_not_a_table():
    text = '[test]\ncommand = """\n[build]\ntimeout = 1\n"""\ntimeout = "x"\n[bench]\ncommand = "b"\n'
    issue = only_issue(text)
    assert (issue.key, issue.line, underlined(text, issue)) == ("test.timeout", 6, '"x"')


def test_lines_inside_a_multiline_array_are_skipped():
    text = BASE + '[scratch]\nexclude = [\n  "a",\n  ["b"]\n]\nexclud = 1\n[loop]\nrounds = 0\n'
    issues = check_config_text("lessonl.toml", text)
    assert [(i.key, i.line) for i in issues] == [("scratch.exclude", 6), ("scratch.exclud", 10), ("loop.rounds", 12)]


def test_bad_map_entry_points_at_its_own_key():
    text = BASE + 'functions = { matmul = "mm", histogram = 3 }\n[env]\nOMP_NUM_THREADS = 1\nBAD = [1]\n'
    issues = check_config_text("lessonl.toml", text)
    assert sorted((i.key, i.line, underlined(text, i)) for i in issues) == [
        ("bench.functions.histogram", 5, "3"), ("env.BAD", 8, "[1]")]


def test_numbers_in_env_become_strings(tmp_path):
    (tmp_path / "lessonl.toml").write_text(BASE + "[env]\nOMP_NUM_THREADS = 1\nFAST = true\n")
    assert load_config(tmp_path).env == {"OMP_NUM_THREADS": "1", "FAST": "true"}


def test_syntax_error_keeps_tomllib_position_even_past_the_line_end():
    """The editor turns a column just past the end into the line break (lessonl.lsp.diagnostics)."""
    text = '[test]\ncommand = "t"\ncommand = "u"\n'
    issue = only_issue(text)
    assert (issue.line, issue.column, issue.end_column) == (3, 14, 15)
    assert "TOML syntax error" in issue.message and "overwrite" in issue.message


def test_missing_section_in_pyproject_points_at_the_tool_table_not_line_1():
    text = '[project]\nname = "x"\n\n[tool.lessonl.bench]\ncommand = "b"\n'
    issue = only_issue(text, "pyproject.toml")
    assert issue.line == 4 and underlined(text, issue) == "[tool.lessonl.bench]"
    assert "missing [test]" in issue.message


def test_pyproject_sub_tables_have_their_own_lines():
    path = FIXTURES / "config-pyproject-bad" / "pyproject.toml"
    issues = check_config_text(path, path.read_text())
    assert [(i.key, i.line, i.column, i.end_column) for i in issues] == [
        ("bench.timeout", 14, 11, 13), ("timing.max_run", 18, 1, 8)]
    assert "did you mean 'max_runs'" in issues[1].message


def test_load_config_raises_the_first_pyproject_problem_with_its_line():
    root = FIXTURES / "config-pyproject-bad"
    with pytest.raises(ConfigError) as err:
        load_config(root)
    e = err.value
    assert (Path(e.file).name, e.line, e.column, e.end_column, e.key) == ("pyproject.toml", 14, 11, 13, "bench.timeout")
    assert str(e).startswith(f"{root.resolve() / 'pyproject.toml'}:14: [bench.timeout] must be greater than 0")
