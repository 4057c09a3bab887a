"""Document status machine: every pair of states, allowed or refused."""

from __future__ import annotations

import itertools

import pytest

from domain.errors import BusinessError
from domain.lifecycle import (
    ALLOWED,
    DOCUMENT_STATUS_JA,
    TERMINAL,
    DocumentStatus,
    IllegalTransition,
    can_transition,
    status_after_reading,
    transition,
)
from domain.model import FieldReading, PageReading
from domain.status import FieldKind, FieldStatus, PageStatus

S = DocumentStatus
EXPECTED = {
    (S.RECEIVED, S.PROCESSING), (S.RECEIVED, S.QUARANTINED),
    (S.PROCESSING, S.READ), (S.PROCESSING, S.NEEDS_REVIEW), (S.PROCESSING, S.RECEIVED),
    (S.PROCESSING, S.FAILED), (S.PROCESSING, S.QUARANTINED), (S.PROCESSING, S.SPLIT),
    (S.NEEDS_REVIEW, S.REVIEWED), (S.NEEDS_REVIEW, S.PROCESSING),
    (S.READ, S.ENTERED), (S.READ, S.NEEDS_REVIEW), (S.READ, S.PROCESSING),
    (S.REVIEWED, S.ENTERED), (S.REVIEWED, S.NEEDS_REVIEW),
    (S.FAILED, S.RECEIVED),
}
PAIRS = list(itertools.product(DocumentStatus, DocumentStatus))


def test_table_covers_every_status_and_matches_the_design() -> None:
    assert set(ALLOWED) == set(DocumentStatus)
    assert {(a, b) for a, nxt in ALLOWED.items() for b in nxt} == EXPECTED
    assert {S.ENTERED, S.QUARANTINED, S.DUPLICATE, S.SPLIT} == TERMINAL
    assert set(DOCUMENT_STATUS_JA) == set(DocumentStatus)


@pytest.mark.parametrize(("current", "new"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair(current: DocumentStatus, new: DocumentStatus) -> None:
    if (current, new) in EXPECTED:
        assert transition(current, new) is new
        assert transition(current.value, new.value) is new  # stored strings work too
        assert can_transition(current, new)
        return
    assert not can_transition(current, new)
    with pytest.raises(IllegalTransition) as info:
        transition(current, new)
    err = info.value
    assert isinstance(err, BusinessError)
    assert current.value in str(err) and new.value in str(err)
    assert DOCUMENT_STATUS_JA[current] in err.message_ja and DOCUMENT_STATUS_JA[new] in err.message_ja
    assert err.code == "illegal_transition"
    assert (err.current, err.new) == (current, new)


def test_unknown_status_string_is_refused() -> None:
    with pytest.raises(ValueError):
        transition("received", "archived")


def _page(status: PageStatus = PageStatus.READ, *fields: FieldStatus, index: int = 0) -> PageReading:
    return PageReading(index=index, status=status, fields=[
        FieldReading(field_id=f"f{i}", kind=FieldKind.TEXT, status=st) for i, st in enumerate(fields)])


@pytest.mark.parametrize(("pages", "expected"), [
    ([_page(PageStatus.READ, FieldStatus.AUTO_ACCEPTED)], S.READ),
    ([_page(PageStatus.READ, FieldStatus.AUTO_ACCEPTED),
      _page(PageStatus.BLANK, index=1), _page(PageStatus.NON_FORM, index=2)], S.READ),
    ([_page(PageStatus.READ, FieldStatus.AUTO_ACCEPTED, FieldStatus.NEEDS_REVIEW)], S.NEEDS_REVIEW),
    ([_page(PageStatus.READ, FieldStatus.UNREADABLE)], S.NEEDS_REVIEW),
    ([_page(PageStatus.READ, FieldStatus.AUTO_ACCEPTED),
      _page(PageStatus.UNKNOWN_FORM, index=1)], S.NEEDS_REVIEW),
    ([_page(PageStatus.READ, FieldStatus.AUTO_ACCEPTED),
      _page(PageStatus.UNIDENTIFIED, index=1)], S.NEEDS_REVIEW),  # a form nobody identified
    ([_page(PageStatus.UNIDENTIFIED)], S.NEEDS_REVIEW),
    ([_page(PageStatus.READ), _page(PageStatus.UNALIGNED, index=1)], S.NEEDS_REVIEW),
    ([_page(PageStatus.UNREADABLE_IMAGE)], S.NEEDS_REVIEW),
    ([_page(PageStatus.BLANK)], S.NEEDS_REVIEW),  # nothing was read as a form
    ([], S.NEEDS_REVIEW),
])
def test_status_after_reading(pages: list[PageReading], expected: DocumentStatus) -> None:
    assert status_after_reading(pages) is expected


@pytest.mark.parametrize("status", list(PageStatus))
def test_only_read_blank_and_non_form_pages_need_nobody(status: PageStatus) -> None:
    """Rule: a page that is not positively a form read, a blank or a non-form goes to a person
    (no silent drop), and every page status has a Japanese label for the screens."""
    from domain.status import PAGE_STATUS_JA

    doc = [_page(PageStatus.READ, FieldStatus.AUTO_ACCEPTED), _page(status, index=1)]
    quiet = {PageStatus.READ, PageStatus.BLANK, PageStatus.NON_FORM, PageStatus.SEPARATOR}
    assert status_after_reading(doc) is (S.READ if status in quiet else S.NEEDS_REVIEW)
    assert PAGE_STATUS_JA[status]
