"""Envelopes in one scan file: which pages belong together (pure).

A clerk scans a stack of opened envelopes as one file. Each envelope holds a form
(one or more pages of a template) and what came with it (ID copies, blank backs).
The split is decided after every page was read, from the pages' outcomes alone:

* a page read as a form starts a new envelope, unless it is a further page of the
  envelope's form (same template and version, a page number > 1 not seen yet in it);
* every other page (ID copy, blank, a page nobody could identify) attaches to the
  envelope being built; pages before the first form attach to the first envelope;
* a printed yomitori separator sheet (:data:`SEPARATOR_PAYLOAD` in its QR codes) ends
  an envelope explicitly: the separator belongs to the envelope it opens, a trailing
  one to the last envelope. With separators, a segment without any form page is an
  envelope of its own (it goes to a person: no form was read).

Every page ends in exactly one envelope, in order, and the envelopes are contiguous
page ranges (checked by :func:`check_partition`). A file that is one envelope gives
one group: it is stored as today, not split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.model import PageReading
from domain.status import PageStatus

SEPARATOR_PAYLOAD = "yomitori:separator:1"  # QR text on the printed separator sheet


@dataclass(frozen=True)
class Envelope:
    """Pages ``first`` .. ``last`` (source page indexes, inclusive) of the scan file."""

    first: int
    last: int

    @property
    def indexes(self) -> range:
        return range(self.first, self.last + 1)


def _starts_new(group_forms: list[PageReading], page: PageReading) -> bool:
    """A form page opens a new envelope unless it is a further page of the group's form."""
    if not group_forms:
        return False
    head = group_forms[0]
    if (head.template_id, head.template_version) != (page.template_id, page.template_version):
        return True
    return page.page_number in (None, 1) or any(f.page_number == page.page_number for f in group_forms)


def split_envelopes(pages: Sequence[PageReading]) -> list[Envelope]:
    """Group a file's pages (in source order) into envelopes; see the module doc."""
    ordered = sorted(pages, key=lambda p: p.index)
    groups: list[list[PageReading]] = []
    current: list[PageReading] = []
    forms: list[PageReading] = []  # the form pages of the current group
    for page in ordered:
        if page.status is PageStatus.SEPARATOR:
            if current:
                groups.append(current)
            current, forms = [page], []
            continue
        if page.status is PageStatus.READ and page.template_id:
            if _starts_new(forms, page):
                groups.append(current)
                current, forms = [], []
            forms.append(page)
        current.append(page)
    if current:
        groups.append(current)
    # a trailing separator alone is no envelope: it joins the last one
    if len(groups) > 1 and all(p.status is PageStatus.SEPARATOR for p in groups[-1]):
        groups[-2].extend(groups.pop())
    envelopes = [Envelope(g[0].index, g[-1].index) for g in groups]
    check_partition(envelopes, [p.index for p in ordered])
    return envelopes


def check_partition(envelopes: Sequence[Envelope], indexes: Sequence[int]) -> None:
    """Raise ValueError unless the envelopes cover ``indexes`` exactly once, in order."""
    covered = [i for e in envelopes for i in e.indexes]
    if covered != sorted(indexes):
        raise ValueError("envelopes must cover every page exactly once")
