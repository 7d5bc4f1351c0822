"""Read a model's reply: its code blocks, the prose around them, and its <think> blocks.

Models answer with prose around fenced blocks (tagged or not), several blocks (original then
rewrite, a helper then the function, the function then a usage example), no fence at all, a
<think> block holding drafts before the answer, or an answer cut off by the token limit. This
module only cuts the reply into blocks; what the code in them means is items.py's and
extract.py's business.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ExtractionError
from ..records import FunctionRef
from .languages import DISPLAY_NAMES

_TAGS = {
    "c": {"c", "h", "cpp", "c++", "cxx", "cc", "hpp"},
    "cpp": {"cpp", "c++", "cxx", "cc", "hpp", "hxx", "h", "c", "cuda", "cu", "objective-c++"},
    "python": {"python", "py", "python3", "py3", "ipython", "pycon"},
}
_NEUTRAL_TAGS = {"", "code", "text", "plaintext", "plain", "source"}
_PY_KEYWORDS = {"def", "class", "return", "import", "from", "if", "elif", "else", "for", "while", "with", "async",
                "await", "try", "except", "finally", "raise", "pass", "yield", "global", "nonlocal", "assert",
                "del", "lambda", "break", "continue", "match", "case", "print"}
_C_KEYWORDS = {"return", "if", "else", "for", "while", "do", "switch", "case", "default", "break", "continue",
               "static", "inline", "const", "constexpr", "template", "typename", "class", "struct", "namespace",
               "using", "typedef", "void", "int", "float", "double", "char", "long", "unsigned", "auto",
               "extern", "enum", "union", "bool", "size_t", "std", "goto", "public", "private", "protected"}
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^`\n]*?)[ \t]*$")
_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.I)
_THINK_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.I)


@dataclass
class Block:
    """One piece of code in a reply: a fenced block, or the whole reply when it has no fence."""

    code: str
    tag: str | None  # None: not fenced at all
    closed: bool
    line: int = 0  # 0-based line of the reply where `code` starts
    thought: bool = False  # inside a <think> block: a draft, not the answer

    def text(self, language: str) -> str:
        """The code to parse: an unfenced reply has its prose lines blanked (line numbers kept)."""
        return blank_prose(self.code, language) if self.tag is None else self.code


def refusal(ref: FunctionRef, message: str, hint: str) -> ExtractionError:
    """Why a reply cannot be used, worded to become a lesson; it names the function's file and line."""
    return ExtractionError(message, file=ref.file or None, line=ref.start_line or None, hint=hint)


def cut_off(ref: FunctionRef) -> ExtractionError:
    return refusal(ref, f"the reply was cut off inside `{ref.name}` (the code block ends before the function does)",
                   "answer with shorter prose and the complete function; do not stop mid-function")


def code_blocks(text: str) -> list[Block]:
    """Fenced blocks; an unclosed last fence (a truncated reply) runs to the end of the reply."""
    lines = text.split("\n")
    thinking = _starts_in_thought(text)
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            thinking = _thinking_after(lines[i], thinking)
            i += 1
            continue
        fence, info = m.group(1), m.group(2)
        tag = (info.split()[0] if info else "").lower().lstrip("{.").rstrip("}")
        j = i + 1
        while j < len(lines):
            close = _FENCE.match(lines[j])
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence) and not close.group(2):
                break
            j += 1
        blocks.append(Block("\n".join(lines[i + 1:j]), tag, closed=j < len(lines), line=i + 1, thought=thinking))
        i = j + 1
    if not blocks:
        blocks.append(Block(_blank_thoughts(lines), None, closed=True))
    return blocks


def _starts_in_thought(text: str) -> bool:
    """Some chat templates drop the opening <think> and keep the closing one."""
    close = _THINK_CLOSE.search(text)
    return close is not None and _THINK_OPEN.search(text, 0, close.start()) is None


def _thinking_after(line: str, thinking: bool) -> bool:
    opened, closed = _THINK_OPEN.search(line), _THINK_CLOSE.search(line)
    if opened and (not closed or closed.start() < opened.start()):
        return True
    return False if closed else thinking


def _blank_thoughts(lines: list[str]) -> str:
    """An unfenced reply without its <think> part (blank lines keep the line numbers)."""
    thinking = _starts_in_thought("\n".join(lines))
    out = []
    for line in lines:
        after = _thinking_after(line, thinking)
        out.append("" if thinking or after or _THINK_CLOSE.search(line) else line)
        thinking = after
    return "\n".join(out)


def usable_blocks(blocks: list[Block], language: str, ref: FunctionRef) -> list[Block]:
    """The blocks in the function's language (or untagged); a refusal when there is none."""
    ok = [b for b in blocks if b.tag is None or b.tag in _NEUTRAL_TAGS or b.tag in _TAGS[language]]
    if not ok:
        tags = ", ".join(sorted({b.tag or "none" for b in blocks}))
        if any(b.tag in ("diff", "patch") for b in blocks):
            raise refusal(ref, "the reply is a diff, not code",
                          f"answer with the complete rewritten function in a ```{language} block, not a patch")
        raise refusal(ref, f"the reply's code blocks are not {DISPLAY_NAMES[language]} (tags: {tags})",
                      f"answer in {DISPLAY_NAMES[language]}, in a ```{language} block")
    return ok


def blank_prose(code: str, language: str) -> str:
    """An unfenced reply: blank the lines of prose (keeping line numbers) so the parser sees code only."""
    return "\n".join("" if is_prose(line, language) else line for line in code.split("\n"))


def is_prose(line: str, language: str) -> bool:
    stripped = line.strip()
    if not stripped or line[:1] in (" ", "\t"):
        return False
    if language != "python" and re.match(r"#+\s", stripped):
        return True  # a markdown heading, not a preprocessor directive
    if re.match(r"^(\d+[.)]|[-*+]|\*\*|>)\s", stripped):
        return True  # list items, bold text, quotes
    first = re.split(r"[^\w']", stripped, maxsplit=1)[0]
    keywords = _PY_KEYWORDS if language == "python" else _C_KEYWORDS
    if first in keywords or not first[:1].isalpha():
        return False
    if language == "python":
        if re.search(r"[=\[\]{}]|\(.*\)\s*:?\s*$", stripped) or stripped.startswith("@"):
            return False
    elif re.search(r"[;{}]|^\w[\w:<>,\s*&]*\s+[*&]*\w[\w:]*\s*\(", stripped) or stripped.endswith(")"):
        return False
    return len(stripped.split()) >= 2


def mentions(block: Block, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", block.code) is not None
