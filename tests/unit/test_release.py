"""What a release carries: the licence, the extension's icon, links and changelog, and the
packaging settings that put them in the .vsix and the wheel.

The .vsix's file list is read with `vsce ls` (no build) where node and the repository's
node_modules are there; tests/e2e/test_vscode.py checks the packaged .vsix and its wheel.
"""
from __future__ import annotations

import json
import shutil
import struct
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
VSCE = REPO / "node_modules" / ".bin" / "vsce"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_licence_is_the_mit_licence_both_manifests_name() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the LessonL authors" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text
    assert PACKAGE["license"] == PYPROJECT["project"]["license"] == "MIT"


def test_the_extension_manifest_has_an_icon_links_and_keywords() -> None:
    icon = REPO / PACKAGE["icon"]
    assert icon.suffix == ".png" and png_size(icon) == (128, 128)  # the Marketplace wants a PNG
    assert PACKAGE["repository"]["url"].startswith("https://github.com/")
    assert PACKAGE["homepage"].startswith(PACKAGE["repository"]["url"])
    assert PACKAGE["bugs"]["url"] == PACKAGE["repository"]["url"] + "/issues"
    assert {"performance", "python", "c++"} <= set(PACKAGE["keywords"])
    assert len(PACKAGE["keywords"]) <= 30  # vsce's limit


def test_the_changelog_covers_this_version() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert f"## {PACKAGE['version']}" in text
    assert PYPROJECT["project"]["version"] == PACKAGE["version"]


def test_packaging_no_longer_skips_the_licence_or_the_repository() -> None:
    script = PACKAGE["scripts"]["package"]
    assert "--skip-license" not in script and "--allow-missing-repository" not in script
    ignore = (REPO / ".vscodeignore").read_text(encoding="utf-8").splitlines()
    assert {"!LICENSE", "!CHANGELOG.md"} <= set(ignore)


def test_the_wheel_carries_the_licence() -> None:
    """PEP 639 metadata (License-Expression, License-File) needs setuptools 77."""
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    assert any(req.replace(" ", "").startswith("setuptools>=") and
               tuple(map(int, req.split(">=")[1].split("."))) >= (77,)
               for req in PYPROJECT["build-system"]["requires"])


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None or not VSCE.exists(),
                    reason="node and the repository's node_modules (npm ci) are needed")
def test_the_vsix_would_hold_the_licence_changelog_and_icon() -> None:
    done = subprocess.run([str(VSCE), "ls", "--no-dependencies", "--readme-path", "vscode-client/README.md"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    files = set(done.stdout.split())
    assert {"LICENSE", "CHANGELOG.md", PACKAGE["icon"], "package.json"} <= files
