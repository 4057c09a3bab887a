"""Pages not read as a form: when a page is resolved and when a batch is complete (pure rules)."""

from __future__ import annotations

import pandas as pd
import pytest

from domain.lifecycle import PAGE_NEEDS_PERSON
from domain.page_review import (
    FORCED_FAILURE_JA,
    ForcedFailure,
    PageDecisionKind,
    failure_ja,
    is_resolved,
    needs_person,
    summarise,
)
from domain.status import PageStatus
from reports.page_completeness import batch_completeness, incomplete_note

K = PageDecisionKind


@pytest.mark.parametrize("status", sorted(s.value for s in PAGE_NEEDS_PERSON))
def test_a_page_that_needs_a_person_is_resolved_only_by_a_confirming_latest_decision(status: str) -> None:
    assert needs_person(status)
    assert not is_resolved(status, None)
    assert not is_resolved(status, K.READ_AS.value)  # sent to reading: not decided until it is read
    assert not is_resolved(status, K.READ_FAILED.value)  # the forced reading failed: decide again
    assert not is_resolved(status, K.READ_DONE.value)  # read before, unidentified again now
    assert is_resolved(status, K.ATTACHMENT.value)
    assert is_resolved(status, K.BLANK.value)


def test_read_pages_and_positive_non_forms_need_nobody() -> None:
    assert is_resolved(PageStatus.READ.value, None)
    assert is_resolved(PageStatus.READ.value, K.READ_FAILED.value)
    for status in (PageStatus.NON_FORM, PageStatus.BLANK):
        assert not needs_person(status.value) and is_resolved(status.value, None)


def test_an_unknown_status_code_goes_to_a_person() -> None:
    assert needs_person("<script>alert(1)</script>")
    assert not is_resolved("something_new", None)
    assert is_resolved("something_new", K.ATTACHMENT.value)


def test_summarise_counts_unread_pages_and_decides_completeness() -> None:
    u, n, b, r = (PageStatus.UNIDENTIFIED.value, PageStatus.NON_FORM.value, PageStatus.BLANK.value,
                  PageStatus.READ.value)
    s = summarise(3, ["needs_review", "read"], [(r, None), (u, None), (n, None), (b, K.BLANK.value),
                                               (u, K.ATTACHMENT.value)])
    assert s.by_status == {u: 2, n: 1, b: 1} and s.unread == 4
    assert (s.confirmed, s.unresolved, s.waiting_documents) == (2, 1, 0)
    assert not s.complete
    done = summarise(3, ["needs_review"], [(u, K.ATTACHMENT.value), (n, None)])
    assert done.complete and done.unresolved == 0


def test_a_batch_with_a_document_still_to_read_is_not_complete() -> None:
    for status in ("received", "processing", "failed"):
        s = summarise(1, ["read", status], [])
        assert s.waiting_documents == 1 and not s.complete
    assert summarise(1, ["read", "reviewed", "entered", "quarantined"], []).complete
    assert summarise(1, [], []).complete  # an empty batch has nothing left to do


def test_forced_failure_reasons_are_japanese_and_unknown_codes_do_not_leak() -> None:
    for code in ForcedFailure:
        assert failure_ja(code.value) == FORCED_FAILURE_JA[code]
    assert failure_ja("<script>") == "指定された帳票として読み取れませんでした"
    assert failure_ja(None) == "指定された帳票として読み取れませんでした"


def test_batch_completeness_frame_with_and_without_decisions() -> None:
    docs = pd.DataFrame({"batch_id": [1, 1, 2], "doc_status": ["needs_review", "read", "processing"]})
    pages = pd.DataFrame({"batch_id": [1, 1, 1, 2],
                          "page_status": ["unidentified", "read", "non_form", "read"]})
    out = batch_completeness(docs, pages)
    assert out.loc[1].tolist() == [1, 0, "未完了"] and out.loc[2].tolist() == [0, 1, "未完了"]
    decided = pages.assign(decision=["attachment", None, None, None])
    out = batch_completeness(docs.assign(doc_status=["needs_review", "read", "read"]), decided)
    assert out["状態"].tolist() == ["完了", "完了"]
    assert incomplete_note(out) is None
    note = incomplete_note(batch_completeness(docs, pages))
    assert note is not None and "未完了の受付単位が 2 件" in note and "1 ページ" in note
