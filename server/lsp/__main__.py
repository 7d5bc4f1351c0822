"""`python -m lessonl.lsp [--tcp HOST:PORT]`: the language server without the CLI dispatcher.

Same server as `lessonl serve`; it skips importing every other subcommand, so editors that
want the fastest start can launch this.
"""
from __future__ import annotations

import argparse
import sys

from ..cli import serve


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m lessonl.lsp")
    sub = parser.add_subparsers(dest="command")
    serve.register(sub)
    return serve.run(parser.parse_args(["serve", *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
