"""Readings a perfect reader would store for a synthetic document (tests and benchmarks).

Turns the synthesiser's ground truth (``SynthDocument.truth``) or plain field values
into ``PageReading`` objects, so reports can be checked against known answers without
running OCR. A single choice with two real marks gets value None and a
``multiple_marks`` issue, as the reading rules give it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.model import FieldReading, FormTemplate, Issue, PageReading
from domain.status import FieldKind, FieldStatus, IssueCode, PageStatus

StatusRule = Callable[[str, dict[str, Any]], FieldStatus]  # (field id, field truth) → status


def auto_accept(_field_id: str, _truth: dict[str, Any]) -> FieldStatus:
    return FieldStatus.AUTO_ACCEPTED


def field_reading(template: FormTemplate, field_id: str, truth: Mapping[str, Any],
                  status: FieldStatus) -> FieldReading:
    spec = template.field(field_id)
    marks = list(truth.get("marks") or [])
    issues: list[Issue] = []
    if spec.kind is FieldKind.CHOICE and len(marks) > 1:
        issues.append(Issue(code=IssueCode.MULTIPLE_MARKS, message="2つ以上に印があります",
                            field_id=field_id))
    return FieldReading(field_id=field_id, kind=spec.kind, value=truth.get("value"),
                        raw=truth.get("text") or "", confidence=1.0, issues=issues, status=status)


def pages_from_truth(truth: Mapping[str, Any], template: FormTemplate,
                     status: StatusRule = auto_accept) -> list[PageReading]:
    """Every page of a synthetic document as read (blank and ID-copy pages included)."""
    pages: list[PageReading] = []
    for p in truth["pages"]:
        if p["kind"] != "form":
            kind = PageStatus.BLANK if p["kind"] == "blank" else PageStatus.NON_FORM
            pages.append(PageReading(index=p["index"], status=kind))
            continue
        fields = [field_reading(template, fid, ft, status(fid, ft)) for fid, ft in p["fields"].items()]
        order = {f.id: k for k, f in enumerate(template.fields)}
        pages.append(PageReading(index=p["index"], status=PageStatus.READ, template_id=template.id,
                                 template_version=template.version, page_number=p["template_page"],
                                 fields=sorted(fields, key=lambda f: order[f.field_id])))
    return pages


def pages_from_values(template: FormTemplate, values: Mapping[str, Any],
                      status: StatusRule = auto_accept) -> list[PageReading]:
    """One form from plain field values (``{'value', 'marks'}`` per field id), page by page."""
    return [PageReading(index=p.number - 1, status=PageStatus.READ, template_id=template.id,
                        template_version=template.version, page_number=p.number,
                        fields=[field_reading(template, f.id, values[f.id], status(f.id, values[f.id]))
                                for f in template.fields_on(p.number)])
            for p in template.pages]
