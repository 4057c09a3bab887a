"""Decide saved readings again with the calibration in force (benchmarks: seconds, no OCR).

The reading of a page does not depend on the calibration; only its last step (triage)
does. A benchmark that kept its readings can measure another calibration on the very
same readings. Value rules added after the readings were saved (they need no image: a
name's variant-prone kanji, a name and its フリガナ that do not confirm each other) run
again first, in the reader's order (:func:`ocr.fields.read_fields`).
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.calibration import Calibration
from domain.model import DocumentReading, FormTemplate
from domain.triage import triage
from domain.variant_kanji import check_variant_names
from ocr.name_fields import check_name_kana


def retriage(reading: DocumentReading, templates: Mapping[str, FormTemplate],
             calibration: Calibration | None) -> DocumentReading:
    """The same reading, its rules re-applied and every field decided with ``calibration``."""
    pages = []
    for page in reading.pages:
        template = templates.get(page.template_id or "")
        if template is None or not page.fields:
            pages.append(page)
            continue
        specs = {f.id: f for f in template.fields}
        on_page = [specs[f.field_id] for f in page.fields if f.field_id in specs]
        found = {f.field_id: f for f in page.fields}
        check_variant_names(on_page, found)
        check_name_kana(on_page, found)
        fields = [triage(found[f.field_id], specs[f.field_id], calibration) if f.field_id in specs else f
                  for f in page.fields]
        pages.append(page.model_copy(update={"fields": fields}))
    return reading.model_copy(update={"pages": pages})
