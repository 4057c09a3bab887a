"""An impossible address read from a real page image goes to a person; other fields are untouched.

The recogniser is scripted (every crop reads as an address whose prefecture does not exist),
the rest is the real pipeline: a synthetic ワンストップ page, identification, alignment,
field crops, the rules and triage with the shipped calibration.
"""

from __future__ import annotations

from datetime import date

from config.settings import Settings
from domain.address import MSG_PREFECTURE
from domain.status import FieldStatus, PageStatus
from forms.loader import load_templates
from ocr.engines.fake import FakeRecognizer
from ocr.pipeline import read_page
from ocr.reader import Reader
from services.compose import load_calibration, render_blank
from synth.generate import SynthOptions, generate_document

WRONG = "秋山県秋田市山王1-2-3"


def test_a_read_address_with_no_such_prefecture_goes_to_staff() -> None:
    templates = load_templates()
    template = templates["onestop_2022"]
    doc = generate_document(template, 4242, SynthOptions(degrade=False, rotate180_prob=0.0,
                                                         id_copy_prob=0.0, blank_page_prob=0.0))
    reader = Reader(templates=templates, recognizer=FakeRecognizer(lambda i, crop, alphabet: (WRONG, 0.9999)),
                    blank_renderer=render_blank, today=date(2026, 11, 20),
                    calibration=load_calibration(Settings()))
    page = read_page(doc.pages[0], reader, index=0)
    assert page.status is PageStatus.READ
    fields = {f.field_id: f for f in page.fields}
    address = fields["address"]
    assert address.value == WRONG
    assert [i.message for i in address.issues] == [MSG_PREFECTURE]
    assert address.status is FieldStatus.NEEDS_REVIEW
    name = fields["full_name"]  # the same text in a name field is not an address question
    assert all(i.message != MSG_PREFECTURE for i in name.issues)
