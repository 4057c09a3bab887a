"""Typical confusions: which characters the engine read, where staff wrote another (pure).

Only short pieces are kept (at most :data:`MAX_PIECE` characters on each side, e.g.
髙→高, 1→7, ヶ→ケ, a dropped 〒), never whole values. Callers must not pass values of
fields marked ``personal`` or of kind ``my_number`` (see :mod:`learning.extract`);
:func:`pairs` refuses a My Number as a second line of defence.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from domain.status import FieldKind

MAX_PIECE = 2
NOTHING = "∅"  # shown for a dropped or an added character


@dataclass(frozen=True)
class Confusion:
    read: str  # what the engine read ("" = nothing)
    confirmed: str  # what staff confirmed ("" = nothing)

    def show(self) -> str:
        return f"{self.read or NOTHING}→{self.confirmed or NOTHING}"


def pairs(read: str, confirmed: str, kind: str) -> list[Confusion]:
    """The short differences between a read value and the confirmed one."""
    if kind == FieldKind.MY_NUMBER.value:
        raise ValueError("My Numbers are never analysed")
    out: list[Confusion] = []
    matcher = difflib.SequenceMatcher(a=read, b=confirmed, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        a, b = read[i1:i2], confirmed[j1:j2]
        if op == "replace" and len(a) == len(b):
            out += [Confusion(x, y) for x, y in zip(a, b, strict=True)]
        elif len(a) <= MAX_PIECE and len(b) <= MAX_PIECE:
            out.append(Confusion(a, b))
    return out


def top(confusions: Iterable[Confusion], n: int = 20, min_count: int = 1) -> list[tuple[Confusion, int]]:
    counts = Counter(confusions)
    return [(c, k) for c, k in counts.most_common(n) if k >= min_count]
