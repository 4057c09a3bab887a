"""Rules of calibrated confidence and triage (domain/calibration.py, domain/triage.py).

Every expected number here is worked out by hand in the test or its docstring; the
Wilson bounds are checked against their defining equation, not against the code.
z = 1.645, so z² = 2.706025.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calibration import (
    MIN_ACCEPT_PROBABILITY,
    Calibration,
    KindCalibration,
    field_key,
    fit_kind,
    isotonic_fit,
    smoothed_fit,
    wilson_lower,
    wilson_upper,
)
from domain.model import Box, FieldReading, FieldSpec, FormTemplate, Issue, PageSpec
from domain.status import FieldKind, FieldStatus, IssueCode, ReviewReason
from domain.triage import is_empty_key, triage

Z2 = 1.645 * 1.645  # 2.706025
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------- Wilson bounds


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_rule_wilson_bounds_solve_the_wilson_equation(en: tuple[int, int]) -> None:
    """Rule: both bounds are the roots x of n·(p̂ − x)² = z²·x·(1 − x), lower ≤ p̂ ≤ upper, in [0, 1]."""
    errors, n = en
    p = errors / n
    upper, lower = wilson_upper(errors, n), wilson_lower(errors, n)
    assert 0.0 <= lower <= p + 1e-12 and p - 1e-12 <= upper <= 1.0
    for x in (upper, lower):
        residual = n * (p - x) ** 2 - Z2 * x * (1 - x)
        assert abs(residual) <= 1e-9 * max(1.0, n * x)


def test_rule_no_errors_seen_bounds_the_error_by_z2_over_n_plus_z2() -> None:
    """Rule: with 0 errors in n the upper bound is z²/(n + z²) (0 of 100 → 2.6 %), the lower bound 0."""
    assert wilson_upper(0, 100) == pytest.approx(Z2 / (100 + Z2), rel=1e-12)
    assert wilson_upper(0, 100) == pytest.approx(0.026347, abs=1e-6)
    assert wilson_upper(0, 4) == pytest.approx(Z2 / (4 + Z2), rel=1e-12)
    assert wilson_lower(0, 100) == 0.0
    assert wilson_lower(0, 1) == 0.0


def test_rule_all_errors_seen_bounds_the_error_from_below_by_n_over_n_plus_z2() -> None:
    """Rule: with n errors in n the lower bound is n/(n + z²) (1 of 1 → 27 %), the upper bound 1."""
    assert wilson_lower(100, 100) == pytest.approx(100 / (100 + Z2), rel=1e-12)
    assert wilson_lower(1, 1) == pytest.approx(1 / (1 + Z2), rel=1e-12)
    assert wilson_lower(1, 1) == pytest.approx(0.26983, abs=1e-5)
    assert wilson_upper(1, 1) == pytest.approx(1.0, abs=1e-12)
    assert wilson_upper(100, 100) == pytest.approx(1.0, abs=1e-12)


def test_rule_without_evidence_the_error_may_be_anything() -> None:
    """Rule: with no observations the upper bound is 1 and the lower bound 0 (no division by zero)."""
    assert wilson_upper(0, 0) == 1.0
    assert wilson_lower(0, 0) == 0.0


def test_rule_wilson_bounds_at_a_known_point() -> None:
    """Rule: 10 errors in 40 (25 %) → upper ≈ 0.3760, lower ≈ 0.1543 (worked by hand)."""
    # denom = 1 + z²/40 = 1.0676506; centre = 0.25 + z²/80 = 0.2838253
    # margin = z·sqrt(0.1875/40 + z²/6400) = 1.645·0.0714865 = 0.1175953
    assert wilson_upper(10, 40) == pytest.approx((0.2838253 + 0.1175953) / 1.0676506, abs=1e-6)
    assert wilson_lower(10, 40) == pytest.approx((0.2838253 - 0.1175953) / 1.0676506, abs=1e-6)


# ---------------------------------------------------------------- isotonic fit


def test_rule_adjacent_blocks_with_the_same_rate_are_pooled() -> None:
    """Rule: the fit has one block per distinct rate: three hits make one block at the top score."""
    assert isotonic_fit([0.1, 0.2, 0.3], [True, True, True]) == ([0.3], [1.0])
    assert isotonic_fit([0.1, 0.2, 0.3], [False, False, False]) == ([0.3], [0.0])


def test_rule_scores_are_sorted_before_fitting() -> None:
    """Rule: the input order of scores does not matter when the scores differ."""
    assert isotonic_fit([0.2, 0.1], [True, False]) == ([0.1, 0.2], [0.0, 1.0])
    assert isotonic_fit([0.1, 0.2], [False, True]) == ([0.1, 0.2], [0.0, 1.0])


def test_rule_a_score_seen_right_then_wrong_is_calibrated_to_one_half() -> None:
    """Rule: one score, one hit and one miss → one block with probability 1/2.

    (Only this input order is asserted: with the miss first the current fit splits the
    tie into two blocks — see docs/testing.md, "Findings".)"""
    knots, probs = isotonic_fit([0.5, 0.5], [True, False])
    assert (knots, probs) == ([0.5], [0.5])


def test_rule_scores_and_hits_must_pair_up() -> None:
    """Rule: a calibration set whose scores and labels differ in length is refused."""
    with pytest.raises(ValueError):
        isotonic_fit([0.1, 0.2], [True])
    with pytest.raises(ValueError):
        fit_kind([0.1, 0.2, 0.3], [True, True], target_error=0.1)


# ---------------------------------------------------------------- KindCalibration

# blocks: scores ≤ 0.3 → 0.1, (0.3, 0.6] → 0.5, above 0.6 → 0.99; auto-accepts at 0.99
K = KindCalibration(knots=[0.3, 0.6, 0.9], probs=[0.1, 0.5, 0.99], threshold=0.99, n=100,
                    accepted_share=0.2)


@pytest.mark.parametrize(("score", "expected"), [
    (0.0, 0.1), (0.3, 0.1), (0.31, 0.5), (0.6, 0.5), (0.61, 0.99), (0.9, 0.99),
    (0.95, 0.99), (1.0, 0.99),
])
def test_rule_a_score_takes_the_probability_of_the_block_it_falls_in(score: float, expected: float) -> None:
    """Rule: a knot is the top of its block (inclusive); above the last knot the last block holds."""
    assert K.probability(score) == expected


def test_rule_an_empty_calibration_gives_probability_zero() -> None:
    """Rule: no calibration data → probability 0, never accepted."""
    empty = KindCalibration(knots=[], probs=[])
    assert empty.probability(0.99) == 0.0
    assert not empty.accepts_score(1.0)


def test_rule_a_probability_equal_to_the_threshold_is_accepted() -> None:
    """Rule: accepted when probability ≥ threshold (equal counts), only if the entry auto-accepts."""
    assert K.accepts_score(0.9)  # probability 0.99 == threshold 0.99
    assert not K.accepts_score(0.6)  # 0.5 < 0.99
    never = K.model_copy(update={"accepted_share": 0.0})
    assert not never.accepts_score(0.9)


@pytest.mark.parametrize(("threshold", "above"), [
    (0.99, 0.6),  # third block: every score above the second knot
    (0.5, 0.3),  # second block: above the first knot
    (0.1, 0.0),  # first block already: every score
    (1.0, None),  # no block reaches 1.0
])
def test_rule_accepts_above_is_the_top_of_the_last_block_below_the_threshold(
        threshold: float, above: float | None) -> None:
    """Rule: the accept line shown to staff is the knot below the first block at or over the threshold."""
    assert K.model_copy(update={"threshold": threshold}).accepts_above() == above


def test_rule_an_entry_that_never_auto_accepts_has_no_accept_line() -> None:
    """Rule: accepts_above is None when the entry met the target nowhere (accepted share 0)."""
    assert K.model_copy(update={"accepted_share": 0.0}).accepts_above() is None


@st.composite
def kind_entries(draw: st.DrawFn) -> KindCalibration:
    knots = sorted(draw(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6, unique=True)))
    probs = sorted(draw(st.lists(st.floats(0.0, 1.0), min_size=len(knots), max_size=len(knots))))
    threshold = draw(st.floats(0.0, 1.0))
    return KindCalibration(knots=knots, probs=probs, threshold=threshold, n=50,
                           accepted_share=draw(st.sampled_from([0.0, 0.5])))


@given(kind_entries(), st.floats(0.0, 1.0, exclude_min=True))
def test_rule_the_accept_line_agrees_with_accepts_score(entry: KindCalibration, score: float) -> None:
    """Rule: a score is auto-accepted exactly when it lies above accepts_above (None: never)."""
    above = entry.accepts_above()
    assert entry.accepts_score(score) == (above is not None and score > above)


# ---------------------------------------------------------------- cut_below


@pytest.mark.parametrize(("cut", "knots", "probs"), [
    (0.6, [0.6, 0.9, 1.0], [0.0, 0.99, 0.99]),  # cut on a knot: that block goes
    (0.5, [0.5, 0.6, 0.9, 1.0], [0.0, 0.5, 0.99, 0.99]),  # cut inside a block: its top part stays
    (0.95, [0.95, 1.0], [0.0, 0.99]),  # above the last knot: the last block's probability
    (0.0, [0.0, 0.3, 0.6, 0.9, 1.0], [0.0, 0.1, 0.5, 0.99, 0.99]),
])
def test_rule_cut_below_zeroes_scores_at_or_below_the_cut(
        cut: float, knots: list[float], probs: list[float]) -> None:
    """Rule: after cut_below(s) scores ≤ s have probability 0; the rest keep theirs; threshold kept."""
    cut_entry = K.cut_below(cut)
    assert cut_entry.knots == knots and cut_entry.probs == probs
    assert cut_entry.threshold == 0.99 and cut_entry.accepted_share == 0.2 and cut_entry.n == 100


def test_rule_cut_below_stops_acceptance_at_the_cut_and_keeps_it_above() -> None:
    """Rule: a stricter entry from the learner accepts nothing at or below the cut score."""
    cut = K.cut_below(0.8)
    assert not cut.accepts_score(0.8) and not cut.accepts_score(0.7)
    assert cut.accepts_score(0.81) and cut.accepts_score(1.0)
    assert cut.accepts_above() == 0.8


@given(st.floats(0.0, 0.999), st.floats(0.0, 1.0))
def test_rule_cut_below_changes_nothing_above_the_cut(cut: float, score: float) -> None:
    """Rule: probability(score) is 0 for score ≤ cut and unchanged for cut < score ≤ 1."""
    cut_entry = K.cut_below(cut)
    expected = 0.0 if score <= cut else K.probability(score)
    assert cut_entry.probability(score) == expected


def _assert_never(entry: KindCalibration, score: float) -> None:
    assert entry.knots == [score] and entry.probs == [0.0]
    assert entry.accepted_share == 0.0 and entry.threshold == 1.0
    assert not entry.auto_accepts and entry.accepts_above() is None


def test_rule_cutting_at_score_one_means_never_accept() -> None:
    """Rule: cut_below(1.0) leaves no score to accept (the entry stops auto-accepting)."""
    _assert_never(K.cut_below(1.0), 1.0)
    # an entry whose last knot is 1.0 too: no "scores above 1.0" line is left behind
    top = KindCalibration(knots=[0.5, 1.0], probs=[0.2, 0.999], threshold=0.99, accepted_share=0.5)
    _assert_never(top.cut_below(1.0), 1.0)
    assert not top.cut_below(1.0).accepts_score(1.0)


def test_rule_cutting_an_empty_entry_never_accepts() -> None:
    """Rule: an entry without knots stays one that never accepts, whatever the cut."""
    _assert_never(KindCalibration(knots=[], probs=[], accepted_share=0.3).cut_below(0.5), 0.5)


# ---------------------------------------------------------------- fit_kind


def _design_exact_target() -> tuple[list[float], list[bool]]:
    """5 misses (probability 0), 20 alternating hit/miss (1/2), 20 hits (1)."""
    scores = [0.01 * i for i in range(1, 6)]
    hits = [False] * 5
    scores += [0.40 + 0.01 * i for i in range(20)]
    hits += [i % 2 == 0 for i in range(20)]
    scores += [0.80 + 0.01 * i for i in range(20)]
    hits += [True] * 20
    return scores, hits


def test_rule_fit_blocks_of_the_exact_target_design() -> None:
    """Rule (fit): misses, half-right and hits form three blocks with rates 0, 1/2, 1."""
    scores, hits = _design_exact_target()
    knots, probs = isotonic_fit(scores, hits)
    assert probs == [0.0, 0.5, 1.0]
    assert knots == pytest.approx([0.05, 0.59, 0.99])


def test_rule_the_threshold_goes_down_while_the_bound_stays_within_the_target() -> None:
    """Rule: the threshold goes down a level while the error's Wilson upper bound ≤ target.

    Target = the bound of 10 wrong in 40: the top 20 (all right) pass; with the next 20
    (10 wrong) the bound equals the target (inclusive), so the threshold is that block's
    smoothed probability (10.5/21 = 0.5); adding the 5 misses (15/45) fails."""
    scores, hits = _design_exact_target()
    target = wilson_upper(10, 40)
    cal = fit_kind(scores, hits, target_error=target)
    assert cal.n == 45
    assert cal.threshold == pytest.approx(0.5)
    assert cal.accepted_share == pytest.approx(40 / 45)
    assert cal.accepted_error == 0.25
    assert cal.accepted_error_upper == pytest.approx(target)
    assert cal.auto_accepts and cal.accepts_score(0.59) and not cal.accepts_score(0.05)
    strict = fit_kind(scores, hits, target_error=0.25)  # 10/40 is at the target, its bound is not
    assert strict.accepted_share == pytest.approx(20 / 45) and not strict.accepts_score(0.59)


def test_rule_smoothed_probabilities_never_reach_one_or_zero() -> None:
    """Rule: a block's probability is (hits + 0.5) / (n + 1): 20 of 20 right says 0.976."""
    scores, hits = _design_exact_target()
    knots, probs = smoothed_fit(scores, hits)
    assert knots == pytest.approx([0.05, 0.59, 0.99])
    assert probs == pytest.approx([0.5 / 6, 10.5 / 21, 20.5 / 21])


def test_rule_smoothing_never_breaks_monotonicity() -> None:
    """Rule: after smoothing, a block is lowered to the next one's probability, never raised.

    One wrong at 0.1 under one right at 0.2 (smoothed 0.75) under 50 right of 51 at 0.9
    (0.971): monotone; a lone hit above a big block would be pooled by PAV anyway."""
    _, probs = smoothed_fit([0.1, 0.2] + [0.9] * 51, [False, True] + [True] * 50 + [False])
    assert probs == sorted(probs) and probs[-1] < 1.0
    _, probs = smoothed_fit([0.5] * 2 + [0.9] * 200, [True, False] + [True] * 199 + [False])
    assert probs == sorted(probs)


def test_rule_the_wilson_bound_must_stay_within_the_target() -> None:
    """Rule: measured error alone is not enough; its Wilson upper bound must be ≤ target.

    Target 45 %: 4 hits (bound z²/(4+z²) = 0.40) pass; with 4 more, 2 wrong, the error is
    2/8 = 25 % but the bound is 0.54 > 0.45, so the threshold stays at the top block."""
    scores = [0.90, 0.91, 0.92, 0.93, 0.50, 0.51, 0.52, 0.53]
    hits = [True, True, True, True, True, False, True, False]
    cal = fit_kind(scores, hits, target_error=0.45)
    assert cal.threshold == pytest.approx(4.5 / 5) and cal.accepted_share == 0.5
    assert cal.accepted_error == 0.0
    assert cal.accepted_error_upper == pytest.approx(Z2 / (4 + Z2), rel=1e-9)
    assert not cal.accepts_score(0.53) and cal.accepts_score(0.93)


def test_rule_a_wilson_bound_exactly_the_target_is_accepted() -> None:
    """Rule: the bound check is inclusive: bound == target passes."""
    target = wilson_upper(0, 4)
    cal = fit_kind([0.6, 0.7, 0.8, 0.9], [True] * 4, target_error=target)
    assert cal.auto_accepts and cal.threshold == pytest.approx(4.5 / 5) and cal.accepted_share == 1.0
    assert not fit_kind([0.6, 0.7, 0.8, 0.9], [True] * 4, target_error=target * 0.999).auto_accepts


def test_rule_a_coin_flip_bucket_is_the_lowest_acceptable_probability() -> None:
    """Rule: a block at probability 1/2 may be accepted (inclusive), when its bound allows."""
    cal = fit_kind([0.5, 0.6], [True, False], target_error=wilson_upper(1, 2))
    assert cal.threshold == 0.5 and cal.accepted_share == 1.0 and cal.accepted_error == 0.5


def test_rule_the_top_sample_counts_towards_acceptance() -> None:
    """Rule: ties at the top probability are accepted together, the first one included."""
    cal = fit_kind([0.9, 0.9], [True, True], target_error=0.6)
    # 2 of 2 right: bound z²/(2+z²) = 0.575 ≤ 0.6
    assert cal.threshold == pytest.approx(2.5 / 3) and cal.accepted_share == 1.0 and cal.n == 2


def test_rule_a_block_more_likely_wrong_than_right_is_never_a_threshold() -> None:
    """Rule: a block below probability 1/2 is never accepted, even if the target allows it.

    20 hits and one miss at the lowest score: accepting all 21 keeps the error at 1/21 and
    its bound under 25 %, but the miss's own block says 0.25."""
    scores = [0.80 + 0.01 * i for i in range(20)] + [0.05]
    cal = fit_kind(scores, [True] * 20 + [False], target_error=0.25)
    assert cal.probability(0.05) == pytest.approx(0.25)
    assert not cal.accepts_score(0.05) and cal.accepts_score(0.9)
    assert cal.threshold >= MIN_ACCEPT_PROBABILITY


def test_rule_a_score_below_the_lowest_seen_has_no_evidence() -> None:
    """Rule: below the lowest score the fit saw, the probability is 0 (never the first block's)."""
    scores = [0.60 + 0.0004 * i for i in range(1000)]
    cal = fit_kind(scores, [True] * 1000, target_error=0.005)
    assert cal.min_score == 0.60 and cal.auto_accepts and cal.accepts_score(0.60)
    assert cal.probability(0.5999) == 0.0 and not cal.accepts_score(0.3)


# ---------------------------------------------------------------- Calibration (kinds and fields)

KIND = KindCalibration(knots=[0.5, 1.0], probs=[0.2, 0.999], threshold=0.99, n=1000, accepted_share=0.5)
STRICT = KindCalibration(knots=[0.95, 1.0], probs=[0.0, 0.999], threshold=0.99, n=500, accepted_share=0.3)
LOOSE = KindCalibration(knots=[0.2, 1.0], probs=[0.1, 0.999], threshold=0.99, n=500, accepted_share=0.9)
EMPTY_NEVER = KindCalibration(knots=[1.0], probs=[0.6], threshold=1.0, n=100, accepted_share=0.0)


def _calibration(fields: dict[str, KindCalibration] | None = None) -> Calibration:
    if fields is None:
        fields = {"onestop:phone": STRICT, "donation:phone": LOOSE}
    return Calibration(version="v1", created=CREATED, target_error=0.005,
                       kinds={"phone": KIND, "phone:empty": EMPTY_NEVER}, fields=fields)


CAL = _calibration()


def test_rule_kind_probability_is_none_for_an_uncalibrated_kind() -> None:
    """Rule: Calibration.probability uses the kind's entry; an unknown kind has none."""
    assert CAL.probability("phone", 0.9) == 0.999
    assert CAL.probability("phone", 0.4) == 0.2
    assert CAL.probability("kana", 0.9) is None


def test_rule_kind_accepts_at_or_above_its_threshold_only() -> None:
    """Rule: accepts(kind, p): the kind exists, auto-accepts, and p ≥ its threshold (equal counts)."""
    assert CAL.accepts("phone", 0.99)
    assert not CAL.accepts("phone", 0.98)
    assert not CAL.accepts("phone", None)
    assert not CAL.accepts("kana", 1.0)
    assert not CAL.accepts("phone:empty", 1.0)  # an entry that never auto-accepts


def test_rule_a_fields_own_entry_is_used_before_its_kind() -> None:
    """Rule: entries(): the per-field entry if there is one, else the kind's; no duplicates, no gaps."""
    assert CAL.entries("phone") == [KIND] and CAL.entries("phone")[0] is KIND
    assert CAL.entries("kana") == []
    def ids(keys: list[str]) -> list[int]:
        return [id(e) for e in CAL.entries("phone", keys)]

    assert ids(["onestop:phone"]) == [id(STRICT)]
    assert ids(["city:phone"]) == [id(KIND)]
    assert ids(["onestop:phone", "donation:phone"]) == [id(STRICT), id(LOOSE)]
    assert ids(["city:phone", "town:phone"]) == [id(KIND)]  # one kind entry, not two
    assert ids(["onestop:phone", "city:phone"]) == [id(STRICT), id(KIND)]
    assert CAL.entries("kana", ["city:kana"]) == []


def test_rule_assess_uses_the_field_entry_and_the_most_cautious_answer() -> None:
    """Rule: assess() → (lowest probability, accepted only if every candidate entry accepts)."""
    assert CAL.assess("phone", 0.9) == (0.999, True)
    assert CAL.assess("phone", 0.9, ["onestop:phone"]) == (0.0, False)  # its own, stricter entry
    assert CAL.assess("phone", 0.3, ["donation:phone"]) == (0.999, True)  # its own, looser entry
    assert CAL.assess("phone", 0.3) == (0.2, False)
    assert CAL.assess("phone", 0.9, ["onestop:phone", "donation:phone"]) == (0.0, False)
    assert CAL.assess("phone", 0.97, ["onestop:phone", "donation:phone"]) == (0.999, True)
    assert CAL.assess("kana", 0.9) == (None, False)


# ---------------------------------------------------------------- bind / field_keys

PHONE_BOX = Box(x=20, y=40, w=60, h=10)


def _template(tid: str, version: int = 1, box: Box = PHONE_BOX,
              kind: FieldKind = FieldKind.PHONE) -> FormTemplate:
    return FormTemplate(
        id=tid, family=tid, version=version, title="様式",
        pages=[PageSpec(number=1, form_code=f"F-{len(tid)}-{version}")],
        fields=[FieldSpec(id="phone", label="電話番号", kind=kind, box=box)],
    )


ONESTOP = _template("onestop")
DONATION = _template("donation")  # the very same phone field as ONESTOP
SURVEY = _template("survey", box=Box(x=20, y=60, w=60, h=10))  # same id, elsewhere on the page
DIGITS = _template("digits_form", kind=FieldKind.DIGITS)  # same id and box, another kind


def test_rule_field_keys_name_the_template_given() -> None:
    """Rule: with a template id the per-field key is ``template:field``."""
    spec = ONESTOP.field("phone")
    assert field_key("onestop", "phone") == "onestop:phone"
    assert CAL.field_keys(spec, "onestop") == ["onestop:phone"]
    assert CAL.field_keys(spec) == []  # not bound: the spec alone names no template


def test_rule_without_per_field_entries_there_are_no_field_keys() -> None:
    """Rule: a calibration without per-field entries (an old file) never asks for field keys."""
    old = _calibration(fields={})
    spec = ONESTOP.field("phone")
    assert old.field_keys(spec, "onestop") == []
    assert old.bind({"onestop": ONESTOP}).field_keys(spec) == []


def test_rule_a_bound_calibration_finds_the_templates_of_a_spec() -> None:
    """Rule: bind() lets a spec (id, kind, page, box) name every template that has it."""
    bound = CAL.bind({"onestop": ONESTOP, "donation": DONATION, "survey": SURVEY, "digits_form": DIGITS})
    assert bound.field_keys(ONESTOP.field("phone")) == ["onestop:phone", "donation:phone"]
    assert bound.field_keys(SURVEY.field("phone")) == ["survey:phone"]
    assert bound.field_keys(DIGITS.field("phone")) == ["digits_form:phone"]  # the kind tells them apart
    other = FieldSpec(id="phone", label="電話番号", kind=FieldKind.PHONE, box=Box(x=1, y=1, w=5, h=5))
    assert bound.field_keys(other) == []
    assert CAL.field_keys(ONESTOP.field("phone")) == []  # bind made a copy
    assert bound.field_keys(ONESTOP.field("phone"), "survey") == ["survey:phone"]  # an explicit id wins


def test_rule_two_versions_of_one_template_name_a_shared_field_once() -> None:
    """Rule: the same template id under several keys (versions) gives one field key."""
    bound = CAL.bind({"onestop@1": ONESTOP, "onestop@2": _template("onestop", version=2)})
    assert bound.field_keys(ONESTOP.field("phone")) == ["onestop:phone"]


# ---------------------------------------------------------------- triage

SPEC = ONESTOP.field("phone")


def _reading(**kw: object) -> FieldReading:
    base: dict[str, object] = {"field_id": "phone", "kind": FieldKind.PHONE, "value": "0312345678",
                               "raw": "03-1234-5678", "confidence": 0.9}
    return FieldReading.model_validate({**base, **kw})


def test_rule_triage_uses_the_fields_own_entry_with_a_template_id() -> None:
    """Rule: with template_id the field's own entry decides, not the kind's."""
    by_kind = triage(_reading(), SPEC, CAL)
    assert by_kind.status is FieldStatus.AUTO_ACCEPTED and by_kind.probability == 0.999
    strict = triage(_reading(), SPEC, CAL, template_id="onestop")
    assert strict.status is FieldStatus.NEEDS_REVIEW and strict.reason is ReviewReason.LOW_CONFIDENCE
    assert strict.probability == 0.0
    loose = triage(_reading(confidence=0.3), SPEC, CAL, template_id="donation")
    assert loose.status is FieldStatus.AUTO_ACCEPTED and loose.probability == 0.999


def test_rule_triage_finds_the_field_entries_through_a_bound_calibration() -> None:
    """Rule: without template_id a bound calibration applies every matching template's entry."""
    bound = CAL.bind({"onestop": ONESTOP, "donation": DONATION})
    r = triage(_reading(confidence=0.9), SPEC, bound)
    assert r.status is FieldStatus.NEEDS_REVIEW and r.probability == 0.0  # onestop's entry is stricter
    assert triage(_reading(confidence=0.97), SPEC, bound).status is FieldStatus.AUTO_ACCEPTED


def test_rule_empty_text_always_uses_the_kinds_empty_bucket() -> None:
    """Rule: an empty text field is judged by ``kind:empty`` only, never by a per-field entry."""
    assert is_empty_key("phone:empty") and not is_empty_key("phone")
    empty = _reading(raw="", value=None, confidence=0.99)
    r = triage(empty, SPEC, CAL, template_id="donation")  # donation's own entry would accept 0.99
    assert r.probability == 0.6
    assert r.status is FieldStatus.NEEDS_REVIEW and r.reason is ReviewReason.LOW_CONFIDENCE


def test_rule_without_calibration_nothing_is_accepted_and_no_probability_is_claimed() -> None:
    """Rule: no calibration → NOT_CALIBRATED, probability None, calibration version None."""
    r = triage(_reading(confidence=1.0), SPEC, None)
    assert r.probability is None and r.calibration is None
    assert r.status is FieldStatus.NEEDS_REVIEW and r.reason is ReviewReason.NOT_CALIBRATED


def test_rule_a_kind_missing_from_the_calibration_is_not_calibrated() -> None:
    """Rule: a calibration without the field's kind → NOT_CALIBRATED (not LOW_CONFIDENCE)."""
    kana = FieldSpec(id="kana", label="フリガナ", kind=FieldKind.KANA, box=PHONE_BOX)
    r = triage(FieldReading(field_id="kana", kind=FieldKind.KANA, value="ヤマダ", raw="ヤマダ",
                            confidence=1.0), kana, CAL)
    assert r.probability is None and r.calibration == "v1"
    assert r.status is FieldStatus.NEEDS_REVIEW and r.reason is ReviewReason.NOT_CALIBRATED


def test_rule_triage_replaces_an_earlier_decision() -> None:
    """Rule: re-triage overwrites status, reason and probability of an earlier reading."""
    was_accepted = _reading(status=FieldStatus.AUTO_ACCEPTED, probability=0.999,
                            issues=[Issue(code=IssueCode.PHONE_INVALID, message="x")])
    r = triage(was_accepted, SPEC, CAL)
    assert r.status is FieldStatus.NEEDS_REVIEW and r.reason is ReviewReason.INVALID_FORMAT
    was_low = _reading(reason=ReviewReason.LOW_CONFIDENCE, probability=0.5)
    r = triage(was_low, SPEC, CAL)
    assert r.status is FieldStatus.AUTO_ACCEPTED and r.reason is None and r.probability == 0.999
