"""`lessonl batch` turns its flags into one BatchRequest (no model, no build: only the request)."""
from __future__ import annotations

import shutil
from pathlib import Path

from lessonl.cli import build_parser
from lessonl.cli.batch import build_request

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "python-hotspots"


def request_for(tmp_path: Path, *argv: str):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    args = build_parser("batch").parse_args(["batch", "-C", str(repo), *argv])
    return build_request(args)


def test_no_profile_turns_the_profile_out_of_every_prompt(tmp_path: Path) -> None:
    request = request_for(tmp_path, "--top", "2", "--no-profile", "--set", "profile.max_lines=3")
    assert request.overrides["profile"] == {"max_lines": 3, "prompt": False}
    assert request.top == 2


def test_the_profile_stays_in_the_prompts_by_default(tmp_path: Path) -> None:
    request = request_for(tmp_path, "--top", "2")
    assert "profile" not in (request.overrides or {})
