"""`python -m lessonl.lsp [--tcp HOST:PORT]`: the language server without the CLI dispatcher.

Same server as `lessonl serve` (both run lessonl.lsp.app); it skips the CLI's other
subcommands, so editors that want the fastest start can launch this.
"""
from __future__ import annotations

import sys

from .app import main

if __name__ == "__main__":
    sys.exit(main())
