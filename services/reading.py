"""Read whole files and present the result (text for people, JSON for scripts)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from domain.envelope import split_envelopes
from domain.errors import BusinessError
from domain.model import DocumentReading, FieldReading, PageReading
from domain.mynumber import mask_my_number
from domain.status import PAGE_STATUS_JA, REVIEW_REASON_JA, FieldKind, FieldStatus
from intake.pages import DEFAULT_LIMITS, PageLimits, iter_pages
from intake.scan import name_hash
from ocr.pipeline import read_page
from ocr.reader import Reader

log = logging.getLogger(__name__)


def read_file(path: Path, reader: Reader, limits: PageLimits = DEFAULT_LIMITS
              ) -> tuple[DocumentReading | None, BusinessError | None]:
    """Read every page of a file; a bad file (or one beyond ``limits``) gives a BusinessError."""
    pages: list[PageReading] = []
    try:
        for i, image in enumerate(iter_pages(path, limits=limits, colour=True)):
            pages.append(read_page(image, reader, index=i))
    except BusinessError as err:
        # a file name may hold a person's name: the log gets a short hash of it
        log.warning("cannot read file %s: %s", name_hash(path.name), err)
        return None, err
    return DocumentReading(source=path.name, pages=pages), None


def display_value(reading: FieldReading, unmask: bool = False) -> Any:
    """The value as shown outside the review screen: My Numbers masked."""
    if reading.kind is FieldKind.MY_NUMBER and not unmask and reading.value:
        return mask_my_number(str(reading.value))
    return reading.value


def _field_json(f: FieldReading, unmask: bool) -> dict[str, Any]:
    data = f.model_dump(mode="json", exclude={"issues"})
    data["value"] = display_value(f, unmask)
    if f.kind is FieldKind.MY_NUMBER and not unmask:
        data["raw"] = mask_my_number(f.raw) if f.raw else ""
    data["issues"] = [i.model_dump(mode="json") for i in f.issues]
    data["reason_ja"] = REVIEW_REASON_JA.get(f.reason) if f.reason else None
    return data


def to_json(path: Path, doc: DocumentReading | None, error: BusinessError | None,
            unmask: bool = False) -> dict[str, Any]:
    if error is not None or doc is None:
        return {"source": path.name, "error": getattr(error, "code", "error"),
                "message": getattr(error, "message_ja", str(error))}
    pages = []
    for p in doc.pages:
        d = p.model_dump(mode="json", exclude={"fields"})
        d["status_ja"] = PAGE_STATUS_JA[p.status]
        d["fields"] = [_field_json(f, unmask) for f in p.fields]
        pages.append(d)
    return {"source": doc.source, "pages": pages}


def render_text(path: Path, doc: DocumentReading | None, error: BusinessError | None,
                unmask: bool = False) -> str:
    if error is not None or doc is None:
        return f"{path.name}: 読み取れません — {getattr(error, 'message_ja', error)}"
    lines = [f"{path.name}: {len(doc.pages)} ページ"]
    envelopes = split_envelopes(doc.pages) if doc.pages else []
    if len(envelopes) > 1:  # a stack scan: the store will keep one document per envelope
        lines.append("  封筒: " + "、".join(f"{k}) p{e.first + 1}-p{e.last + 1}"
                                             for k, e in enumerate(envelopes, 1)))
    for p in doc.pages:
        head = f"  p{p.index + 1}: {PAGE_STATUS_JA[p.status]}"
        if p.template_id:
            head += f" [{p.template_id} v{p.template_version} {p.page_number}枚目"
            head += f", 向き {p.orientation}°, 位置合わせ品質 {p.alignment_quality}]"
        lines.append(head)
        for f in p.fields:
            mark = "✓" if f.status is FieldStatus.AUTO_ACCEPTED else "?"
            prob = "-" if f.probability is None else f"{f.probability:.3f}"
            reason = REVIEW_REASON_JA.get(f.reason, "") if f.reason else ""
            lines.append(f"    {mark} {f.field_id:<18} {display_value(f, unmask)!s:<28} "
                         f"conf={f.confidence:.3f} p={prob} {reason}")
    return "\n".join(lines)
