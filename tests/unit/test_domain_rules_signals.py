"""Rules of the signal model and the page gate (domain.calibration, domain.triage, domain.signals).

Pure domain: imports only ``domain`` and pytest (part of ``make mutate``). Expected values
are worked out by hand: ``p = 1 / (1 + e^-z)``, ``z = intercept + sum(w (x - mean) / scale)``
(scale 0 counts as 1), ``logit:NAME`` is ``ln(p / (1 - p))`` with p kept in [1e-6, 1 - 1e-6].
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from domain.calibration import Calibration, KindCalibration, SignalModel, feature_value
from domain.model import Box, FieldReading, FieldSpec
from domain.signals import AGREE_EXACT, ALIGN_QUALITY, BINARY, COLOUR_INK, SHADING, SHARPNESS, kind_feature
from domain.status import FieldKind, FieldStatus, ReviewReason
from domain.triage import triage

SIGMOID_1 = 0.7310585786300049  # 1 / (1 + e^-1)


def model(**kw: object) -> SignalModel:
    base: dict[str, object] = {"features": ["a", "logit:b"], "means": [1.0, 0.0], "scales": [2.0, 0.0],
                               "weights": [0.5, 1.0], "intercept": 0.0}
    return SignalModel.model_validate({**base, **kw})


def test_rule_the_model_is_a_logistic_over_centred_scaled_signals() -> None:
    # a: 0.5 * (5 - 1) / 2 = 1.0; logit:b of 0.5 = ln 1 = 0 → z = 1
    assert model().score({"a": 5.0, "b": 0.5}) == pytest.approx(SIGMOID_1)
    # the intercept adds: z = 0.25 + 1.0
    assert model(intercept=0.25).score({"a": 5.0, "b": 0.5}) == pytest.approx(1 / (1 + math.exp(-1.25)))
    # two features add up: logit:b of 0.8 = ln 4 → z = 1 + ln 4 → p = 1 / (1 + e^-1 / 4)
    assert model().score({"a": 5.0, "b": 0.8}) == pytest.approx(1 / (1 + math.exp(-1) / 4))


def test_rule_a_scale_of_zero_counts_as_one() -> None:
    # b's scale is 0: ln 4 is used as it is (not halved, not divided by zero)
    assert model().score({"b": 0.8}) == pytest.approx(1 / (1 + 1 / 4))  # z = ln 4 → p = 0.8


def test_rule_a_missing_signal_contributes_nothing_and_the_others_still_count() -> None:
    assert model().score({}) == 0.5
    assert model().score({"b": 0.8}) == pytest.approx(0.8)  # a missing, b still counts
    assert model(intercept=1.0).score({"a": float("nan")}) == pytest.approx(SIGMOID_1)  # not finite = missing


def test_rule_z_is_clamped_at_minus_and_plus_fifty() -> None:
    assert model(intercept=-60.0).score({}) == pytest.approx(1 / (1 + math.exp(50)), rel=1e-9, abs=0)
    assert model(intercept=60.0).score({}) == 1.0


def test_rule_a_model_whose_lists_do_not_line_up_is_refused() -> None:
    with pytest.raises(ValueError, match="zip"):
        model(means=[1.0]).score({"a": 1.0, "b": 0.5})


def test_rule_logit_features_keep_the_probability_off_zero_and_one() -> None:
    assert feature_value("logit:s", {"s": 0.8}) == pytest.approx(math.log(4))
    assert feature_value("logit:s", {"s": 1.0}) == pytest.approx(math.log((1 - 1e-6) / 1e-6))  # 13.8155
    assert feature_value("logit:s", {"s": 0.0}) == pytest.approx(math.log(1e-6 / (1 - 1e-6)))
    assert feature_value("s", {"s": 0.8}) == 0.8 and feature_value("s", {}) is None


# --- the page gate -------------------------------------------------------------------------

ENV = {ALIGN_QUALITY: (0.5, 1.0), SHARPNESS: (0.2, 0.9), SHADING: (0.1, 0.3), COLOUR_INK: (0.0, 0.05),
       BINARY: (0.2, 0.5)}
KIND = KindCalibration(knots=[0.5, 1.0], probs=[0.2, 0.999], threshold=0.99, n=1000, accepted_share=0.5)


def cal(envelope: dict[str, tuple[float, float]] | None = None) -> Calibration:
    return Calibration(version="v-gate", created=datetime(2026, 1, 1, tzinfo=UTC), target_error=0.005,
                       kinds={"phone": KIND}, page_envelope=ENV if envelope is None else envelope)


@pytest.mark.parametrize(("signals", "gate"), [
    ({}, None),
    ({ALIGN_QUALITY: 0.5, SHARPNESS: 0.2, SHADING: 0.3, COLOUR_INK: 0.05}, None),  # on every edge: inside
    ({ALIGN_QUALITY: 0.49}, ALIGN_QUALITY),   # low side gated
    ({SHARPNESS: 0.19}, SHARPNESS),
    ({SHADING: 0.31}, SHADING),               # high side gated
    ({COLOUR_INK: 0.06}, COLOUR_INK),
    ({ALIGN_QUALITY: 1.1}, None),             # better aligned than any calibration page: fine
    ({SHADING: 0.05}, None),                  # less shading than covered: fine
    ({BINARY: 0.1}, None),                    # not gated in either direction
    ({BINARY: 0.9}, None),
])
def test_rule_the_page_gate_names_a_signal_outside_the_covered_range_on_its_unsafe_side(
        signals: dict[str, float], gate: str | None) -> None:
    assert cal().page_gate(signals) == gate


def test_rule_the_gate_checks_every_signal_even_after_a_missing_one() -> None:
    assert cal().page_gate({SHADING: 0.9}) == SHADING  # align and sharpness (earlier) missing
    assert cal().page_gate({SHARPNESS: 0.5, SHADING: 0.9}) == SHADING


SPEC = FieldSpec(id="phone", label="電話番号", kind=FieldKind.PHONE, box=Box(x=20, y=40, w=60, h=10))


def reading(**signals: float) -> FieldReading:
    return FieldReading(field_id="phone", kind=FieldKind.PHONE, value="0312345678", raw="03-1234-5678",
                        confidence=0.9, signals=signals)


def test_rule_a_confident_field_on_a_page_outside_the_gate_goes_to_a_person() -> None:
    """Rule: (4) of triage: outside the covered alignment / image quality the score says nothing."""
    inside = triage(reading(**{ALIGN_QUALITY: 0.8}), SPEC, cal())
    assert inside.status is FieldStatus.AUTO_ACCEPTED and inside.probability == 0.999
    badly_aligned = triage(reading(**{ALIGN_QUALITY: 0.3}), SPEC, cal())
    assert badly_aligned.status is FieldStatus.NEEDS_REVIEW and badly_aligned.reason is ReviewReason.ALIGNMENT
    blurred = triage(reading(**{SHARPNESS: 0.1}), SPEC, cal())
    assert blurred.status is FieldStatus.NEEDS_REVIEW and blurred.reason is ReviewReason.IMAGE_QUALITY


def test_rule_a_pooled_model_sees_the_fields_kind_as_a_feature() -> None:
    """Rule: the kind (without ':empty') is added as the indicator feature ``kind=<kind>``."""
    m = SignalModel(features=[kind_feature("phone")], means=[0.0], scales=[1.0], weights=[1.0], intercept=0.0)
    entry = KindCalibration(knots=[0.6, 1.0], probs=[0.1, 0.999], threshold=0.99, n=10, accepted_share=0.5,
                            model=m)
    c = Calibration(version="v", created=datetime(2026, 1, 1, tzinfo=UTC), target_error=0.005,
                    kinds={"phone": entry, "phone:empty": entry})
    # model score = sigmoid(1) = 0.731 > 0.6 → 0.999; without the kind feature 0.5 → 0.1
    assert c.probability("phone", 0.9) == 0.999
    assert c.probability("phone:empty", 0.9) == 0.999
    assert c.assess("phone:empty", 0.9) == (0.999, True)
    assert c.assess("phone", 0.9, signals={"x": 1.0}) == (0.999, True)


def test_rule_the_kind_indicator_of_a_pooled_model_is_exactly_one() -> None:
    """Rule: the kind indicator ``kind=<kind>`` is 1.0 (a 0/1 feature, as in the fit), not any other value.

    With weight 1 and intercept 0 the model gives sigmoid(1) = 0.7311, inside the block
    (0.6, 0.8] → 0.5; an indicator of 2 would give sigmoid(2) = 0.8808, the next block.
    """
    m = SignalModel(features=[kind_feature("phone")], means=[0.0], scales=[1.0], weights=[1.0], intercept=0.0)
    entry = KindCalibration(knots=[0.6, 0.8, 1.0], probs=[0.1, 0.5, 0.999], threshold=0.99, n=10,
                            accepted_share=0.5, model=m)
    c = Calibration(version="v", created=datetime(2026, 1, 1, tzinfo=UTC), target_error=0.005,
                    kinds={"phone": entry})
    assert c.probability("phone", 0.9) == 0.5
    # a signal of the same name cannot change the indicator: the kind's own 1.0 wins
    assert c.probability("phone", 0.9, signals={kind_feature("phone"): 2.0}) == 0.5


@pytest.mark.parametrize(("needs", "signals", "accepted"), [
    (True, {AGREE_EXACT: 0.0}, False),  # the second reading gave other digits: a person looks
    (True, {AGREE_EXACT: 1.0}, True),
    (True, {}, True),  # no second reading was made: the score decides
    (True, None, True),
    (False, {AGREE_EXACT: 0.0}, True),  # a kind that does not need agreement ignores it
])
def test_rule_a_kind_that_needs_agreement_is_not_auto_accepted_when_the_two_readings_differ(
        needs: bool, signals: dict[str, float] | None, accepted: bool) -> None:
    """Rule: ``needs_agreement`` refuses auto-accept exactly when ``agree_exact`` is 0.0; the
    calibrated probability is reported either way."""
    entry = KindCalibration(knots=[0.5, 1.0], probs=[0.2, 0.999], threshold=0.99, n=10, accepted_share=0.5,
                            needs_agreement=needs)
    assert entry.assess(0.9, signals) == (0.999, accepted)


def test_rule_a_probability_exactly_at_the_threshold_is_accepted() -> None:
    entry = KindCalibration(knots=[0.5, 1.0], probs=[0.2, 0.99], threshold=0.99, n=10, accepted_share=0.5)
    assert entry.assess(0.9) == (0.99, True)


# --- smoothing, threshold choice (issue 14) ---------------------------------------------


def test_rule_smoothed_probabilities_are_lowered_to_the_next_block_never_raised() -> None:
    """Blocks at 0.2 (17 of 20 right), 0.5 (9 of 10), 0.9 (1 of 1): smoothed (h + 0.5) / (n + 1)
    = 0.833, 0.864, 0.75; the last block is lowest, so every earlier one drops to 0.75."""
    from domain.calibration import smoothed_fit

    scores = [0.2] * 20 + [0.5] * 10 + [0.9]
    hits = [True] * 17 + [False] * 3 + [True] * 9 + [False] + [True]
    knots, probs = smoothed_fit(scores, hits)
    assert knots == [0.2, 0.5, 0.9]
    assert probs == pytest.approx([0.75, 0.75, 0.75])
    assert smoothed_fit([0.2, 0.9], [False, True]) == ([0.2, 0.9], [0.25, 0.75])  # already rising


def test_rule_ties_are_accepted_together_and_a_likely_wrong_block_is_never_a_threshold() -> None:
    """Target 1.0 lets every bound pass: the lowest probability >= MIN_ACCEPT_PROBABILITY wins,
    with its whole tie: (0.7, 4 accepted, 1 error); the 0.3 block is not a threshold."""
    from domain.calibration import MIN_ACCEPT_PROBABILITY, choose_threshold

    assert MIN_ACCEPT_PROBABILITY > 0.3
    got = choose_threshold([0.9, 0.7, 0.9, 0.7, 0.3], [True, True, True, False, False], 1.0)
    assert got == (0.7, 4, 1)
    with pytest.raises(ValueError):
        choose_threshold([0.9], [True, False], 1.0)


def test_rule_a_kind_with_no_calibration_rows_never_auto_accepts() -> None:
    from domain.calibration import fit_kind

    empty = fit_kind([], [], 0.005)
    assert empty.min_score is None and not empty.auto_accepts
