"""The sandbox's own SQLite database (plain sqlite3: it is a separate system, not the work store)."""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.sqlite_file import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS donations (
  id INTEGER PRIMARY KEY, receipt_no TEXT NOT NULL UNIQUE, donor_name TEXT NOT NULL,
  donor_kana TEXT NOT NULL DEFAULT '', donation_date TEXT NOT NULL, amount INTEGER NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS onestop (
  id INTEGER PRIMARY KEY, donation_id INTEGER NOT NULL REFERENCES donations(id),
  full_name TEXT NOT NULL, full_name_kana TEXT NOT NULL, address TEXT NOT NULL, phone TEXT NOT NULL,
  birth_date TEXT NOT NULL, my_number TEXT NOT NULL, submitted_on TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_onestop_donation ON onestop(donation_id);
CREATE TABLE IF NOT EXISTS sessions (
  sid TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL, expires_at REAL NOT NULL);
"""
ONESTOP_FIELDS = (
    "full_name", "full_name_kana", "address", "phone", "birth_date", "my_number", "submitted_on")


@dataclass(frozen=True)
class WebSession:
    sid: str
    user: str
    csrf: str
    expires_at: float


def onestop_no(row_id: int) -> str:
    return f"OS-{row_id:06d}"


class BackOfficeDB(SqliteFile):
    """The back office's data; ``clock`` (epoch seconds) decides when sessions expire.

    Tests move an injected clock, or call :meth:`expire_sessions`, instead of waiting for
    ``session_seconds`` to pass: several instances may share one file (the server's and a
    test's), and a session expired through one is expired for all.
    """

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(path, SCHEMA, clock=clock)

    # --- sessions ---------------------------------------------------------------------
    def open_session(self, user: str, seconds: float) -> WebSession:
        ws = WebSession(secrets.token_urlsafe(24), user, secrets.token_urlsafe(24), self._clock() + seconds)
        with self._tx() as c:
            c.execute("INSERT INTO sessions VALUES (?,?,?,?)", (ws.sid, ws.user, ws.csrf, ws.expires_at))
        return ws

    def session(self, sid: str | None) -> WebSession | None:
        if not sid:
            return None
        rows = self._all("SELECT * FROM sessions WHERE sid = ?", sid)
        if not rows:
            return None
        ws = WebSession(rows[0]["sid"], rows[0]["user"], rows[0]["csrf"], rows[0]["expires_at"])
        if ws.expires_at <= self._clock():  # a session lasts exactly its seconds
            self.end_session(sid)
            return None
        return ws

    def expire_sessions(self) -> int:
        """Expire every open session now (tests: a deterministic mid-run expiry); how many.

        The holder's next request finds no session and is sent to the login page, exactly
        as when ``session_seconds`` ran out.
        """
        with self._tx() as c:
            return c.execute("DELETE FROM sessions").rowcount

    def end_session(self, sid: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM sessions WHERE sid = ?", (sid,))

    # --- donations ----------------------------------------------------------------------
    def add_donation(self, donor_name: str, donation_date: str, amount: int, donor_kana: str = "",
                     receipt_no: str | None = None) -> str:
        """Insert a donation; returns its 寄附受付No (assigned when not given)."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO donations (receipt_no, donor_name, donor_kana, donation_date, amount,"
                " created_at) VALUES (?,?,?,?,?,?)",
                (receipt_no or f"tmp-{secrets.token_hex(6)}", donor_name, donor_kana, donation_date, amount,
                 _now()))
            if receipt_no is None:
                receipt_no = f"{donation_date[:4]}-{cur.lastrowid:06d}"
                c.execute("UPDATE donations SET receipt_no = ? WHERE id = ?", (receipt_no, cur.lastrowid))
        return receipt_no

    def donation(self, donation_id: int) -> sqlite3.Row | None:
        rows = self._all("SELECT * FROM donations WHERE id = ?", donation_id)
        return rows[0] if rows else None

    def find_donations(self, *, receipt_no: str = "", donor_name: str = "", donation_date: str = "",
                       amount: int | None = None, name_part: str = "", page: int = 1,
                       size: int = 10) -> tuple[list[sqlite3.Row], int]:
        where: list[str] = ["1=1"]
        args: list[Any] = []
        for col, val in (("receipt_no", receipt_no), ("donor_name", donor_name),
                         ("donation_date", donation_date)):
            if val:
                where.append(f"replace(replace({col}, ' ', ''), '　', '') = ?")
                args.append(val.replace(" ", "").replace("　", ""))
        if amount is not None:
            where.append("amount = ?")
            args.append(amount)
        if name_part:
            where.append("(donor_name LIKE ? OR donor_kana LIKE ?)")
            args += [f"%{name_part}%", f"%{name_part}%"]
        cond = " AND ".join(where)
        total = self._all(f"SELECT count(*) AS n FROM donations WHERE {cond}", *args)[0]["n"]
        rows = self._all(
            f"SELECT d.*, (SELECT group_concat(o.id) FROM onestop o WHERE o.donation_id = d.id)"
            f" AS onestop_ids FROM donations d WHERE {cond} ORDER BY d.id LIMIT ? OFFSET ?",
            *args, size, (max(page, 1) - 1) * size)
        return rows, total

    # --- one-stop applications --------------------------------------------------------
    def add_onestop(self, donation_id: int, values: dict[str, str]) -> int:
        with self._tx() as c:
            cur = c.execute(
                f"INSERT INTO onestop (donation_id, {', '.join(ONESTOP_FIELDS)}, created_at)"
                f" VALUES (?, {', '.join('?' for _ in ONESTOP_FIELDS)}, ?)",
                (donation_id, *(values[f] for f in ONESTOP_FIELDS), _now()))
            assert cur.lastrowid is not None
            return cur.lastrowid

    def onestop(self, row_id: int) -> sqlite3.Row | None:
        rows = self._all("SELECT o.*, d.receipt_no FROM onestop o JOIN donations d ON d.id = o.donation_id"
                         " WHERE o.id = ?", row_id)
        return rows[0] if rows else None

    def onestop_count(self, donation_id: int | None = None) -> int:
        if donation_id is None:
            return int(self._all("SELECT count(*) AS n FROM onestop")[0]["n"])
        return int(self._all("SELECT count(*) AS n FROM onestop WHERE donation_id = ?", donation_id)[0]["n"])

    def onestop_per_receipt(self) -> dict[str, int]:
        rows = self._all("SELECT d.receipt_no, count(o.id) AS n FROM donations d"
                         " LEFT JOIN onestop o ON o.donation_id = d.id GROUP BY d.id")
        return {r["receipt_no"]: int(r["n"]) for r in rows}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
