"""`lessonl lessons list|show|stats|export|import|prune`: the repository's lesson bank (the
shared PostgreSQL one when LESSONL_BANK_URL or [bank] url names it); export --to / import --from
copy lessons between a diskcache bank and a PostgreSQL bank."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .argtypes import non_negative, positive
from ..errors import LessonLError
from ..records import Outcome

OUTCOMES = [o.value for o in Outcome]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("lessons", help="browse, share and prune the repository's lessons")
    parser.add_argument("--repo", default=".", help="a path inside the repository (default: .)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser("list", help="lessons, best first")
    p.add_argument("--function", help="only lessons of FILE::NAME")
    p.add_argument("--outcome", choices=OUTCOMES, metavar="OUTCOME", help="only this outcome: " + ", ".join(OUTCOMES))
    p.add_argument("--limit", type=positive, default=50, help="at most this many (default 50)")
    p.add_argument("--json", action="store_true")
    p = actions.add_parser("show", help="one lesson with the code it was learned on")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p = actions.add_parser("stats", help="counts by outcome and function")
    p.add_argument("--json", action="store_true")
    p = actions.add_parser("export", help="write lessons and results as JSON Lines, or copy them into another bank")
    p.add_argument("file", nargs="?", help="the JSON Lines file to write")
    p.add_argument("--to", metavar="BANK", help="copy into this bank instead: a postgresql:// URL or a bank folder")
    p = actions.add_parser("import", help="merge a JSON Lines export or another bank (duplicates are skipped)")
    p.add_argument("file", nargs="?", help="the JSON Lines file to read")
    p.add_argument("--from", dest="source", metavar="BANK", help="copy from this bank instead: a postgresql:// URL "
                   "or a bank folder")
    p = actions.add_parser("prune", help="delete lessons")
    p.add_argument("--older-than-days", type=float)
    p.add_argument("--outcome", choices=OUTCOMES, metavar="OUTCOME", help="only this outcome: " + ", ".join(OUTCOMES))
    p.add_argument("--keep-top", type=non_negative, help="keep only the N best lessons (by speedup x factor)")
    p.add_argument("--function", help="only lessons of FILE::NAME")
    parser.set_defaults(handler=run)


def bank_context(repo: str):
    """(the repository's root, its [bank] config)."""
    from ..config import find_root, load_config
    from ..config.model import BankConfig

    if not Path(repo).expanduser().exists():
        raise LessonLError(f"{repo} does not exist", hint="--repo takes a path inside the repository")
    root = find_root(Path(repo).expanduser())
    try:
        bank = load_config(root).bank
    except LessonLError:
        bank = BankConfig()  # a broken config must not hide the lessons
    return root, bank


def open_bank(repo: str):
    """The repository's bank: the shared one when LESSONL_BANK_URL or [bank] url names it."""
    from ..bankaccess import open_repository_bank

    return open_repository_bank(*bank_context(repo))


def open_other(spec: str, repo: str):
    """Another bank named on the command line (--to / --from): a URL, under this repository's id."""
    from lessonl_store import open_bank as open_store

    from ..bankaccess import repository_id

    root, bank = bank_context(repo)
    if spec.startswith(("postgresql://", "postgres://")):
        return open_store(spec, repo=repository_id(root, bank), share=False)
    return open_store(Path(spec).expanduser())


def _function(spec: str | None) -> tuple[str, str] | None:
    if not spec:
        return None
    if "::" not in spec:
        raise LessonLError(f"'{spec}' is not FILE::NAME", hint="e.g. --function kernels.cpp::matmul")
    file, name = spec.split("::", 1)
    return file, name


def _line(lesson) -> str:
    # only a candidate that built and passed the tests was timed; the others have no speedup
    speed = f"{lesson.speedup:6.2f}x" if lesson.speedup else "      -"
    return (f"{lesson.id}  {lesson.outcome:<21} {speed}  x{lesson.factor:.2f}  "
            f"{lesson.file}::{lesson.qualified_name}\n    {lesson.text}")


def run(args: argparse.Namespace) -> int:
    bank = open_bank(args.repo)
    try:
        for warning in bank.warnings:
            print(f"lessonl: warning: {warning}", file=sys.stderr)
        return ACTIONS[args.action](bank, args)
    finally:
        bank.close()


def do_list(bank, args) -> int:
    function = _function(args.function)
    lessons = bank.for_function(*function) if function else bank.lessons()
    if args.outcome:
        lessons = [l for l in lessons if l.outcome == args.outcome]
    lessons = sorted(lessons, key=lambda l: (-l.score, -l.created))[: args.limit]
    if args.json:
        print(json.dumps([l.to_json() for l in lessons], indent=2))
    elif not lessons:
        print("no lessons yet: run `lessonl optimize FILE::FUNCTION` to learn some")
    else:
        print("\n".join(_line(l) for l in lessons))
    return 0


def do_show(bank, args) -> int:
    lesson = bank.get(args.id)
    if lesson is None:
        raise LessonLError(f"no lesson with id {args.id}", hint="`lessonl lessons list` shows the ids")
    if args.json:
        print(json.dumps(lesson.to_json(), indent=2))
        return 0
    print(_line(lesson))
    print(f"    round {lesson.round + 1}, agent {lesson.agent} ({lesson.model}), used {lesson.uses} times")
    if lesson.ci:
        print(f"    95% interval of the speedup: [{lesson.ci[0]:.2f}, {lesson.ci[1]:.2f}]")
    if lesson.candidate_code:
        print("\n--- attempted rewrite (Code B) ---\n" + lesson.candidate_code)
    return 0


def do_stats(bank, args) -> int:
    stats = bank.stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"{stats['lessons']} lessons, {stats['results']} results in {stats['path']}")
    for outcome, count in sorted(stats["by_outcome"].items()):
        print(f"  {outcome:<22} {count}")
    for name, count in sorted(stats["functions"].items(), key=lambda p: -p[1])[:20]:
        print(f"  {count:5d}  {name}")
    return 0


def _copy(source, target, what: str) -> int:
    from lessonl_store import copy_bank

    try:
        report = copy_bank(source, target)
    finally:
        (target if what == "to" else source).close()
    print(f"copied {report.added} lessons and {report.results_added} results {what} "
          f"{(target if what == 'to' else source).location}; skipped {report.skipped_duplicates} duplicates")
    return 0


def do_export(bank, args) -> int:
    if args.to:
        return _copy(bank, open_other(args.to, args.repo), "to")
    if not args.file:
        raise LessonLError("export needs a FILE or --to BANK", hint="e.g. lessonl lessons export lessons.jsonl")
    if Path(args.file).is_dir():
        raise LessonLError(f"{args.file} is a folder", hint="give the path of the file to write, e.g. lessons.jsonl")
    folder = Path(args.file).expanduser().resolve().parent
    if not folder.is_dir():
        raise LessonLError(f"cannot write {args.file}: the folder {folder} does not exist",
                           hint="create it, or give a path in an existing folder")
    count = bank.export_jsonl(args.file)
    print(f"wrote {count} records to {args.file}")
    return 0


def do_import(bank, args) -> int:
    if args.source:
        return _copy(open_other(args.source, args.repo), bank, "from")
    if not args.file:
        raise LessonLError("import needs a FILE or --from BANK", hint="e.g. lessonl lessons import lessons.jsonl")
    if not Path(args.file).is_file():
        what = "is a folder" if Path(args.file).is_dir() else "does not exist"
        raise LessonLError(f"{args.file} {what}", hint="pass a file written by `lessonl lessons export`")
    report = bank.import_jsonl(args.file)
    print(f"added {report.added} lessons and {report.results_added} results; "
          f"skipped {report.skipped_duplicates} duplicates")
    for number, why in report.invalid_lines:
        print(f"  {args.file}:{number}: skipped, not a lesson ({why})")
    return 0 if not report.invalid_lines else 1


def do_prune(bank, args) -> int:
    if args.older_than_days is None and not args.outcome and args.keep_top is None and not args.function:
        raise LessonLError("prune needs a filter", hint="--older-than-days, --outcome, --keep-top or --function")
    count = bank.prune(args.older_than_days, args.outcome, args.keep_top, _function(args.function))
    print(f"deleted {count} lessons")
    return 0


ACTIONS = {"list": do_list, "show": do_show, "stats": do_stats, "export": do_export, "import": do_import,
           "prune": do_prune}
