"""Records the bot enters, and the declared transforms from a record field to screen text.

A value expression is ``field`` or ``field|transform|transform`` (e.g. ``birth_date|wareki``,
``postal_code|postal``, ``publish_name|map``); ``const:`` gives a constant instead. Transforms:

=============  ==============================================================
iso / slash    a date as ``2026-05-01`` / ``2026/05/01``
wareki         a date as ``令和8年5月1日``
postal         ``1234567`` / ``123-4567`` → ``123-4567``; ``postal_digits`` → ``1234567``
half / full    half-width (NFKC) / full-width letters and digits
digits         only the digits; ``comma`` → ``10,000``; ``yen`` → ``10,000円``
map            the step's ``map:`` table (choice value → option label, or → true/false)
bool           a checkbox state (true for a truthy value)
=============  ==============================================================
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from domain.wareki import format_wareki


class Record(Protocol):
    """What the bot needs of a record: its document id and its field values."""

    @property
    def document_id(self) -> int: ...

    def data(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class FieldRecord:
    """A confirmed document's field values. ``repr`` shows the document id only (personal data)."""

    document_id: int
    template_id: str
    values: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def data(self) -> dict[str, Any]:
        return self.values

    def __repr__(self) -> str:
        return f"FieldRecord(document_id={self.document_id}, template_id={self.template_id!r})"

    __str__ = __repr__


class ValueErrorJa(ValueError):
    """A value the transform cannot turn into screen text (goes back to staff, names the field)."""

    def __init__(self, field_name: str, transform: str) -> None:
        super().__init__(f"field {field_name!r} cannot be written as {transform!r}")
        self.field_name, self.transform = field_name, transform


def as_date(v: Any) -> date:
    if isinstance(v, date):
        return v
    if isinstance(v, dict) and "iso" in v:
        v = v["iso"]
    return date.fromisoformat(unicodedata.normalize("NFKC", str(v)).strip().replace("/", "-"))


def _digits(v: Any) -> str:
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", str(v)))


def _full(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("　" if c == " " else c) for c in s)


def _postal(v: Any) -> str:
    d = _digits(v)
    if len(d) != 7:
        raise ValueError("not 7 digits")
    return f"{d[:3]}-{d[3:]}"


_SIMPLE = {
    "iso": lambda v: as_date(v).isoformat(),
    "slash": lambda v: as_date(v).strftime("%Y/%m/%d"),
    "wareki": lambda v: format_wareki(as_date(v)),
    "postal": _postal,
    "postal_digits": lambda v: _postal(v).replace("-", ""),
    "half": lambda v: unicodedata.normalize("NFKC", str(v)),
    "full": lambda v: _full(str(v)),
    "digits": _digits,
    "comma": lambda v: f"{int(_digits(v)):,}",
    "yen": lambda v: f"{int(_digits(v)):,}円",
    "bool": lambda v: truthy(v),
}
TRANSFORMS = frozenset(_SIMPLE) | {"map"}


_FALSE = ("", "0", "false", "no", "off", "否", "無")


def truthy(v: Any) -> bool:
    if isinstance(v, str):
        return unicodedata.normalize("NFKC", v).strip().lower() not in _FALSE
    return bool(v)


def parse_expr(expr: str) -> tuple[str, list[str]]:
    name, *chain = [p.strip() for p in expr.split("|")]
    unknown = [t for t in chain if t not in TRANSFORMS]
    if unknown or not name:
        raise ValueError(f"value {expr!r}: unknown transforms {unknown}" if unknown else "empty value")
    return name, chain


def evaluate(values: dict[str, Any], expr: str | None, const: Any = None,
             table: dict[str, Any] | None = None) -> Any:
    """The screen value of ``expr`` for a record (str, or bool for checkboxes). None: no value."""
    if expr is None:
        return const
    name, chain = parse_expr(expr)
    v = values.get(name)
    if v is None or v == "":
        return None
    for t in chain:
        try:
            if t == "map":
                key = _text(v)
                if table is None or key not in table:
                    raise ValueError("no map entry")
                v = table[key]
            else:
                v = _SIMPLE[t](v)
        except (ValueError, TypeError, KeyError):
            raise ValueErrorJa(name, t) from None
    return v if isinstance(v, bool) else _text(v)


def _text(v: Any) -> str:
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict) and "iso" in v:
        return str(v["iso"])
    return str(v)


def same(a: Any, b: Any) -> bool:
    """Screen equality after NFKC, ignoring white space (booleans compare as booleans)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return truthy(a) == truthy(b)
    return _norm(str(a)) == _norm(str(b))


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())
