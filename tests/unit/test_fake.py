"""Fake data: deterministic, self-consistent, and in the reader's value conventions."""

from __future__ import annotations

import random
from datetime import date

import pytest

from domain.model import FormTemplate
from domain.mynumber import is_valid_my_number
from domain.status import FieldKind
from domain.validate import normalize_field, normalize_marks
from domain.wareki import parse_wareki
from forms.loader import load_templates
from synth.fake import SP, fake_field, make_record
from synth.people import FEMALE, MALE, PLACES, SURNAMES

READING = {s: k for s, k, *_ in SURNAMES} | {g: k for g, k, _ in MALE + FEMALE}


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates()


def _records(template: FormTemplate, n: int, invalid: float = 0.05):  # type: ignore[no-untyped-def]
    for seed in range(n):
        rng = random.Random(seed)
        rec = make_record(rng, date(2026, 11, 1), invalid)
        yield rec, {f.id: fake_field(rec, f, rng) for f in template.fields}


def test_tables_are_big_enough() -> None:
    assert len(SURNAMES) >= 40 and len(MALE) + len(FEMALE) >= 40
    assert len({(p.prefecture, p.city) for p in PLACES}) >= 20
    assert any(s in READING for s in ("髙橋", "渡邉", "齋藤"))
    assert all(len(p.postal) == 3 and p.postal.isdigit() for p in PLACES)


def test_same_seed_same_record() -> None:
    a = make_record(random.Random(7))
    b = make_record(random.Random(7))
    c = make_record(random.Random(8))
    assert a == b and a != c


def test_kana_matches_name(templates: dict[str, FormTemplate]) -> None:
    for _, vals in _records(templates["onestop_2022"], 200):
        sur, giv = vals["full_name"].value.split(SP)
        assert vals["full_name_kana"].value == f"{READING[sur]}{SP}{READING[giv]}"


def test_record_fields_agree(templates: dict[str, FormTemplate]) -> None:
    ref = date(2026, 11, 1)
    for rec, vals in _records(templates["onestop_legacy"], 200):
        assert date(1930, 1, 1) <= rec.birth <= date(2005, 12, 31)
        assert ref.replace(year=ref.year - 1) <= rec.donation <= rec.submitted <= ref
        assert 5000 <= rec.amount <= 500000 and rec.amount % 1000 == 0
        era = vals["birth_era"].value
        assert parse_wareki(vals["birth_date"].text, era).value == rec.birth
        assert vals["sex"].value == ("男" if rec.person.sex == "male" else "女")
        assert rec.address.postal[:3] == rec.address.place.postal
        phone = vals["phone"].value
        assert phone.isdigit() and len(phone) == (11 if phone[:3] in ("090", "080", "070") else 10)


def test_invalid_my_numbers_exactly_where_marked(templates: dict[str, FormTemplate]) -> None:
    flags = []
    for _, vals in _records(templates["onestop_2022"], 300, invalid=0.3):
        mn = vals["my_number"]
        assert mn.text == mn.value and len(mn.value) == 12
        assert is_valid_my_number(mn.value) is mn.valid
        flags.append(mn.valid)
    assert 30 < flags.count(False) < 150


@pytest.mark.parametrize("form", ["onestop_2022", "onestop_legacy", "furusato_application",
                                  "citizen_survey"])
def test_drawn_text_normalises_to_truth(templates: dict[str, FormTemplate], form: str) -> None:
    """What the reader would get from a perfect OCR of the drawn text is the truth value."""
    t = templates[form]
    for _, vals in _records(t, 120):
        for f in t.fields:
            fv = vals[f.id]
            if f.is_mark:
                res = normalize_marks(f, fv.marks)
                assert res.value == fv.value, (f.id, fv)
                assert (not res.ok) is (not fv.valid), (f.id, fv)
                continue
            if fv.text is None:
                assert fv.value is None
                continue
            era = vals[f.era_field].value if f.era_field else None
            got = normalize_field(f, fv.text, era=era).value
            if f.kind is FieldKind.WAREKI_DATE:
                got = got.isoformat()
            if f.kind is FieldKind.MY_NUMBER and not fv.valid:
                assert got == fv.value  # value kept with a check-digit issue
                continue
            assert got == fv.value, (f.id, fv)


def test_survey_has_blank_and_double_marks(templates: dict[str, FormTemplate]) -> None:
    t = templates["citizen_survey"]
    blanks = doubles = 0
    for _, vals in _records(t, 150):
        for f in t.fields:
            fv = vals[f.id]
            if f.kind is FieldKind.CHOICE:
                blanks += not fv.marks
                doubles += len(fv.marks) == 2
                assert (len(fv.marks) == 2) is (not fv.valid)
            if f.kind is FieldKind.MULTI_CHOICE:
                assert fv.value == [o.value for o in f.options if o.value in fv.value]
    assert blanks > 20 and doubles > 5


def test_comments_are_short_sentences(templates: dict[str, FormTemplate]) -> None:
    t = templates["citizen_survey"]
    texts = [v["comment"].text for _, v in _records(t, 100) if v["comment"].text]
    sentences = [s + "。" for t in texts for s in t.split("。") if s]
    assert texts and all(10 <= len(s) <= 40 for s in sentences)
    assert any(t.count("。") > 1 for t in texts)  # the big box gets several sentences


def test_wrong_printed_era_is_written_by_hand(templates: dict[str, FormTemplate]) -> None:
    """Shortly after 令和 began, a 平成 date goes into a 令和 box with its era written."""
    f = templates["onestop_2022"].field("donation_date")
    heisei = 0
    for seed in range(60):
        rng = random.Random(seed)
        rec = make_record(rng, date(2019, 6, 1))
        fv = fake_field(rec, f, rng)
        heisei += fv.text.startswith("平成")
        assert parse_wareki(fv.text, f.fixed_era).value.isoformat() == fv.value
    assert heisei > 30
