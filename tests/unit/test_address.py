"""A read address that no Japanese address can be goes to a person, with a Japanese reason."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from domain.address import (
    MSG_MUNICIPALITY,
    MSG_NUMBER,
    MSG_PREFECTURE,
    MSG_SYMBOL,
    PREFECTURES,
    address_problem,
    check_addresses,
    is_address,
)
from domain.calibration import Calibration, KindCalibration
from domain.model import Box, FieldReading, FieldSpec
from domain.status import FieldKind, FieldStatus, IssueCode, ReviewReason
from domain.triage import triage
from synth.people import make_address

ADDRESS = FieldSpec(id="address", label="住所", kind=FieldKind.TEXT, box=Box(x=10, y=10, w=100, h=10))
NAME = FieldSpec(id="full_name", label="氏名", kind=FieldKind.TEXT, box=Box(x=10, y=30, w=60, h=10))


def test_the_47_prefectures() -> None:
    assert len(set(PREFECTURES)) == 47
    assert sum(p.endswith("県") for p in PREFECTURES) == 43
    assert {p for p in PREFECTURES if not p.endswith("県")} == {"北海道", "東京都", "京都府", "大阪府"}


def test_every_synthetic_address_passes() -> None:
    rng = random.Random(14)
    bad = [a for a in (make_address(rng).text for _ in range(3000)) if address_problem(a)]
    assert bad == []


@pytest.mark.parametrize(("text", "reason"), [
    ("秋山県秋田市山王1-2-3", MSG_PREFECTURE),  # the misread seen most confidently
    ("東京部千代田区丸の内1-2", MSG_PREFECTURE),
    ("千代田区丸の内1-2-3", MSG_PREFECTURE),  # no prefecture at all: strict on purpose
    ("秋田県秋田市山王1/2-3", MSG_SYMBOL),  # a written 1 read as "/"
    ("秋田県秋田市山王1－2－3<script>", MSG_SYMBOL),
    ("秋田県秋日巾山王1-2-3", MSG_MUNICIPALITY),
    ("秋田県秋田市山王", MSG_NUMBER),
    ("東京都千代田区丸の内1--2", MSG_NUMBER),
    ("鹿児島県鹿児島市山下町S丁目10番17号　ハイツ青葉406", MSG_NUMBER),  # seen: 5 read as S
    ("岩手県二戸市堀野4地割1O番地1", MSG_NUMBER),
])
def test_impossible_addresses_have_a_reason(text: str, reason: str) -> None:
    assert address_problem(text) == reason


@pytest.mark.parametrize("text", [
    "北海道札幌市中央区北一条西3丁目4番5号　コーポ若葉101",
    "岩手県久慈市川崎町12地割3番地4",
    "東京都世田谷区太子堂１－２－３",  # full-width digits and hyphens
    "大阪府大阪市北区梅田1-2-3 サンライズ-101",
    "神奈川県足柄下郡箱根町湯本256",
    "",
])
def test_plausible_addresses_pass(text: str) -> None:
    assert address_problem(text) is None


def _reading(spec: FieldSpec, value: str) -> FieldReading:
    return FieldReading(field_id=spec.id, kind=spec.kind, value=value, raw=value, confidence=0.999)


def test_only_address_fields_are_checked_and_flagged_ones_go_to_staff() -> None:
    assert is_address(ADDRESS) and not is_address(NAME)
    readings = {"address": _reading(ADDRESS, "秋山県秋田市山王1-2-3"), "full_name": _reading(NAME, "秋山県")}
    check_addresses([ADDRESS, NAME], readings)
    issue = readings["address"].issues[0]
    assert issue.code is IssueCode.INVALID_FORMAT and issue.message == MSG_PREFECTURE
    assert readings["full_name"].issues == []
    # even a calibration that would accept any text score sends it to a person
    anything = KindCalibration(knots=[1.0], probs=[0.99], threshold=0.5, accepted_share=1.0, n=100)
    cal = Calibration(version="t", created=datetime.now(UTC), target_error=0.005, kinds={"text": anything})
    flagged = triage(readings["address"], ADDRESS, cal)
    assert flagged.status is FieldStatus.NEEDS_REVIEW and flagged.reason is ReviewReason.INVALID_FORMAT
    plausible = _reading(ADDRESS, "秋田県秋田市山王1-2-3")
    assert triage(plausible, ADDRESS, cal).status is FieldStatus.AUTO_ACCEPTED
