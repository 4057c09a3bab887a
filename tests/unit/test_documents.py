"""Scan files into pages: every supported type, and bad files refused with a reason."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from domain.errors import BusinessError
from intake.pages import load_pages, sniff


def _img(w: int = 600, h: int = 800, value: int = 200) -> Image.Image:
    return Image.fromarray(np.full((h, w), value, np.uint8))


def test_png_jpeg_single_page(tmp_path: Path) -> None:
    for ext, fmt in (("png", "PNG"), ("jpg", "JPEG")):
        p = tmp_path / f"a.{ext}"
        _img().save(p, fmt)
        pages = load_pages(p)
        assert len(pages) == 1 and pages[0].shape == (800, 600) and pages[0].dtype == np.uint8


def test_multipage_tiff_and_1bit(tmp_path: Path) -> None:
    p = tmp_path / "scan.tif"
    frames = [_img(value=v).convert("1") for v in (0, 255, 0)]
    frames[0].save(p, save_all=True, append_images=frames[1:], compression="group4")
    pages = load_pages(p)
    assert [int(pg.mean()) for pg in pages] == [0, 255, 0]


def test_pdf_pages(tmp_path: Path) -> None:
    p = tmp_path / "two.pdf"
    _img().save(p, "PDF", save_all=True, append_images=[_img(value=100)], resolution=100)
    pages = load_pages(p, dpi=100)
    assert len(pages) == 2 and abs(pages[0].shape[1] - 600) <= 2


def test_japanese_file_names(tmp_path: Path) -> None:
    for name in ("申請書_山田.png", "ｶﾞｲﾄﾞ.png", "\u30cf\u309a.png"):  # NFD パ
        p = tmp_path / name
        _img().save(p)
        assert len(load_pages(p)) == 1


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"hello, not a scan", "unsupported_type"),
        (b"%PDF-1.7\n1 0 obj garbage", "corrupt_pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00broken", "corrupt_image"),
    ],
)
def test_bad_files_are_refused_with_a_reason(tmp_path: Path, content: bytes, code: str) -> None:
    p = tmp_path / "bad.bin"
    p.write_bytes(content)
    with pytest.raises(BusinessError) as err:
        load_pages(p)
    assert err.value.code == code
    assert err.value.message_ja  # Japanese text for the clerk


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    buf = io.BytesIO()
    _img().save(buf, "PDF")
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(buf.getvalue())).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    p = tmp_path / "locked.pdf"
    with p.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(BusinessError) as err:
        load_pages(p)
    assert err.value.code == "encrypted_pdf"
    assert "パスワード" in err.value.message_ja


def test_sniff() -> None:
    assert sniff(b"%PDF-1.4") == "pdf"
    assert sniff(b"II*\x00rest") == "tiff"
    assert sniff(b"\xff\xd8\xff\xe0") == "jpeg"
    assert sniff(b"GIF89a") is None
