"""The strict cross-check acceptance in a real SQLite store (issue 19): only the fields the
measured evidence allows, only fields waiting for their score alone, each acceptance an
audit row shown as 「カード写しと一致」, and never the My Number without its template policy."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from domain.copy_accept import ACCEPT_REASON
from domain.copy_evidence import EVIDENCE_ACTOR, EVIDENCE_JA, CopyLine, locate
from domain.lifecycle import DocumentStatus
from domain.model import FieldReading, PageReading
from domain.mynumber import make_my_number
from domain.status import FieldKind, FieldStatus, PageStatus, ReviewReason
from forms.copy_rules import load_copy_rules
from review.envelope_view import crosscheck_rows
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.copy_checks import evidence_fields, record_located
from store.models import FieldResult, ReviewAction

S = DocumentStatus
NUMBER = make_my_number("12345678901")
RULES = load_copy_rules()
ALL = frozenset({"full_name", "birth_date", "address", "my_number"})
LOW = ReviewReason.LOW_CONFIDENCE
FORM = {"full_name": "山田 太郎", "birth_date": "1984-12-02", "address": "東京都千代田区永田町1-2-3",
        "my_number": NUMBER}
CARD = ["氏名 山田 太郎", "生年月日 昭和59年12月2日生", "住所 東京都千代田区永田町一丁目2番3号",
        f"個人番号 {NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:]}"]


def _field(fid: str, kind: FieldKind, status: FieldStatus, reason: ReviewReason | None) -> FieldReading:
    value = FORM[fid]
    return FieldReading(field_id=fid, kind=kind, value=value, raw=str(value), confidence=0.6,  # type: ignore[arg-type]
                        status=status, reason=reason, bbox_px=(10, 10, 100, 20))


def _saved(tmp: Path, statuses: dict[str, tuple[FieldStatus, ReviewReason | None]],
           copy_kind: str = "mynumber_front+mynumber_back", conf: float = 0.9) -> tuple[Repository, int]:
    kinds = {"full_name": FieldKind.TEXT, "birth_date": FieldKind.WAREKI_DATE, "address": FieldKind.TEXT,
             "my_number": FieldKind.MY_NUMBER}
    fields = [_field(fid, kinds[fid], *statuses[fid]) for fid in kinds]
    pages = [PageReading(index=0, status=PageStatus.READ, template_id="onestop_2022", template_version=1,
                         page_number=1, fields=fields),
             PageReading(index=1, status=PageStatus.NON_FORM, copy_kind=copy_kind, copy_confidence=conf)]
    tmp.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp / 'yomitori.db'}"
    upgrade(url)
    repo = Repository(session_factory(make_engine(url)), ContentStore(tmp / "files"))
    src = tmp / "a.png"
    src.write_bytes(b"a")
    doc = repo.receive(repo.create_batch("b", "test"), "a.png", src).document_id
    assert repo.claim("w", 1, 60) == [doc]
    repo.save_reading(doc, "w", pages, [b"png0", b"png1"])
    return repo, doc


def _located(conf: float | None = 0.99, texts: list[str] = CARD):  # type: ignore[no-untyped-def]
    return locate(FORM, [CopyLine(1, t, (5, 10 + 20 * i, 200, 18), conf) for i, t in enumerate(texts)])


def _status(repo: Repository, doc: int) -> dict[str, tuple[str, str | None]]:
    return {f.field_id: (f.status, f.reason) for f in repo.fields(doc)}


def _audit(repo: Repository) -> list[tuple[str, str | None, str]]:
    with repo.sessions() as s:
        return sorted(s.execute(select(ReviewAction.actor, ReviewAction.reason, ReviewAction.action)).all())


WAITING = {"full_name": (FieldStatus.NEEDS_REVIEW, LOW), "birth_date": (FieldStatus.NEEDS_REVIEW, None),
           "address": (FieldStatus.NEEDS_REVIEW, ReviewReason.NOT_CALIBRATED),
           "my_number": (FieldStatus.NEEDS_REVIEW, ReviewReason.POLICY)}


def test_exact_agreement_confirms_the_fields_the_evidence_allows_with_an_audit_row(tmp_path: Path) -> None:
    repo, doc = _saved(tmp_path, WAITING)
    counts = record_located(repo.sessions, doc, _located(), evidence_policy=False, rules=RULES,
                            accept_fields=ALL)
    assert counts == {"mismatch": 0, "evidence": 0, "agreement": 3}
    got = _status(repo, doc)
    assert {f: got[f][0] for f in ("full_name", "birth_date", "address")} == {
        "full_name": "confirmed", "birth_date": "confirmed", "address": "confirmed"}
    # the My Number is not this rule's: without its template policy it waits for a person
    assert got["my_number"] == ("needs_review", ReviewReason.POLICY.value)
    assert _audit(repo) == [(EVIDENCE_ACTOR, ACCEPT_REASON, "confirm")] * 3
    ids = {f.id: f.field_id for f in repo.fields(doc)}
    accepted = {ids[i] for i in evidence_fields(repo.sessions, doc)}
    assert accepted == {"full_name", "birth_date", "address"}
    rows = crosscheck_rows(repo.document(doc).copy_check_json, accepted)  # type: ignore[union-attr]
    assert {r["label"]: r["text"] for r in rows}["氏名"].startswith(EVIDENCE_JA)
    assert repo.document(doc).status == S.NEEDS_REVIEW.value  # type: ignore[union-attr]  (My Number left)
    stored = repo.document(doc).copy_check_json or ""  # type: ignore[union-attr]
    assert "山田" not in stored and "永田町" not in stored and NUMBER not in stored
    assert json.loads(stored)["full_name"] == "agree"


def test_with_the_my_number_policy_too_nothing_is_left_and_the_envelope_is_reviewed(tmp_path: Path) -> None:
    repo, doc = _saved(tmp_path, WAITING)
    counts = record_located(repo.sessions, doc, _located(), evidence_policy=True, rules=RULES,
                            accept_fields=ALL)
    assert counts == {"mismatch": 0, "evidence": 1, "agreement": 3}
    assert repo.document(doc).status == S.REVIEWED.value  # type: ignore[union-attr]


def test_nothing_is_accepted_without_evidence_or_from_an_unsure_copy(tmp_path: Path) -> None:
    cases = [
        ("off", frozenset(), 0.99, "mynumber_front+mynumber_back", 0.9),  # evidence under the bound
        ("line", ALL, 0.5, "mynumber_front+mynumber_back", 0.9),  # lines read without confidence
        ("none", ALL, None, "mynumber_front+mynumber_back", 0.9),  # the worker had no line scores
        ("kind", ALL, 0.99, "mynumber_front+mynumber_back", 0.5),  # the copy's kind is a guess
        ("other", ALL, 0.99, "other", 0.99),  # not an identity document
    ]
    for name, fields, line_conf, kind, kind_conf in cases:
        repo, doc = _saved(tmp_path / name, WAITING, kind, kind_conf)
        counts = record_located(repo.sessions, doc, _located(line_conf), evidence_policy=False, rules=RULES,
                                accept_fields=fields)
        assert counts["agreement"] == 0, name
        assert {s for s, _ in _status(repo, doc).values()} == {"needs_review"}, name
        assert _audit(repo) == [], name


def test_a_rule_reason_an_accepted_field_or_a_contradiction_is_left_alone(tmp_path: Path) -> None:
    statuses = {"full_name": (FieldStatus.NEEDS_REVIEW, ReviewReason.NAME_SPLIT),  # a rule's reason stays
                "birth_date": (FieldStatus.AUTO_ACCEPTED, None),
                "address": (FieldStatus.NEEDS_REVIEW, LOW),
                "my_number": (FieldStatus.AUTO_ACCEPTED, None)}
    repo, doc = _saved(tmp_path, statuses)
    texts = [CARD[0], CARD[1], "住所 東京都千代田区永田町二丁目2番3号", CARD[3]]  # the address differs
    counts = record_located(repo.sessions, doc, _located(texts=texts), evidence_policy=False, rules=RULES,
                            accept_fields=ALL)
    assert counts == {"mismatch": 1, "evidence": 0, "agreement": 0}
    got = _status(repo, doc)
    assert got["full_name"] == ("needs_review", ReviewReason.NAME_SPLIT.value)
    assert got["birth_date"] == ("auto_accepted", None)
    assert got["address"] == ("needs_review", ReviewReason.COPY_MISMATCH.value)
    assert _audit(repo) == []


def test_a_name_its_furigana_did_not_confirm_is_settled_by_the_card_but_not_a_variant(tmp_path: Path) -> None:
    """NAME_KANA (the lexicon could not match name and フリガナ) is what the card settles;
    VARIANT_KANJI or any other issue stays with a person (domain.copy_accept.copy_may_settle)."""
    from domain.model import Issue
    from domain.status import IssueCode

    for code, settled in ((IssueCode.NAME_KANA, True), (IssueCode.VARIANT_KANJI, False)):
        repo, doc = _saved(tmp_path / code.value, WAITING)
        issue = Issue(code=code, message="x", field_id="full_name")
        with repo.sessions.begin() as s:
            fr = s.scalars(select(FieldResult).where(FieldResult.field_id == "full_name")).one()
            fr.reason = code.value
            fr.issues_json = json.dumps([issue.model_dump(mode="json")])
        record_located(repo.sessions, doc, _located(), evidence_policy=False, rules=RULES,
                       accept_fields=frozenset({"full_name"}))
        assert _status(repo, doc)["full_name"] == (("confirmed", code.value) if settled
                                                   else ("needs_review", code.value)), code
        assert _audit(repo) == ([(EVIDENCE_ACTOR, ACCEPT_REASON, "confirm")] if settled else []), code
