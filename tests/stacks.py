"""Scripted stack scans for the envelope tests (unit and integration), as the reader would read them.

A plain module beside conftest.py: CI runs plain ``pytest``, which puts ``tests/`` on sys.path
(for conftest) but not the repo root, so tests import it as ``from stacks import ...``.
"""

from __future__ import annotations

import random

from domain.envelope import Envelope
from domain.model import PageReading
from domain.status import PageStatus

P = PageStatus


def form(i: int, tid: str = "onestop_2022", page: int = 1, version: int = 1) -> PageReading:
    return PageReading(index=i, status=P.READ, template_id=tid, template_version=version, page_number=page)


def other(i: int, status: PageStatus = P.NON_FORM) -> PageReading:
    return PageReading(index=i, status=status)


def scripted_stack(seed: int, n: int, separators: bool) -> tuple[list[PageReading], list[Envelope]]:
    """50 envelopes' page readings as the reader would give them, and the true envelopes.

    Forms of one or two pages (a blank back between them sometimes), 0-3 copies (missing
    or extra), copies a person must look at (``unidentified``), blank backs; every form
    page identified (an upside-down page is identified by its QR like any other).
    """
    rng = random.Random(seed)
    pages: list[PageReading] = []
    truth: list[Envelope] = []
    for _ in range(n):
        first = len(pages)
        if separators:
            pages.append(other(len(pages), P.SEPARATOR))
        tid = rng.choice(["onestop_2022", "furusato_application", "citizen_survey"])
        two = tid == "citizen_survey"
        pages.append(form(len(pages), tid, 1))
        if two:
            if rng.random() < 0.3:
                pages.append(other(len(pages), P.BLANK))  # duplex: the back of page 1
            pages.append(form(len(pages), tid, 2))
        for _ in range(rng.choice([0, 1, 2, 2, 2, 3])):
            pages.append(other(len(pages), rng.choice([P.NON_FORM, P.NON_FORM, P.UNIDENTIFIED])))
        if rng.random() < 0.2:
            pages.append(other(len(pages), P.BLANK))
        truth.append(Envelope(first, len(pages) - 1))
    return pages, truth
