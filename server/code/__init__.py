"""Locate, extract, splice and diff functions in C, C++ and Python (the contract: docs/design.md, "Code").

The engine, the CLI and the language server use only the names below; the modules behind
them each do one job (languages, functions, signature, spec, context, reply, items, elision,
extras, extract, indent, splice, diff, relocate, source).
"""
from .context import prompt_context
from .diff import TextEditSpec, text_edits, unified_diff
from .elision import ElisionError
from .extract import Extraction, extract
from .functions import list_functions, locate
from .languages import language_for
from .relocate import relocate
from .source import SourceEncoding, decode_source, encode_source, read_source
from .spec import parse_spec
from .splice import splice

__all__ = [
    "ElisionError", "Extraction", "SourceEncoding", "TextEditSpec", "decode_source", "encode_source", "extract",
    "language_for", "list_functions", "locate", "parse_spec", "prompt_context", "read_source", "relocate", "splice",
    "text_edits", "unified_diff",
]
