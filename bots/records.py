"""Typed ワンストップ申請 records (tests, bench) on top of the generic record of ``bots.values``.

The bot itself takes any :class:`bots.values.Record`; records built from the store are
:class:`bots.values.FieldRecord` (``bots.runner.records_from_store``). ``EntryRecord`` is a
convenience with the one-stop fields typed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from bots.values import same

ENTRY_FIELDS = ("full_name", "full_name_kana", "address", "phone", "birth_date", "my_number", "submitted_on")
__all__ = ["ENTRY_FIELDS", "EntryRecord", "same"]


class EntryRecord(BaseModel):
    """A confirmed one-stop record. Natural key: ``receipt_no`` (寄附受付No) or donor name + date + amount.

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

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude={"document_id"})

    def has_key(self) -> bool:
        return bool(self.receipt_no) or None not in (self.donor_name, self.donation_date, self.amount)

    def screen_values(self) -> dict[str, str]:
        """The seven one-stop fields as the demo system stores them."""
        return {f: (v.isoformat() if isinstance(v, date) else str(v))
                for f in ENTRY_FIELDS for v in [getattr(self, f)]}
