"""`lessonl init`: write a commented lessonl.toml after looking at the repository."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..config.detect import detect
from ..config.source import CONFIG_NAME, config_file_in
from ..config.writer import render
from ..errors import ConfigError

BANK_IGNORE = ".lessonl/"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("init", help="write a commented lessonl.toml for this repository")
    parser.add_argument("path", nargs="?", default=".", help="repository root (default: .)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing lessonl.toml")
    parser.set_defaults(handler=run)


def ensure_gitignored(root: Path) -> bool:
    """Adds the lesson bank to .gitignore; returns True when the file changed."""
    gitignore = root / ".gitignore"
    text = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    if any(line.strip().rstrip("/") in (".lessonl", "/.lessonl") for line in text.splitlines()):
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    gitignore.write_text(text + BANK_IGNORE + "\n", encoding="utf-8")
    return True


def run(args: argparse.Namespace) -> int:
    root = Path(args.path).resolve()
    if not root.is_dir():
        raise ConfigError(f"{root} is not a folder", hint="pass the repository root")
    target = root / CONFIG_NAME
    if target.exists() and not args.force:
        raise ConfigError(f"{target} exists already", hint="edit it, or run `lessonl init --force` to overwrite it")
    existing = config_file_in(root)
    if existing is not None and existing != target and not args.force:
        raise ConfigError(f"{existing} already has a [tool.lessonl] section; a {CONFIG_NAME} would take its place",
                          hint="edit that section, or run `lessonl init --force` to write a lessonl.toml anyway")
    found = detect(root)
    try:
        target.write_text(render(found), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}",
                          hint="run `lessonl init` in a folder you can write to (the repository root)") from None
    print(f"wrote {target}")
    for note in found.notes:
        print(f"  detected: {note}")
    for step, command in (("build", found.build), ("test", found.test), ("bench", found.bench)):
        if command:
            print(f"  {step}: {command}")
    try:
        if ensure_gitignored(root):
            print(f"  added {BANK_IGNORE} to .gitignore (the lesson bank stays local)")
    except (OSError, UnicodeDecodeError) as exc:  # the config is written; this part is a courtesy
        print(f"  note: could not add {BANK_IGNORE} to .gitignore ({exc}); add it yourself")
    todo = [k for k, v in (("test", found.test), ("bench", found.bench)) if not v]
    if todo:
        print(f"next: edit the [{'] and ['.join(todo)}] commands marked EDIT ME, then run `lessonl check`")
    else:
        print("next: run `lessonl check` to build, test and benchmark the baseline once")
    return 0
