"""Stack scans in the worker: cut a read file into envelopes, and their cross-check hints.

See :mod:`domain.envelope` (the rule) and :mod:`store.envelopes` (the one-transaction split).
"""

from __future__ import annotations

from collections.abc import Callable

from domain.completeness import Rules
from domain.envelope import split_envelopes
from domain.model import PageReading
from services.attachments import copy_check
from store.envelopes import children_of, hold_deficient, may_split, record_copy_check, save_split
from store.files import ContentStore
from store.repository import Repository


def split_stack(repo: Repository, files: ContentStore, document_id: int, worker: str,
                pages: list[PageReading], images: list[bytes], crops: dict[tuple[int, str], bytes],
                forced: bool, after_save: Callable[[Repository, int], None], rules: Rules
                ) -> list[int] | None:
    """A stack scan of several envelopes: one child document each (None: not split).

    Only a file's first reading is split (:func:`store.envelopes.may_split`); each child
    gets ``after_save`` (the audit draw) like any saved reading.
    """
    if forced or len(pages) < 2:
        return None
    envelopes = split_envelopes(pages)
    if len(envelopes) < 2 or not may_split(repo.sessions, document_id):
        return None
    children = save_split(repo.sessions, files, document_id, worker, pages, envelopes, images, crops)
    hold_deficient(repo.sessions, children, rules)  # 書類不備: a person sees it first
    for child in children:
        after_save(repo, child)
    return children


def record_copy_checks(repo: Repository, parent: int, pages: list[PageReading],
                       lines: dict[int, list[str]]) -> None:
    """The cross-check hint of every envelope cut from a stack scan."""
    for child in children_of(repo.sessions, parent):
        mine = [p for p in pages if (child.first_page or 0) <= p.index <= (child.last_page or -1)]
        record_copy_check(repo.sessions, child.id, copy_check(mine, lines))
