"""[profile]: whether and how the benchmark's profile goes into the code prompt."""
from pathlib import Path

import pytest

from lessonl.config import check_config_text, load_config
from lessonl.errors import ConfigError

MINIMAL = '[test]\ncommand = "./t"\n[bench]\ncommand = "./b {function}"\n'


def write(root: Path, text: str) -> Path:
    (root / "lessonl.toml").write_text(text)
    return root


def test_the_profile_goes_into_prompts_by_default(tmp_path: Path) -> None:
    profile = load_config(write(tmp_path, MINIMAL)).profile
    assert (profile.prompt, profile.min_share, profile.max_lines) == (True, 0.02, 8)


def test_file_and_overrides_set_it(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL + "[profile]\nprompt = false\nmax_lines = 4\n")
    assert load_config(tmp_path).profile.prompt is False
    config = load_config(tmp_path, {"profile": {"prompt": True, "min_share": 0.1}})
    assert (config.profile.prompt, config.profile.min_share, config.profile.max_lines) == (True, 0.1, 4)


def test_bad_values_name_the_key_and_line(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL + "[profile]\nprompt = \"no\"\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert err.value.key == "profile.prompt" and err.value.line == 6
    issues = check_config_text(tmp_path / "lessonl.toml", MINIMAL + "[profile]\nmin_share = 2\nlines = 3\n")
    assert {i.key for i in issues} == {"profile.min_share", "profile.lines"}
