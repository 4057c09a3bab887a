"""The blank page's reference scan of a scanned form: replace it, or mask (white out) a region.

Pure byte-in, byte-out functions: the review app stores the result next to the template
(``forms.versions.store_reference_image``, a new file per content, so older versions keep
theirs). A refused image raises :class:`authoring.edits.EditRefused`.
"""

from __future__ import annotations

import io
import math
import warnings

from PIL import Image, ImageDraw, UnidentifiedImageError

from authoring.edits import EditRefused
from domain.model import Box

MAX_PIXELS = 60_000_000  # about A3 at 600 dpi; more is a decompression bomb, not a scan
MIN_SIDE = 200  # pixels: anything smaller cannot align a page
ASPECT_TOLERANCE = 0.08  # the image's width/height within 8 % of the page's
FORMATS = ("PNG", "JPEG", "TIFF", "BMP")


def _open(data: bytes) -> Image.Image:
    if not data:
        raise EditRefused("empty image upload", "画像ファイルを選んでください")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in FORMATS:
                raise EditRefused(f"image format {img.format} refused",
                                  "画像は PNG・JPEG・TIFF・BMP のどれかにしてください")
            if img.width * img.height > MAX_PIXELS:
                raise EditRefused("image too large",
                                  "画像が大きすぎます（解像度を 600 dpi 以下にしてください）")
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        if isinstance(exc, EditRefused):
            raise
        raise EditRefused("upload is not a readable image", "画像として読めないファイルです") from exc
    return img


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def normalize_upload(data: bytes, page_size_mm: tuple[float, float]) -> bytes:
    """A scan of the blank page as grey PNG bytes, refused if it cannot be this page."""
    img = _open(data)
    if min(img.size) < MIN_SIDE:
        raise EditRefused("image too small",
                          f"画像が小さすぎます（短い辺が{MIN_SIDE}画素以上の画像にしてください）")
    width, height = page_size_mm
    page_aspect, aspect = width / height, img.width / img.height
    if abs(aspect - page_aspect) > ASPECT_TOLERANCE * page_aspect:
        raise EditRefused("image aspect does not match the page",
                          f"画像の縦横の比が用紙（{width:g}×{height:g} mm）と合いません。"
                          "向きと余白を確かめてください")
    try:
        if "A" in img.getbands() or img.mode == "P":  # transparency becomes white paper
            rgba = img.convert("RGBA")
            img = Image.new("RGB", img.size, "white")
            img.paste(rgba, mask=rgba.getchannel("A"))
        return _png(img.convert("L"))
    except (ValueError, OSError) as exc:
        raise EditRefused(f"image mode {img.mode} not convertible", "この画像の色の形式は使えません") from exc


def mask_region(png: bytes, page_size_mm: tuple[float, float], box: Box) -> bytes:
    """``png`` with the rectangle ``box`` (mm from the page's top-left) painted white."""
    width, height = page_size_mm
    if box.x2 > width + 1e-6 or box.y2 > height + 1e-6:
        raise EditRefused("mask outside the page",
                          f"消す範囲が用紙（{width:g}×{height:g} mm）の外にはみ出しています")
    img = _open(png)
    sx, sy = img.width / width, img.height / height
    left, top = math.floor(box.x * sx), math.floor(box.y * sy)
    right, bottom = math.ceil(box.x2 * sx) - 1, math.ceil(box.y2 * sy) - 1
    img = img.copy() if img.mode in ("L", "RGB") else img.convert("L")
    ImageDraw.Draw(img).rectangle((left, top, right, bottom), fill="white")
    return _png(img)
