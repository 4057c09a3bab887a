"""Turn a scan file (PDF, multi-page TIFF, PNG, JPEG) into page images.

Bad files raise :class:`BusinessError` with a Japanese message for the clerk and
an English one for the log; nothing here guesses from the file name beyond its
declared type, which is checked against the content's magic bytes.

What one file may cost is bounded by :class:`PageLimits` (built from the settings by the
caller) *before* anything is decoded or rendered: the page count, a PDF page's size in
millimetres, and the pixels of every page (a PDF page as rendered at ``read_dpi``; an
image or TIFF frame as stored, known from its header). Only regular files are opened:
a FIFO would block the open, a device could be read forever.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from domain.errors import BusinessError

if TYPE_CHECKING:
    from pypdfium2 import PdfDocument

    from config.settings import Settings

PDF_RENDER_DPI = 200
MM_PER_PT = 25.4 / 72
# Pillow's own guard, for any caller: 2x this raises DecompressionBombError when opening.
# The budget of PageLimits is checked first, from the header, and is normally far lower.
Image.MAX_IMAGE_PIXELS = 200_000_000


@dataclass(frozen=True)
class PageLimits:
    """Per-file limits; defaults are those of :class:`config.settings.Settings`."""

    max_pages: int = 200
    max_page_mm: float = 1200.0
    max_page_megapixels: float = 64.0
    read_dpi: int = 200

    @classmethod
    def from_settings(cls, settings: Settings) -> PageLimits:
        return cls(settings.max_pages, settings.max_page_mm, settings.max_page_megapixels,
                   settings.read_dpi)

    def check_count(self, pages: int) -> None:
        if pages > self.max_pages:
            raise BusinessError(f"too many pages ({pages} > {self.max_pages})",
                                f"ページ数が多すぎます（{pages}ページ、上限{self.max_pages}ページ）",
                                "too_many_pages")

    def check_pixels(self, page: int, width: float, height: float) -> None:
        mp = width * height / 1e6
        if mp > self.max_page_megapixels:
            raise BusinessError(
                f"page {page} too many pixels ({mp:.0f} MP > {self.max_page_megapixels:g} MP)",
                f"{page}ページ目の画像が大きすぎます（{mp:.0f}メガピクセル、上限{self.max_page_megapixels:g}"
                "メガピクセル）。解像度を下げてスキャンし直してください", "too_many_pixels")

    def check_pdf_page(self, page: int, width_pt: float, height_pt: float, dpi: int) -> None:
        """Page size in points, checked in millimetres and in pixels at ``max(dpi, read_dpi)``."""
        long_mm = max(width_pt, height_pt) * MM_PER_PT
        if long_mm > self.max_page_mm:
            raise BusinessError(
                f"page {page} too large ({long_mm:.0f} mm > {self.max_page_mm:g} mm)",
                f"{page}ページ目の用紙が大きすぎます（長い辺{long_mm:.0f}mm、上限{self.max_page_mm:g}mm）",
                "page_too_large")
        scale = max(dpi, self.read_dpi) / 72
        self.check_pixels(page, width_pt * scale, height_pt * scale)


DEFAULT_LIMITS = PageLimits()


def not_regular() -> BusinessError:
    return BusinessError("not a regular file",
                         "通常のファイルではないため取り込めません（フォルダ・名前付きパイプ・ソケット・デバイスなど）",
                         "not_regular_file")


def empty_file() -> BusinessError:
    return BusinessError("empty file", "ファイルが空です（0バイト）", "empty_file")


def unsupported_type() -> BusinessError:
    return BusinessError("unsupported file type",
                         "対応していないファイル形式です（PDF・TIFF・PNG・JPEGのみ）", "unsupported_type")


def open_regular(path: Path) -> IO[bytes]:
    """Open ``path`` for reading if it is a regular file (checked before and after opening)."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise not_regular()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped meanwhile
            raise not_regular()
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def sniff(data: bytes) -> str | None:
    """Content type from magic bytes: 'pdf', 'tiff', 'png', 'jpeg' or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return None


def load_pages(path: Path, dpi: int = PDF_RENDER_DPI, limits: PageLimits = DEFAULT_LIMITS
               ) -> list[np.ndarray]:
    """All pages of ``path`` as uint8 gray arrays."""
    return list(iter_pages(path, dpi, limits))


def iter_pages(path: Path, dpi: int = PDF_RENDER_DPI, limits: PageLimits = DEFAULT_LIMITS,
               colour: bool = False) -> Iterator[np.ndarray]:
    """Pages as uint8 gray arrays; with ``colour``, a page with colour on it as BGR.

    The reader wants colour where there is some: a red seal or a colour pen can then be
    told from black ink (and dropped or weighed) instead of becoming grey strokes.
    """
    with open_regular(path) as f:
        head = f.read(16)
        if not head:
            raise empty_file()
        kind = sniff(head)
        if kind is None:
            raise unsupported_type()
        f.seek(0)
        if kind == "pdf":
            yield from _pdf_pages(f.read(), dpi, limits, colour)
        else:
            yield from _image_pages(f, limits, colour)


COLOUR_SPREAD = 40  # max - min over B, G, R above this: a coloured pixel
COLOUR_SHARE = 0.0005  # a page with fewer coloured pixels than this is gray


def _gray_or_colour(rgb: Image.Image, colour: bool) -> np.ndarray:
    """Gray, unless ``colour`` is asked for and the page has colour on it (then BGR)."""
    if not colour or rgb.mode == "L":
        return np.array(rgb.convert("L"))
    arr = np.array(rgb.convert("RGB"))
    small = arr[::4, ::4].astype(np.int16)
    spread = small.max(axis=2) - small.min(axis=2)
    if float((spread > COLOUR_SPREAD).mean()) < COLOUR_SHARE:
        return np.array(rgb.convert("L"))
    return np.ascontiguousarray(arr[:, :, ::-1])


def _pdf_pages(data: bytes, dpi: int, limits: PageLimits, colour: bool = False) -> Iterator[np.ndarray]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise BusinessError(
                "encrypted PDF",
                "パスワード付きのPDFは読み取れません。パスワードを外して再度取り込んでください",
                "encrypted_pdf",
            ) from None
        raise BusinessError("corrupt PDF", "PDFファイルが壊れているため読み取れません",
                            "corrupt_pdf") from None
    try:
        if len(pdf) == 0:
            raise BusinessError("PDF has no pages", "PDFにページがありません", "no_pages")
        limits.check_count(len(pdf))
        for i in range(len(pdf)):  # every page's size first: nothing is rendered past the limits
            limits.check_pdf_page(i + 1, *_page_size(pdf, i), dpi=dpi)
        for i in range(len(pdf)):
            page = pdf[i]
            bitmap = page.render(scale=dpi / 72, grayscale=not colour)
            arr = _gray_or_colour(bitmap.to_pil(), colour)
            page.close()
            yield arr
    finally:
        pdf.close()


def _page_size(pdf: PdfDocument, index: int) -> tuple[float, float]:
    """A page's size in points, read without loading or rendering the page."""
    import pypdfium2 as pdfium

    try:
        width, height = pdf.get_page_size(index)
    except pdfium.PdfiumError:
        raise BusinessError(f"unreadable PDF page {index + 1}", "PDFファイルが壊れているため読み取れません",
                            "corrupt_pdf") from None
    return float(width), float(height)


def _image_pages(f: IO[bytes], limits: PageLimits, colour: bool = False) -> Iterator[np.ndarray]:
    try:
        img = Image.open(f)
        limits.check_count(getattr(img, "n_frames", 1))
        for n, frame in enumerate(ImageSequence.Iterator(img), 1):
            limits.check_pixels(n, *frame.size)  # from the header: nothing decoded yet
            gray_modes = ("1", "L", "LA", "I", "I;16", "F")
            yield (np.array(frame.convert("L")) if frame.mode in gray_modes
                   else _gray_or_colour(frame, colour))
    except Image.DecompressionBombError:
        raise BusinessError("image too many pixels (Pillow's limit)",
                            "画像が大きすぎるため読み取れません", "too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise BusinessError(f"unreadable image: {type(exc).__name__}",
                            "画像ファイルが壊れているか、大きすぎるため読み取れません",
                            "corrupt_image") from None
