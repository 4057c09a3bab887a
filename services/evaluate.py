"""Compare readings with synthesiser ground truth (used by demo, bench and calibration)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain.model import DocumentReading
from domain.status import FieldStatus, PageStatus

UNREAD_KIND = "(unread page)"  # truth fields carry no kind; their page was not read as a form


# A non-form page (blank, ID copy) with one of these statuses was not identified: read as
# a form, or sent to a person because the reader could not tell what it is.
_NOT_SETTLED = frozenset({PageStatus.READ, PageStatus.UNIDENTIFIED})


@dataclass(frozen=True)
class FieldOutcome:
    template_id: str
    field_id: str
    kind: str
    style: str  # printed | handwriting
    correct: bool
    auto: bool
    confidence: float
    calibration_key: str
    truth_text: str
    read_text: str
    page_read: bool = True  # False: the page was not read as its form (missing, unknown, another form)


@dataclass(frozen=True)
class PageOutcome:
    truth_kind: str  # form | blank | id_copy
    truth_template: str | None
    status: PageStatus
    identified: bool  # right template+page; or a non-form page told apart (not read, not unidentified)


def _canon(v: Any) -> Any:
    if isinstance(v, list):
        return [str(x) for x in v]
    return v


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ",".join(map(str, v))
    return str(v)


def compare(doc: DocumentReading, truth: dict[str, Any]) -> tuple[list[PageOutcome], list[FieldOutcome]]:
    """Score a reading against ground truth, counting every miss against us.

    A form page that was not read as its form (unknown, unidentified, unaligned, read as
    another form, or missing from the reading) scores every one of its fields as wrong and not
    auto-accepted (``page_read=False``); a page read as the *wrong* form also adds each
    of its auto-accepted fields as a wrong auto-accept, since those values would go on
    to the back office. Calibration fits only on ``page_read`` outcomes (it learns
    engine scores, and an unread page has none).
    """
    from domain.triage import calibration_key

    pages: list[PageOutcome] = []
    fields: list[FieldOutcome] = []
    style = str(truth.get("style", ""))
    truth_pages = truth["pages"]
    for k, tp in enumerate(truth_pages):
        rp = doc.pages[k] if k < len(doc.pages) else None
        kind = tp["kind"]
        status = rp.status if rp is not None else PageStatus.UNREADABLE_IMAGE
        if kind != "form":  # right when not read as a form and not sent to a person as one
            pages.append(PageOutcome(kind, None, status, rp is not None and status not in _NOT_SETTLED))
            continue
        ok = (rp is not None and rp.status is PageStatus.READ and rp.template_id == truth["template_id"]
              and rp.page_number == tp["template_page"])
        pages.append(PageOutcome(kind, truth["template_id"], status, ok))
        if not ok:
            fields += _unread_page(truth, tp, rp, style)
            continue
        assert rp is not None
        for fr in rp.fields:
            t = tp["fields"].get(fr.field_id)
            if t is None:
                continue
            expected = _canon(t.get("value"))
            got = _canon(fr.value)
            fields.append(FieldOutcome(
                template_id=truth["template_id"], field_id=fr.field_id, kind=str(fr.kind),
                style=style, correct=expected == got,
                auto=fr.status is FieldStatus.AUTO_ACCEPTED, confidence=fr.confidence,
                calibration_key=calibration_key(fr), truth_text=_text(expected), read_text=_text(got),
            ))
    if len(doc.pages) != len(truth_pages):
        pages.append(PageOutcome("count_mismatch", None, PageStatus.UNREADABLE_IMAGE, False))
    return pages, fields


def _unread_page(truth: dict[str, Any], tp: dict[str, Any], rp: Any, style: str) -> list[FieldOutcome]:
    """A form page not read as its form: every truth field wrong; a wrong form's auto-accepts wrong."""
    out = [FieldOutcome(template_id=truth["template_id"], field_id=fid,
                        kind=str(t.get("kind", UNREAD_KIND)), style=style, correct=False, auto=False,
                        confidence=0.0, calibration_key="",
                        truth_text=_text(_canon(t.get("value"))), read_text="", page_read=False)
           for fid, t in tp["fields"].items()]
    if rp is not None and rp.status is PageStatus.READ:  # read, but as another form or page
        out += [FieldOutcome(template_id=truth["template_id"], field_id=f"misread:{fr.field_id}",
                             kind=str(fr.kind), style=style, correct=False, auto=True,
                             confidence=fr.confidence, calibration_key="", truth_text="",
                             read_text=_text(_canon(fr.value)), page_read=False)
                for fr in rp.fields if fr.status is FieldStatus.AUTO_ACCEPTED]
    return out


def cer(truth: str, read: str) -> float:
    """Character error rate: Levenshtein distance / truth length."""
    if not truth:
        return 0.0 if not read else 1.0
    prev = list(range(len(read) + 1))
    for i, a in enumerate(truth, 1):
        cur = [i]
        for j, b in enumerate(read, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a != b)))
        prev = cur
    return prev[-1] / len(truth)


@dataclass
class Summary:
    n: int = 0
    correct: int = 0
    auto: int = 0
    auto_wrong: int = 0
    cer_sum: float = 0.0

    def add(self, o: FieldOutcome) -> None:
        self.n += 1
        self.correct += o.correct
        self.auto += o.auto
        self.auto_wrong += o.auto and not o.correct
        self.cer_sum += cer(o.truth_text, o.read_text)

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def straight_through(self) -> float:
        return self.auto / self.n if self.n else 0.0

    @property
    def auto_error(self) -> float:
        return self.auto_wrong / self.auto if self.auto else 0.0

    @property
    def mean_cer(self) -> float:
        return self.cer_sum / self.n if self.n else 0.0


def summarize(outcomes: Iterable[FieldOutcome], key: str) -> dict[str, Summary]:
    """Group outcomes by an attribute (e.g. 'kind', 'template_id', 'style')."""
    groups: dict[str, Summary] = defaultdict(Summary)
    for o in outcomes:
        groups[str(getattr(o, key))].add(o)
        groups["ALL"].add(o)
    return dict(groups)
