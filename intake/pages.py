"""Turn a scan file (PDF, multi-page TIFF, PNG, JPEG) into page images.

Bad files raise :class:`BusinessError` with a Japanese message for the clerk and
an English one for the log; nothing here guesses from the file name beyond its
declared type, which is checked against the content's magic bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from domain.errors import BusinessError

PDF_RENDER_DPI = 200
MAX_PAGES = 200
Image.MAX_IMAGE_PIXELS = 200_000_000  # about A0 at 600 dpi; larger is hostile


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


def load_pages(path: Path, dpi: int = PDF_RENDER_DPI) -> list[np.ndarray]:
    """All pages of ``path`` as uint8 gray arrays."""
    return list(iter_pages(path, dpi))


def iter_pages(path: Path, dpi: int = PDF_RENDER_DPI) -> Iterator[np.ndarray]:
    data = path.read_bytes()
    if not data:
        raise BusinessError("empty file", "ファイルが空です（0バイト）", "empty_file")
    kind = sniff(data)
    if kind is None:
        raise BusinessError("unsupported file type",
                            "対応していないファイル形式です（PDF・TIFF・PNG・JPEGのみ）", "unsupported_type")
    if kind == "pdf":
        yield from _pdf_pages(data, dpi)
    else:
        yield from _image_pages(path)


def _pdf_pages(data: bytes, dpi: int) -> Iterator[np.ndarray]:
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
        if len(pdf) > MAX_PAGES:
            raise BusinessError(f"too many pages ({len(pdf)})",
                                f"ページ数が多すぎます（上限{MAX_PAGES}ページ）", "too_many_pages")
        for i in range(len(pdf)):
            page = pdf[i]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            arr = np.array(bitmap.to_pil().convert("L"))
            page.close()
            yield arr
    finally:
        pdf.close()


def _image_pages(path: Path) -> Iterator[np.ndarray]:
    try:
        img = Image.open(path)
        frames = getattr(img, "n_frames", 1)
        if frames > MAX_PAGES:
            raise BusinessError(f"too many pages ({frames})",
                                f"ページ数が多すぎます（上限{MAX_PAGES}ページ）", "too_many_pages")
        for frame in ImageSequence.Iterator(img):
            yield np.array(frame.convert("L"))
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise BusinessError(f"unreadable image: {type(exc).__name__}",
                            "画像ファイルが壊れているか、大きすぎるため読み取れません",
                            "corrupt_image") from None
