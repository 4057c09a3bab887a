"""Render a template as the printed blank form (Pillow only).

Everything is drawn from the template: registration marks, printed furniture,
field labels and boxes, plus a QR code (``yomitori:<id>:<version>:<page>``) at
:func:`qr_box` and the page's form code bottom-right.

A city's own form (``source: scanned``) is not drawn: its blank page is the
stored scan, see :func:`reference_page` (as scanned, for filling samples) and
:func:`blank_page` (cleaned, what the reader compares pages with).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from domain.model import Box, ChoiceOption, FieldSpec, FormTemplate, PageSpec, StaticText
from domain.status import FieldKind
from forms.fonts import form_font, pil_font

MM_PER_INCH = 25.4
LABEL_PT = 9.0
OPTION_PT = 9.0
FORM_CODE_PT = 7.0
BOX_LINE_MM = 0.25
SQUARE_LINE_MM = 0.3
CELL_LINE_MM = 0.15
LABEL_GAP_MM = 1.5
# QR code: fixed place from the page size, inside the bottom-left registration mark.
QR_X_MM = 14.0
QR_FROM_BOTTOM_MM = 34.0
QR_SIZE_MM = 18.0
QR_VERSION = 2  # 25 modules + 2-module quiet zone: ~0.62 mm per module, 4.9 px at 200 dpi
# A printed header (e.g. a 満足..不満 column title) above an option replaces its own label.
HEADER_MAX_DX_MM = 4.0
GROUP_LINE_MM = 0.45  # divider between digit groups (postal 3|4, My Number 4|4|4)


def mm_to_px(mm: float, dpi: int) -> float:
    return mm * dpi / MM_PER_INCH


def pt_to_px(pt: float, dpi: int) -> float:
    return pt * dpi / 72.0


@dataclass(frozen=True)
class PageGeometry:
    """Millimetre → pixel mapping for one page at one resolution."""

    dpi: int
    width_mm: float = 210.0
    height_mm: float = 297.0

    @classmethod
    def for_template(cls, template: FormTemplate, dpi: int) -> PageGeometry:
        w, h = template.page_size_mm
        return cls(dpi=dpi, width_mm=w, height_mm=h)

    @property
    def width_px(self) -> int:
        return round(mm_to_px(self.width_mm, self.dpi))

    @property
    def height_px(self) -> int:
        return round(mm_to_px(self.height_mm, self.dpi))

    def px(self, mm: float) -> int:
        return round(mm_to_px(mm, self.dpi))

    def point(self, x_mm: float, y_mm: float) -> tuple[int, int]:
        return self.px(x_mm), self.px(y_mm)

    def box_px(self, box: Box) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) pixel corners; x1/y1 exclusive like a numpy slice."""
        return self.px(box.x), self.px(box.y), self.px(box.x2), self.px(box.y2)


def qr_box(template: FormTemplate) -> Box:
    """Where the page QR code is printed (the square includes its quiet zone)."""
    _, height = template.page_size_mm
    return Box(x=QR_X_MM, y=height - QR_FROM_BOTTOM_MM, w=QR_SIZE_MM, h=QR_SIZE_MM)


def qr_text(template: FormTemplate, page_number: int) -> str:
    return f"yomitori:{template.id}:{template.version}:{page_number}"


def is_era_choice(field: FieldSpec) -> bool:
    """Era choices (明・大・昭・平・令) are circled: the label is printed with no square."""
    return field.is_circled_choice


class _Painter:
    def __init__(self, template: FormTemplate, page: PageSpec, dpi: int) -> None:
        self.template = template
        self.page = page
        self.geo = PageGeometry.for_template(template, dpi)
        self.image = Image.new("L", (self.geo.width_px, self.geo.height_px), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.font_spec = form_font()

    def font(self, size_pt: float) -> ImageFont.FreeTypeFont:
        return pil_font(self.font_spec, round(pt_to_px(size_pt, self.geo.dpi)))

    def width(self, mm: float) -> int:
        return max(1, self.geo.px(mm))

    def text(
        self, xy: tuple[float, float], text: str, size_pt: float, anchor: str, bold: bool = False
    ) -> None:
        stroke = max(1, round(pt_to_px(size_pt, self.geo.dpi) / 30)) if bold else 0
        self.draw.text(
            self.geo.point(*xy),
            text,
            font=self.font(size_pt),
            fill=0,
            anchor=anchor,
            stroke_width=stroke,
            stroke_fill=0,
        )

    def text_width_mm(self, text: str, size_pt: float) -> float:
        return self.font(size_pt).getlength(text) * MM_PER_INCH / self.geo.dpi

    def rect(self, box: Box, width_mm: float, fill: int | None = None) -> None:
        x0, y0, x1, y1 = self.geo.box_px(box)
        self.draw.rectangle(
            (x0, y0, x1 - 1, y1 - 1), outline=0, fill=fill, width=self.width(width_mm)
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, width_mm: float) -> None:
        self.draw.line(
            (self.geo.point(x1, y1), self.geo.point(x2, y2)), fill=0, width=self.width(width_mm)
        )

    # -- printed furniture -------------------------------------------------------------
    def furniture(self) -> None:
        for r in self.page.rects:
            self.rect(r.box, r.width_mm, r.fill_gray)
        for ln in self.page.lines:
            self.line(ln.x1, ln.y1, ln.x2, ln.y2, ln.width_mm)
        for t in self.page.texts:
            self.static_text(t)
        for m in self.page.marks:
            x0, y0, x1, y1 = self.geo.box_px(Box(x=m.x, y=m.y, w=m.size, h=m.size))
            self.draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=0)

    def static_text(self, t: StaticText) -> None:
        lines = [t.text] if t.max_w is None else self.wrap(t.text, t.size_pt, t.max_w)
        step = t.size_pt * MM_PER_INCH / 72 * 1.35
        for i, line in enumerate(lines):
            self.text((t.x, t.y + i * step), line, t.size_pt, "la", bold=t.bold)

    def wrap(self, text: str, size_pt: float, max_w_mm: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current = ""
            for ch in paragraph:
                if current and self.text_width_mm(current + ch, size_pt) > max_w_mm:
                    lines.append(current)
                    current = ch
                else:
                    current += ch
            lines.append(current)
        return lines

    def page_id(self) -> None:
        width, height = self.template.page_size_mm
        self.text((width - 16.0, height - 16.0), self.page.form_code, FORM_CODE_PT, "rs")
        import qrcode  # local: only needed when drawing

        qr = qrcode.QRCode(
            version=QR_VERSION, border=2, error_correction=qrcode.constants.ERROR_CORRECT_L
        )
        qr.add_data(qr_text(self.template, self.page.number))
        qr.make(fit=True)
        matrix = qr.get_matrix()
        x0, y0, x1, _ = self.geo.box_px(qr_box(self.template))
        step = (x1 - x0) / len(matrix)
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    self.draw.rectangle(
                        (
                            x0 + round(c * step),
                            y0 + round(r * step),
                            x0 + round((c + 1) * step) - 1,
                            y0 + round((r + 1) * step) - 1,
                        ),
                        fill=0,
                    )

    # -- fields --------------------------------------------------------------------------
    def field(self, f: FieldSpec) -> None:
        b = f.box
        left_edge = b.x
        if f.kind is FieldKind.CHECKBOX:
            self.rect(b, SQUARE_LINE_MM)
        elif f.is_mark:
            if is_era_choice(f):
                self.rect(b, BOX_LINE_MM)
            for opt in f.options:
                self.option(f, opt)
        else:
            self.rect(b, BOX_LINE_MM)
            if f.cells:
                self.cells(f)
            if f.fixed_era:
                self.text((b.x - 1.0, b.y + b.h / 2), f.fixed_era, LABEL_PT, "rm")
                left_edge = b.x - 1.0 - self.text_width_mm(f.fixed_era, LABEL_PT)
            if f.kind is FieldKind.AMOUNT:
                self.text((b.x2 + 1.0, b.y + b.h / 2), "円", LABEL_PT, "lm")
        if f.label_position == "left":
            self.text((left_edge - LABEL_GAP_MM, b.y + b.h / 2), f.label, LABEL_PT, "rm")
        elif f.label_position == "above":
            self.text((b.x, b.y - 0.8), f.label, LABEL_PT, "ld")

    def cells(self, f: FieldSpec) -> None:
        b, n = f.box, f.cells or 1
        for i in range(1, n):
            x = b.x + b.w * i / n
            thick = (f.kind is FieldKind.POSTAL_CODE and i == 3) or (
                f.kind is FieldKind.MY_NUMBER and i % 4 == 0
            )
            self.line(x, b.y, x, b.y2, GROUP_LINE_MM if thick else CELL_LINE_MM)

    def option(self, f: FieldSpec, opt: ChoiceOption) -> None:
        b = opt.box
        if is_era_choice(f):
            self.text(b.center, opt.label, OPTION_PT, "mm")
            return
        self.rect(b, SQUARE_LINE_MM)
        if not self.header_printed(opt):
            self.text((b.x2 + 1.2, b.y + b.h / 2), opt.label, OPTION_PT, "lm")

    def header_printed(self, opt: ChoiceOption) -> bool:
        """True when a static text equal to the label is printed as a column header above."""
        cx, _ = opt.box.center
        for t in self.page.texts:
            if t.text != opt.label or t.y >= opt.box.y:
                continue
            t_cx = t.x + self.text_width_mm(t.text, t.size_pt) / 2
            if abs(t_cx - cx) <= HEADER_MAX_DX_MM:
                return True
        return False


def render_page(template: FormTemplate, page_number: int, dpi: int = 200) -> Image.Image:
    """The printed blank page as a white 'L' image of the page size at ``dpi``."""
    if not 1 <= page_number <= len(template.pages):
        raise ValueError(f"template {template.id} has no page {page_number}")
    painter = _Painter(template, template.page(page_number), dpi)
    painter.furniture()
    for f in template.fields_on(page_number):
        painter.field(f)
    painter.page_id()
    return painter.image


def render_pages(template: FormTemplate, dpi: int = 200) -> list[Image.Image]:
    return [render_page(template, p.number, dpi) for p in template.pages]


def render_pdf(template: FormTemplate, path: Path, dpi: int = 300) -> Path:
    """All pages in one PDF for printing (bilevel CCITT G4, lossless and small)."""
    # Text and lines go solid black, anti-aliasing white; gray fills are dithered (halftone).
    lut = [0 if v < 128 else 255 if v > 245 else v for v in range(256)]
    pages = [im.point(lut).convert("1") for im in render_pages(template, dpi)]
    path.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(
        path,
        "PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=float(dpi),
        title=template.title,
    )
    return path


def render_png(template: FormTemplate, out_dir: Path, dpi: int = 200) -> list[Path]:
    """One PNG per page: ``<id>_v<version>_p<page>.png``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for p in template.pages:
        path = out_dir / f"{template.id}_v{template.version}_p{p.number}.png"
        render_page(template, p.number, dpi).save(path, dpi=(dpi, dpi))
        paths.append(path)
    return paths


# ---- scanned forms: the blank page is the stored reference scan -------------------

def reference_page(template: FormTemplate, page_number: int, dpi: int = 200) -> Image.Image:
    """The blank page's reference scan as stored, gray, scaled to the page size at ``dpi``.

    The template's millimetre frame is the reference image's frame, so the image is
    stretched to exactly the page size (a scan's aspect differs by a few pixels).
    """
    path = template.reference_path(page_number)
    if path is None:
        raise ValueError(f"template {template.key} page {page_number} has no reference image")
    geo = PageGeometry.for_template(template, dpi)
    with Image.open(path) as im:
        gray = im.convert("L")
        if gray.size == (geo.width_px, geo.height_px):
            return gray.copy()
        resample = Image.Resampling.LANCZOS if gray.width > geo.width_px else Image.Resampling.BICUBIC
        return gray.resize((geo.width_px, geo.height_px), resample, reducing_gap=3.0)


PAPER_NOISE = 0.12  # darkness (share of the paper level) under which a pixel is paper grain


def clean_scan(gray: Image.Image) -> Image.Image:
    """A scanned blank page as the reader wants it: white paper, dark print, no grain.

    The paper level is estimated locally (a scanner lights a page unevenly) and
    divided out; darkness under :data:`PAPER_NOISE` is paper, the rest is
    stretched to full black with a square root, so thin rules and small print
    stay as dark as they come out on a filled scan (the reader subtracts this
    blank's print from filled pages; a washed-out rule would be read as ink).
    """
    import cv2  # local: rendering our own forms needs Pillow only
    import numpy as np

    arr = np.asarray(gray, dtype=np.uint8)
    k = max(15, (min(arr.shape) // 60) | 1)  # wider than any printed stroke
    paper = cv2.GaussianBlur(cv2.dilate(arr, np.ones((k, k), np.uint8)), (0, 0), k)
    dark = 1.0 - arr.astype(np.float32) / np.maximum(paper.astype(np.float32), 1.0)
    solid = float(np.percentile(dark[dark > PAPER_NOISE], 98)) if (dark > PAPER_NOISE).any() else 1.0
    level = np.sqrt(np.clip((dark - PAPER_NOISE) / max(solid - PAPER_NOISE, 0.05), 0.0, 1.0))
    ink = (level > 0).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    grain = stats[:, cv2.CC_STAT_AREA] < 3  # isolated grain is not print
    grain[0] = False
    level[grain[labels]] = 0.0
    return Image.fromarray(np.round(255.0 * (1.0 - level)).astype(np.uint8))


def blank_page(template: FormTemplate, page_number: int, dpi: int = 200) -> Image.Image:
    """The blank page the reader compares a filled page with.

    Our own forms are rendered from the template; a page with a ``reference_image``
    (a city's own form) is its scan, cleaned by :func:`clean_scan`.
    """
    if template.page(page_number).reference_image is None:
        return render_page(template, page_number, dpi)
    return clean_scan(reference_page(template, page_number, dpi))
