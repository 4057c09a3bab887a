"""Why a file is refused (:func:`check_file`), and where a file goes after intake:
archive/<date>/ or quarantine/ (with a sidecar note).

:func:`check_file` opens the file the way reading will (``intake.pages``, within the
same :class:`~intake.pages.PageLimits`) and raises :class:`BusinessError` with codes
``not_regular_file``, ``empty_file``, ``too_large``, ``unsupported_type``,
``corrupt_pdf``, ``encrypted_pdf``, ``no_pages``, ``too_many_pages``,
``page_too_large``, ``too_many_pixels``, ``corrupt_image`` or ``too_small``. Only
regular files are ever opened (a FIFO would block, a device be read forever).

Nothing is ever overwritten: on a name clash the file gets a Windows-style suffix
(``申請書 (2).pdf``), the form clerks know from Explorer. A move is a hard link + unlink
on the same filesystem (the link fails if the name was taken meanwhile, so two
watchers cannot clobber each other); across filesystems it falls back to copy + delete,
except for a FIFO, socket or device, which holds no data: it is removed, its note kept.

Small file helpers used by the scan (``file_sha256``, ``prune_empty_dirs``) live
here too.

A quarantined file gets a sidecar ``<name>.txt`` (UTF-8) saying why, in Japanese and
in English. The sidecar is written before the file is moved next to it, so a file in
quarantine always has its explanation.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from domain.errors import BusinessError
from intake import pages as documents
from intake.names import escape_name

MAX_SUFFIX = 10_000
CHECK_DPI = 72  # PDFs are rendered this coarsely to check them; sizes scale to read_dpi
_MB = 1024 * 1024


def check_file(path: Path, max_file_mb: float, min_image_px: int, read_dpi: int,
               limits: documents.PageLimits | None = None) -> int:
    """Raise BusinessError if ``path`` cannot be read; return its page count.

    ``limits`` default to the settings' defaults (at ``read_dpi``).
    """
    limits = limits or replace(documents.DEFAULT_LIMITS, read_dpi=read_dpi)
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise documents.not_regular()
    size = st.st_size
    if size == 0:
        raise documents.empty_file()
    if size > max_file_mb * _MB:
        raise BusinessError(f"file too large ({size / _MB:.1f} MB > {max_file_mb:g} MB)",
                            f"ファイルが大きすぎます（{size / _MB:.1f}MB、上限{max_file_mb:g}MB）",
                            "too_large")
    with documents.open_regular(path) as f:
        kind = documents.sniff(f.read(16))
    if kind is None:
        raise documents.unsupported_type()
    scale = read_dpi / CHECK_DPI if kind == "pdf" else 1.0
    pages = 0
    try:
        for page in documents.iter_pages(path, dpi=CHECK_DPI, limits=limits):
            pages += 1
            short = int(min(page.shape[:2]) * scale)
            if short < min_image_px:
                raise BusinessError(
                    f"page {pages} too small ({short} px < {min_image_px} px)",
                    f"{pages}ページ目の画像が小さすぎて読み取れません（短い辺{short}ピクセル、"
                    f"{min_image_px}ピクセル以上が必要）。解像度を上げてスキャンし直してください",
                    "too_small")
    except (BusinessError, OSError, MemoryError):
        raise  # OSError: the share may be back next pass; decode errors are mapped by documents
    except Exception as exc:  # e.g. PdfiumError while rendering, odd decoder errors in Pillow
        if kind == "pdf":
            raise BusinessError(f"unreadable PDF page: {type(exc).__name__}",
                                "PDFファイルが壊れているため読み取れません", "corrupt_pdf") from None
        raise BusinessError(f"unreadable image: {type(exc).__name__}",
                            "画像ファイルが壊れているか、大きすぎるため読み取れません",
                            "corrupt_image") from None
    if pages == 0:
        raise BusinessError("no pages", "ページがありません", "no_pages")
    return pages


@dataclass(frozen=True)
class Reason:
    code: str
    message_ja: str
    message_en: str
    at: datetime
    original_name: str
    sha256: str | None = None
    document_id: int | None = None


def candidates(name: str) -> Iterator[str]:
    """``a.pdf``, ``a (2).pdf``, ``a (3).pdf``, ... (``name`` may hold sub-folders)."""
    p = PurePosixPath(name)
    yield name
    for n in range(2, MAX_SUFFIX):
        yield str(p.with_name(f"{p.stem} ({n}){p.suffix}"))


def place(src: Path, dest_dir: Path, name: str,
          reserve: Callable[[Path], bool] | None = None,
          release: Callable[[Path], None] | None = None) -> Path:
    """Move ``src`` to ``dest_dir/name`` (or a suffixed name); never overwrite.

    ``reserve(dst)`` may claim something that goes with ``dst`` (the sidecar) and
    return False when that is taken; ``release(dst)`` undoes it if the move then loses.
    """
    for cand in candidates(name):
        dst = dest_dir.joinpath(*PurePosixPath(cand).parts)
        if dst.exists() or dst.is_symlink():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if reserve is not None and not reserve(dst):
            continue
        try:
            _move_exclusive(src, dst)
        except FileExistsError:
            if release is not None:
                release(dst)
            continue
        return dst
    raise FileExistsError(f"no free name left in {dest_dir}")


def archive_file(src: Path, archive_root: Path, day: str, name: str) -> Path:
    """Move an accepted (or duplicate) file to ``archive/<YYYY-MM-DD>/<name>``."""
    return place(src, archive_root / day, name)


def quarantine_file(src: Path, quarantine_root: Path, name: str, reason: Reason) -> Path:
    """Move an unusable file to ``quarantine/<name>`` next to ``<name>.txt``."""
    text = sidecar_text(reason)

    def reserve(dst: Path) -> bool:
        try:
            with open(_sidecar(dst), "x", encoding="utf-8", newline="\n") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
        except FileExistsError:
            return False
        return True

    def release(dst: Path) -> None:
        _sidecar(dst).unlink(missing_ok=True)

    return place(src, quarantine_root, name, reserve, release)


def sidecar_text(r: Reason) -> str:
    at = r.at.isoformat(timespec="seconds")
    sha = r.sha256 or "不明 / unknown"
    doc = str(r.document_id) if r.document_id is not None else "-"
    name = escape_name(r.original_name)  # a newline in a name must not add a line
    return (
        "このファイルは取り込めなかったため、隔離フォルダに移しました。\n"
        f"理由: {r.message_ja}\n"
        f"コード: {r.code}\n"
        f"日時: {at}\n"
        f"元のファイル名: {name}\n"
        f"受付番号: {doc}\n"
        f"SHA-256: {sha}\n"
        "対処: 内容を確認し、必要であれば正しいファイルを受付フォルダに入れ直してください。\n"
        "\n"
        "This file could not be taken in and was moved to quarantine.\n"
        f"Reason: {r.message_en}\n"
        f"Code: {r.code}\n"
        f"Time: {at}\n"
        f"Original name: {name}\n"
        f"Document id: {doc}\n"
        f"SHA-256: {sha}\n"
    )


def file_sha256(path: Path) -> tuple[str | None, int | None]:
    """(sha256, size) of a file, or (None, None) if it cannot be read."""
    digest = hashlib.sha256()
    size = 0
    try:
        with documents.open_regular(path) as f:  # never a FIFO or a device
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except (OSError, BusinessError):
        return None, None
    return digest.hexdigest(), size


def prune_empty_dirs(d: Path) -> None:
    """Remove ``d`` and its sub-folders if they are empty (deepest first)."""
    if not d.is_dir():
        return
    for top, _dirs, _files in sorted(os.walk(d), key=lambda t: -len(t[0])):
        with contextlib.suppress(OSError):
            os.rmdir(top)


def _sidecar(dst: Path) -> Path:
    return dst.with_name(dst.name + ".txt")


def _move_exclusive(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)  # fails with FileExistsError if the name was taken meanwhile
    except FileExistsError:
        raise
    except OSError:  # another filesystem, or one without hard links (some SMB mounts)
        if dst.exists():
            raise FileExistsError(dst) from None
        if not stat.S_ISREG(os.lstat(src).st_mode):  # no data to copy; copying could block
            os.unlink(src)
            return
        shutil.move(src, dst)
        return
    os.unlink(src)
