"""Locate, extract, splice and diff functions in C, C++ and Python (the contract: docs/design.md, "Code").

The engine, the CLI and the language server use only the names below; the modules behind
them each do one job (languages, functions, spec, context, extract, splice, diff, relocate).
"""
from .context import prompt_context
from .diff import TextEditSpec, text_edits, unified_diff
from .extract import Extraction, extract
from .functions import list_functions, locate
from .languages import language_for
from .relocate import relocate
from .spec import parse_spec
from .splice import splice

__all__ = [
    "Extraction", "TextEditSpec", "extract", "language_for", "list_functions", "locate", "parse_spec",
    "prompt_context", "relocate", "splice", "text_edits", "unified_diff",
]
