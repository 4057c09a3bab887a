"""The confirmation form's rules (pure): what is shown, what a submission means."""

from __future__ import annotations

import json

from domain.lifecycle import ReviewActionKind
from domain.model import FormTemplate
from domain.mynumber import make_my_number
from review.confirm import UNREADABLE, build_views, decide, display
from store.models import FieldResult

NUMBER = make_my_number("12345678901")


def _fr(i: int, field_id: str, kind: str, value: object, status: str = "needs_review",
        reason: str | None = "low_confidence") -> FieldResult:
    return FieldResult(id=i, page_id=1, field_id=field_id, kind=kind, value_json=json.dumps(value),
                       status=status, reason=reason, issues_json="[]", raw="")


def _fields() -> list[FieldResult]:
    return [_fr(1, "address", "text", "東京都"), _fr(2, "my_number", "my_number", NUMBER, reason="policy"),
            _fr(3, "phone", "phone", "0312345678", status="auto_accepted", reason=None),
            _fr(4, "birth_era", "choice", "昭和", status="auto_accepted", reason=None),
            _fr(5, "birth_date", "wareki_date", "1956-05-17")]


def test_views_mask_and_blind(templates: dict[str, FormTemplate]) -> None:
    t = templates["onestop_2022"]
    views = {v.field_id: v for v in build_views(t, _fields(), set())}
    assert views["address"].flagged
    assert views["address"].reason_ja == "読み取りの確信度が低いため確認が必要です"
    assert views["my_number"].blind and views["my_number"].value == ""  # never sent to the browser
    assert views["birth_date"].value == "昭和31年5月17日"
    order = [v.field_id for v in build_views(t, _fields(), set())]
    assert order[:3] == ["address", "my_number", "birth_date"]
    auto_mn = _fr(2, "my_number", "my_number", NUMBER, status="auto_accepted", reason=None)
    (masked,) = build_views(t, [auto_mn], set())
    assert masked.masked and masked.value == "****-****-****"


def test_decisions(templates: dict[str, FormTemplate]) -> None:
    t = templates["onestop_2022"]
    fields = _fields()
    views = build_views(t, fields, set())
    sent = {"v_1": "東京都新宿区", "v_2": NUMBER, "v_3": "0312345678", "v_4": "昭和",
            "v_5": "昭和31年5月17日"}
    got = {d.field_result_id: d.action for d in decide(t, fields, views, sent, {}, user_id=7)}
    assert got == {1: ReviewActionKind.CORRECT, 2: ReviewActionKind.CONFIRM, 5: ReviewActionKind.CONFIRM}
    views = build_views(t, fields, set())
    sent2 = {**sent, "a_1": UNREADABLE, "v_2": make_my_number("99999999999"), "v_3": "03-9999-8888"}
    decisions = {d.field_result_id: d for d in decide(t, fields, views, sent2, {2: [(8, "x")]}, user_id=7)}
    assert decisions[1].action is ReviewActionKind.UNREADABLE
    assert decisions[2].action is None and decisions[2].blind_json  # disagreement: a second person decides
    assert decisions[3].action is ReviewActionKind.CORRECT and decisions[3].value == "0399998888"
    agree = json.dumps(make_my_number("99999999999"))
    views = build_views(t, fields, set())
    d2 = {d.field_result_id: d for d in decide(t, fields, views, sent2, {2: [(8, agree)]}, user_id=7)}
    assert d2[2].action is ReviewActionKind.CORRECT  # two people agree


def test_invalid_values_block_the_whole_submission(templates: dict[str, FormTemplate]) -> None:
    t = templates["onestop_2022"]
    fields = _fields()
    views = build_views(t, fields, set())
    bad = {"v_1": "東京都", "v_2": "123456789012", "v_3": "0312345678", "v_4": "昭和",
           "v_5": "昭和31年5月17日"}
    assert decide(t, fields, views, bad, {}, user_id=1) == []
    mn = next(v for v in views if v.field_id == "my_number")
    assert mn.error
    assert mn.value == ""  # a blind entry is not echoed back
    assert display(None, True) == "レ" and display(None, ["a", "b"]) == "a、b" and display(None, None) == ""
