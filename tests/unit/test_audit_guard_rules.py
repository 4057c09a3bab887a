"""The ORM guard of the append-only audit tables (store.audit_models), on its own.

The schema here comes from the models (``create_all``), so the database triggers of the
migrations are absent: what refuses a bulk UPDATE/DELETE is the session guard alone. The
triggers are tested in tests/integration/test_audit_store.py (SQLite) and test_postgres.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from store.audit_models import AuditCheck, AuditDraw, AuditSample, guard_audit_tables
from store.db import make_engine, session_factory
from store.models import AuditTrailViolation, Base, Batch

REFUSED = r"^audit rows are append-only: bulk update/delete refused$"


@pytest.mark.parametrize("statement", [
    update(AuditCheck).values(outcome="agree"),
    delete(AuditDraw),
    delete(AuditSample).where(AuditSample.id == 1),
])
def test_rule_bulk_update_or_delete_of_audit_rows_is_refused(
        sf: sessionmaker[Session], statement: object) -> None:
    with sf() as s, pytest.raises(AuditTrailViolation, match=REFUSED):
        s.execute(statement)  # type: ignore[call-overload]


def test_rule_other_tables_may_still_be_updated_in_bulk(sf: sessionmaker[Session]) -> None:
    with sf.begin() as s:
        s.add(Batch(name="b", source="test"))
    with sf.begin() as s:
        s.execute(update(Batch).values(name="renamed"))
        s.execute(select(func.count()).select_from(AuditCheck))  # reading audit rows is fine
    with sf() as s:
        assert s.scalars(select(Batch.name)).all() == ["renamed"]


def test_rule_guarding_a_factory_twice_keeps_one_guard(sf: sessionmaker[Session]) -> None:
    guard_audit_tables(sf)  # session_factory already guarded it
    with sf() as s, pytest.raises(AuditTrailViolation, match=REFUSED):
        s.execute(delete(AuditCheck))


def test_rule_a_new_factory_is_guarded_after_earlier_ones_were_garbage_collected(
        tmp_path: Path) -> None:
    """SQLAlchemy reuses id()s of collected Session classes; the guard must not be fooled."""
    import gc

    engine = make_engine(f"sqlite:///{tmp_path / 'work.db'}")
    Base.metadata.create_all(engine)
    unguarded = 0
    for _ in range(50):
        factory = session_factory(engine)
        with factory() as s:
            try:
                s.execute(delete(AuditCheck))
            except AuditTrailViolation:
                pass
            else:
                unguarded += 1
        del factory
        gc.collect()
    assert unguarded == 0
