"""Make a document's Page / FieldResult rows match a reading (split from store/models.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.model import FieldReading, PageReading
from store.models import FieldResult, Page, ReviewAction, dumps


def apply_page(row: Page, reading: PageReading, image_path: str | None) -> None:
    """Copy a PageReading onto its row (unchanged values emit no UPDATE)."""
    row.status = reading.status.value
    row.template_id, row.template_version = reading.template_id, reading.template_version
    row.page_number, row.orientation = reading.page_number, reading.orientation
    row.alignment_quality, row.reason, row.image_path = reading.alignment_quality, reading.reason, image_path
    row.copy_kind, row.copy_confidence = reading.copy_kind, reading.copy_confidence


def apply_field(row: FieldResult, reading: FieldReading, crop_path: str | None) -> None:
    """Copy a FieldReading onto its row."""
    row.kind = reading.kind.value
    row.value_json = dumps(reading.model_dump(mode="json", include={"value"})["value"])
    row.raw, row.confidence, row.probability = reading.raw, reading.confidence, reading.probability
    row.calibration, row.status = reading.calibration, reading.status.value
    row.reason = reading.reason.value if reading.reason else None
    row.issues_json = dumps([i.model_dump(mode="json") for i in reading.issues])
    row.bbox = dumps(list(reading.bbox_px)) if reading.bbox_px else None
    row.crop_path = crop_path


def replace_pages(s: Session, document_id: int, pages: list[PageReading], images: list[str],
                  crop_paths: dict[tuple[int, str], str]) -> None:
    """Make a document's Page/FieldResult rows match a reading, updating rows in place.

    Keyed by (page index, field id), so a re-run with the same reading keeps the same ids.
    Rows the reading no longer has are deleted, except fields staff already acted on
    (their ReviewAction rows reference them; the audit trail wins).
    """
    old_pages = {p.index: p for p in s.scalars(select(Page).where(Page.document_id == document_id))}
    old_fields = {(f.page_id, f.field_id): f for f in s.scalars(
        select(FieldResult).join(Page).where(Page.document_id == document_id))}
    acted = set(s.scalars(select(ReviewAction.field_result_id).join(FieldResult).join(Page)
                          .where(Page.document_id == document_id)))
    seen: set[tuple[int, str]] = set()
    for k, reading in enumerate(pages):
        page = old_pages.pop(reading.index, None) or Page(document_id=document_id, index=reading.index)
        apply_page(page, reading, images[k] if images else None)
        s.add(page)
        s.flush()  # a new page needs its id
        for f in reading.fields:
            key = (page.id, f.field_id)
            row = old_fields.get(key) or FieldResult(page_id=page.id, field_id=f.field_id)
            apply_field(row, f, crop_paths.get((reading.index, f.field_id)))
            s.add(row)
            seen.add(key)
    gone = [row for key, row in old_fields.items() if key not in seen]
    for row in gone:
        if row.id not in acted:
            s.delete(row)
    s.flush()
    in_use = {row.page_id for row in gone if row.id in acted}
    for page in old_pages.values():
        if page.id not in in_use:
            s.delete(page)
