"""Content-addressed file storage for originals, page images, field crops and evidence.

A file lives at ``<root>/<kind>/<sha[:2]>/<sha><suffix>``: the same bytes always land at
the same path, so storing twice is a no-op and a half-written file is never visible
(temp file in the kind's directory, fsync, ``os.replace``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

KINDS = frozenset({"originals", "pages", "crops", "evidence"})
_SUFFIX = re.compile(r"^(\.[a-z0-9]{1,10})?$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    relpath: str  # POSIX path relative to the store root
    size: int


def suffix_of(name: str) -> str:
    """A safe, lower-case suffix for a file name ('' when it is odd or missing)."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    return suffix if _SUFFIX.match(suffix) else ""


class ContentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # --- writing -------------------------------------------------------------------
    def put_bytes(self, data: bytes, kind: str, suffix: str = "") -> StoredFile:
        sha = hashlib.sha256(data).hexdigest()
        relpath = self._relpath(kind, sha, suffix)
        target = self.root / relpath
        if not self._present(target, len(data)):
            fd, tmp = self._tempfile(kind)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    _flush(out)
                self._commit(Path(tmp), target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return StoredFile(sha, relpath, len(data))

    def put_file(self, path: Path, kind: str, suffix: str | None = None) -> StoredFile:
        """Copy a (possibly large) file in, hashing while copying."""
        suffix = suffix_of(Path(path).name) if suffix is None else suffix
        self._relpath(kind, "0" * 64, suffix)  # validate before writing anything
        digest = hashlib.sha256()
        size = 0
        fd, tmp = self._tempfile(kind)
        try:
            with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                _flush(out)
            sha = digest.hexdigest()
            relpath = self._relpath(kind, sha, suffix)
            target = self.root / relpath
            if self._present(target, size):
                os.unlink(tmp)
            else:
                self._commit(Path(tmp), target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredFile(sha, relpath, size)

    # --- reading -------------------------------------------------------------------
    def path(self, relpath: str) -> Path:
        """Absolute path of a stored file; refuses paths that leave the store."""
        rel = PurePosixPath(relpath)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] not in KINDS:
            raise ValueError(f"not a content-store path: {relpath!r}")
        return self.root.joinpath(*rel.parts)

    def open(self, relpath: str) -> BinaryIO:
        return self.path(relpath).open("rb")

    def exists(self, relpath: str) -> bool:
        return self.path(relpath).is_file()

    def verify(self, relpath: str) -> bool:
        """Re-hash a stored file: True when its content still matches its name."""
        p = self.path(relpath)
        if not p.is_file():
            return False
        digest = hashlib.sha256()
        with p.open("rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
        return p.name.startswith(digest.hexdigest())

    # --- internals -----------------------------------------------------------------
    @staticmethod
    def _relpath(kind: str, sha: str, suffix: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown content kind {kind!r}; expected one of {sorted(KINDS)}")
        if not _SUFFIX.match(suffix):
            raise ValueError(f"bad suffix {suffix!r}")
        return f"{kind}/{sha[:2]}/{sha}{suffix}"

    @staticmethod
    def _present(target: Path, size: int) -> bool:
        # Content addressing: an existing file of the right size is this content
        # (a damaged one is found by verify(), not silently rewritten here).
        try:
            return target.stat().st_size == size
        except FileNotFoundError:
            return False

    def _tempfile(self, kind: str) -> tuple[int, str]:
        d = self.root / kind
        d.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=".part")

    @staticmethod
    def _commit(tmp: Path, target: Path) -> None:
        """Move a flushed temp file into place atomically, then fsync the directory."""
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)


def _flush(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
