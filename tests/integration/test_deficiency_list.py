"""The 不備一覧 and the bot's hold judge the same documents (issue 19).

A ワンストップ form with no copy page at all has nothing to judge (copies scanned apart
from the form, or read before the check existed): it is neither listed as 不備 nor held
back, and the operations report counts it, so nobody takes the list for complete. A form
whose copies were read and fall short is both listed and held.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from forms.copy_rules import load_copy_rules
from reports.deficiencies import deficiencies, report_sections, unchecked
from store import make_engine, session_factory, upgrade
from store.envelopes import missing_copies
from store.models import Batch, Document, Page


def _store(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'yomitori.db'}"
    upgrade(url)
    return session_factory(make_engine(url))


def _document(sf: sessionmaker[Session], copies: list[str]) -> int:
    with sf() as s, s.begin():
        batch = Batch(name="b", source="test")
        s.add(batch)
        s.flush()
        doc = Document(batch_id=batch.id, source_name="scan.pdf", sha256=None, status="reviewed",
                       template_id="onestop_2022", template_version=1)
        s.add(doc)
        s.flush()
        s.add(Page(document_id=doc.id, index=0, status="read", template_id="onestop_2022", page_number=1))
        for i, kind in enumerate(copies, 1):
            s.add(Page(document_id=doc.id, index=i, status="non_form", copy_kind=kind, copy_confidence=0.95))
        return int(doc.id)


def test_the_list_and_the_hold_agree_and_unjudged_forms_are_counted(tmp_path: Path) -> None:
    sf = _store(tmp_path)
    alone = _document(sf, [])
    short = _document(sf, ["mynumber_front"])  # the card's back is missing
    whole = _document(sf, ["mynumber_front", "mynumber_back"])
    docs = [(i, "onestop_2022") for i in (alone, short, whole)]

    rules = load_copy_rules()
    listed = {d.document_id for d in deficiencies(sf, rules)}
    with sf() as s:
        held = missing_copies(s, docs, rules)

    assert listed == held == {short}
    assert unchecked(sf, rules) == 1
    _, notes = report_sections(sf, rules)
    assert any("不備の判定をしていません" in n and "1 件" in n for n in notes)
