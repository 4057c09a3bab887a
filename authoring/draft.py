"""Draft a template from scans of a city's blank form (``yomitori templates draft``).

Per page: guess the paper size, bring the scan to 200 dpi, deskew it, find the
printed structure (:mod:`authoring.structure`), read the printed text
(:mod:`authoring.labels`), propose fields (:mod:`authoring.fields`), and convert
them to a :class:`~domain.model.FormTemplate` with ``status: draft`` and
``source: scanned``. Every machine-made attribute is listed in the field's
``guessed``; the deskewed page is the page's reference image.
"""

from __future__ import annotations

import itertools
import logging
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from authoring import answers, kinds
from authoring.fields import Proposal, propose
from authoring.geometry import MM_PER_INCH, PAPER_MM, WORK_DPI, PageSize, Rect, guess_page_size
from authoring.labels import TextLine, find_text_lines, read_lines
from authoring.skew import deskew, estimate_skew
from authoring.structure import Structure, analyse
from domain.constructs import BubbleColumns, GridSpec
from domain.errors import BusinessError
from domain.model import Box, ChoiceOption, FieldSpec, FormTemplate, PageSpec
from domain.status import FieldKind, ReviewPolicy
from ocr.paper import whiten_outside_paper
from ocr.preprocess import to_gray
from ocr.recognizer import Recognizer

log = logging.getLogger(__name__)


@dataclass
class PageDraft:
    number: int
    size: PageSize
    skew_deg: float
    image: np.ndarray  # the deskewed page at WORK_DPI (becomes the reference image)
    structure: Structure
    lines: list[TextLine]
    proposals: list[Proposal]


@dataclass
class Draft:
    template: FormTemplate
    pages: list[PageDraft]
    field_ids: list[list[str]]  # per page, the id given to each proposal


def prepare(gray: np.ndarray, size: PageSize) -> tuple[np.ndarray, float]:
    """The page at WORK_DPI for its paper size, deskewed; returns (image, skew in degrees)."""
    ppm = WORK_DPI / MM_PER_INCH
    target = (round(size.width_mm * ppm), round(size.height_mm * ppm))
    shrink = target[0] < gray.shape[1]
    img = cv2.resize(gray, target, interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    skew = estimate_skew(img)
    return deskew(img, skew), skew


def draft_page(image: np.ndarray, number: int, recognizer: Recognizer, *,
               dpi_hint: float | None = None, paper: str | None = None) -> PageDraft:
    gray = whiten_outside_paper(to_gray(np.asarray(image)))  # no scanner edges in the reference
    h, w = gray.shape
    size = guess_page_size(w, h, dpi_hint)
    if paper:
        size = named_size(paper, landscape=w > h, short_px=min(w, h))
    work, skew = prepare(gray, size)
    st = analyse(work, WORK_DPI / MM_PER_INCH)
    lines = read_lines(work, find_text_lines(st), recognizer)
    props = propose(st, lines)
    log.info("page %d: %s, skew %.2f°, %d cells, %d squares, %d lines, %d fields", number, size.name,
             skew, len(st.cells), len(st.squares), len(lines), len(props))
    return PageDraft(number, size, skew, work, st, lines, props)


def named_size(paper: str, *, landscape: bool, short_px: int) -> PageSize:
    """A paper size given by name (A4, B5 ...), for scans whose size cannot be guessed."""
    key = next((k for k in PAPER_MM if k.lower() == paper.lower()), None)
    if key is None:
        raise BusinessError(f"unknown paper size {paper}",
                            f"用紙サイズ {paper} は使えません（{'・'.join(PAPER_MM)}）", "bad_paper")
    w, h = PAPER_MM[key]
    dpi = short_px / w * MM_PER_INCH
    return PageSize(f"{key} landscape", h, w, dpi) if landscape else PageSize(key, w, h, dpi)


def _box(r: Rect, ppm: float, page: tuple[float, float]) -> Box:
    """Pixels → mm (0.1 mm steps), kept inside the page."""
    x = round(min(max(0.0, r.x0 / ppm), page[0] - 1.0), 1)
    y = round(min(max(0.0, r.y0 / ppm), page[1] - 1.0), 1)
    w = max(0.5, min(round(r.w / ppm, 1), math.floor((page[0] - x) * 10) / 10))
    h = max(0.5, min(round(r.h / ppm, 1), math.floor((page[1] - y) * 10) / 10))
    return Box(x=x, y=y, w=w, h=h)


def _bubbled(p: Proposal, fid: str, page: PageDraft) -> FieldSpec:
    """A number bubbled in columns of 0-9: geometry from the bubbles, in mm."""
    ppm = WORK_DPI / MM_PER_INCH
    cols = p.bubble_columns
    marks = [b for c in cols for b in c]
    w = statistics.median(b.w for b in marks) / ppm
    h = statistics.median(b.h for b in marks) / ppm
    dx = statistics.median(b[0].x0 - a[0].x0 for a, b in itertools.pairwise(cols)) / ppm \
        if len(cols) > 1 else w
    dy = min(statistics.median(b.y0 - a.y0 for a, b in itertools.pairwise(c)) for c in cols) / ppm
    ox, oy = cols[0][0].x0 / ppm, min(c[0].y0 for c in cols) / ppm
    box = _box(p.rect.grow(round(0.6 * ppm)), ppm, (page.size.width_mm, page.size.height_mm))
    return FieldSpec(
        id=fid, label=p.label or "番号（塗りつぶし）", kind=FieldKind.DIGITS, page=page.number, box=box,
        bubbles=BubbleColumns(origin={"x": round(ox, 2), "y": round(oy, 2)},
                              mark={"w": round(w, 2), "h": round(h, 2)},
                              pitch={"x": round(max(dx, w), 3), "y": round(max(dy, h), 3)},
                              columns=len(cols)),
        guessed=["box", "kind", "label", "id"],
    )


def _field(p: Proposal, fid: str, page: PageDraft, era_ids: dict[int, str]) -> FieldSpec:
    if p.source == "bubbled-number":
        return _bubbled(p, fid, page)
    ppm = WORK_DPI / MM_PER_INCH
    dims = (page.size.width_mm, page.size.height_mm)
    label = p.label or {FieldKind.CHECKBOX: "チェック欄", FieldKind.CHOICE: "選択欄"}.get(p.kind, "記入欄")
    guessed: list[str] = ["kind", "label", "id"]
    if p.options:
        guessed.append("options")
    if not p.box_drawn:
        guessed.insert(0, "box")
    kind = p.kind
    cells = p.cells
    if kind is FieldKind.MY_NUMBER and cells not in (None, 12):
        kind, cells = FieldKind.DIGITS, p.cells
    if kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) and len(p.options) < 2:
        kind = FieldKind.CHECKBOX
    options = [ChoiceOption(value=o.value, label=o.label, box=_box(o.rect, ppm, dims)) for o in p.options]
    era_field = era_ids.get(id(p.era_from)) if p.era_from is not None else None
    return FieldSpec(
        id=fid, label=label, kind=kind, page=page.number, box=_box(p.rect, ppm, dims),
        cells=cells if cells and cells >= 2 else None,
        options=options if kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) else [],
        era_field=era_field if kind is FieldKind.WAREKI_DATE else None,
        fixed_era=p.fixed_era if kind is FieldKind.WAREKI_DATE and not era_field else None,
        mark_style=p.mark_style if options else "box",
        label_position=p.label_position,
        personal=kinds.is_personal(label, kind),
        review=ReviewPolicy.BLIND_DOUBLE_ENTRY if kind is FieldKind.MY_NUMBER else ReviewPolicy.AUTO,
        guessed=guessed,
    )


def _title(pages: list[PageDraft], fallback: str) -> str:
    """The tallest text line in the top quarter of page 1 (a form's title is printed biggest)."""
    if not pages:
        return fallback
    top = [ln for ln in pages[0].lines if ln.rect.y1 < pages[0].image.shape[0] / 4 and ln.text]
    if not top:
        return fallback
    best = max(top, key=lambda ln: ln.rect.h)
    row = sorted((ln for ln in top if ln.rect.v_overlap(best.rect) > 0.6 * best.rect.h),
                 key=lambda ln: ln.rect.x0)
    return "".join(ln.text for ln in row) or fallback


def form_code(template_id: str, page: int) -> str:
    base = template_id.upper().replace("_", "-")[:34]
    return f"{base}-P{page}"


def _grid(p: Proposal, gid: str, page: PageDraft) -> GridSpec:
    """A drafted grid: marks in px → origin, mark size, row pitch and column positions in mm."""
    ppm = WORK_DPI / MM_PER_INCH
    first = p.options  # the columns: the widest row's marks (a row may miss a filled one)
    ys = [statistics.median(o.rect.y0 for o in r.options) for r in p.rows]
    pitch_y = statistics.median(b - a for a, b in itertools.pairwise(ys)) / ppm
    w = statistics.median(o.rect.w for r in p.rows for o in r.options) / ppm
    h = statistics.median(o.rect.h for r in p.rows for o in r.options) / ppm
    labels = [kinds.clean_label(r.label) or f"{n}行目" for n, r in enumerate(p.rows, start=1)]
    return GridSpec(
        id=gid, label=p.label or "設問", page=page.number, multiple=p.kind is FieldKind.MULTI_CHOICE,
        origin={"x": round(first[0].rect.x0 / ppm, 1), "y": round(ys[0] / ppm, 1)},
        mark={"w": round(w, 1), "h": round(h, 1)}, pitch={"x": 0.0, "y": round(max(pitch_y, h), 2)},
        rows=[{"id": f"r{n}", "label": lab} for n, lab in enumerate(labels, start=1)],
        columns=[{"value": o.value, "label": o.label, "x": round(o.rect.x0 / ppm, 1)} for o in first],
        mark_style="bubble" if p.mark_style == "bubble" else "box",
        row_box=_row_box(p.rows[0], ppm) if p.rows[0].box_drawn else None,
        guessed=["kind", "label", "options", "id"],
    )


def _row_box(row: Proposal, ppm: float) -> dict[str, float]:
    """The ruled cell a grid row sits in (its first row's), as GridSpec.row_box."""
    r = row.rect
    return {"x": round(r.x0 / ppm, 1), "w": round(r.w / ppm, 1), "h": round(r.h / ppm, 1)}


def assemble(template_id: str, pages: list[PageDraft], title: str | None = None) -> Draft:
    taken: set[str] = set()
    era_ids: dict[int, str] = {}
    ids: list[list[str]] = []
    for pg in pages:  # ids first: a date field names the era choice before it
        row = []
        for p in pg.proposals:
            if p.source == "grid":
                fid = f"grid{sum(1 for t in taken if t.startswith('grid')) + 1}"
                taken.add(fid)
            else:
                fid = kinds.guess_id(p.label, p.kind, taken)
            era_ids[id(p)] = fid
            row.append(fid)
        ids.append(row)
    fields = [_field(p, fid, pg, era_ids) for pg, row in zip(pages, ids, strict=True)
              for p, fid in zip(pg.proposals, row, strict=True) if p.source != "grid"]
    grids = [_grid(p, fid, pg) for pg, row in zip(pages, ids, strict=True)
             for p, fid in zip(pg.proposals, row, strict=True) if p.source == "grid"]
    if not fields and not grids:
        raise BusinessError("no fields found", "記入欄が見つかりませんでした"
                            "（白紙の帳票のスキャンか確認してください）", "no_fields")
    first = pages[0].size
    template = FormTemplate(
        id=template_id, family=template_id, version=1, title=title or _title(pages, template_id),
        page_size_mm=(first.width_mm, first.height_mm), source="scanned", status="draft",
        pages=[PageSpec(number=pg.number, form_code=form_code(template_id, pg.number),
                        reference_image=f"reference/page{pg.number}.png", anchors="structure")
               for pg in pages],
        fields=fields,
        grids=grids,
    )
    return Draft(template, pages, ids)


def draft_template(images: Sequence[np.ndarray], template_id: str, recognizer: Recognizer, *,
                   dpi_hint: float | None = None, paper: str | None = None,
                   title: str | None = None) -> Draft:
    """Draft a template from the pages of a blank form."""
    pages = [draft_page(img, n, recognizer, dpi_hint=dpi_hint, paper=paper)
             for n, img in enumerate(images, start=1)]
    rules = answers.decide_all((pg.proposals, [ln.text for ln in pg.lines]) for pg in pages)
    for r in rules:
        log.info("legend: %s answers for %s questions", "several" if r.many else "one", r.scope)
    return assemble(template_id, pages, title)


def png_bytes(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    if not ok:  # pragma: no cover - a uint8 gray image always encodes
        raise ValueError("could not encode the reference image")
    return bytes(buf.tobytes())


def write_draft(draft: Draft, out: Path) -> FormTemplate:
    """Write template.yaml + reference/ PNGs into ``out`` and return the template as loaded.

    ``out`` named after the template id (``templates/<id>/``) gets the usual version
    handling (an existing template there is kept as an older version).
    """
    from forms.loader import TEMPLATE_FILE, load_template
    from forms.versions import save_new_version, store_reference_image, template_yaml

    images = {pg.number: png_bytes(pg.image) for pg in draft.pages}
    if out.name == draft.template.id:
        return save_new_version(out.parent, draft.template, images)
    out.mkdir(parents=True, exist_ok=True)
    pages = [p.model_copy(update={"reference_image": store_reference_image(out, p.number, images[p.number])})
             for p in draft.template.pages]
    template = FormTemplate.model_validate(draft.template.model_copy(update={"pages": pages}).model_dump())
    (out / TEMPLATE_FILE).write_text(template_yaml(template), encoding="utf-8")
    return load_template(out / TEMPLATE_FILE)
