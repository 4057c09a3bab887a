"""Rules of pages not read as a form (domain.page_review) and of envelopes (domain.envelope).

Pure domain: imports only ``domain`` and pytest (part of ``make mutate``). Expected values
are worked out by hand from the module docstring.
"""

from __future__ import annotations

import pytest

from domain.envelope import Envelope, check_partition, split_envelopes
from domain.model import PageReading
from domain.page_review import (
    BATCH_STATE_JA,
    FORCED_FAILURE_JA,
    BatchPages,
    ForcedFailure,
    PageDecisionKind,
    failure_ja,
    is_resolved,
    needs_person,
    summarise,
)
from domain.status import PageStatus

GENERIC = "指定された帳票として読み取れませんでした"


@pytest.mark.parametrize(("status", "expected"), [
    ("unknown_form", True), ("unidentified", True), ("unaligned", True), ("unreadable_image", True),
    ("read", False), ("blank", False), ("non_form", False), ("separator", False),
    ("some_new_code", True), ("", True),
])
def test_rule_a_person_decides_on_unknown_unidentified_unaligned_and_broken_pages(
        status: str, expected: bool) -> None:
    """Rule: 未判定, unknown form, unaligned and broken pages need a person; so does a status
    code nobody knows (a person looks rather than the page being dropped)."""
    assert needs_person(status) is expected


@pytest.mark.parametrize(("status", "latest", "expected"), [
    ("read", None, True),                      # read as a form
    ("read", "read_failed", True),
    ("unidentified", None, False),             # nobody decided yet
    ("unidentified", "read_as", False),        # asked to read, not done yet
    ("unidentified", "read_failed", False),    # the forced reading failed
    ("unidentified", "attachment", True),      # confirmed 添付書類
    ("unaligned", "blank", True),              # confirmed 白紙
    ("blank", None, True),                     # does not need a person
    ("non_form", None, True),
    ("mystery", None, False),                  # an unknown status needs a person
])
def test_rule_a_page_is_resolved_when_read_or_confirmed_by_its_latest_decision(
        status: str, latest: str | None, expected: bool) -> None:
    assert is_resolved(status, latest) is expected


def test_rule_a_batch_is_complete_only_when_every_page_is_resolved_and_nothing_waits() -> None:
    """Rule: pages read are not counted; confirmed pages count as confirmed; an undecided page
    needing a person or a document still waiting (received/processing/failed) keeps it open."""
    pages = [("read", None), ("read", None), ("unidentified", None), ("unidentified", "attachment"),
             ("unaligned", "blank"), ("blank", None), ("non_form", "attachment"), ("unknown_form", "read_as")]
    b = summarise(7, ["read", "needs_review", "received", "processing", "failed", "entered"], pages)
    assert b.batch_id == 7
    assert b.by_status == {"unidentified": 2, "unaligned": 1, "blank": 1, "non_form": 1, "unknown_form": 1}
    assert b.unread == 6
    assert b.confirmed == 3  # attachment, blank, attachment
    assert b.unresolved == 2  # the undecided unidentified page and the unknown form asked to be read
    assert b.waiting_documents == 3
    assert b.complete is False and BATCH_STATE_JA[b.complete] == "未完了"


def test_rule_a_batch_whose_pages_are_all_read_or_confirmed_is_complete() -> None:
    b = summarise(1, ["read", "reviewed", "entered", "needs_review"],
                  [("read", None), ("unidentified", "blank"), ("blank", None)])
    assert (b.unresolved, b.waiting_documents, b.confirmed, b.unread) == (0, 0, 1, 2)
    assert b.complete is True and BATCH_STATE_JA[b.complete] == "完了"


@pytest.mark.parametrize(("unresolved", "waiting", "complete"), [(0, 0, True), (1, 0, False), (0, 1, False)])
def test_rule_complete_needs_both_no_open_page_and_no_waiting_document(
        unresolved: int, waiting: int, complete: bool) -> None:
    assert BatchPages(1, unresolved=unresolved, waiting_documents=waiting).complete is complete


def test_rule_an_empty_batch_is_complete_and_has_nothing_unread() -> None:
    b = summarise(3, [], [])
    assert (b.unread, b.confirmed, b.unresolved, b.waiting_documents, b.by_status) == (0, 0, 0, 0, {})
    assert b.complete


def test_rule_a_failed_forced_reading_is_explained_in_japanese_and_unknown_codes_get_a_sentence() -> None:
    for reason in ForcedFailure:
        assert failure_ja(reason.value) == FORCED_FAILURE_JA[reason]
    assert failure_ja("alignment_failed").startswith("指定された帳票と用紙の位置を合わせられません")
    assert failure_ja(None) == GENERIC
    assert failure_ja("no_such_reason") == GENERIC


def test_rule_only_staff_decisions_read_as_attachment_blank_copy_kind_are_person_kinds() -> None:
    from domain.page_review import CONFIRMING, PERSON_KINDS

    assert {PageDecisionKind.READ_AS, PageDecisionKind.ATTACHMENT, PageDecisionKind.BLANK,
            PageDecisionKind.COPY_KIND} == PERSON_KINDS
    # a person naming a copy's kind also confirms the page as an attachment
    assert {PageDecisionKind.ATTACHMENT, PageDecisionKind.BLANK, PageDecisionKind.COPY_KIND} == CONFIRMING


def test_rule_confirmed_counts_only_pages_whose_latest_decision_confirms_them() -> None:
    b = summarise(2, [], [("unidentified", "attachment"), ("blank", "blank"), ("non_form", "attachment"),
                          ("unaligned", None)])
    assert (b.confirmed, b.unresolved) == (3, 1)


# --- envelopes in one scan file (domain.envelope) ------------------------------------------


def _page(index: int, status: str, template: str | None = None, number: int | None = None) -> PageReading:
    return PageReading(index=index, status=PageStatus(status), template_id=template,
                       template_version=1 if template else None, page_number=number)


def test_rule_only_a_page_read_as_a_form_opens_an_envelope() -> None:
    """A page that names a template but was not read (unaligned) attaches; it opens nothing."""
    pages = [_page(0, "read", "onestop", 1), _page(1, "unaligned", "onestop", 1),
             _page(2, "read", "onestop", 1)]
    assert split_envelopes(pages) == [Envelope(0, 1), Envelope(2, 2)]


def test_rule_a_trailing_separator_joins_the_last_envelope_and_a_lone_one_is_its_own() -> None:
    assert split_envelopes([_page(0, "separator")]) == [Envelope(0, 0)]
    assert split_envelopes([_page(0, "read", "onestop", 1), _page(1, "separator")]) == [Envelope(0, 1)]
    three = [_page(0, "read", "onestop", 1), _page(1, "separator"), _page(2, "read", "onestop", 1),
             _page(3, "separator")]
    assert split_envelopes(three) == [Envelope(0, 0), Envelope(1, 3)]


def test_rule_envelopes_that_miss_or_repeat_a_page_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^envelopes must cover every page exactly once$"):
        check_partition([Envelope(0, 1)], [0, 1, 2])
    with pytest.raises(ValueError, match=r"^envelopes must cover every page exactly once$"):
        check_partition([Envelope(0, 1), Envelope(1, 2)], [0, 1, 2])
    check_partition([Envelope(0, 1), Envelope(2, 2)], [2, 0, 1])
