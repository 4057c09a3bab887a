"""Stack scans in the worker: cut a read file into envelopes (each then cross-checked, services.copy_checks).

See :mod:`domain.envelope` (the rule) and :mod:`store.envelopes` (the one-transaction split).
"""

from __future__ import annotations

from collections.abc import Callable

from domain.completeness import Rules
from domain.envelope import split_envelopes
from domain.model import PageReading
from store.envelopes import hold_deficient, may_split, save_split
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


def envelope_pages(repo: Repository, child: int, pages: list[PageReading]) -> list[PageReading]:
    """The readings of one envelope cut from a stack scan (its source page range)."""
    doc = repo.document(child)
    if doc is None or doc.first_page is None or doc.last_page is None:
        return []
    return [p for p in pages if doc.first_page <= p.index <= doc.last_page]

