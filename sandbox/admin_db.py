"""Data of the second demo system (寄附管理, an admin-site shape): donations, purposes, sessions."""

from __future__ import annotations

import secrets
import sqlite3
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.sqlite_file import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS donation (
  id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, full_name_kana TEXT NOT NULL, postal_code TEXT NOT NULL,
  address TEXT NOT NULL, phone TEXT NOT NULL, email TEXT NOT NULL DEFAULT '', amount INTEGER NOT NULL,
  payment_method TEXT NOT NULL, purpose_id INTEGER NOT NULL, publish_name INTEGER NOT NULL,
  onestop_wish INTEGER NOT NULL, receipt_wanted INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS purpose (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS admin_session (sid TEXT PRIMARY KEY, csrf TEXT NOT NULL, expires_at REAL NOT NULL);
"""
PURPOSES = ("子育て支援", "教育・文化", "福祉・医療", "環境保全", "産業振興", "防災・まちづくり",
            "市長におまかせ")
PAYMENT_METHODS = ("ゆうちょ振替", "銀行振込", "現金書留", "クレジットカード決済")
FIELDS = ("full_name", "full_name_kana", "postal_code", "address", "phone", "email", "amount",
          "payment_method", "purpose_id", "publish_name", "onestop_wish", "receipt_wanted")


def squash(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s or "").split())


class AdminDB(SqliteFile):
    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(path, SCHEMA, clock=clock)
        with self._tx() as c:
            c.executemany("INSERT OR IGNORE INTO purpose (label) VALUES (?)", [(p,) for p in PURPOSES])

    # --- sessions (expire after their seconds, or all at once for tests) -----------------
    def open_session(self, seconds: float) -> tuple[str, str]:
        sid, csrf = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        with self._tx() as c:
            c.execute("INSERT INTO admin_session VALUES (?,?,?)", (sid, csrf, self._clock() + seconds))
        return sid, csrf

    def session(self, sid: str | None) -> str | None:
        """The session's CSRF token, or None when there is no live session."""
        rows = self._all("SELECT * FROM admin_session WHERE sid = ?", sid or "")
        if not rows or rows[0]["expires_at"] <= self._clock():
            return None
        return str(rows[0]["csrf"])

    def expire_sessions(self) -> int:
        with self._tx() as c:
            return c.execute("DELETE FROM admin_session").rowcount

    # --- purposes (the autocomplete's source) ----------------------------------------------
    def purposes(self, term: str = "") -> list[sqlite3.Row]:
        rows = self._all("SELECT * FROM purpose ORDER BY id")
        return [r for r in rows if squash(term) in squash(r["label"])] if term else rows

    def purpose_label(self, purpose_id: int) -> str:
        rows = self._all("SELECT label FROM purpose WHERE id = ?", purpose_id)
        return str(rows[0]["label"]) if rows else ""

    # --- donations ------------------------------------------------------------------------
    def add(self, v: dict[str, Any]) -> int:
        with self._tx() as c:
            cur = c.execute(f"INSERT INTO donation ({', '.join(FIELDS)}, created_at) VALUES"
                            f" ({', '.join('?' for _ in FIELDS)}, ?)",
                            (*(v[f] for f in FIELDS), datetime.now(UTC).isoformat(timespec="seconds")))
            assert cur.lastrowid is not None
            return cur.lastrowid

    def get(self, donation_id: int) -> sqlite3.Row | None:
        rows = self._all("SELECT * FROM donation WHERE id = ?", donation_id)
        return rows[0] if rows else None

    def search(self, q: str) -> list[sqlite3.Row]:
        """Substring of name, kana, phone or postal code (spaces and widths ignored)."""
        needle = squash(q)
        rows = self._all("SELECT * FROM donation ORDER BY id DESC")
        return [r for r in rows if any(needle in squash(r[k]) for k in
                                       ("full_name", "full_name_kana", "phone", "postal_code"))]

    def recent(self, n: int = 5) -> list[sqlite3.Row]:
        return self._all("SELECT * FROM donation ORDER BY id DESC LIMIT ?", n)

    def count(self) -> int:
        return int(self._all("SELECT count(*) AS n FROM donation")[0]["n"])

    def per_name(self) -> dict[str, int]:
        return {r["full_name"]: int(r["n"]) for r in
                self._all("SELECT full_name, count(*) AS n FROM donation GROUP BY full_name")}
