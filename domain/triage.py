"""Decide per field: auto-accept, or send to a person with a reason (pure)."""

from __future__ import annotations

from domain.calibration import Calibration
from domain.model import FieldReading, FieldSpec
from domain.signals import ALIGN_QUALITY
from domain.status import FieldStatus, ReviewPolicy, ReviewReason, reason_for_issue
from domain.variant_kanji import is_name

# written 氏名 fields are calibrated apart from other text (issue 14): only names that their
# フリガナ confirms reach a threshold (ocr.name_fields.check_name_kana), addresses and the
# rest of the text kind do not have such a second reading
NAME_KEY = "text:name"


def calibration_key(reading: FieldReading, spec: FieldSpec | None = None) -> str:
    """Calibration bucket: the field kind, with empty text fields fitted apart.

    With the field's ``spec``, a written name is ``text:name``; a calibration without that
    entry decides it as ``text`` (:func:`triage`).
    """
    if not reading.kind.is_mark and not reading.raw:
        return f"{reading.kind}:empty"
    if spec is not None and is_name(spec):
        return NAME_KEY
    return str(reading.kind)


def is_empty_key(key: str) -> bool:
    """Empty text fields are calibrated per kind only, never per field."""
    return key.endswith(":empty")


def triage(reading: FieldReading, spec: FieldSpec, calibration: Calibration | None,
           template_id: str | None = None) -> FieldReading:
    """Return the reading with probability, status and reason filled in.

    A field is auto-accepted only when (1) its template policy allows it,
    (2) no rule found an issue and (3) its calibrated probability clears the
    threshold chosen for the target error, and (4) its page lies inside the image
    quality and alignment the calibration covered (the page gate: outside it the
    field scores say nothing). Anything else names its reason.
    The field's own calibration entry (``template:field``, learnt from staff
    confirmations) is used before its kind's; without ``template_id`` the
    template is found from the spec when the calibration was bound to the
    templates (:meth:`Calibration.bind`).
    """
    key = calibration_key(reading, spec)
    if calibration is not None and key == NAME_KEY and key not in calibration.kinds:
        key = calibration_key(reading)  # a calibration made before names had their own entry
    probability: float | None = None
    accepted = False
    if calibration is not None:
        field_keys = [] if is_empty_key(key) else calibration.field_keys(spec, template_id)
        probability, accepted = calibration.assess(key, reading.confidence, field_keys,
                                                   reading.signals)
    gate = calibration.page_gate(reading.signals) if calibration is not None else None
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
    elif gate is not None:
        update["reason"] = ReviewReason.ALIGNMENT if gate == ALIGN_QUALITY else ReviewReason.IMAGE_QUALITY
    elif accepted:
        update["status"] = FieldStatus.AUTO_ACCEPTED
        update["reason"] = None
    else:
        update["reason"] = ReviewReason.LOW_CONFIDENCE
    return reading.model_copy(update=update)
