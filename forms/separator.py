"""The printed separator sheet a clerk puts between envelopes in a scan stack.

One A4 page with the QR payload :data:`domain.envelope.SEPARATOR_PAYLOAD` in each of
its four corners (large modules, high error correction: one readable corner is
enough, whichever way up the sheet went through the scanner, on a fax-quality scan or
with a staple hole through one code) and a large printed title for people.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from domain.envelope import SEPARATOR_PAYLOAD
from forms.fonts import form_font, pil_font

A4_MM = (210.0, 297.0)
QR_SIZE_MM = 30.0
QR_MARGIN_MM = 15.0
TITLE = "区切り用紙"
SUBTITLE = "この用紙の後ろから次の封筒です（yomitori）"


def _qr_matrix() -> list[list[bool]]:
    import qrcode  # local: only needed when drawing

    qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_H)
    qr.add_data(SEPARATOR_PAYLOAD)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def render_separator(dpi: int = 200) -> Image.Image:
    """The separator page as a grayscale image."""
    px = dpi / 25.4
    w, h = round(A4_MM[0] * px), round(A4_MM[1] * px)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    matrix = _qr_matrix()
    size = round(QR_SIZE_MM * px)
    step = size / len(matrix)
    margin = round(QR_MARGIN_MM * px)
    for x0, y0 in ((margin, margin), (w - margin - size, margin),
                   (margin, h - margin - size), (w - margin - size, h - margin - size)):
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    draw.rectangle((x0 + round(c * step), y0 + round(r * step),
                                    x0 + round((c + 1) * step) - 1, y0 + round((r + 1) * step) - 1), fill=0)
    spec = form_font()
    title = pil_font(spec, round(28 / 72 * dpi))
    draw.text((w / 2, h * 0.42), TITLE, fill=0, font=title, anchor="mm")
    sub = pil_font(spec, round(12 / 72 * dpi))
    draw.text((w / 2, h * 0.52), SUBTITLE, fill=0, font=sub, anchor="mm")
    return img


def write_separator(path: Path, dpi: int = 300, copies: int = 1) -> Path:
    """Write the separator as a PDF (``copies`` identical pages) or a PNG, by suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page = render_separator(dpi)
    if path.suffix.lower() == ".pdf":
        pages = [page.copy() for _ in range(max(1, copies))]
        pages[0].save(path, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    else:
        page.save(path)
    return path
