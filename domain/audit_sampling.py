"""Which auto-accepted fields of a document are drawn for a blind audit (pure, reproducible).

The draw is a function of a stored seed and stored inputs only, so anyone holding the
audit record (an external auditor, with any language) can replay it:

* each candidate field gets a **ticket** ``u = SHA-256("<seed>:<field_result_id>")``
  read as a number in [0, 1) (first 8 bytes, big-endian, / 2**64);
* candidates are **stratified by field kind**; a field is drawn when its ticket is below
  its stratum's probability: the configured share (default 2 %), or 1 for a kind (or a
  template) set to "audit everything" until an end date (a new form's first month);
* the **weekly minimum**: while fewer than ``weekly_minimum`` fields of a kind were drawn
  in the current ISO week (before this document), the stratum's lowest tickets are drawn
  as well until the minimum is met. Rare kinds (an e-mail address, a My Number on a few
  forms a week) would otherwise go unaudited for months at 2 %.

Tickets depend on the field's id, not on its position, so the order candidates are
listed in does not change the draw. Nothing here sees a value.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

DEFAULT_SHARE = 0.02
DEFAULT_WEEKLY_MINIMUM = 5


@dataclass(frozen=True)
class AuditPolicy:
    """How much to audit (from settings; stored with every draw)."""

    share: float = DEFAULT_SHARE
    weekly_minimum: int = DEFAULT_WEEKLY_MINIMUM  # per field kind per ISO week
    everything: Mapping[str, date] = field(default_factory=dict)  # kind or template id → last day

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError("audit share must be between 0 and 1")
        if self.weekly_minimum < 0:
            raise ValueError("weekly minimum must not be negative")

    def probability(self, kind: str, template_id: str | None, today: date) -> float:
        """The stratum's draw probability on ``today`` (1.0 while "audit everything" lasts)."""
        for key in (kind, template_id):
            until = self.everything.get(key) if key else None
            if until is not None and today <= until:
                return 1.0
        return self.share

    def to_json(self) -> dict[str, object]:
        return {"share": self.share, "weekly_minimum": self.weekly_minimum,
                "everything": {k: v.isoformat() for k, v in sorted(self.everything.items())}}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> AuditPolicy:
        every = data.get("everything") or {}
        if not isinstance(every, Mapping):
            raise ValueError("everything must be a mapping of key to last day")
        share, minimum = data.get("share", DEFAULT_SHARE), data.get("weekly_minimum", DEFAULT_WEEKLY_MINIMUM)
        return cls(share=float(str(share)), weekly_minimum=int(str(minimum)),
                   everything={str(k): date.fromisoformat(str(v)) for k, v in every.items()})


def parse_everything(text: str) -> dict[str, date]:
    """``"kind:2027-01-31,city_form:2027-02-28"`` → {key: last day}. Blank → {}."""
    out: dict[str, date] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, day = part.rpartition(":")
        if not sep or not key.strip():
            raise ValueError(f"audit-everything entry must be KEY:YYYY-MM-DD, got {part!r}")
        out[key.strip()] = date.fromisoformat(day.strip())
    return out


@dataclass(frozen=True)
class Candidate:
    """An auto-accepted field that may be drawn (ids and codes only)."""

    field_result_id: int
    kind: str
    template_id: str | None = None


def ticket(seed: int, field_result_id: int) -> float:
    """The field's uniform number in [0, 1) for this seed (see the module doc)."""
    digest = hashlib.sha256(f"{seed}:{field_result_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def draw(seed: int, candidates: Iterable[Candidate], policy: AuditPolicy, today: date,
         drawn_this_week: Mapping[str, int] | None = None) -> list[int]:
    """Field result ids drawn for audit, ascending. Pure: same inputs, same draw."""
    week = drawn_this_week or {}
    strata: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        strata[c.kind].append(c)
    chosen: set[int] = set()
    for kind, members in strata.items():
        ranked = sorted(members, key=lambda c: (ticket(seed, c.field_result_id), c.field_result_id))
        picked = [c for c in ranked
                  if ticket(seed, c.field_result_id) < policy.probability(kind, c.template_id, today)]
        deficit = policy.weekly_minimum - week.get(kind, 0) - len(picked)
        if deficit > 0:
            rest = [c for c in ranked if c not in picked]
            picked += rest[:deficit]
        chosen.update(c.field_result_id for c in picked)
    return sorted(chosen)


def iso_week(day: date) -> str:
    """``2026-W49``: the week the weekly minimum counts in."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def candidates_from_json(rows: Sequence[Sequence[object]]) -> list[Candidate]:
    """Stored ``[[id, kind, template_id], ...]`` back to candidates (for a replay)."""
    return [Candidate(int(r[0]), str(r[1]), None if r[2] is None else str(r[2]))  # type: ignore[call-overload]
            for r in rows]


def candidates_to_json(candidates: Iterable[Candidate]) -> list[list[object]]:
    return [[c.field_result_id, c.kind, c.template_id] for c in candidates]
