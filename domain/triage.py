"""Decide per field: auto-accept, or send to a person with a reason (pure)."""

from __future__ import annotations

from domain.calibration import Calibration
from domain.model import FieldReading, FieldSpec
from domain.status import FieldStatus, ReviewPolicy, ReviewReason, reason_for_issue


def calibration_key(reading: FieldReading) -> str:
    """Calibration bucket: the field kind, with empty text fields fitted apart."""
    if not reading.kind.is_mark and not reading.raw:
        return f"{reading.kind}:empty"
    return str(reading.kind)


def triage(reading: FieldReading, spec: FieldSpec, calibration: Calibration | None) -> FieldReading:
    """Return the reading with probability, status and reason filled in.

    A field is auto-accepted only when (1) its template policy allows it,
    (2) no rule found an issue and (3) its calibrated probability clears the
    threshold chosen for the target error. Anything else names its reason.
    """
    key = calibration_key(reading)
    probability = calibration.probability(key, reading.confidence) if calibration else None
    update: dict[str, object] = {
        "probability": probability,
        "calibration": calibration.version if calibration else None,
        "status": FieldStatus.NEEDS_REVIEW,
    }
    if reading.issues:
        update["reason"] = reason_for_issue(reading.issues[0].code)
    elif spec.review is not ReviewPolicy.AUTO:
        update["reason"] = ReviewReason.POLICY
    elif calibration is None or probability is None:
        update["reason"] = ReviewReason.NOT_CALIBRATED
    elif calibration.accepts(key, probability):
        update["status"] = FieldStatus.AUTO_ACCEPTED
        update["reason"] = None
    else:
        update["reason"] = ReviewReason.LOW_CONFIDENCE
    return reading.model_copy(update=update)
