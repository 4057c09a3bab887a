"""What a read field tells the learner: its score, and — only if a person checked it — hit or miss.

Labels come from staff decisions, and only from those:

* confirmed unchanged → **hit**; corrected → **miss**; marked unreadable → **miss**
  (the machine's value was not usable either).
* an auto-accepted field that nobody touched is **not a label**. Nobody checked it;
  counting it as right would let the engine grade its own homework. It still counts
  in the straight-through share (it *was* auto-accepted).
* an auto-accepted field that staff corrected anyway is an **escaped** error: a miss,
  but seen only because someone happened to look. It is not fitted as if it were a
  random sample (its right siblings were never checked); it gives a *lower bound* on
  the error among auto-accepted fields.
* only **eligible** fields are fitted: those triage could auto-accept (no rule issue,
  template policy ``auto``). The others go to a person whatever their score.
* an auto-accepted field drawn for a **blind audit** (issue 15, :mod:`store.audits`) is a
  label above the threshold: the draw is random among auto-accepted fields, so its hit or
  miss is an unbiased sample at its score, like a field sent to a person below it. It
  counts as checked (fitted, and evidence against a threshold); a later staff decision on
  it (the correction task of a disagreement) is the final word on its label.

Held-back split: a document goes wholly to training or to the held-back part, decided
by a hash of its id, so a rerun on the same data splits the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from domain.calibration import field_key
from domain.triage import is_empty_key

HELDBACK_SHARE = 0.3  # share of documents held back for the promotion gate


@dataclass(frozen=True)
class Observation:
    document_id: int
    batch_id: int
    template_id: str
    field_id: str
    kind: str
    kind_key: str  # domain.triage.calibration_key: the kind, or "<kind>:empty"
    score: float  # the engine's confidence
    eligible: bool  # triage could have auto-accepted it (no issue, policy auto)
    was_auto: bool  # auto-accepted when it was read
    label: bool | None  # True hit, False miss, None nobody checked it
    actor: str | None = None  # who decided last (staff login name), for the label audit
    reviewed_on: date | None = None
    calibration: str | None = None  # version used when it was read
    personal: bool = False  # template marks it personal (or it is a My Number)
    alignment_quality: float | None = None  # of its page
    audited: bool = False  # drawn for a blind audit of auto-accepted fields and decided

    @property
    def field_key(self) -> str | None:
        """``template:field`` for per-field entries; None for empty text (kind only)."""
        return None if is_empty_key(self.kind_key) else field_key(self.template_id, self.field_id)

    @property
    def field_keys(self) -> list[str]:
        fk = self.field_key
        return [] if fk is None else [fk]

    @property
    def checked(self) -> bool:
        """A label from a field sent to a person or audited: an unbiased sample at its score."""
        return self.eligible and self.label is not None and (not self.was_auto or self.audited)

    @property
    def escaped(self) -> bool:
        """An auto-accepted field that staff corrected anyway (not drawn for an audit)."""
        return self.was_auto and self.label is False and not self.audited


def is_heldback(document_id: int, share: float | None = None) -> bool:
    """Deterministic: the same document is always on the same side."""
    share = HELDBACK_SHARE if share is None else share
    h = hashlib.sha256(f"yomitori-learn:{document_id}".encode()).digest()
    return int.from_bytes(h[:4], "big") < share * 2**32


def split(observations: Iterable[Observation], share: float | None = None
          ) -> tuple[list[Observation], list[Observation]]:
    """(training, held back), by document."""
    train: list[Observation] = []
    held: list[Observation] = []
    for o in observations:
        (held if is_heldback(o.document_id, share) else train).append(o)
    return train, held


@dataclass(frozen=True)
class Counts:
    documents: int
    fields: int
    eligible: int
    checked: int
    misses: int  # among checked
    escaped: int
    auto: int  # auto-accepted when read
    audited: int = 0  # auto-accepted fields checked by a blind audit

    @classmethod
    def of(cls, observations: Sequence[Observation]) -> Counts:
        return cls(
            documents=len({o.document_id for o in observations}), fields=len(observations),
            eligible=sum(o.eligible for o in observations),
            checked=sum(o.checked for o in observations),
            misses=sum(o.checked and o.label is False for o in observations),
            escaped=sum(o.escaped for o in observations),
            auto=sum(o.was_auto for o in observations),
            audited=sum(o.audited and o.label is not None for o in observations))
