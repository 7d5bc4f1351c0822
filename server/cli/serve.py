"""`lessonl serve`: the language server, over stdio (editors) or TCP (debugging).

The server and its options live in lessonl.lsp.app (also run by `python -m lessonl.lsp`);
this module only adds them to the CLI.
"""
from __future__ import annotations

import argparse

from ..lsp import app


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve", help="run the LessonL language server",
                                   description=app.DESCRIPTION)
    app.add_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return app.run(args)
