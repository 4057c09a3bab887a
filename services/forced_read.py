"""Pages read with the template a reviewer chose (the worker's side of "form — read it as …").

:func:`forced_pages` asks the store which pages of a document a person said to read as
a given template; :func:`read_one` reads a page either normally or forced
(:func:`ocr.forced_page.read_forced_page`: identification skipped, alignment still
required); :func:`record_outcomes` appends the worker's result per forced page to the
page-decision trail (``read_done``, or ``read_failed`` with a reason code that the
review app shows in Japanese). No values are logged.
"""

from __future__ import annotations

import numpy as np

from domain.model import PageReading
from ocr.forced_page import read_forced_page
from ocr.pipeline import read_page_with_image
from ocr.reader import Reader
from store.page_decisions import Forced, PageDecisionStore
from store.repository import Repository


def forced_pages(repo: Repository, document_id: int) -> dict[int, Forced]:
    return PageDecisionStore(repo.sessions).forced_pages(document_id)


def read_one(image: np.ndarray, reader: Reader, index: int, forced: Forced | None
             ) -> tuple[PageReading, np.ndarray | None, str | None]:
    """(reading, aligned page or None, failure code of a forced reading or None)."""
    if forced is None:
        reading, aligned = read_page_with_image(image, reader, index=index)
        return reading, aligned, None
    return read_forced_page(image, reader, index, forced.template_id, forced.version, forced.page_number)


def record_outcomes(repo: Repository, document_id: int, outcomes: dict[int, str | None], worker: str) -> None:
    PageDecisionStore(repo.sessions).record_outcomes(document_id, outcomes, worker)
