"""Scan files into pages: every supported type, and bad files refused with a reason."""

from __future__ import annotations

import io
import os
import socket
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from config.settings import Settings
from domain.errors import BusinessError
from intake.names import disk_name, escape_name, name_hash, store_name
from intake.pages import PageLimits, load_pages, sniff
from intake.quarantine import Reason, file_sha256, sidecar_text


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


# --- limits: refused from the header or the page size, before anything is decoded ----------
def test_default_limits_are_the_settings_defaults() -> None:
    defaults = {name: f.default for name, f in Settings.model_fields.items()}
    assert {f.name: getattr(PageLimits(), f.name) for f in fields(PageLimits)} == {
        f.name: defaults[f.name] for f in fields(PageLimits)}


def _pdf(tmp_path: Path, *sizes_pt: tuple[float, float]) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for w, h in sizes_pt:
        writer.add_blank_page(width=w, height=h)
    p = tmp_path / "pages.pdf"
    with p.open("wb") as fh:
        writer.write(fh)
    return p


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        (PageLimits(max_pages=1), "too_many_pages"),
        (PageLimits(max_page_mm=300), "page_too_large"),  # the last page is A3 landscape: 420 mm
        (PageLimits(max_page_megapixels=5.0), "too_many_pixels"),  # A3 at 200 dpi: 7.8 MP
        (PageLimits(max_page_megapixels=5.0, read_dpi=100), None),  # A3 at 100 dpi: 1.9 MP
    ],
)
def test_pdf_limits_are_checked_before_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 limits: PageLimits, code: str | None) -> None:
    import pypdfium2 as pdfium

    p = _pdf(tmp_path, (595, 842), (1191, 842))  # A4, then A3 landscape
    rendered: list[int] = []
    render = pdfium.PdfPage.render
    monkeypatch.setattr(pdfium.PdfPage, "render", lambda self, **kw: rendered.append(1) or render(self, **kw))
    if code is None:
        assert len(load_pages(p, dpi=72, limits=limits)) == 2
        return
    with pytest.raises(BusinessError) as err:
        load_pages(p, dpi=72, limits=limits)
    assert err.value.code == code and err.value.message_ja
    assert rendered == []  # not even the good first page


def test_image_pixels_are_checked_from_the_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "a.png"
    _img(1000, 1200).save(p)
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("decoded"))
    with pytest.raises(BusinessError) as err:
        load_pages(p, limits=PageLimits(max_page_megapixels=1.0))  # 1.2 MP
    assert err.value.code == "too_many_pixels" and "メガピクセル" in err.value.message_ja


def test_every_tiff_frame_is_checked(tmp_path: Path) -> None:
    p = tmp_path / "scan.tif"
    _img(600, 800).save(p, save_all=True, append_images=[_img(1200, 1600)])
    assert len(load_pages(p, limits=PageLimits(max_page_megapixels=2.0))) == 2
    with pytest.raises(BusinessError) as err:
        load_pages(p, limits=PageLimits(max_page_megapixels=1.0))  # the second frame: 1.9 MP
    assert err.value.code == "too_many_pixels" and "2ページ目" in err.value.message_ja


def test_pillows_own_bomb_guard_is_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "a.png"
    _img().save(p)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(BusinessError) as err:
        load_pages(p, limits=PageLimits(max_page_megapixels=1000))
    assert err.value.code == "too_many_pixels"


@pytest.mark.timeout(30)
def test_special_files_are_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "scan.pdf"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    sock = tmp_path / "s.png"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(sock))
    for p in (fifo, sock, tmp_path):
        with pytest.raises(BusinessError) as err:
            load_pages(p)
        assert err.value.code == "not_regular_file" and "通常のファイル" in err.value.message_ja
        assert file_sha256(p) == (None, None)


# --- names ------------------------------------------------------------------------------------
def test_long_names_are_cut_keeping_the_extension_and_staying_distinct() -> None:
    a, b = "申" * 83 + ".pdf", "申" * 82 + "請.pdf"  # 253 bytes each
    short_a, short_b = disk_name(a, 180), disk_name(b, 180)
    assert short_a != short_b and short_a.endswith(".pdf") and short_b.endswith(".pdf")
    assert len(short_a.encode()) <= 180 and name_hash(a) in short_a
    assert disk_name("sub/" + a, 180).startswith("sub/")
    assert disk_name("申請書.pdf", 180) == "申請書.pdf"
    assert len(disk_name("a" * 250, 180).encode()) <= 180  # no extension
    assert len(disk_name("a" * 200, 250).encode()) <= 235  # room for " (2)" and ".txt" is kept


def test_control_characters_and_bad_bytes_in_names() -> None:
    odd = "申請\nコード: x\t\u202e" + os.fsdecode(b"\xff.pdf")
    assert escape_name(odd) == "申請\\nコード: x\\t\\u202e\\xff.pdf"
    assert escape_name("申請書　山田.pdf") == "申請書　山田.pdf"  # full-width space stays
    assert disk_name(odd, 180) == "申請_コード: x_\u202e_.pdf"
    assert store_name(odd) == "申請\nコード: x\t\u202e\\xff.pdf"
    assert len(name_hash(odd)) == 10


def test_a_name_cannot_add_lines_to_a_note() -> None:
    from datetime import datetime

    at = datetime(2026, 4, 1, 9, 30).astimezone()
    plain = sidecar_text(Reason("unsupported_type", "理由", "reason", at, "a.pdf"))
    odd = sidecar_text(Reason("unsupported_type", "理由", "reason", at, "a\nコード: ok\r\n.pdf"))
    assert len(odd.splitlines()) == len(plain.splitlines())
    assert "元のファイル名: a\\nコード: ok\\r\\n.pdf\n" in odd
    assert "Original name: a\\nコード: ok\\r\\n.pdf\n" in odd


def _seal_page(tmp: Path, fmt: str) -> Path:
    rgb = np.full((800, 600, 3), 250, np.uint8)
    rgb[100:140, 100:400] = 20  # black writing
    rgb[300:360, 300:360] = (200, 30, 30)  # a red seal (RGB)
    p = tmp / f"seal.{fmt.lower()}"
    Image.fromarray(rgb).save(p, fmt)
    return p


@pytest.mark.parametrize("fmt", ["PNG", "PDF"])
def test_colour_pages_keep_their_colour_for_the_reader(tmp_path: Path, fmt: str) -> None:
    from intake.pages import iter_pages

    p = _seal_page(tmp_path, fmt)
    page = next(iter_pages(p, dpi=72, colour=True))
    assert page.ndim == 3 and page.shape[2] == 3
    b, g, r = (int(v) for v in page[330 * page.shape[0] // 800, 330 * page.shape[1] // 600])
    assert r > 150 and b < 100 and g < 100  # BGR order: red stays red
    assert load_pages(p, dpi=72)[0].ndim == 2  # authoring and checks still get gray


def test_a_gray_scan_saved_as_rgb_comes_back_gray(tmp_path: Path) -> None:
    from intake.pages import iter_pages

    p = tmp_path / "gray_rgb.png"
    Image.fromarray(np.full((800, 600), 200, np.uint8)).convert("RGB").save(p)
    assert next(iter_pages(p, colour=True)).ndim == 2
