"""Pure domain model: form templates and what the reader makes of a page.

The readings (``FieldReading``, ``PageReading``, ``DocumentReading``, ``Issue``,
``RuleResult``) live in :mod:`domain.reading` and are re-exported here.

Coordinates in a template are millimetres from the page's top-left corner.
Nothing here touches files, images or engines.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from domain.constructs import BubbleColumns, GridSpec
from domain.copy_rule import CopyRule
from domain.identifier import CodeIdentifier
from domain.page_spec import Anchors, Box, Mark, Mm, PageSpec, StaticLine, StaticRect, StaticText
from domain.reading import DocumentReading, FieldReading, Issue, PageReading, RuleResult, Value
from domain.status import (
    FieldKind,
    ReviewPolicy,
)
from domain.strict import STRICT


class _Strict(BaseModel):
    model_config = STRICT


class ChoiceOption(_Strict):
    """One option of a choice field: the value stored, the printed label, the mark area."""

    value: str = Field(min_length=1)
    label: str = Field(min_length=1)
    box: Box


class FieldSpec(_Strict):
    """One field to read."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)
    label: str = Field(min_length=1, description="Japanese label shown to staff")
    kind: FieldKind
    page: Annotated[int, Field(ge=1)] = 1
    box: Box
    required: bool = False
    allowed_chars: str | None = None
    review: ReviewPolicy = ReviewPolicy.AUTO
    cells: Annotated[int, Field(ge=2, le=40)] | None = None  # one character per cell
    options: list[ChoiceOption] = []
    era_field: str | None = None  # wareki_date: the choice field holding the era
    fixed_era: str | None = None  # wareki_date: era printed on the form (e.g. 令和)
    label_position: Literal["left", "above", "none"] = "left"
    # choice fields: "box" = a □ before each label; "circle" = printed labels people
    # circle (明・大・昭・平・令), no squares; "bubble" = printed ○ (often with the value
    # inside) that people fill: the clearly darkest one is the answer
    mark_style: Literal["box", "circle", "bubble"] = "box"
    sample: str | None = None  # generator key used by the scan synthesiser
    personal: bool = False  # personal data: masked in logs and exports unless asked
    # Attributes a machine guessed (template drafting) that no admin has confirmed yet,
    # e.g. ["kind", "label"]; an admin's edit clears them. Empty for a finished template.
    guessed: list[Literal["box", "kind", "label", "options", "id"]] = []
    # Comb fields (``cells``): read every cell on its own with ``alphabet``; the reading's
    # ``raw`` keeps one character per cell (an empty cell is a space), so "  43" stays
    # "  43" and a name never gains a space that no empty cell put there.
    read_cells: bool = False
    alphabet: Literal["digits", "latin", "latin_digits", "kana"] | None = None
    bubbles: BubbleColumns | None = None  # a number bubbled in columns of 0-9 (kind digits)
    copy_of: str | None = None  # bubbles: the handwritten field that holds the same number
    grid: str | None = None  # made from this grid (FormTemplate.grids); never written to YAML

    @model_validator(mode="after")
    def _check_kind_shape(self) -> FieldSpec:
        self._check_constructs()
        if self.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
            if len(self.options) < 2:
                raise ValueError(f"field '{self.id}': a {self.kind} field needs at least 2 options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"field '{self.id}': option values must be unique")
        elif self.options:
            raise ValueError(f"field '{self.id}': only choice fields have options")
        if self.mark_style == "circle" and not self.options:
            raise ValueError(f"field '{self.id}': mark_style circle needs options")
        if self.mark_style == "bubble" and not self.options:
            raise ValueError(f"項目 '{self.id}': mark_style bubble（塗りつぶす○）には選択肢が必要です")
        if self.kind is FieldKind.MY_NUMBER and self.cells not in (None, 12):
            raise ValueError(f"field '{self.id}': a my_number field has 12 cells")
        if self.era_field and self.fixed_era:
            raise ValueError(f"field '{self.id}': use era_field or fixed_era, not both")
        if (self.era_field or self.fixed_era) and self.kind is not FieldKind.WAREKI_DATE:
            raise ValueError(f"field '{self.id}': era settings only apply to wareki_date")
        return self

    def _check_constructs(self) -> None:
        name = f"項目 '{self.id}'"
        if self.read_cells and not self.cells:
            raise ValueError(f"{name}: read_cells（1マスずつ読む）には cells（マスの数）が必要です")
        if (self.read_cells or self.alphabet) and self.kind.is_mark:
            raise ValueError(f"{name}: read_cells・alphabet は文字の項目にだけ使えます")
        if self.bubbles is not None:
            if self.kind is not FieldKind.DIGITS:
                raise ValueError(f"{name}: bubbles（塗りつぶし式の番号）は kind: digits の項目にだけ使えます")
            if self.read_cells or self.cells:
                raise ValueError(f"{name}: bubbles と cells は同時に使えません")
            x2, y2 = self.bubbles.extent
            if self.bubbles.origin.x < self.box.x - 0.5 or self.bubbles.origin.y < self.box.y - 0.5 \
                    or x2 > self.box.x2 + 0.5 or y2 > self.box.y2 + 0.5:
                raise ValueError(f"{name}: バブルが項目の枠（box）からはみ出しています")
        if self.copy_of is not None and self.bubbles is None:
            raise ValueError(f"{name}: copy_of は bubbles のある項目にだけ使えます")

    @property
    def is_mark(self) -> bool:
        return self.kind.is_mark

    @property
    def is_circled_choice(self) -> bool:
        """Printed labels that people circle (明・大・昭・平・令), no squares."""
        return self.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) and self.mark_style == "circle"


class FormTemplate(_Strict):
    """A versioned form definition (one YAML file under templates/)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    family: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: Annotated[int, Field(ge=1)]
    edition: str = ""
    title: str = Field(min_length=1)
    page_size_mm: tuple[float, float] = (210.0, 297.0)
    valid_from: date | None = None  # the form did not exist before this date
    # "rendered": we draw the form (marks, QR code, form code); "scanned": a city's own
    # printed form, each page described by a reference_image of the blank page.
    source: Literal["rendered", "scanned"] = "rendered"
    # "draft": made by `yomitori templates draft` and not yet confirmed by an admin;
    # the reader never identifies a page as a draft template unless asked to.
    # "retired": an old version an admin took out of use (forms/retired.py): never identified
    status: Literal["active", "draft", "retired"] = "active"
    pages: list[PageSpec] = Field(min_length=1)
    fields: list[FieldSpec] = Field(min_length=1)
    # answer grids, declared once; each row becomes a choice field (domain.constructs)
    grids: list[GridSpec] = []
    # a My Number equal to the one printed on the envelope's card back / 通知カード (check digit
    # valid) counts as confirmed, audited (domain.copy_evidence); a city's choice, off by default
    my_number_by_evidence: bool = False
    # the form's own QR code / barcode naming it (domain.identifier), when it prints one
    identifier: CodeIdentifier | None = None
    # which ID copies the envelope must hold (domain.copy_rule); none: never 書類不備
    required_copies: CopyRule | None = None
    # Directory of the YAML file this was loaded from (set by the loader); relative
    # reference_image paths are resolved against it.
    _source_dir: Path | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _expand_grids(cls, data: Any) -> Any:
        """Every grid row becomes a choice field; fields made from grids earlier are made anew."""
        if not isinstance(data, dict) or not (data.get("grids") or _has_generated(data.get("fields"))):
            return data
        try:
            grids = [g if isinstance(g, GridSpec) else GridSpec.model_validate(g)
                     for g in data.get("grids") or []]
        except ValidationError as exc:
            raise ValueError("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
                             ) from None
        size = data.get("page_size_mm") or (210.0, 297.0)
        for g in grids:
            right, bottom = g.extent
            if right > float(size[0]) or bottom > float(size[1]):
                raise ValueError(f"グリッド '{g.id}': 印がページの外にはみ出しています（右端 {right:.1f} mm、"
                                 f"下端 {bottom:.1f} mm、用紙 {size[0]}×{size[1]} mm）")
        fields = [f for f in data.get("fields") or [] if not _generated(f)]
        taken = {f.id if isinstance(f, FieldSpec) else f.get("id") for f in fields}
        for g in grids:
            for made in grid_fields(g):
                if made.id in taken:
                    raise ValueError(f"グリッド '{g.id}': 項目ID '{made.id}' が他の項目と重複しています")
                taken.add(made.id)
                fields.append(made)
        return {**data, "grids": grids, "fields": fields}

    @field_serializer("fields", mode="wrap")
    def _fields_without_grid_rows(self, fields: list[FieldSpec], handler: SerializerFunctionWrapHandler
                                  ) -> Any:
        return handler([f for f in fields if f.grid is None])  # the grid itself is saved

    @field_validator("pages")
    @classmethod
    def _pages_numbered(cls, pages: list[PageSpec]) -> list[PageSpec]:
        numbers = [p.number for p in pages]
        if numbers != list(range(1, len(pages) + 1)):
            raise ValueError(f"pages must be numbered 1..{len(pages)} in order, got {numbers}")
        return pages

    @model_validator(mode="after")
    def _check_fields(self) -> FormTemplate:
        ids = [f.id for f in self.fields]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate field ids: {', '.join(dup)}")
        width, height = self.page_size_mm
        by_id = {f.id: f for f in self.fields}
        for f in self.fields:
            if f.page > len(self.pages):
                raise ValueError(f"field '{f.id}': page {f.page} does not exist")
            boxes = [f.box, *[o.box for o in f.options]]
            if not all(b.inside(width, height) for b in boxes):
                raise ValueError(f"field '{f.id}': box lies outside the page")
            if f.era_field:
                era = by_id.get(f.era_field)
                if era is None or era.kind is not FieldKind.CHOICE:
                    raise ValueError(
                        f"field '{f.id}': era_field '{f.era_field}' must name a choice field"
                    )
        if self.source == "scanned" and not all(p.reference_image for p in self.pages):
            raise ValueError("a scanned form needs a reference_image on every page")
        codes = [p.form_code for p in self.pages]
        if len(set(codes)) != len(codes):
            raise ValueError("form_code must differ between pages")
        return self

    def page(self, number: int) -> PageSpec:
        return self.pages[number - 1]

    def fields_on(self, page: int) -> list[FieldSpec]:
        return [f for f in self.fields if f.page == page]

    def field(self, field_id: str) -> FieldSpec:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def source_dir(self) -> Path | None:
        return self._source_dir

    def with_source_dir(self, directory: Path) -> FormTemplate:
        """This template, remembering the folder its relative paths are resolved against."""
        copy = self.model_copy()
        copy._source_dir = directory
        return copy

    def reference_path(self, page: int) -> Path | None:
        """The blank page's scan of a scanned form (None for a form we render)."""
        ref = self.page(page).reference_image
        if ref is None:
            return None
        if self._source_dir is None:
            raise ValueError(f"template {self.key}: reference_image without a source folder")
        return self._source_dir / ref


def _generated(f: Any) -> bool:
    return bool(f.grid if isinstance(f, FieldSpec) else isinstance(f, dict) and f.get("grid"))


def _has_generated(fields: Any) -> bool:
    return isinstance(fields, list) and any(_generated(f) for f in fields)


def grid_fields(grid: GridSpec) -> list[FieldSpec]:
    """One choice (or multi-choice) field per row of ``grid``, options at the marks."""
    pad = 0.5
    out = []
    for r, row in enumerate(grid.rows):
        options = []
        for c, col in enumerate(grid.columns):
            x, y, w, h = grid.mark_box(r, c)
            options.append(ChoiceOption(value=col.value, label=col.label or col.value,
                                        box=Box(x=x, y=y, w=w, h=h)))
        x0 = max(0.0, min(o.box.x for o in options) - pad)
        y0 = max(0.0, min(o.box.y for o in options) - pad)
        x1 = max(o.box.x2 for o in options) + pad
        y1 = max(o.box.y2 for o in options) + pad
        if grid.row_box is not None:  # a ruled row around the marks
            cy = (y0 + y1) / 2
            x0, x1 = grid.row_box.x, grid.row_box.x + grid.row_box.w
            y0, y1 = max(0.0, cy - grid.row_box.h / 2), cy + grid.row_box.h / 2
        out.append(FieldSpec(
            id=grid.field_id(row), label=f"{grid.label} {row.label or row.id}",
            kind=FieldKind.MULTI_CHOICE if grid.multiple else FieldKind.CHOICE, page=grid.page,
            box=Box(x=x0, y=y0, w=round(x1 - x0, 2), h=round(y1 - y0, 2)), required=grid.required,
            options=options, mark_style=grid.mark_style, guessed=list(grid.guessed), grid=grid.id))
    return out


__all__ = [
    "Anchors", "Box", "ChoiceOption", "DocumentReading", "FieldReading", "FieldSpec", "FormTemplate",
    "Issue", "Mark", "Mm", "PageReading", "PageSpec", "RuleResult", "StaticLine", "StaticRect",
    "StaticText", "Value", "grid_fields",
]
