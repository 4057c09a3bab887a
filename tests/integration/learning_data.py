"""Test data for learning: documents read (scripted scores), triaged with the shipped
calibration, stored, and reviewed by simulated staff — all through the real store.

Not a test module (no ``test_`` prefix): imported by tests/integration/test_learning_*.py
and by bench/learning.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from domain.calibration import Calibration
from domain.lifecycle import DocumentStatus, ReviewActionKind
from domain.model import FieldReading, FormTemplate, PageReading
from domain.status import FieldKind, FieldStatus, PageStatus
from domain.triage import triage
from store import Repository

# synthetic, not a real person; checked never to leave the store
KANA, KANA_WRONG = "ヤマダ　タロウ", "ヤマダ　タロク"
NAME, NAME_WRONG = "山田　太郎", "山田　大郎"
ADDRESS, ADDRESS_WRONG = "東京都千代田区1-1", "東京都千代田区7-1"
MY_NUMBER = "123456789018"
COMMENT, COMMENT_WRONG = "三ヶ月に一度", "三ケ月に一度"
PERSONAL_VALUES = (KANA, KANA_WRONG, NAME, NAME_WRONG, ADDRESS, ADDRESS_WRONG, MY_NUMBER)


@dataclass
class Filled:
    documents: int = 0
    reviewed: int = 0
    corrected: int = 0
    escaped: int = 0  # auto-accepted amounts that staff corrected


def _field(spec_kind: FieldKind, field_id: str, value: object, confidence: float) -> FieldReading:
    raw = "" if value is None else str(value)
    return FieldReading(field_id=field_id, kind=spec_kind, value=value, raw=raw, confidence=confidence)


def _onestop(rng: random.Random) -> tuple[list[FieldReading], dict[str, object]]:
    """Readings and the truth: kana right above 0.6, names and addresses right above 0.93."""
    k, n, a = rng.uniform(0.55, 1.0), rng.uniform(0.9, 0.9965), rng.uniform(0.9, 0.9965)
    wrong_amount = rng.random() < 0.05
    readings = [
        _field(FieldKind.KANA, "full_name_kana", KANA if k > 0.6 else KANA_WRONG, k),
        _field(FieldKind.TEXT, "full_name", NAME if n > 0.93 else NAME_WRONG, n),
        _field(FieldKind.TEXT, "address", ADDRESS if a > 0.93 else ADDRESS_WRONG, a),
        _field(FieldKind.AMOUNT, "amount", 72000 if wrong_amount else 12000, 0.99999),
        _field(FieldKind.MY_NUMBER, "my_number", MY_NUMBER, 0.99),
    ]
    truth: dict[str, object] = {"full_name_kana": KANA, "full_name": NAME, "address": ADDRESS,
                                "amount": 12000, "my_number": MY_NUMBER}
    return readings, truth


def _survey(rng: random.Random) -> tuple[list[FieldReading], dict[str, object]]:
    s = rng.uniform(0.5, 0.99)
    return [_field(FieldKind.FREE_TEXT, "comment", COMMENT if s > 0.7 else COMMENT_WRONG, s)], \
        {"comment": COMMENT}


def fill(repo: Repository, templates: dict[str, FormTemplate], calibration: Calibration | None,
         folder: Path, onestop: int, survey: int = 0, seed: int = 1, notice: float = 1.0,
         batch_name: str = "learning") -> Filled:
    """Receive, read (scripted), store and review ``onestop`` + ``survey`` documents."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    batch = repo.create_batch(batch_name, "test")
    plan = [("onestop_2022", _onestop)] * onestop + [("citizen_survey", _survey)] * survey
    truths: dict[int, dict[str, object]] = {}
    out = Filled()
    for i, (tid, make) in enumerate(plan):
        path = folder / f"{batch_name}-{i}.png"
        path.write_bytes(f"{batch_name} {seed} {i}".encode())
        doc_id = repo.receive(batch, path.name, path).document_id
        assert repo.claim("learning-test", 1, 600) == [doc_id]
        readings, truth = make(rng)
        template = templates[tid]
        fields = [triage(r, template.field(r.field_id), calibration, template_id=tid) for r in readings]
        quality = 0.6 if i % 25 == 0 else 0.95
        page = PageReading(index=0, status=PageStatus.READ, template_id=tid,
                           template_version=template.version, page_number=1, alignment_quality=quality,
                           fields=fields)
        repo.save_reading(doc_id, "learning-test", [page])
        truths[doc_id] = truth
        out.documents += 1
    for doc_id, truth in truths.items():
        doc = repo.document(doc_id)
        if doc is None or doc.status != DocumentStatus.NEEDS_REVIEW.value:
            continue
        out.reviewed += 1
        for fr in repo.fields(doc_id):
            right = truth[fr.field_id]
            if fr.status == FieldStatus.NEEDS_REVIEW.value:
                same = fr.value == right
                repo.record_review(fr.id, "rev1", right,
                                   ReviewActionKind.CONFIRM if same else ReviewActionKind.CORRECT)
                out.corrected += not same
            elif fr.value != right and rng.random() < notice:  # an auto-accepted error spotted
                repo.record_review(fr.id, "rev1", right, ReviewActionKind.CORRECT)
                out.escaped += 1
        repo.complete_review(doc_id)
    return out
