"""The cross-check's consequences in a real SQLite store: a contradicted field goes to a person,
a My Number the copy proves is confirmed (audited) only when the template allows it, and a
person's copy kind changes the 書類不備 decision and outlives a re-read (issue 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.copy_evidence import EVIDENCE_ACTOR, EVIDENCE_REASON, Located
from domain.crosscheck import Agreement
from domain.errors import BusinessError
from domain.lifecycle import DocumentStatus
from domain.model import FieldReading, PageReading
from domain.mynumber import make_my_number
from domain.status import FieldKind, FieldStatus, PageStatus, ReviewReason
from forms.copy_rules import load_copy_rules
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.copy_checks import (
    confirm_copy_kind,
    confirmed_kinds,
    evidence_fields,
    reapply_copy_kinds,
    record_located,
    where_of,
)
from store.envelopes import missing_copies
from store.models import Page, ReviewAction
from store.page_decisions import PageDecisionStore

S = DocumentStatus
NUMBER = make_my_number("12345678901")
A, D = Agreement.AGREE, Agreement.DISAGREE

RULES = load_copy_rules()  # the shipped templates' required_copies (onestop_2022: card front + back, …)


def _field(fid: str, kind: FieldKind, value: object, status: FieldStatus,
           reason: ReviewReason | None = None) -> FieldReading:
    return FieldReading(field_id=fid, kind=kind, value=value, raw=str(value), confidence=0.99,  # type: ignore[arg-type]
                        status=status, reason=reason, bbox_px=(10, 10, 100, 20))


def _pages(my_number: FieldStatus, copy_kind: str, conf: float) -> list[PageReading]:
    fields = [_field("full_name", FieldKind.TEXT, "高橋 一郎", FieldStatus.AUTO_ACCEPTED),
              _field("birth_date", FieldKind.WAREKI_DATE, "1984-12-02", FieldStatus.AUTO_ACCEPTED),
              _field("my_number", FieldKind.MY_NUMBER, NUMBER, my_number,
                     ReviewReason.POLICY if my_number is FieldStatus.NEEDS_REVIEW else None)]
    return [PageReading(index=0, status=PageStatus.READ, template_id="onestop_2022", template_version=1,
                        page_number=1, fields=fields),
            PageReading(index=1, status=PageStatus.NON_FORM, copy_kind=copy_kind, copy_confidence=conf)]


def _saved(tmp: Path, pages: list[PageReading], name: str = "a.png") -> tuple[Repository, int]:
    url = f"sqlite:///{tmp / 'yomitori.db'}"
    upgrade(url)
    repo = Repository(session_factory(make_engine(url)), ContentStore(tmp / "files"))
    src = tmp / name
    src.write_bytes(name.encode())
    doc = repo.receive(repo.create_batch("b", "test"), name, src).document_id
    assert repo.claim("w", 1, 60) == [doc]
    repo.save_reading(doc, "w", pages, [b"png0", b"png1"])
    return repo, doc


def _field_row(repo: Repository, doc: int, fid: str) -> tuple[str, str | None]:
    fr = next(f for f in repo.fields(doc) if f.field_id == fid)
    return fr.status, fr.reason


def test_a_contradicted_auto_accepted_field_goes_to_a_person_and_the_line_is_kept(tmp_path: Path) -> None:
    repo, doc = _saved(tmp_path, _pages(FieldStatus.AUTO_ACCEPTED, "license", 0.9))
    assert repo.document(doc).status == S.READ.value  # type: ignore[union-attr]
    located = Located({"full_name": D, "birth_date": A, "my_number": Agreement.ABSENT},
                      {"full_name": (1, (30, 40, 200, 25)), "birth_date": (1, (30, 80, 200, 25))})
    counts = record_located(repo.sessions, doc, located, evidence_policy=True, rules=RULES)
    assert counts == {"mismatch": 1, "evidence": 0, "agreement": 0}
    assert _field_row(repo, doc, "full_name") == ("needs_review", ReviewReason.COPY_MISMATCH.value)
    assert _field_row(repo, doc, "birth_date")[0] == "auto_accepted"
    assert repo.document(doc).status == S.NEEDS_REVIEW.value  # type: ignore[union-attr]
    page1 = next(p for p in repo.pages(doc) if p.index == 1)
    stored = repo.document(doc).copy_check_json  # type: ignore[union-attr]
    assert where_of(stored) == {"full_name": (page1.id, (30, 40, 200, 25)),
                                "birth_date": (page1.id, (30, 80, 200, 25))}
    assert json.loads(stored or "{}")["full_name"] == "disagree"  # codes and geometry, no value
    assert "高橋" not in (stored or "")
    # a field already waiting for a policy keeps that reason (the screen adds the mismatch)
    repo2, doc2 = _saved(tmp_path / "p", _pages(FieldStatus.NEEDS_REVIEW, "license", 0.9))
    record_located(repo2.sessions, doc2, Located({"my_number": D}, {}), evidence_policy=True, rules=RULES)
    assert _field_row(repo2, doc2, "my_number") == ("needs_review", ReviewReason.POLICY.value)
    assert where_of("not json") == {} and where_of('{"where": {"x": {"box": [1]}}}') == {}


@pytest.mark.parametrize("policy", [False, True])
def test_my_number_by_evidence_follows_the_template_policy(tmp_path: Path, policy: bool) -> None:
    repo, doc = _saved(tmp_path, _pages(FieldStatus.NEEDS_REVIEW, "mynumber_front+mynumber_back", 0.9))
    located = Located({"full_name": A, "birth_date": A, "my_number": A}, {"my_number": (1, (5, 5, 90, 20))})
    counts = record_located(repo.sessions, doc, located, evidence_policy=policy, rules=RULES)
    status, _ = _field_row(repo, doc, "my_number")
    with repo.sessions() as s:
        rows = s.execute(select(ReviewAction.actor, ReviewAction.reason, ReviewAction.action)).all()
    if not policy:
        assert counts["evidence"] == 0 and status == "needs_review" and rows == []
        assert repo.document(doc).status == S.NEEDS_REVIEW.value  # type: ignore[union-attr]
        assert evidence_fields(repo.sessions, doc) == set()
        return
    assert counts["evidence"] == 1 and status == "confirmed"
    assert rows == [(EVIDENCE_ACTOR, EVIDENCE_REASON, "confirm")]
    fid = next(f.id for f in repo.fields(doc) if f.field_id == "my_number")
    assert evidence_fields(repo.sessions, doc) == {fid}
    # nothing was left for a person (the other fields auto-accepted, the copies complete)
    assert repo.document(doc).status == S.REVIEWED.value  # type: ignore[union-attr]


def test_evidence_never_confirms_from_an_unsure_copy_or_a_missing_card_front(tmp_path: Path) -> None:
    repo, doc = _saved(tmp_path, _pages(FieldStatus.NEEDS_REVIEW, "mynumber_back", 0.5))
    located = Located({"my_number": A}, {"my_number": (1, (5, 5, 90, 20))})
    assert record_located(repo.sessions, doc, located, evidence_policy=True, rules=RULES)["evidence"] == 0
    # a sure card back alone: the number is confirmed, but the envelope lacks the front → a person
    repo2, doc2 = _saved(tmp_path / "b", _pages(FieldStatus.NEEDS_REVIEW, "mynumber_back", 0.9))
    assert record_located(repo2.sessions, doc2, located, evidence_policy=True, rules=RULES)["evidence"] == 1
    assert repo2.document(doc2).status == S.NEEDS_REVIEW.value  # type: ignore[union-attr]


def test_a_persons_copy_kind_changes_the_deficiency_and_outlives_a_re_read(tmp_path: Path) -> None:
    repo, doc = _saved(tmp_path, _pages(FieldStatus.NEEDS_REVIEW, "mynumber_front", 0.5))
    page1 = next(p for p in repo.pages(doc) if p.index == 1)
    with repo.sessions() as s:
        assert missing_copies(s, [(doc, "onestop_2022")], RULES) == {doc}  # unsure: 要確認
    with pytest.raises(BusinessError) as bad:
        confirm_copy_kind(repo.sessions, doc, page1.id, "mynumber_front+nonsense", "rev1", None)
    assert bad.value.code == "bad_kind"
    with pytest.raises(BusinessError):
        confirm_copy_kind(repo.sessions, doc, page1.id, "blank+license", "rev1", None)
    form_page = next(p for p in repo.pages(doc) if p.index == 0)
    with pytest.raises(BusinessError) as read:
        confirm_copy_kind(repo.sessions, doc, form_page.id, "license", "rev1", None)
    assert read.value.code == "already_read"
    confirm_copy_kind(repo.sessions, doc, page1.id, "mynumber_front+mynumber_back", "rev1", None)
    with repo.sessions() as s:
        assert missing_copies(s, [(doc, "onestop_2022")], RULES) == set()
        kind, conf = s.execute(select(Page.copy_kind, Page.copy_confidence).where(Page.id == page1.id)).one()
    assert (kind, conf) == ("mynumber_front+mynumber_back", 1.0)
    assert confirmed_kinds(repo.sessions, doc) == {1: "mynumber_front+mynumber_back"}
    history = PageDecisionStore(repo.sessions).history(doc)
    assert [(i, d.kind, d.actor, d.reason) for i, d in history] == [
        (1, "copy_kind", "rev1", "mynumber_front+mynumber_back")]
    # a re-read brings the reader's guess back; the person's kind wins again
    repo.set_status(doc, S.PROCESSING)
    assert repo.claim("w2", 1, 60) == [doc]
    repo.save_reading(doc, "w2", _pages(FieldStatus.NEEDS_REVIEW, "mynumber_front", 0.5), [b"a", b"b"])
    assert reapply_copy_kinds(repo.sessions, doc) == 1
    with repo.sessions() as s:
        assert missing_copies(s, [(doc, "onestop_2022")], RULES) == set()
    # the document must be waiting for a person
    repo.set_status(doc, S.PROCESSING)
    with pytest.raises(BusinessError) as status:
        confirm_copy_kind(repo.sessions, doc, page1.id, "license", "rev1", None)
    assert status.value.code == "wrong_status"
