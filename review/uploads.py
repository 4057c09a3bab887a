"""Read a multipart upload as a stream: every file accounted for, limits enforced while reading.

Starlette's ``request.form()`` would parse the whole body first (a 400 MB file is written
out before anyone can refuse it; more than ``max_files`` files fail the whole request
with an English error). :func:`read_upload` feeds the body chunk by chunk to
``python_multipart`` and keeps a running byte count per file instead:

* the CSRF field ``csrf_token`` must come before the first file (it does in our form:
  hidden inputs precede the file input); a file part before a valid token is refused
  with :class:`~review.auth.Forbidden` before a byte of it is written;
* each file is spooled to ``spool_dir`` (a hidden folder in the inbox, which the watcher
  skips) and handed to ``on_file`` as soon as its part ends, then deleted, so the disk
  holds one upload at a time and memory holds one network chunk;
* a file that grows past ``max_bytes`` is deleted at that moment and the rest of its
  bytes are read and dropped (so the browser gets the result page, not a reset);
* files beyond ``max_files`` are refused without being written.

Every file part with a name ends up as one :class:`UploadRow`, in upload order.
File names are personal data: they are shown to the uploader and never logged.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from review.auth import Forbidden
from store.files import suffix_of

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MB = 1024 * 1024
FIELD_MAX_BYTES = 256  # a non-file field (only csrf_token is read) is never kept beyond this
MAX_LISTED_REFUSALS = 1000  # refused files listed one by one; the rest are counted in one row
SPOOL_PREFIX = ".upload-"  # hidden: the inbox watcher ignores it
STALE_SPOOL_SECONDS = 24 * 3600.0
TRUNCATED_JA = "送信が途中で切れたため、受け付けていません。もう一度アップロードしてください"
CSRF_JA = "フォームの有効期限が切れたか、不正な送信です。画面を開き直してください"


class Outcome(StrEnum):
    RECEIVED = "received"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    REFUSED = "refused"


OUTCOME_JA: dict[Outcome, str] = {Outcome.RECEIVED: "受付", Outcome.DUPLICATE: "受付（重複）",
                                  Outcome.QUARANTINED: "隔離", Outcome.REFUSED: "受付不可"}


@dataclass(frozen=True)
class UploadRow:
    """One uploaded file and what became of it (``name`` is shown, never logged)."""

    name: str
    outcome: Outcome
    message_ja: str

    @property
    def outcome_ja(self) -> str:
        return OUTCOME_JA[self.outcome]


@dataclass(frozen=True)
class UploadLimits:
    max_files: int
    max_bytes: int

    def too_many_ja(self) -> str:
        return (f"一度に受け付けられるのは {self.max_files} 件までです。"
                "このファイルは受け付けていません。もう一度アップロードしてください")

    def too_large_ja(self) -> str:
        return (f"ファイルが大きすぎます（上限 {self.max_bytes / MB:g} MB）。受け付けていません。"
                "ページを分けてスキャンしてください")


class BadUpload(Exception):
    """The body is not a multipart form we can read (400)."""


FileHandler = Callable[[str, Path], Awaitable[tuple[Outcome, str]]]


@dataclass
class _Part:
    form_name: str = ""
    name: str | None = None  # None: an ordinary field, not a file
    data: bytearray = field(default_factory=bytearray)
    path: Path | None = None
    handle: BinaryIO | None = None
    size: int = 0
    refused: str | None = None
    ended: bool = False


class _Reader:
    """``python_multipart`` callbacks; file I/O is queued in ``ops`` and run off the event loop."""

    def __init__(self, spool_dir: Path, limits: UploadLimits, csrf_token: str) -> None:
        self.spool_dir, self.limits, self.csrf_token = spool_dir, limits, csrf_token
        self.csrf_ok = False
        self.files = 0
        self.part = _Part()
        self.ops: list[Callable[[], object]] = []
        self.done: list[_Part] = []
        self.handles: list[BinaryIO] = []  # every file opened, closed at the end whatever happens
        self._header = bytearray()
        self._value = bytearray()
        self._disposition = b""

    def callbacks(self) -> MultipartCallbacks:
        return {"on_part_begin": self.on_part_begin, "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished, "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end}

    def on_part_begin(self) -> None:
        self.part, self._disposition = _Part(), b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        if bytes(self._header).lower() == b"content-disposition":
            self._disposition = bytes(self._value)
        self._header, self._value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        part = self.part
        part.form_name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            return
        if not self.csrf_ok:
            raise Forbidden(CSRF_JA)
        part.name = base_name(options[b"filename"].decode("utf-8", "replace"))
        if not part.name:
            return  # an empty file input: nothing was chosen
        self.files += 1
        if self.files > self.limits.max_files:
            part.refused = self.limits.too_many_ja()
            return
        part.path = self.spool_dir / f"upload{self.files}{suffix_of(part.name)}"  # never a client path
        part.handle = part.path.open("wb")
        self.handles.append(part.handle)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        if part.name is None:
            if len(part.data) + end - start <= FIELD_MAX_BYTES:
                part.data += data[start:end]
            else:
                part.data = bytearray(b"\0")  # too long to be our token
            return
        part.size += end - start
        handle = part.handle
        if handle is None:
            return  # refused or unnamed: read and dropped
        if part.size > self.limits.max_bytes:
            assert part.path is not None
            path = part.path
            part.handle, part.path, part.refused = None, None, self.limits.too_large_ja()
            self.ops += [handle.close, lambda: path.unlink(missing_ok=True)]
            return
        chunk = bytes(data[start:end])
        self.ops.append(lambda: handle.write(chunk))

    def on_part_end(self) -> None:
        part = self.part
        part.ended = True
        if part.name is None:
            if part.form_name == "csrf_token":
                self.csrf_ok = secrets.compare_digest(bytes(part.data), self.csrf_token.encode())
            return
        if not part.name:
            return
        if part.handle is not None:
            self.ops.append(part.handle.close)
            part.handle = None
        self.done.append(part)


def base_name(filename: str) -> str:
    """The client's file name without any folder (``..``, ``C:\\``, ``/``), NFC."""
    return unicodedata.normalize("NFC", PurePosixPath(filename.replace("\\", "/")).name)


def _run(ops: list[Callable[[], object]]) -> None:
    for op in ops:
        op()


async def read_upload(request: Request, spool_dir: Path, limits: UploadLimits, csrf_token: str,
                      on_file: FileHandler) -> list[UploadRow]:
    """Stream the request body; ``on_file(name, path)`` for each file kept; one row per file."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise BadUpload("not multipart/form-data")
    reader = _Reader(spool_dir, limits, csrf_token)
    parser = MultipartParser(params[b"boundary"], reader.callbacks())
    rows: list[UploadRow] = []
    refused = 0
    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except FormParserError as exc:
                raise BadUpload("malformed multipart body") from exc
            if reader.ops:
                ops, reader.ops = reader.ops, []
                await asyncio.to_thread(_run, ops)
            done, reader.done = reader.done, []
            for part in done:
                refused += part.refused is not None
                if part.refused is None or refused <= MAX_LISTED_REFUSALS:
                    rows.append(await _settle(part, on_file))
        parser.finalize()
    finally:
        for handle in reader.handles:  # a parse error or a disconnect: close what is open
            handle.close()
    if reader.part.name and not reader.part.ended:  # the body stopped inside a file
        rows.append(UploadRow(reader.part.name, Outcome.REFUSED, TRUNCATED_JA))
    if refused > MAX_LISTED_REFUSALS:
        rows.append(UploadRow(f"ほか {refused - MAX_LISTED_REFUSALS} 件", Outcome.REFUSED,
                              limits.too_many_ja()))
    return rows


async def _settle(part: _Part, on_file: FileHandler) -> UploadRow:
    assert part.name
    if part.refused is not None or part.path is None:
        return UploadRow(part.name, Outcome.REFUSED, part.refused or "")
    try:
        outcome, message = await on_file(part.name, part.path)
    finally:
        await asyncio.to_thread(part.path.unlink, True)
    return UploadRow(part.name, outcome, message)


def clear_stale_spools(inbox: Path, now: float | None = None) -> int:
    """Remove spool folders left by a crash mid-upload (older than a day); how many."""
    now = time.time() if now is None else now
    removed = 0
    for folder in inbox.glob(SPOOL_PREFIX + "*"):
        try:
            if folder.is_dir() and now - folder.stat().st_mtime > STALE_SPOOL_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed
