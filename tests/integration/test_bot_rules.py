"""Rules of exactly-once entry that protect the back-office data, in real Chromium.

Each test names the rule it guards; each was checked against the one-line bug that
breaks it (see docs/testing.md).
"""

from __future__ import annotations

import pytest

from test_bots import World, _statuses, make_records, world_factory  # noqa: F401  # isort: skip

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_rule_an_existing_record_that_differs_is_never_taken_as_entered(world_factory) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    """Rule: a record already in the target counts as "already entered" only when its content
    is the same; a different application on the same donation goes back to staff, and nothing
    is typed over it (mutant: ``continue`` → ``pass`` in ``EntryBot._find_existing``)."""
    world: World = world_factory()
    records = make_records(world, 2)
    differing = records[0]
    donation = world.backoffice.find_donations(receipt_no=differing.receipt_no or "")[0][0]
    values = dict(differing.screen_values())
    values["address"] = "岩手県久慈市別の住所1-1"  # someone else's application, or a typing error
    world.backoffice.add_onestop(int(donation["id"]), values)

    stats = world.enter(records)

    outcomes = {o.document_id: o for o in stats.outcomes}
    first = outcomes[differing.document_id]
    assert first.outcome == "rejected", first
    assert "内容の異なる申請が登録済み" in (first.message_ja or "")
    assert _statuses(world, records) == ["needs_review", "entered"]
    assert world.backoffice.onestop_count(int(donation["id"])) == 1  # nothing typed over it
    assert outcomes[records[1].document_id].outcome == "entered"


def test_rule_an_existing_record_with_the_same_content_is_found_not_entered_again(world_factory) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    """Rule: the look-up before writing finds a record entered earlier (e.g. by a run that
    crashed after saving) and does not enter it twice, even among other applications."""
    world: World = world_factory()
    records = make_records(world, 1)
    rec = records[0]
    donation = world.backoffice.find_donations(receipt_no=rec.receipt_no or "")[0][0]
    other = dict(rec.screen_values()) | {"address": "岩手県久慈市別の住所2-2"}
    world.backoffice.add_onestop(int(donation["id"]), other)  # a differing one first …
    world.backoffice.add_onestop(int(donation["id"]), dict(rec.screen_values()))  # … then ours

    stats = world.enter(records)

    assert [o.outcome for o in stats.outcomes] == ["already_entered"]
    assert world.backoffice.onestop_count(int(donation["id"])) == 2
    assert _statuses(world, records) == ["entered"]
