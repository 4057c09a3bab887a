"""Fit the multi-signal calibration from labelled rows (scikit-learn at fit time only).

A row is one field read on a synthetic page with known truth: its calibration key
(kind, or ``kind:empty``), whether it was right, the document it came from and its
signals (:mod:`domain.signals`). No values, no names: numbers only.

Per family of kinds (digit-like, text-like, marks, empty fields) a logistic
regression over the signals (engine score as a logit, the second reading's
agreement, alignment and page quality, OMR margin, plus one indicator per kind)
predicts "right". Its *cross-fitted* output (5 folds grouped by document, so a
document never scores itself) is then mapped by a smoothed isotonic fit, and the
threshold is the lowest whose accepted set keeps the one-sided 95 % Wilson upper
bound of the error at or below the target (:func:`domain.calibration.choose_threshold`).
The model itself is stored as plain numbers (:class:`domain.calibration.SignalModel`).
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from domain import signals as sig
from domain.calibration import (
    LOGIT,
    KindCalibration,
    SignalModel,
    choose_threshold,
    feature_value,
    fit_kind,
    smoothed_fit,
    wilson_upper,
)
from domain.triage import NAME_KEY

FAMILIES: dict[str, tuple[str, ...]] = {
    "numeric": ("digits", "amount", "phone", "postal_code", "my_number", "wareki_date"),
    "text": ("text", "email", "free_text"),
    # written names and their フリガナ: only those that confirm each other reach the fit
    # (ocr.name_fields.check_name_kana); the name's key is domain.triage.NAME_KEY
    "names": ("kana",),
    "marks": ("checkbox", "choice", "multi_choice"),
}
EMPTY_FAMILY = "empty"

PAGE_FEATURES = [sig.ALIGN_QUALITY, sig.ALIGN_BY_MARKS, sig.SHARPNESS, sig.CONTRAST, sig.BINARY,
                 sig.SHADING, sig.COLOUR_INK]
TEXT_FEATURES = [f"{LOGIT}{sig.SCORE}", f"{LOGIT}{sig.MIN_CHAR}", sig.MEAN_CHAR, sig.N_CHARS,
                 sig.OUTSIDE, sig.EDGE_INK]
FEATURES: dict[str, list[str]] = {
    "numeric": [*TEXT_FEATURES, sig.AGREE, sig.AGREE_EXACT, sig.SECOND_CONF, *PAGE_FEATURES],
    "text": [*TEXT_FEATURES, *PAGE_FEATURES],
    "names": [*TEXT_FEATURES, *PAGE_FEATURES],
    "marks": [f"{LOGIT}{sig.SCORE}", sig.OMR_MARGIN, *PAGE_FEATURES],
    EMPTY_FAMILY: [sig.EDGE_INK, *PAGE_FEATURES],
}
MIN_ROWS_FOR_MODEL = 200  # fewer rows (or no errors at all): the engine score alone, pooled
MIN_ERRORS_FOR_MODEL = 10  # fewer wrong rows: nothing to learn from, the engine score alone
MIN_PRESENT = 0.05  # a feature seen on fewer rows than this share is left out
C_GRID = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0]  # inverse regularisation strengths tried
ENVELOPE_QUANTILES = (0.005, 0.995)  # the page gate's range: what the calibration pages covered


@dataclass(frozen=True)
class Row:
    key: str  # calibration key: kind, or kind:empty
    hit: bool
    document: str
    signals: Mapping[str, float] = field(default_factory=dict)
    condition: str = ""

    @property
    def kind(self) -> str:
        return self.key.split(":")[0]


def family_of(key: str) -> str:
    if key.endswith(":empty"):
        return EMPTY_FAMILY
    if key == NAME_KEY:
        return "names"
    kind = key.split(":")[0]
    for name, kinds in FAMILIES.items():
        if kind in kinds:
            return name
    return kind  # an unknown kind is its own family


@dataclass
class FamilyFit:
    family: str
    entries: dict[str, KindCalibration]
    model: SignalModel | None
    threshold: float
    n: int
    accepted: int
    errors: int

    @property
    def error_upper(self) -> float:
        return wilson_upper(self.errors, self.accepted) if self.accepted else 1.0


def _matrix(rows: Sequence[Row], features: list[str]) -> np.ndarray:
    x = np.full((len(rows), len(features)), np.nan)
    for i, r in enumerate(rows):
        for j, name in enumerate(features):
            v = feature_value(name, r.signals) if not name.startswith("kind=") else (
                1.0 if sig.kind_feature(r.kind) == name else 0.0)
            if v is not None:
                x[i, j] = v
    return x


def _model(rows: Sequence[Row], family: str, folds: int = 5) -> tuple[SignalModel, np.ndarray] | None:
    """The family's logistic model and its cross-fitted outputs, or None (too little to fit)."""
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.array([r.hit for r in rows], dtype=int)
    if len(rows) < MIN_ROWS_FOR_MODEL or y.min() == y.max() or (1 - y).sum() < MIN_ERRORS_FOR_MODEL:
        return None
    kinds = sorted({r.kind for r in rows})
    names = [*FEATURES.get(family, TEXT_FEATURES), *([sig.kind_feature(k) for k in kinds[1:]])]
    x = _matrix(rows, names)
    present = np.isfinite(x).mean(axis=0) >= MIN_PRESENT
    names = [n for n, keep in zip(names, present, strict=True) if keep]
    x = x[:, present]
    means = np.nanmean(x, axis=0)
    x = np.where(np.isfinite(x), x, means)
    scales = x.std(axis=0)
    scales[scales < 1e-9] = 1.0
    z = (x - means) / scales
    groups = np.array([r.document for r in rows])
    n_folds = max(2, min(folds, int((1 - y).sum()), len(set(groups))))
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=0)
    # regularisation chosen by cross-validated log loss: few errors must not buy many weights
    with warnings.catch_warnings():  # scikit-learn 1.8 announces API changes we do not use
        warnings.simplefilter("ignore", FutureWarning)
        chosen = LogisticRegressionCV(Cs=C_GRID, cv=list(splitter.split(z, y, groups)),
                                      scoring="neg_log_loss", max_iter=2000).fit(z, y)
    c = float(chosen.C_[0])
    cv = np.zeros(len(rows))
    for train, test in splitter.split(z, y, groups):  # outputs for the map: never a row's own fit
        if y[train].min() == y[train].max():
            cv[test] = y[train].mean()
            continue
        cv[test] = LogisticRegression(C=c, max_iter=2000).fit(z[train], y[train]).predict_proba(z[test])[:, 1]
    lr = LogisticRegression(C=c, max_iter=2000).fit(z, y)
    model = SignalModel(features=names, means=[float(v) for v in means],
                        scales=[float(v) for v in scales],
                        weights=[round(float(w), 6) for w in lr.coef_[0]],
                        intercept=round(float(lr.intercept_[0]), 6))
    return model, cv


def fit_family(rows: Sequence[Row], family: str, target_error: float,
               use_signals: bool = True) -> FamilyFit:
    """One family: model (or score only), isotonic map, threshold, and each kind's own figures.

    With ``use_signals`` the signal model is kept only where it lets more fields through
    at the target than the engine score alone, both measured on held-out outputs: a
    family whose extra signals add noise rather than evidence (few errors, or errors
    the score already ranks well) keeps the score.
    """
    fitted = _model(rows, family) if use_signals else None
    raw = [r.signals.get(sig.SCORE, 0.0) for r in rows]
    best = _fit_scores(rows, raw, None, family, target_error)
    if fitted is not None:
        model, cv = fitted
        with_model = _fit_scores(rows, [float(v) for v in cv], model, family, target_error)
        if with_model.accepted > best.accepted:
            best = with_model
    return best


def _fit_scores(rows: Sequence[Row], scores: Sequence[float], model: SignalModel | None,
                family: str, target_error: float) -> FamilyFit:
    hits = [r.hit for r in rows]
    knots, probs = smoothed_fit(scores, hits)
    base = KindCalibration(knots=knots, probs=probs, n=len(rows), min_score=min(scores),
                           model=model, family=family)
    calibrated = [base.probability(s) for s in scores]
    best = choose_threshold(calibrated, hits, target_error)
    threshold = best[0] if best else 1.0
    entries: dict[str, KindCalibration] = {}
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_key[r.key].append(i)
    accepted = errors = 0
    for key, idx in sorted(by_key.items()):
        own = _kind_threshold(idx, calibrated, hits, threshold, target_error) if best else 1.0
        acc = [i for i in idx if best is not None and calibrated[i] >= own]
        err = sum(not hits[i] for i in acc)
        accepted += len(acc)
        errors += err
        entries[key] = base.model_copy(update={
            "n": len(idx), "threshold": own,
            "accepted_share": len(acc) / len(idx),
            "accepted_error": err / len(acc) if acc else 0.0,
            "accepted_error_upper": wilson_upper(err, len(acc)),
        })
    return FamilyFit(family, entries, model, threshold, len(rows), accepted, errors)


def _kind_threshold(idx: Sequence[int], calibrated: Sequence[float], hits: Sequence[bool],
                    family_threshold: float, target_error: float) -> float:
    """The family's threshold, raised for a kind whose own measured error there exceeds the target.

    The family's bound covers the family; a kind that erred more than the target on its
    own share is held to the lowest threshold at which its own error is within it.
    """
    levels = sorted({calibrated[i] for i in idx if calibrated[i] >= family_threshold})
    for level in levels:
        acc = [i for i in idx if calibrated[i] >= level]
        if sum(not hits[i] for i in acc) <= target_error * len(acc):
            return level
    return 1.0


# kinds whose fields go to staff when the two independent digit readings disagree
# (KindCalibration.needs_agreement). Chosen on the calibration rows (seeds 5000+, MNIST
# "calib" columns), never on the benchmarks' seeds: see docs/calibration.md.
AGREEMENT_KINDS: tuple[str, ...] = ("wareki_date",)


def disagrees(row: Row, agreement_kinds: Sequence[str]) -> bool:
    """A written field of an agreement kind whose second reading gave other digits."""
    return (row.kind in agreement_kinds and not row.key.endswith(":empty")
            and row.signals.get(sig.AGREE_EXACT) == 0.0)


def decidable(rows: Sequence[Row], agreement_kinds: Sequence[str] = AGREEMENT_KINDS) -> list[Row]:
    """The rows the calibrated decision applies to: fields no rule flagged.

    A field with a rule issue (format, check digit, 和暦 range, missing required value,
    an unsure name split, an impossible address) goes to staff whatever it scores, so it
    can never be among the auto-accepted fields whose error the threshold bounds. Rows
    saved before the flag existed carry no flag and all count (the stricter reading).
    Fields of ``agreement_kinds`` whose two readings disagree go to staff too.
    """
    return [r for r in rows
            if not r.signals.get(sig.RULE_ISSUE) and not disagrees(r, agreement_kinds)]


def fit_rows(rows: Sequence[Row], target_error: float, use_signals: bool = True,
             agreement_kinds: Sequence[str] = AGREEMENT_KINDS
             ) -> tuple[dict[str, KindCalibration], list[FamilyFit]]:
    """Every family of the rows → per-key entries (kinds of one family share a threshold)."""
    by_family: dict[str, list[Row]] = defaultdict(list)
    for r in decidable(rows, agreement_kinds):
        by_family[family_of(r.key)].append(r)
    kinds: dict[str, KindCalibration] = {}
    fits = []
    for fam, fam_rows in sorted(by_family.items()):
        f = fit_family(fam_rows, fam, target_error, use_signals)
        kinds.update(f.entries)
        fits.append(f)
    for key in kinds:
        if key.split(":")[0] in agreement_kinds and not key.endswith(":empty"):
            kinds[key] = kinds[key].model_copy(update={"needs_agreement": True})
    return kinds, fits


def score_only(rows: Sequence[Row], target_error: float) -> dict[str, KindCalibration]:
    """The pre-issue-14 way, kept for the ablation: one engine-score map per key."""
    by_key: dict[str, tuple[list[float], list[bool]]] = defaultdict(lambda: ([], []))
    for r in rows:
        by_key[r.key][0].append(r.signals.get(sig.SCORE, 0.0))
        by_key[r.key][1].append(r.hit)
    return {k: fit_kind(s, h, target_error) for k, (s, h) in sorted(by_key.items())}


def page_envelope(rows: Sequence[Row]) -> dict[str, tuple[float, float]]:
    """Per gated page signal, the range the calibration pages covered (quantiles over documents)."""
    per_doc: dict[str, dict[str, float]] = {}
    for r in rows:
        per_doc.setdefault(r.document, {}).update(
            {k: v for k, v in r.signals.items() if k in sig.GATED and math.isfinite(v)})
    out: dict[str, tuple[float, float]] = {}
    for name in sig.GATED:
        vals = np.array([d[name] for d in per_doc.values() if name in d])
        if vals.size < 20:
            continue
        lo, hi = np.quantile(vals, ENVELOPE_QUANTILES)
        out[name] = (round(float(lo), 4), round(float(hi), 4))
    return out
