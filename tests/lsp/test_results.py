"""Rebasing a finished rewrite onto a document the user edited while the job ran.

The end-to-end path (applyEdit after an edit) is in test_optimize.py; these pin the merge rule:
the rewrite's hunks move with the user's unrelated edits and are refused where they overlap."""
from __future__ import annotations

from lessonl.code.rebase import rebase

BASE = "a\nb\nc\nd\ne\n"
OURS = "a\nB\nc\nd\ne\n"  # the rewrite changed line 2


def test_unchanged_document_gets_the_rewrite():
    assert rebase(BASE, OURS, BASE) == OURS


def test_lines_added_above_shift_the_rewrite():
    assert rebase(BASE, OURS, "new\na\nb\nc\nd\ne\n") == "new\na\nB\nc\nd\ne\n"


def test_edits_elsewhere_are_kept():
    assert rebase(BASE, OURS, "a\nb\nc\nD!\ne\n") == "a\nB\nc\nD!\ne\n"


def test_an_edit_on_the_rewritten_lines_is_a_conflict():
    assert rebase(BASE, OURS, "a\nb2\nc\nd\ne\n") is None


def test_insertions_of_the_rewrite_land_in_place():
    ours = "#include <x>\na\nb\nc\nd\ne\n"
    assert rebase(BASE, ours, "a\nb\nc\nd\ne\nf\n") == "#include <x>\na\nb\nc\nd\ne\nf\n"
