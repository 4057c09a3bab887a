"""Calibrated confidence and triage thresholds (pure).

An engine score is not a probability. For each field kind we fit an isotonic
(monotone) map from score to "probability the value is exactly right" on a
labelled calibration set, and choose the lowest threshold whose auto-accepted
share keeps the error at or below the target, using an upper confidence bound
so a small calibration set cannot promise more than it saw.

Besides the per-kind entries, a calibration may hold per-field entries keyed
``template:field`` (learnt from staff confirmations, see :mod:`learning`). A
field's own entry is tried before its kind's; empty text fields always use the
kind's ``:empty`` bucket. A calibration file made before per-field entries
existed loads unchanged (no ``fields``).

Honesty rules (issue 14): a block's probability is its smoothed hit rate
(``(hits + 0.5) / (n + 1)``, never 1.0 however many hits it saw); a score below
the lowest score the calibration saw gets probability 0 (no evidence there);
a threshold is chosen only where the one-sided 95 % Wilson upper bound of the
error among accepted calibration fields is at or below the target.

A kind's entry may carry a :class:`SignalModel`: a logistic model over the
field's signals (:mod:`domain.signals`: engine score, a second reading's
agreement, alignment and page quality, OMR margin...). Its output, not the raw
engine score, is then what the isotonic map and the threshold see. Kinds with
little evidence of their own are fitted in a pooled ``family`` (the kind is a
feature of the model); the threshold then holds for the family, and each
kind's own accepted error and bound are recorded beside it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, PrivateAttr

from domain.signals import AGREE_EXACT, GATED, SCORE, kind_feature

if TYPE_CHECKING:
    from domain.model import FieldSpec, FormTemplate


def isotonic_blocks(scores: Sequence[float], hits: Sequence[bool]
                    ) -> list[tuple[float, float, float]]:
    """Pool-adjacent-violators blocks: (max score, hits, count), scores ascending."""
    pairs = sorted(zip(scores, hits, strict=True), key=lambda t: t[0])
    tied: list[list[float]] = []  # equal scores are one observation group, whatever their order
    for s, h in pairs:
        if tied and tied[-1][2] == s:
            tied[-1][0] += float(h)
            tied[-1][1] += 1.0
        else:
            tied.append([float(h), 1.0, s])
    blocks: list[list[float]] = []  # [sum_hits, count, max_score]
    for group in tied:
        blocks.append(group)
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            hs, n, sc = blocks.pop()
            blocks[-1][0] += hs
            blocks[-1][1] += n
            blocks[-1][2] = sc
    return [(b[2], b[0], b[1]) for b in blocks]


def isotonic_fit(scores: Sequence[float], hits: Sequence[bool]) -> tuple[list[float], list[float]]:
    """Pool-adjacent-violators: returns (score knots, hit rates), non-decreasing."""
    blocks = isotonic_blocks(scores, hits)
    return [b[0] for b in blocks], [b[1] / b[2] for b in blocks]


def smoothed_fit(scores: Sequence[float], hits: Sequence[bool]) -> tuple[list[float], list[float]]:
    """Isotonic knots with smoothed probabilities that never reach 0 or 1.

    Each block's rate is ``(hits + 0.5) / (n + 1)`` (a Jeffreys-style estimate): a
    block that saw 40 hits says 0.988, not 1.0. Smoothing can break monotonicity
    between blocks of different sizes; each probability is then lowered to the
    next block's (never raised), so the map stays non-decreasing and cautious.
    """
    blocks = isotonic_blocks(scores, hits)
    knots = [b[0] for b in blocks]
    probs = [(b[1] + 0.5) / (b[2] + 1.0) for b in blocks]
    for i in range(len(probs) - 2, -1, -1):
        probs[i] = min(probs[i], probs[i + 1])
    return knots, probs


def wilson_upper(errors: int, n: int, z: float = 1.645) -> float:
    """One-sided 95 % upper bound of an error rate seen as errors/n."""
    if n == 0:
        return 1.0
    p = errors / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return min(1.0, (centre + margin) / denom)


def wilson_lower(errors: int, n: int, z: float = 1.645) -> float:
    """One-sided 95 % lower bound of an error rate seen as errors/n."""
    if n == 0:
        return 0.0
    p = errors / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / denom)


class SignalModel(BaseModel):
    """A logistic model over a field's signals, stored as plain numbers (no pickle).

    ``p = sigmoid(intercept + sum(w * (x - mean) / scale))``; a signal the reading
    lacks counts as its mean (contributes nothing). Fitted by
    :mod:`services.calibrate` with scikit-learn; applied here without it.
    """

    features: list[str]
    means: list[float]
    scales: list[float]
    weights: list[float]
    intercept: float

    def score(self, signals: Mapping[str, float]) -> float:
        z = self.intercept
        for name, mean, scale, w in zip(self.features, self.means, self.scales, self.weights,
                                        strict=True):
            x = feature_value(name, signals)
            if x is None:
                continue
            z += w * (x - mean) / (scale or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


LOGIT = "logit:"  # a feature named "logit:score" is the logit of the signal "score"


def feature_value(name: str, signals: Mapping[str, float]) -> float | None:
    """A model feature from the signals (``logit:NAME`` transforms a 0..1 signal), or None."""
    base = name[len(LOGIT):] if name.startswith(LOGIT) else name
    x = signals.get(base)
    if x is None or not math.isfinite(x):
        return None
    if name.startswith(LOGIT):
        p = min(1.0 - 1e-6, max(1e-6, x))
        return math.log(p / (1.0 - p))
    return float(x)


class KindCalibration(BaseModel):
    knots: list[float]  # upper score of each isotonic block, ascending
    probs: list[float]
    threshold: float = Field(ge=0.0, le=1.0, default=1.0)  # on the calibrated probability
    n: int = 0
    accepted_share: float = 0.0
    accepted_error: float = 0.0
    accepted_error_upper: float = 1.0
    # the lowest score the fit saw: below it there is no evidence, so probability 0
    min_score: float | None = None
    model: SignalModel | None = None  # None: the engine score alone is the score
    family: str = ""  # the pooled group whose threshold this kind shares ("" = its own)
    # a field whose two independent readings (ocr.digits) disagree is never auto-accepted:
    # on the calibration set such fields of these kinds erred far above the target
    needs_agreement: bool = False

    @property
    def auto_accepts(self) -> bool:
        """False when no threshold met the target on the calibration set (never auto-accept)."""
        return self.accepted_share > 0.0

    def probability(self, score: float) -> float:
        if not self.knots or (self.min_score is not None and score < self.min_score):
            return 0.0
        i = bisect.bisect_left(self.knots, score)
        return self.probs[min(i, len(self.probs) - 1)]

    def model_score(self, score: float, signals: Mapping[str, float] | None = None) -> float:
        """What the isotonic map reads: the model's output, or the engine score without a model."""
        if self.model is None:
            return score
        return self.model.score({**(signals or {}), SCORE: score})

    def assess(self, score: float, signals: Mapping[str, float] | None = None) -> tuple[float, bool]:
        """(calibrated probability, auto-accept?) from the engine score and the signals."""
        p = self.probability(self.model_score(score, signals))
        if self.needs_agreement and signals is not None and signals.get(AGREE_EXACT) == 0.0:
            return p, False
        return p, self.auto_accepts and p >= self.threshold

    def accepts_score(self, score: float) -> bool:
        """Would a field of this bucket with this score be auto-accepted?

        The score is what the isotonic map reads: the engine score, or with a ``model``
        the model's output (see :meth:`assess` for engine score plus signals).
        """
        return self.auto_accepts and self.probability(score) >= self.threshold

    def accepts_above(self) -> float | None:
        """Scores above this are auto-accepted (0.0: every score; None: none).

        With a ``model`` the score is the model's output over the signals, not the
        engine score.
        """
        if not self.auto_accepts:
            return None
        for i, p in enumerate(self.probs):
            if p >= self.threshold:
                return self.knots[i - 1] if i > 0 else 0.0
        return None

    def cut_below(self, score: float) -> KindCalibration:
        """The same entry, but scores at or below ``score`` get probability 0 (never accepted)."""
        never = {"knots": [score], "probs": [0.0], "accepted_share": 0.0, "threshold": 1.0}
        if score >= 1.0 or not self.knots:
            return self.model_copy(update=never)
        # scores above the last knot keep the last block's probability
        knots, probs = [*self.knots, 1.0], [*self.probs, self.probs[-1]]
        i = bisect.bisect_left(knots, score)
        keep = i if knots[i] > score else i + 1
        if keep >= len(knots):
            return self.model_copy(update=never)
        return self.model_copy(update={"knots": [score, *knots[keep:]], "probs": [0.0, *probs[keep:]]})


def field_key(template_id: str, field_id: str) -> str:
    """Key of a per-field entry: ``template:field``."""
    return f"{template_id}:{field_id}"


def _spec_fingerprint(spec: FieldSpec) -> tuple[object, ...]:
    return (spec.id, str(spec.kind), spec.page, spec.box.x, spec.box.y, spec.box.w, spec.box.h)


class Calibration(BaseModel):
    """A versioned set of per-kind (and per-field) calibrations, stored as small JSON."""

    version: str
    created: datetime
    target_error: float
    kinds: dict[str, KindCalibration]
    fields: dict[str, KindCalibration] = Field(default_factory=dict)  # "template:field" → entry
    note: str = ""
    # page signal → (low, high) the calibration pages covered; see :meth:`page_gate`
    page_envelope: dict[str, tuple[float, float]] = Field(default_factory=dict)
    # spec fingerprint → template ids, for callers that do not pass the template (see bind)
    _spec_templates: dict[tuple[object, ...], tuple[str, ...]] = PrivateAttr(default_factory=dict)

    def probability(self, kind: str, score: float, signals: Mapping[str, float] | None = None
                    ) -> float | None:
        """The kind's calibrated probability (through its model, when it has one)."""
        cal = self.kinds.get(kind)
        if cal is None:
            return None
        return cal.assess(score, {**(signals or {}), kind_feature(kind.split(":")[0]): 1.0})[0]

    def accepts(self, kind: str, probability: float | None) -> bool:
        cal = self.kinds.get(kind)
        return (cal is not None and cal.auto_accepts and probability is not None
                and probability >= cal.threshold)

    def entries(self, kind_key: str, field_keys: Sequence[str] = ()) -> list[KindCalibration]:
        """The entries that decide a field: its own per-field entry, else its kind's."""
        kind = self.kinds.get(kind_key)
        if not field_keys:
            return [] if kind is None else [kind]
        found = [self.fields.get(k, kind) for k in field_keys]
        unique: list[KindCalibration] = []
        for e in found:
            if e is not None and all(e is not u for u in unique):
                unique.append(e)
        return unique

    def assess(self, kind_key: str, score: float, field_keys: Sequence[str] = (),
               signals: Mapping[str, float] | None = None) -> tuple[float | None, bool]:
        """(calibrated probability, auto-accept?) of one field.

        With several candidate field keys (a field spec shared by identical templates),
        the most cautious answer wins: lowest probability, accepted only if all accept.
        ``signals`` feed entries that carry a model (the field's kind is added as a
        feature); without them such an entry sees the engine score alone.
        """
        entries = self.entries(kind_key, field_keys)
        if not entries:
            return None, False
        feats = {**(signals or {}), kind_feature(kind_key.split(":")[0]): 1.0}
        answers = [e.assess(score, feats) for e in entries]
        return min(p for p, _ in answers), all(ok for _, ok in answers)

    def page_gate(self, signals: Mapping[str, float]) -> str | None:
        """The first page signal outside the range the calibration covered, else None."""
        for name, (low, high) in self.page_envelope.items():
            x = signals.get(name)
            if x is None:
                continue
            side = GATED.get(name)
            if (side == "low" and x < low) or (side == "high" and x > high):
                return name
        return None

    def bind(self, templates: Mapping[str, FormTemplate]) -> Calibration:
        """A copy that can find a field's template from its spec alone.

        Callers of :func:`domain.triage.triage` that do not pass ``template_id`` still
        get per-field entries: the spec (id, kind, page, box) names its template. Two
        templates with an identical field share the most cautious answer.
        """
        copy = self.model_copy()
        index: dict[tuple[object, ...], tuple[str, ...]] = {}
        for t in templates.values():
            for spec in t.fields:
                fp = _spec_fingerprint(spec)
                if t.id not in index.get(fp, ()):
                    index[fp] = (*index.get(fp, ()), t.id)
        copy._spec_templates = index
        return copy

    def field_keys(self, spec: FieldSpec, template_id: str | None = None) -> list[str]:
        """Per-field keys that may apply to ``spec`` (empty when there are no per-field entries)."""
        if not self.fields:
            return []
        if template_id is not None:
            return [field_key(template_id, spec.id)]
        return [field_key(t, spec.id) for t in self._spec_templates.get(_spec_fingerprint(spec), ())]


MIN_ACCEPT_PROBABILITY = 0.5


def choose_threshold(calibrated: Sequence[float], hits: Sequence[bool], target_error: float
                     ) -> tuple[float, int, int] | None:
    """The lowest calibrated probability whose accepted set keeps the error bound ≤ target.

    Returns (threshold, accepted, errors), or None. Whole ties are accepted at once;
    a block more likely wrong than right (probability below
    :data:`MIN_ACCEPT_PROBABILITY`) is never a threshold, even where the accepted
    set's bound would allow it: a field is auto-accepted for being likely right,
    not for being outnumbered.
    """
    order = sorted(zip(calibrated, hits, strict=True), key=lambda t: -t[0])
    best: tuple[float, int, int] | None = None
    accepted = errors = 0
    i = 0
    while i < len(order):
        p = order[i][0]
        while i < len(order) and order[i][0] == p:
            accepted += 1
            errors += 0 if order[i][1] else 1
            i += 1
        if p >= MIN_ACCEPT_PROBABILITY and wilson_upper(errors, accepted) <= target_error:
            best = (p, accepted, errors)
    return best


def fit_kind(scores: Sequence[float], hits: Sequence[bool], target_error: float) -> KindCalibration:
    """Fit one kind on engine scores and pick its threshold (1.0 = never auto-accept)."""
    knots, probs = smoothed_fit(scores, hits)
    cal = KindCalibration(knots=knots, probs=probs, n=len(scores),
                          min_score=min(scores) if scores else None)
    best = choose_threshold([cal.probability(s) for s in scores], hits, target_error)
    if best is None:
        return cal
    thr, acc, err = best
    return cal.model_copy(update={
        "threshold": thr,
        "accepted_share": acc / len(scores),
        "accepted_error": err / acc,
        "accepted_error_upper": wilson_upper(err, acc),
    })
