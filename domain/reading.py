"""What the reader makes of a page: readings of fields, pages and documents, and rule issues.

Pure data (pydantic); re-exported by :mod:`domain.model`, where older code imports them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.status import FieldKind, FieldStatus, IssueCode, PageStatus, ReviewReason
from domain.strict import STRICT


class _Strict(BaseModel):
    model_config = STRICT


class Issue(_Strict):
    """A problem a rule found. ``message`` is Japanese and never contains the value itself."""

    code: IssueCode
    message: str
    field_id: str | None = None


Value = str | int | bool | date | list[str] | None


class RuleResult(BaseModel):
    """Outcome of normalising one raw value: the clean value (or None) and issues."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    value: Any = None
    issues: list[Issue] = []

    @property
    def ok(self) -> bool:
        return not self.issues


class FieldReading(BaseModel):
    """What was read in one field, with everything review and audit need."""

    field_id: str
    kind: FieldKind
    value: Value = None
    raw: str = ""
    confidence: float = Field(ge=0.0, le=1.0, default=0.0)
    probability: float | None = Field(default=None, ge=0.0, le=1.0)
    bbox_px: tuple[int, int, int, int] | None = None  # x, y, w, h on the aligned page image
    option_scores: dict[str, float] = {}  # OMR: probability each option is marked
    issues: list[Issue] = []
    status: FieldStatus = FieldStatus.NEEDS_REVIEW
    reason: ReviewReason | None = None
    calibration: str | None = None  # version of the calibration used
    # What the decision saw besides the engine score (names in domain.signals): a second
    # reading's agreement, per-character scores, alignment and page quality, OMR margin...
    signals: dict[str, float] = {}


class PageReading(BaseModel):
    """One page image: which form it is, how it was aligned, and its fields."""

    index: int = Field(ge=0, description="page index in the source document")
    status: PageStatus
    template_id: str | None = None
    template_version: int | None = None
    page_number: int | None = None  # page of the template
    reason: str = ""  # English detail for logs; UI uses PAGE_STATUS_JA
    orientation: int = 0  # degrees the page was rotated to read it
    skew_deg: float = 0.0
    alignment_quality: float | None = None  # 0..1
    fields: list[FieldReading] = []
    seconds: float = 0.0
    copy_kind: str | None = None  # an attached page's guessed ID-copy kind (domain.id_copy.CopyKind)
    copy_confidence: float | None = None  # 0..1, how sure that guess is

    def field(self, field_id: str) -> FieldReading:
        for f in self.fields:
            if f.field_id == field_id:
                return f
        raise KeyError(field_id)


class DocumentReading(BaseModel):
    source: str
    pages: list[PageReading]

    @property
    def forms(self) -> list[PageReading]:
        return [p for p in self.pages if p.status is PageStatus.READ]
