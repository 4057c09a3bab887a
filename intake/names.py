"""File names as intake sees them: for logs, for the store, on disk, and in notes.

A name from the filesystem is a ``str`` that may hold anything a Linux name can: control
characters (a newline), bytes that are not UTF-8 (kept by Python as lone surrogates,
``surrogateescape``), or up to 255 bytes. So:

* logs say :func:`name_hash` (a short hash), never the name;
* the store keeps :func:`store_name` (the original, NFC; undecodable bytes as ``\\xNN``);
* files in archive/ and quarantine/ get :func:`disk_name`: control characters and
  undecodable bytes become ``_``, and a name longer than ``max_bytes`` (UTF-8) is cut,
  keeping its extension and adding ``~`` + the name's hash, so two long names stay
  distinct and ``name (2).pdf.txt`` still fits the filesystem's 255 bytes;
* notes show :func:`escape_name`: control and invisible characters as escapes, so a name
  can never add a line (or reorder text) in a note.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import PurePosixPath

NAME_MAX = 255  # bytes per name on Linux filesystems (ext4, xfs, btrfs, tmpfs, CIFS)
ROOM_FOR_SUFFIXES = 20  # " (9999)" from place() and ".txt" of a quarantine note, with margin
MAX_EXTENSION_BYTES = 16  # a longer "extension" is part of the name, not a type
STORE_NAME_CHARS = 500  # Document.source_name is String(500)
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def _bytes(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def name_hash(name: str) -> str:
    """What logs say instead of a file name (same for NFC and NFD spellings)."""
    return hashlib.sha256(_bytes(nfc(name))).hexdigest()[:10]


def store_name(name: str) -> str:
    """The original name for the store: NFC, undecodable bytes as ``\\xNN``, at most 500 characters."""
    text = _bytes(nfc(name)).decode("utf-8", "backslashreplace")
    if len(text) <= STORE_NAME_CHARS:
        return text
    return f"…~{name_hash(name)}…" + text[-(STORE_NAME_CHARS - 14):]


def escape_name(name: str) -> str:
    """The name for a note: control, invisible and undecodable characters as escapes."""
    out: list[str] = []
    for ch in name:
        cp = ord(ch)
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif 0xDC80 <= cp <= 0xDCFF:  # an undecodable byte (surrogateescape)
            out.append(f"\\x{cp - 0xDC00:02x}")
        elif unicodedata.category(ch) not in _HIDDEN:
            out.append(ch)
        elif cp < 0x100:
            out.append(f"\\x{cp:02x}")
        elif cp < 0x10000:
            out.append(f"\\u{cp:04x}")
        else:
            out.append(f"\\U{cp:08x}")
    return "".join(out)


def disk_name(name: str, max_bytes: int) -> str:
    """A safe name for archive/ and quarantine/ (``name`` may hold sub-folders)."""
    path = PurePosixPath(name)
    last = "".join("_" if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in path.name)
    limit = max(32, min(max_bytes, NAME_MAX - ROOM_FOR_SUFFIXES))
    if len(_bytes(last)) <= limit:
        return str(path.with_name(last))
    suffix = PurePosixPath(last).suffix
    if len(_bytes(suffix)) > MAX_EXTENSION_BYTES:
        suffix = ""
    tag = f"~{name_hash(name)}"
    stem = last[:len(last) - len(suffix)] if suffix else last
    room = limit - len(_bytes(suffix)) - len(tag)
    cut = _bytes(stem)[:room].decode("utf-8", "ignore").rstrip(" .")
    return str(path.with_name(f"{cut}{tag}{suffix}"))
