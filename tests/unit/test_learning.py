"""Learning from corrections, pure parts: per-field entries, tuning, gate, audit, confusions, report."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.calibration import Calibration, KindCalibration, fit_kind
from domain.model import Box, FieldReading, FieldSpec, FormTemplate
from domain.status import FieldKind, FieldStatus, ReviewReason
from domain.triage import triage
from learning.audit import audit
from learning.confusions import Confusion, pairs, top
from learning.dataset import Observation, is_heldback, split
from learning.extract import Extracted, PageInfo
from learning.fit import fit_candidate
from learning.gate import Refusal, gate, min_checked, min_confirmed
from learning.report import render_report
from learning.thresholds import Change, tune

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
T = 0.005


def _entry(threshold: float, share: float = 0.5) -> KindCalibration:
    return KindCalibration(knots=[0.5, 0.9, 1.0], probs=[0.2, 0.99, 0.999], threshold=threshold, n=1000,
                           accepted_share=share)


def _cal(kinds: dict[str, KindCalibration], fields: dict[str, KindCalibration] | None = None,
         version: str = "v1") -> Calibration:
    return Calibration(version=version, created=NOW, target_error=T, kinds=kinds, fields=fields or {})


def _obs(doc: int, score: float, label: bool | None, *, field: str = "address", kind: str = "text",
         template: str = "t", was_auto: bool = False, eligible: bool = True, batch: int = 1,
         actor: str | None = "rev1") -> Observation:
    return Observation(document_id=doc, batch_id=batch, template_id=template, field_id=field, kind=kind,
                       kind_key=kind, score=score, eligible=eligible, was_auto=was_auto, label=label,
                       actor=actor if label is not None else None,
                       reviewed_on=date(2026, 12, 1) if label is not None else None)


# --- domain: per-field entries ------------------------------------------------------------
SPEC = FieldSpec(id="address", label="住所", kind=FieldKind.TEXT, box=Box(x=10, y=20, w=100, h=10))


def _reading(raw: str = "東京都", confidence: float = 0.85) -> FieldReading:  # probability 0.99
    return FieldReading(field_id="address", kind=FieldKind.TEXT, value=raw, raw=raw, confidence=confidence)


def _template(tid: str, spec: FieldSpec = SPEC) -> FormTemplate:
    return FormTemplate.model_validate({
        "id": tid, "family": tid, "version": 1, "title": "t",
        "pages": [{"number": 1, "form_code": "T-1"}], "fields": [spec.model_dump()]})


def test_field_entry_is_tried_before_the_kind() -> None:
    cal = _cal({"text": _entry(0.999)}, {"t:address": _entry(0.9)})
    kind_only = triage(_reading(), SPEC, cal)
    assert kind_only.status is FieldStatus.NEEDS_REVIEW and kind_only.reason is ReviewReason.LOW_CONFIDENCE
    own = triage(_reading(), SPEC, cal, template_id="t")
    assert own.status is FieldStatus.AUTO_ACCEPTED and own.calibration == "v1"
    stricter = _cal({"text": _entry(0.9)}, {"t:address": _entry(1.0, share=0.0)})
    assert triage(_reading(), SPEC, stricter, template_id="t").status is FieldStatus.NEEDS_REVIEW
    assert triage(_reading(), SPEC, stricter, template_id="other").status is FieldStatus.AUTO_ACCEPTED
    empty = triage(_reading(raw=""), SPEC, _cal({"text:empty": _entry(0.9)}, {"t:address": _entry(1.0, 0.0)}),
                   template_id="t")
    assert empty.status is FieldStatus.AUTO_ACCEPTED  # empty text: kind bucket only


def test_bound_calibration_finds_the_template_from_the_spec_and_is_cautious_on_ties() -> None:
    cal = _cal({"text": _entry(0.9)}, {"a:address": _entry(1.0, share=0.0)})
    assert triage(_reading(), SPEC, cal).status is FieldStatus.AUTO_ACCEPTED  # unbound: kind only
    bound = cal.bind({"a": _template("a"), "b": _template("b")})
    assert bound.field_keys(SPEC) == ["a:address", "b:address"]
    # a and b share an identical field: the stricter answer (a's) wins for both
    assert triage(_reading(), SPEC, bound).status is FieldStatus.NEEDS_REVIEW
    other = SPEC.model_copy(update={"box": Box(x=50, y=20, w=100, h=10)})
    only_b = cal.bind({"a": _template("a"), "b": _template("b", other)})
    assert triage(_reading(), other, only_b).status is FieldStatus.AUTO_ACCEPTED


def test_shipped_calibration_file_still_loads_and_decides_as_before() -> None:
    cal = Calibration.model_validate_json((REPO / "calibration" / "current.json").read_text("utf-8"))
    assert cal.fields == {}
    for key in cal.kinds:
        for s in (0.5, 0.9, 0.99, 0.999, 1.0):
            p, ok = cal.assess(key, s, ["onestop_2022:address"])  # no per-field entries: the kind's
            assert (p, ok) == cal.assess(key, s)
            assert p == cal.probability(key, s) and ok == cal.accepts(key, p)


# --- dataset ---------------------------------------------------------------------------------
def test_heldback_split_is_deterministic_by_document() -> None:
    assert [is_heldback(d) for d in range(200)] == [is_heldback(d) for d in range(200)]
    share = sum(is_heldback(d) for d in range(20_000)) / 20_000
    assert 0.28 < share < 0.32
    obs = [_obs(d, 0.9, True) for d in range(50) for _ in range(3)]
    train, held = split(obs)
    assert {o.document_id for o in train}.isdisjoint({o.document_id for o in held})


def test_what_counts_as_a_label() -> None:
    assert _obs(1, 0.9, True).checked and _obs(1, 0.9, False).checked
    untouched_auto = _obs(1, 0.99, None, was_auto=True)
    assert not untouched_auto.checked and not untouched_auto.escaped
    escaped = _obs(1, 0.99, False, was_auto=True)
    assert escaped.escaped and not escaped.checked
    assert not _obs(1, 0.9, False, eligible=False).checked  # rule issue / policy: never auto anyway
    assert _obs(1, 0.9, True).field_key == "t:address"


# --- threshold tuning ------------------------------------------------------------------------
def _band(n: int, lo: float, hi: float, error: float, seed: int, **kw: object) -> list[Observation]:
    rng = random.Random(seed)
    return [_obs(seed * 100_000 + i, rng.uniform(lo, hi), rng.random() >= error, **kw)  # type: ignore[arg-type]
            for i in range(n)]


def _above(cut: float) -> KindCalibration:
    """An entry that auto-accepts scores above ``cut``."""
    return KindCalibration(knots=[cut, 1.0], probs=[0.5, 0.999], threshold=0.999, n=1000, accepted_share=0.5)


def _fit(obs: Sequence[Observation]) -> KindCalibration:
    checked = [o for o in obs if o.checked]
    return fit_kind([o.score for o in checked], [bool(o.label) for o in checked], T)


def test_tuning_loosens_on_clean_checked_fields_and_keeps_when_only_labels_are_missing() -> None:
    current = _above(0.99)
    assert current.accepts_score(0.995) and not current.accepts_score(0.98)
    clean = _band(900, 0.9, 0.985, 0.0, 1) + _band(200, 0.3, 0.6, 0.5, 2)
    t = tune(current, _fit(clean), clean, T)
    assert t.change is Change.LOOSER and t.entry is not None and t.entry.accepts_score(0.92)
    # only noisy checked fields below the current threshold: the fit cannot accept anything,
    # but that is lack of labels above it, not evidence: keep the current entry
    noisy = _band(600, 0.5, 0.9, 0.1, 3) + [_obs(50_000 + i, 0.995, None, was_auto=True) for i in range(500)]
    kept = tune(current, _fit(noisy), noisy, T)
    assert kept.change is Change.KEPT and kept.entry is current


def test_tuning_tightens_only_with_evidence() -> None:
    current = _above(0.9)
    autos = [_obs(i, 0.94 + i / 10_000, None, was_auto=True) for i in range(500)]
    escaped = [_obs(10_000 + i, 0.91 + i / 1000, False, was_auto=True) for i in range(8)]  # low end
    obs = autos + escaped + _band(400, 0.3, 0.9, 0.05, 5)
    t = tune(current, _fit(obs), obs, T)
    assert t.change is Change.STRICTER and t.entry is not None
    assert not t.entry.accepts_score(0.915) and t.entry.accepts_score(0.95)
    assert "corrected 8 of the 8 lowest-scored" in t.detail
    one = autos + escaped[:1] + _band(400, 0.3, 0.9, 0.05, 5)
    assert tune(current, _fit(one), one, T).change is Change.KEPT  # one stray correction is no evidence
    # checked fields it accepts that were wrong (read under a stricter calibration)
    wrong = [_obs(20_000 + i, 0.95, i % 20 != 0) for i in range(400)]  # 5 %
    assert tune(current, _fit(wrong), wrong, T).change is Change.STRICTER
    assert tune(current, None, escaped + autos, T).change is Change.STRICTER  # no fit needed


def test_often_corrected_field_gets_a_stricter_entry_and_a_clean_one_a_looser_one() -> None:
    current = _cal({"text": fit_kind([0.999] * 600, [True] * 600, T)})  # text: only the very top
    good = _band(1500, 0.95, 0.999, 0.0, 6, field="address")
    bad = _band(1500, 0.95, 0.999, 0.03, 7, field="full_name")
    cand = fit_candidate(good + bad, current, NOW, target_error=T).calibration
    assert cand.fields["t:address"].accepts_score(0.96)
    assert not cand.assess("text", 0.96, ["t:full_name"])[1]
    for key in ("t:address",):
        assert cand.fields[key].accepted_error <= T  # never beyond the target
    changes = {c.key: c.change for c in fit_candidate(good + bad, current, NOW, target_error=T).changes}
    assert changes["t:address"] is Change.LOOSER


# --- gate -------------------------------------------------------------------------------------
def test_gate_needs_enough_checked_fields_and_says_how_many() -> None:
    assert min_checked(0.005) == 268 and min_confirmed(0.005) == 894
    cal = _cal({"text": _entry(0.99)})
    g = gate(cal, cal, [_obs(i, 0.9, True) for i in range(50)], T, changed=False)
    assert not g.passed
    assert g.reasons[0].startswith("too_little_data: 50 checked fields held back, 268 needed")
    assert Refusal.NO_CHANGE in g.codes()


def _held(n: int, error: float, seed: int) -> list[Observation]:
    rng = random.Random(seed)
    return [_obs(i, rng.uniform(0.9, 0.98), rng.random() >= error) for i in range(n)]


def test_gate_promotes_a_safe_looser_candidate_and_refuses_an_unsafe_one() -> None:
    current, looser = _cal({"text": _entry(1.0, share=0.0)}), _cal({"text": _entry(0.99)}, version="v2")
    ok = gate(current, looser, _held(1000, 0.0, 1), T)
    assert ok.passed and ok.after.share > ok.before.share and ok.newly.checked == 1000
    bad = gate(current, looser, _held(1000, 0.02, 2), T)
    assert not bad.passed and {Refusal.NEWLY_ACCEPTED_UNSAFE, Refusal.ERROR_ABOVE_TARGET} <= set(bad.codes())


def test_gate_refuses_a_lower_share_unless_the_current_one_is_unsafe() -> None:
    current, stricter = _cal({"text": _entry(0.99)}), _cal({"text": _entry(1.0, 0.0)}, version="v2")
    checked = _held(400, 0.0, 3)
    autos = [_obs(10_000 + i, 0.95, None, was_auto=True) for i in range(600)]
    g = gate(current, stricter, checked + autos, T)
    assert Refusal.SHARE_WOULD_FALL in g.codes()
    escaped = [_obs(20_000 + i, 0.95, False, was_auto=True) for i in range(10)]
    unsafe = gate(current, stricter, checked + autos + escaped, T)
    assert unsafe.before.error > T and unsafe.passed


# --- label audit ------------------------------------------------------------------------------
def _week(batch: int, n: int, seed: int, rubber_stamp: bool = False) -> list[Observation]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        s = rng.uniform(0.3, 1.0)
        right = rng.random() < s
        out.append(_obs(batch * 100_000 + i, s, True if rubber_stamp else right, batch=batch,
                        actor="rev9" if rubber_stamp else f"rev{i % 3}"))
    return out


def test_audit_flags_a_batch_confirmed_without_looking() -> None:
    clean = [o for b in range(1, 5) for o in _week(b, 600, b)]
    assert audit(clean) == []
    flagged = audit(clean + _week(5, 600, 5, rubber_stamp=True))
    assert {g.group.split(",")[0] for g in flagged} == {"batch 5", "reviewer rev9"}
    assert all(g.observed == 0 and g.expected > 50 for g in flagged)


# --- confusions and report ---------------------------------------------------------------------
def test_confusions_are_short_pairs_and_never_my_numbers() -> None:
    assert pairs("高橋", "髙橋", "text") == [Confusion("高", "髙")]
    assert pairs("1200", "7200", "amount") == [Confusion("1", "7")]
    assert pairs("三ケ月", "三ヶ月", "free_text") == [Confusion("ケ", "ヶ")]
    assert pairs("1000001", "〒1000001", "postal_code") == [Confusion("", "〒")]
    assert pairs("まったく別の長い文章です", "ぜんぜん違う", "free_text") == []
    with pytest.raises(ValueError):
        pairs("123456789018", "123456789017", "my_number")
    assert top([Confusion("1", "7")] * 3 + [Confusion("ケ", "ヶ")])[0] == (Confusion("1", "7"), 3)


def test_report_lists_fields_confusions_alignment_and_no_values() -> None:
    obs = ([_obs(i, 0.9, i % 4 != 0, field="comment", kind="free_text", template="citizen_survey")
            for i in range(40)]
           + [_obs(100 + i, 0.9, True, field="amount", kind="amount") for i in range(10)])
    data = Extracted(observations=obs, confusions=[("citizen_survey:comment", Confusion("ケ", "ヶ"))] * 3,
                     pages=[PageInfo(1, "citizen_survey", "read", 0.55),
                            PageInfo(2, "citizen_survey", "unaligned", 0.2)])
    text = render_report(data, [], _cal({"free_text": _entry(0.99)}), now=NOW, days=56)
    assert "| citizen_survey:comment | free_text | 40 | 40 | 10 | 25.0 % |" in text
    assert "| ケ→ヶ | 3 | citizen_survey:comment |" in text
    assert "| citizen_survey | 2 | 1 | 1 |" in text and "2: 0.20" in text
    assert "出荷時の較正を使用中" in text
