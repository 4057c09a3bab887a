"""Rules of pages not read as a form (domain.page_review): who must decide, when a batch is done.

Pure domain: imports only ``domain`` and pytest (part of ``make mutate``). Expected values
are worked out by hand from the module docstring.
"""

from __future__ import annotations

import pytest

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


def test_rule_only_staff_decisions_read_as_attachment_blank_are_person_kinds() -> None:
    from domain.page_review import CONFIRMING, PERSON_KINDS

    assert {PageDecisionKind.READ_AS, PageDecisionKind.ATTACHMENT, PageDecisionKind.BLANK} == PERSON_KINDS
    assert {PageDecisionKind.ATTACHMENT, PageDecisionKind.BLANK} == CONFIRMING
