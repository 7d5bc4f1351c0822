"""What a reply brings besides the function: includes or imports, new helpers, new members.

They come from the function's own code block, and from the reply's other blocks when the
function draws on what those define: models often put a helper (a function, a struct, a
constant, a `using`, an import) in a block of its own before the function's, despite the
prompt. Only what the function needs (and what that needs in turn) is taken from other
blocks, so a `main()` driver, a usage example or the quoted original stays out; <think>
drafts are never taken.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import tree_sitter as ts

from ..records import FunctionRef
from .elision import elision_error, find_elision, skip_placeholders
from .functions import Definition, Scan, scan
from .items import (class_members, defined_names, first_param, free_names, imported_names, is_class, is_include,
                    item_code, item_end, item_start, items, node_text, self_attributes, skip_reason)
from .reply import Block
from .signature import Signature

if TYPE_CHECKING:
    from .extract import Extraction

_INCLUDE_LINES = ("comment", "preproc_include", "using_declaration")


@dataclass
class Hit:
    """The function found in one block of the reply."""

    block: Block
    s: Scan
    d: Definition
    rows_before: int = 0  # rows the parse added before the block's code (the class wrapper)

    def reply_line(self, row: int) -> int:
        """1-based line of the reply for a 0-based row of the parsed text."""
        return self.block.line + row - self.rows_before + 1


@dataclass
class _Taker:
    """Puts items of the reply into an Extraction, each where it belongs."""

    ref: FunctionRef
    language: str
    self_helpers: bool  # a bare Python method taking self/cls: helpers taking self are its class's
    ext: Extraction

    def take(self, s: Scan, node: ts.Node, block: Block, rows_before: int = 0, *, member: bool = False) -> None:
        if is_include(node, self.language):
            self.ext.includes.append(node_text(s, node).strip())
            return
        start = skip_placeholders(s, item_start(s, node), node.start_byte)
        code = item_code(s, node, start)
        gap = find_elision(s, node.start_byte, item_end(node), self.ref.text)
        if gap is not None:
            names = ", ".join(sorted(defined_names(node, self.language))) or "a helper"
            self.ext.elided[code] = elision_error(
                f"`{names}`", block.line + gap.row - rows_before + 1, gap.placeholder, self.language,
                self.ref.file or None, self.ref.start_line or None)
        self_like = self.self_helpers and first_param(node) in ("self", "cls")
        (self.ext.member_helpers if member or self_like else self.ext.helpers).append(code)


def collect_extras(hit: Hit, blocks: list[Block], ref: FunctionRef, language: str, signature: Signature,
                   ext: Extraction) -> None:
    """Fill `ext` with what the reply brings around the function: other blocks' first, then the
    function's own block, in the order the reply has them."""
    s, d = hit.s, hit.d
    method_target = ref.qualified_name != ref.name and not d.containers
    taker = _Taker(ref, language, method_target and signature.params[:1] in (("self",), ("cls",)), ext)
    target_nodes = {d.outer.id} | {c.id for c in d.containers}
    own = [n for n in items(s.tree.root_node, language) if n.id not in target_nodes]
    parent = d.containers[-1] if d.containers else None
    members = class_members(parent, language) if parent is not None and is_class(parent) else []
    kept = [n for n in [*own, *members] if n.id != d.outer.id and skip_reason(n, language) is None]
    _borrow(hit, blocks, [d.outer, *kept], taker)
    for node in own:
        if is_include(node, language) or not _skipped(node, language, ext):
            taker.take(s, node, hit.block, hit.rows_before)
    for node in members:
        if node.id == d.outer.id or _skipped(node, language, ext):
            continue
        if language != "python" and node.type == "field_declaration":
            continue
        taker.take(s, node, hit.block, hit.rows_before, member=True)


def _skipped(node: ts.Node, language: str, ext: Extraction) -> bool:
    reason = skip_reason(node, language)
    if reason:
        ext.notes.append(reason)
    return reason is not None


@dataclass(eq=False)
class _Item:
    order: tuple[int, int]  # block, byte: the reply's order
    s: Scan
    node: ts.Node
    block: Block
    names: frozenset[str]  # bare names it defines


def _borrow(hit: Hit, blocks: list[Block], own: list[ts.Node], taker: _Taker) -> None:
    """Take from the reply's other blocks what the function (or its own helpers) uses and does
    not define itself, and what those definitions use in turn; the block's includes come along."""
    language, ref = taker.language, taker.ref
    defined = {ref.name} | {n for node in own for n in _bare_names(node, language)}
    wanted = set().union(*(free_names(node, language) for node in own)) - defined
    members = set().union(*(self_attributes(node) for node in own)) - defined if taker.self_helpers else set()
    pool, includes, with_code = _pool(hit, blocks, language, ref.name)
    taken: list[_Item] = []
    provided: set[str] = set()
    grew = True
    while grew:
        grew = False
        for item in reversed(pool):  # a name defined twice: the later block's definition wins
            if item in taken or item.names <= provided or not (
                    item.names & wanted or item.names & members and first_param(item.node) in ("self", "cls")):
                continue
            taken.append(item)
            provided |= item.names
            if not is_include(item.node, language):
                wanted |= free_names(item.node, language) - defined - item.names
                members |= self_attributes(item.node) - defined if taker.self_helpers else set()
            grew = True
    taken.sort(key=lambda item: item.order)
    used_blocks = {id(item.block) for item in taken}
    for item in includes:
        if id(item.block) in used_blocks or id(item.block) not in with_code:  # or a block of includes only
            taker.take(item.s, item.node, item.block)
    for item in taken:
        taker.take(item.s, item.node, item.block)
    if taken:
        names = ", ".join(f"`{n}`" for item in taken for n in sorted(item.names))
        taker.ext.notes.append(f"took {names} from another code block of the reply")


def _pool(hit: Hit, blocks: list[Block], language: str,
          target: str) -> tuple[list[_Item], list[_Item], set[int]]:
    """(definitions, C/C++ includes and `using` lines) of the reply's other blocks, and the
    blocks that hold more than includes."""
    pool: list[_Item] = []
    includes: list[_Item] = []
    with_code: set[int] = set()
    for index, block in enumerate(blocks):
        if block is hit.block or block.thought:
            continue
        s = scan(block.text(language), language)
        for node in items(s.tree.root_node, language):
            if language != "python" and node.type in _INCLUDE_LINES:
                includes.append(_Item((index, node.start_byte), s, node, block, frozenset()))
                continue
            with_code.add(id(block))
            names = frozenset(_bare_names(node, language))
            if names and target not in names and skip_reason(node, language) is None:
                pool.append(_Item((index, node.start_byte), s, node, block, names))
        if any(c.type not in _INCLUDE_LINES for c in s.tree.root_node.named_children):
            with_code.add(id(block))  # statements, a call: a usage example, not a list of includes
    return pool, includes, with_code


def _bare_names(node: ts.Node, language: str) -> set[str]:
    if language == "python" and is_include(node, language):
        return imported_names(node)
    sep = "." if language == "python" else "::"
    return {name.split(sep)[-1] for name in defined_names(node, language)}
