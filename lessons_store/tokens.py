"""Words of code and prose, for lexical relevance.

Identifiers are split (`prefixSum`, `prefix_sum` -> prefix, sum) because lessons talk about
"prefix sums" while code says `prefix_sum`; keywords and filler words carry no topic.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

STOP = frozenset("""
a an the and or of to in on for with without by is are was were be been it its this that these those
as at from into than then so not no but if else when while can could would should will may might
do does did done code b faster slower because which more less one two also only each every per
void auto const static inline return std t unsigned signed struct public private def self none
true false pass lambda yield import include
i j k n m x y z v p q s e f g h l r u w tmp val value values result res out ptr len data
""".split())

# Words that appear in most code but still say a little; counted at reduced weight.
COMMON = frozenset("for loop vector list array size begin end index count int long short char float double "
                   "bool class".split())

# Abbreviations common in code, expanded to the words lessons use.
EXPAND = {
    "matmul": ("matrix", "multiply"), "gemm": ("matrix", "multiply"), "mat": ("matrix",), "mul": ("multiply",),
    "vec": ("vector",), "hist": ("histogram",), "str": ("string",), "buf": ("buffer",), "idx": ("index",),
    "cnt": ("count",), "num": ("number",), "avg": ("average",), "mean": ("average",), "concat": ("concatenation",),
    "dup": ("duplicate",), "dups": ("duplicate",), "cumsum": ("prefix", "sum"),
    "memcpy": ("copy", "memory"), "alloc": ("allocation",), "malloc": ("allocation",),
}


def split_identifier(word: str) -> list[str]:
    parts = []
    for chunk in word.split("_"):
        parts.extend(p.lower() for p in _CAMEL.findall(chunk))
    return parts


def _stem(word: str) -> str:
    """A crude plural/verb-form fold: 'loops'->'loop', 'sums'->'sum', 'passes'->'pass'."""
    for suffix, keep in (("ication", "y"), ("sses", "ss"), ("ies", "y"), ("es", ""), ("s", "")):
        if len(word) > 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + keep
    return word


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> tuple[str, ...]:
    """The terms one word of text contributes (cached: vocabularies are small, texts are many)."""
    pieces = split_identifier(word) if ("_" in word or any(c.isupper() for c in word[1:])) else [word.lower()]
    out: list[str] = []
    for piece in pieces:
        if len(piece) < 2 or piece in STOP or piece.isdigit():
            continue
        expanded = EXPAND.get(piece)
        if expanded:
            out.extend(_stem(w) for w in expanded)
        out.append(_stem(piece))
    return tuple(out)


def terms(text: str) -> Counter[str]:
    """Term counts of a text, identifiers split, stop words dropped."""
    counts: Counter[str] = Counter()
    for word in _WORD.findall(text):
        counts.update(word_terms(word))
    return counts
