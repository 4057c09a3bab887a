"""Scoring against ground truth counts every miss: unread, misidentified and missing pages."""

from __future__ import annotations

from typing import Any

from domain.model import DocumentReading, FieldReading, PageReading
from domain.status import FieldKind, FieldStatus, PageStatus
from services.evaluate import compare, summarize

TRUTH: dict[str, Any] = {
    "template_id": "form_a", "style": "printed",
    "pages": [
        {"kind": "form", "template_page": 1, "fields": {"name": {"value": "山田"}, "age": {"value": "40"}}},
        {"kind": "form", "template_page": 2, "fields": {"phone": {"value": "0312345678"}}},
    ],
}


def _field(fid: str, value: str, auto: bool) -> FieldReading:
    return FieldReading(field_id=fid, kind=FieldKind.TEXT, value=value, raw=value, confidence=0.9,
                        status=FieldStatus.AUTO_ACCEPTED if auto else FieldStatus.NEEDS_REVIEW)


def _page(index: int, template: str, number: int, fields: list[FieldReading]) -> PageReading:
    return PageReading(index=index, status=PageStatus.READ, template_id=template, template_version=1,
                       page_number=number, fields=fields)


def test_a_missing_page_scores_its_fields_as_wrong() -> None:
    """Rule: a form page the reading lost is not left out of the accuracy (it was, with zip)."""
    doc = DocumentReading(source="d", pages=[_page(0, "form_a", 1, [_field("name", "山田", True),
                                                                     _field("age", "41", True)])])
    pages, fields = compare(doc, TRUTH)
    assert [p.identified for p in pages] == [True, False, False]  # page 2 missing; count mismatch
    by_id = {f.field_id: f for f in fields}
    assert by_id["name"].correct and by_id["name"].auto
    assert not by_id["age"].correct and by_id["age"].auto
    assert not by_id["phone"].correct and not by_id["phone"].auto and not by_id["phone"].page_read
    s = summarize(fields, "kind")["ALL"]
    assert (s.n, s.correct, s.auto, s.auto_wrong) == (3, 1, 2, 1)


def test_a_misidentified_page_counts_its_auto_accepts_as_wrong() -> None:
    """Rule: a page read as another form loses its own fields, and what that form auto-accepted
    would have gone to the back office: each is a wrong auto-accept."""
    wrong_form = _page(0, "form_b", 1, [_field("x", "1", True), _field("y", "2", False)])
    unknown = PageReading(index=1, status=PageStatus.UNKNOWN_FORM)
    pages, fields = compare(DocumentReading(source="d", pages=[wrong_form, unknown]), TRUTH)
    assert [p.identified for p in pages] == [False, False]
    assert {f.field_id for f in fields} == {"name", "age", "phone", "misread:x"}
    assert all(not f.correct and not f.page_read for f in fields)
    s = summarize(fields, "kind")["ALL"]
    assert (s.n, s.correct, s.auto, s.auto_wrong) == (4, 0, 1, 1)


def test_non_form_pages_are_right_only_when_not_read_as_forms() -> None:
    truth = {"template_id": "form_a", "pages": [{"kind": "blank", "fields": {}},
                                                 {"kind": "id_copy", "fields": {}}]}
    doc = DocumentReading(source="d", pages=[PageReading(index=0, status=PageStatus.BLANK),
                                             _page(1, "form_a", 1, [])])
    pages, fields = compare(doc, truth)
    assert [p.identified for p in pages] == [True, False] and fields == []


def test_unidentified_pages_are_not_identified() -> None:
    """Rule: an unidentified page went to a person: for a form page its fields are unread, and
    for an ID copy or a blank page it was not told apart either (it costs a person's look)."""
    form = PageReading(index=0, status=PageStatus.UNIDENTIFIED, reason="print matches no form")
    pages, fields = compare(DocumentReading(source="d", pages=[form, _page(1, "form_a", 2, [])]), TRUTH)
    assert [p.identified for p in pages] == [False, True]
    assert {f.field_id for f in fields} == {"name", "age"}
    assert all(not f.page_read and not f.auto for f in fields)
    truth = {"template_id": "form_a", "pages": [{"kind": "id_copy", "fields": {}},
                                                 {"kind": "id_copy", "fields": {}}]}
    doc = DocumentReading(source="d", pages=[PageReading(index=0, status=PageStatus.UNIDENTIFIED),
                                             PageReading(index=1, status=PageStatus.NON_FORM)])
    assert [p.identified for p in compare(doc, truth)[0]] == [False, True]
