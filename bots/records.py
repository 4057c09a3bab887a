"""What the bot enters: one ワンストップ申請 per document, keyed to a donation in the target."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from bots.mapping import ENTRY_FIELDS


class EntryRecord(BaseModel):
    """A confirmed record. Natural key: ``receipt_no`` (寄附受付No) or donor name + date + amount.

    ``repr``/``str`` show the document id only: the rest is personal data.
    """

    model_config = ConfigDict(frozen=True)

    document_id: int
    receipt_no: str | None = None
    donor_name: str | None = None
    donation_date: date | None = None
    amount: int | None = None
    full_name: str
    full_name_kana: str
    address: str
    phone: str
    birth_date: date
    my_number: str
    submitted_on: date

    def __repr__(self) -> str:
        return f"EntryRecord(document_id={self.document_id})"

    __str__ = __repr__

    def has_key(self) -> bool:
        return bool(self.receipt_no) or None not in (self.donor_name, self.donation_date, self.amount)

    def screen_values(self) -> dict[str, str]:
        """Domain field → the text typed into the screen."""
        return {f: _text(getattr(self, f)) for f in ENTRY_FIELDS}


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def same(a: str, b: str) -> bool:
    """Screen text equality after NFKC, ignoring spaces and hyphens' width variants."""
    return _norm(a) == _norm(b)


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())
