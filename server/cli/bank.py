"""`lessonl bank migrate|status`: the repository's lesson bank itself (the shared PostgreSQL
bank's schema, which bank is used and under which repository id)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import LessonLError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bank", help="the lesson bank: migrate a shared bank's schema, show which bank is used")
    parser.add_argument("--repo", default=".", help="a path inside the repository (default: .)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (("migrate", "create or upgrade the shared PostgreSQL bank's schema"),
                       ("status", "which bank this repository uses, its schema and counts")):
        p = actions.add_parser(name, help=text)
        p.add_argument("--url", help="this PostgreSQL bank instead of LESSONL_BANK_URL / [bank] url")
        p.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run)


def _target(args: argparse.Namespace):
    from ..bankaccess import bank_target
    from .lessons import bank_context

    root, bank = bank_context(args.repo)
    if args.url:
        if not args.url.startswith(("postgresql://", "postgres://")):
            raise LessonLError(f"'{args.url}' is not a PostgreSQL URL", hint="postgresql://USER@HOST:PORT/DATABASE")
        return root, bank, args.url
    return root, bank, bank_target(root, bank)


def run(args: argparse.Namespace) -> int:
    root, bank_config, target = _target(args)
    return (do_migrate if args.action == "migrate" else do_status)(args, root, bank_config, target)


def do_migrate(args: argparse.Namespace, root: Path, bank_config, target) -> int:
    if isinstance(target, Path):
        out = {"kind": "diskcache", "location": str(target), "applied": [],
               "message": "a local (diskcache) bank migrates itself when it is opened; nothing to do"}
    else:
        from lessonl_store.pg_bank import migrate_database, redact
        from lessonl_store.pg_schema import LATEST

        before, applied = migrate_database(target)
        out = {"kind": "postgresql", "location": redact(target), "before": before, "schema": LATEST,
               "applied": [{"version": m.version, "description": m.description} for m in applied],
               "message": (f"schema {before} -> {LATEST}: applied " + ", ".join(str(m.version) for m in applied))
               if applied else f"schema {LATEST}: up to date"}
    print(json.dumps(out, indent=2) if args.json else f"{out['location']}: {out['message']}")
    return 0


def do_status(args: argparse.Namespace, root: Path, bank_config, target) -> int:
    from lessonl_store import open_bank

    from ..bankaccess import repository_id

    if isinstance(target, Path):
        with open_bank(target) as bank:
            out = {"kind": "diskcache", "location": str(target), "lessons": bank.count(),
                   "results": len(bank.all_results()), "warnings": bank.warnings}
    else:
        from lessonl_store.pg_bank import status

        with open_bank(target, repo=repository_id(root, bank_config), share=bool(bank_config.share),
                       migrate=False) as bank:
            out = {**status(bank), "warnings": bank.warnings}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{out['kind']} bank at {out['location']}")
    if out["kind"] == "postgresql":
        print(f"  schema {out['schema']} (this LessonL: {out['latest_schema']}), pgvector: "
              f"{'yes' if out['pgvector'] else 'no'}")
        print(f"  repository {out['repository']}{' (selection shares every repository)' if out['shared'] else ''}")
        print(f"  {out['lessons']} lessons, {out['results']} results here; {out['lessons_all_repositories']} "
              f"lessons in {out['repositories']} repositories")
    else:
        print(f"  {out['lessons']} lessons, {out['results']} results")
    for warning in out["warnings"]:
        print(f"  warning: {warning}")
    return 0
