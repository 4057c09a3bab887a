"""Learning and the operations report count people's work, never the machine's own
confirmation of a field by an ID copy (actor ``copy-evidence``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from learning_data import fill
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain.calibration import Calibration
from domain.copy_evidence import EVIDENCE_ACTOR
from domain.lifecycle import ReviewActionKind
from domain.model import FormTemplate
from domain.status import FieldStatus
from learning.dataset import Observation
from learning.extract import Extracted, extract
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.models import FieldResult, ReviewAction

REPO = Path(__file__).resolve().parents[2]


def test_rule_a_field_confirmed_by_copy_evidence_is_not_a_learning_label(
        tmp_path: Path, templates: dict[str, FormTemplate]) -> None:
    url = f"sqlite:///{tmp_path / 'yomitori.db'}"
    upgrade(url)
    sf = session_factory(make_engine(url))
    repo = Repository(sf, ContentStore(tmp_path / "files"))
    shipped = Calibration.model_validate_json(
        (REPO / "calibration" / "current.json").read_text(encoding="utf-8"))
    fill(repo, templates, shipped, tmp_path / "scans", onestop=3, seed=5)
    with sf.begin() as s:  # fields nobody touched: the machine's value stands, no label yet
        untouched = s.scalars(select(FieldResult).where(
            ~FieldResult.id.in_(select(ReviewAction.field_result_id)))).all()
        assert untouched, "the scripted review left no field untouched"
        target = untouched[0]
        s.add(ReviewAction(field_result_id=target.id, actor=EVIDENCE_ACTOR, at=datetime.now(UTC),
                           old_value_json=target.value_json, new_value_json=target.value_json,
                           action=ReviewActionKind.CONFIRM.value, reason="copy_agreement"))
        target.status = FieldStatus.CONFIRMED.value
        target_id = target.id
        person = s.scalars(select(ReviewAction).where(ReviewAction.actor != EVIDENCE_ACTOR)).first()
        assert person is not None
        person_field = person.field_result_id
    data = extract(sf, templates)
    by_id = _observations_by_field_result(sf, data)
    assert by_id[target_id].label is None  # the copy's agreement is no person's judgement
    assert by_id[target_id].actor is None
    assert by_id[person_field].label is not None  # people's decisions still are labels


def _observations_by_field_result(sf: sessionmaker[Session], data: Extracted
                                  ) -> dict[int, Observation]:
    """Observations keyed by field result id (extract keeps the store's field order)."""
    with sf() as s:
        ids = s.scalars(select(FieldResult.id).order_by(FieldResult.id)).all()
    assert len(ids) == len(data.observations)
    return dict(zip(ids, data.observations, strict=True))


def test_rule_the_operations_report_does_not_count_copy_evidence_as_staff_review(
        tmp_path: Path, templates: dict[str, FormTemplate]) -> None:
    from reports.data import load_activity

    url = f"sqlite:///{tmp_path / 'yomitori.db'}"
    upgrade(url)
    sf = session_factory(make_engine(url))
    repo = Repository(sf, ContentStore(tmp_path / "files"))
    fill(repo, templates, None, tmp_path / "scans", onestop=2, seed=6)
    before = load_activity(sf).reviews
    with sf.begin() as s:
        fr = s.scalars(select(FieldResult)).first()
        assert fr is not None
        s.add(ReviewAction(field_result_id=fr.id, actor=EVIDENCE_ACTOR, at=datetime.now(UTC),
                           old_value_json=fr.value_json, new_value_json=fr.value_json,
                           action=ReviewActionKind.CONFIRM.value, reason="copy_agreement"))
    after = load_activity(sf).reviews
    assert len(before) > 0 and len(after) == len(before)
    assert EVIDENCE_ACTOR not in set(after["actor"])
