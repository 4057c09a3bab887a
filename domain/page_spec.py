"""A form page's printed layout in a template: boxes, corner marks, printed furniture.

Millimetres from the page's top-left corner. Re-exported by :mod:`domain.model`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from domain.strict import STRICT


class _Strict(BaseModel):
    model_config = STRICT


Mm = Annotated[float, Field(ge=0, le=2000)]


class Box(_Strict):
    """A rectangle in millimetres (x, y = top-left)."""

    x: Mm
    y: Mm
    w: Annotated[float, Field(gt=0, le=2000)]
    h: Annotated[float, Field(gt=0, le=2000)]

    @property
    def x2(self) -> float:
        return self.x + self.w

    @property
    def y2(self) -> float:
        return self.y + self.h

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def inside(self, width: float, height: float) -> bool:
        return self.x2 <= width + 1e-6 and self.y2 <= height + 1e-6


class Mark(_Strict):
    """A filled registration square; (x, y) is its top-left corner."""

    x: Mm
    y: Mm
    size: Annotated[float, Field(gt=0, le=50)] = 6.0

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.size / 2, self.y + self.size / 2)


class StaticText(_Strict):
    """Printed text on the blank form (title, instructions, addressee...)."""

    text: str
    x: Mm
    y: Mm
    size_pt: Annotated[float, Field(gt=0, le=72)] = 9.0
    bold: bool = False
    max_w: float | None = None  # wrap width in mm; None = no wrapping


class StaticLine(_Strict):
    x1: Mm
    y1: Mm
    x2: Mm
    y2: Mm
    width_mm: float = 0.3


class StaticRect(_Strict):
    box: Box
    width_mm: float = 0.3
    fill_gray: int | None = None  # 0..255 shading, None = no fill


Anchors = Literal["marks", "structure"]


class PageSpec(_Strict):
    """One printed page of a form: its identifier, marks and printed furniture.

    A form we draw ourselves has corner marks and a QR code. A city's own form
    (``FormTemplate.source == "scanned"``) usually has neither: its page carries
    ``reference_image``, a scan of the blank page, and is aligned by its own
    printed structure (ruled lines, boxes, labels), which ``anchors`` records.
    """

    number: Annotated[int, Field(ge=1)]
    form_code: str = Field(min_length=3, max_length=40, pattern=r"^[A-Z0-9-]+$")
    marks: list[Mark] = Field(default=[], max_length=4)
    # Path of the blank page's scan, relative to the template file's directory
    # (PNG, any resolution; it is scaled to the page size in millimetres).
    reference_image: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_./-]+\.png$")
    anchors: Anchors | None = None  # None: "marks" when the page has marks, else "structure"
    texts: list[StaticText] = []
    lines: list[StaticLine] = []
    rects: list[StaticRect] = []

    @model_validator(mode="after")
    def _check_anchors(self) -> PageSpec:
        if self.marks and len(self.marks) < 3:
            raise ValueError(f"page {self.number}: give 3 or 4 corner marks, or none")
        if self.anchor_kind == "marks" and not self.marks:
            raise ValueError(f"page {self.number}: anchors 'marks' needs corner marks")
        if self.reference_image and (".." in self.reference_image.split("/")
                                     or self.reference_image.startswith("/")):
            raise ValueError(f"page {self.number}: reference_image must stay inside the template folder")
        return self

    @property
    def anchor_kind(self) -> Anchors:
        """What alignment relies on for this page."""
        if self.anchors is not None:
            return self.anchors
        return "marks" if self.marks else "structure"
