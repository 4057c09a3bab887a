"""A document that changes while the bot is typing it (real Chromium against the sandbox).

An audit disagreement (or an admin's re-read) can move a ``read`` document back to staff
after the bot looked it up but before it booked the entry. The record is then in the
target system with the old values. Rules:

* the run does not crash: the other records are still entered;
* the document keeps the status the person gave it, and says why (``entered_while_changed``)
  so staff know the target already holds the old values;
* once staff confirm it again, the bot's look-up finds the record: unchanged values are taken
  as entered, corrected values are sent back as "differs"; the target never gets it twice.
"""

from __future__ import annotations

from datetime import date

import pytest

from bots.records import EntryRecord
from domain.lifecycle import DocumentStatus, transition
from store import entries
from store.db import write_transaction
from store.models import Document

from test_bots import World, _statuses, make_records, world_factory  # noqa: F401  # isort: skip

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _move(world: World, doc_id: int, to: DocumentStatus) -> None:
    """What the audit's reaction does to the document row (store.audits.AuditStore._react)."""
    with write_transaction(world.sf) as s:
        doc = s.get(Document, doc_id, with_for_update=True)
        assert doc is not None
        doc.status = transition(doc.status, to).value


def _error_code(world: World, doc_id: int) -> str | None:
    with world.sf() as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        return doc.error_code


def test_rule_a_document_sent_back_while_being_entered_keeps_its_review_and_is_never_entered_twice(
        world_factory) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world: World = world_factory()
    records = make_records(world, 3)
    racing = records[1].document_id

    def audit_disagrees_after_the_save(rec: EntryRecord) -> None:
        if rec.document_id == racing:
            _move(world, racing, DocumentStatus.NEEDS_REVIEW)

    stats = world.enter(records, after_submit=audit_disagrees_after_the_save)
    assert not stats.stopped, stats.summary()
    assert [o.outcome for o in stats.outcomes] == ["entered", "entered", "entered"], stats.summary()
    assert _statuses(world, records) == ["entered", "needs_review", "entered"]
    assert _error_code(world, racing) == entries.ENTERED_MEANWHILE
    assert stats.outcomes[1].message_ja == entries.ENTERED_MEANWHILE_JA
    assert stats.outcomes[0].message_ja is None
    [attempt] = entries.attempts(world.sf, racing)
    assert attempt.outcome == "entered" and attempt.target_record_id
    assert world.backoffice.onestop_count() == 3

    # staff confirm it unchanged: the bot finds the record instead of typing it again
    _move(world, racing, DocumentStatus.REVIEWED)
    again = world.enter([records[1]])
    assert [o.outcome for o in again.outcomes] == ["already_entered"], again.summary()
    assert _statuses(world, records) == ["entered"] * 3
    assert _error_code(world, racing) is None
    assert set(world.backoffice.onestop_per_receipt().values()) == {1}
    assert world.backoffice.onestop_count() == 3


def test_rule_a_value_corrected_after_the_race_is_sent_back_not_entered_again(
        world_factory) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world: World = world_factory()
    [rec] = make_records(world, 1)

    def audit_disagrees_after_the_save(r: EntryRecord) -> None:
        _move(world, r.document_id, DocumentStatus.NEEDS_REVIEW)

    world.enter([rec], after_submit=audit_disagrees_after_the_save)
    assert _statuses(world, [rec]) == ["needs_review"]
    _move(world, rec.document_id, DocumentStatus.REVIEWED)
    corrected = rec.model_copy(update={"submitted_on": date(2026, 10, 2)})
    again = world.enter([corrected])
    assert [o.outcome for o in again.outcomes] == ["rejected"], again.summary()
    assert _statuses(world, [rec]) == ["needs_review"]
    assert _error_code(world, rec.document_id) == "existing_differs"
    assert world.backoffice.onestop_count() == 1
