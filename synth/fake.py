"""Fake form data, deterministic from a :class:`random.Random`.

:func:`make_record` draws one person (name, address, dates, numbers...) per
document so that fields agree; :func:`fake_field` turns the record into the
value of one template field through the sampler named by ``field.sample``.
Ground-truth value conventions are documented on :class:`FakeValue`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from domain.model import ChoiceOption, FieldSpec
from domain.mynumber import make_my_number
from domain.status import FieldKind
from domain.wareki import resolve_era, to_wareki
from synth.people import (
    COMMENTS,
    SP,
    Address,
    Person,
    make_address,
    make_email,
    make_person,
    make_phone,
)

__all__ = ["SP", "FakeValue", "Record", "fake_field", "make_record", "wareki_text"]


@dataclass(frozen=True)
class FakeValue:
    """One field's ground truth.

    value: what the reader's normalised output must equal — str for text/kana/
    free_text (U+3000 between surname and given name), ASCII digit str for
    digits/my_number/phone, int yen for amount, ISO 'YYYY-MM-DD' for wareki_date,
    'NNN-NNNN' for postal_code, bool for checkbox, option value (or None) for
    choice, list of option values in template order for multi_choice; None when
    the field is left empty.
    text: the exact string drawn (None for marks and empty fields).
    marks: option values marked for real ('checked' for a ticked checkbox).
    valid: False for an invalid My Number, two marks in a single choice, or a
    required field left empty (an unticked required checkbox included).
    """

    value: Any = None
    text: str | None = None
    marks: list[str] = field(default_factory=list)
    valid: bool = True


@dataclass(frozen=True)
class Record:
    """Everything one applicant writes; fields of one document are drawn from it."""

    person: Person
    birth: date
    address: Address
    phone: str  # as written, with hyphens
    email: str
    my_number: str
    my_number_valid: bool
    donation: date
    submitted: date
    amount: int
    delivery: tuple[Person, Address] | None
    reference_no: str | None


def make_my_number_str(rng: random.Random, invalid_prob: float) -> tuple[str, bool]:
    body = f"{rng.randint(1, 9)}{rng.randint(0, 10**10 - 1):010d}"
    good = make_my_number(body)
    if rng.random() >= invalid_prob:
        return good, True
    wrong = (int(good[-1]) + rng.randint(1, 9)) % 10
    return body + str(wrong), False


def make_record(
    rng: random.Random, reference_date: date = date(2026, 11, 1), invalid_my_number_prob: float = 0.05
) -> Record:
    person = make_person(rng)
    birth = date(1930, 1, 1) + timedelta(days=rng.randint(0, (date(2005, 12, 31) - date(1930, 1, 1)).days))
    address = make_address(rng)
    my_number, valid = make_my_number_str(rng, invalid_my_number_prob)
    # Donation within the year before the reference date, never before 令和.
    donation = reference_date - timedelta(days=rng.randint(20, 365))
    submitted = min(reference_date, donation + timedelta(days=rng.randint(3, 40)))
    amount = rng.choice((5, 10, 10, 10, 12, 15, 20, 20, 30, 30, 50, 100, 150, 300, 500)) * 1000
    if rng.random() < 0.2:
        amount = rng.randint(5, 500) * 1000
    delivery = None
    if rng.random() < 0.25:
        family = rng.random() < 0.5
        delivery = (make_person(rng, same_surname_as=person if family else None), make_address(rng))
    ref = f"{rng.randint(1, 99999):05d}" if rng.random() < 0.4 else None
    return Record(
        person, birth, address, make_phone(rng, address.place), make_email(rng, person),
        my_number, valid, donation, submitted, amount, delivery, ref,
    )


# ---- wareki text -------------------------------------------------------------------

def era_of(d: date) -> tuple[str, int]:
    era, year = to_wareki(d)
    return str(era), int(year)


def wareki_text(d: date, with_era: bool, rng: random.Random) -> str:
    """'60年4月12日' (or '令和6年12月15日' with the era); 元年 usually, dots or zeros sometimes."""
    era, year = era_of(d)
    y = "元" if year == 1 and rng.random() < 0.7 else str(year)
    r = rng.random()
    if r < 0.08 and y != "元":
        body = f"{y}.{d.month}.{d.day}"
    elif r < 0.16:
        body = f"{y}年{d.month:02d}月{d.day:02d}日"
    else:
        body = f"{y}年{d.month}月{d.day}日"
    return f"{era}{body}" if with_era else body


def option_for_era(field: FieldSpec, era: str) -> ChoiceOption | None:
    """The option of an era choice meaning ``era`` (value or label '昭和', '昭', 'S'...)."""
    for opt in field.options:
        found = resolve_era(opt.value) or resolve_era(opt.label)
        if found is not None and found.name == era:
            return opt
    return None


# ---- samplers: one per template `sample:` key -------------------------------------

Sampler = Callable[[Record, FieldSpec, random.Random], FakeValue]


def _text(s: str | None) -> FakeValue:
    return FakeValue(value=s, text=s) if s else FakeValue()


def _date(d: date, f: FieldSpec, rng: random.Random) -> FakeValue:
    # An era printed on the form but wrong for the date is overwritten by hand (平成 → 令和).
    with_era = not f.era_field and (not f.fixed_era or era_of(d)[0] != f.fixed_era)
    return FakeValue(value=d.isoformat(), text=wareki_text(d, with_era, rng))


def _pick(f: FieldSpec, opt: ChoiceOption | None) -> FakeValue:
    return FakeValue(value=opt.value, marks=[opt.value]) if opt else FakeValue()


def _survey_choice(f: FieldSpec, rng: random.Random, blank: float, double: float) -> FakeValue:
    r = rng.random()
    if r < blank:
        return FakeValue()  # 無回答
    if r < blank + double:
        two = sorted(rng.sample(range(len(f.options)), 2))
        return FakeValue(value=None, marks=[f.options[i].value for i in two], valid=False)
    weights = [1.0 + (i if rng.random() < 0.5 else 0) for i in range(len(f.options))]
    return _pick(f, rng.choices(f.options, weights=weights)[0])


def _multi(f: FieldSpec, rng: random.Random) -> FakeValue:
    if rng.random() < 0.08:
        return FakeValue(value=[])
    chosen = [o.value for o in f.options if rng.random() < 0.35] or [rng.choice(f.options).value]
    return FakeValue(value=chosen, marks=chosen)


def _checkbox(p: float, rng: random.Random) -> FakeValue:
    on = rng.random() < p
    return FakeValue(value=on, marks=["checked"] if on else [])


def _by_label(f: FieldSpec, *needles: str) -> ChoiceOption | None:
    for opt in f.options:
        if opt.value in needles or any(n in opt.label for n in needles):
            return opt
    return None


def _digits(n: int, rng: random.Random) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _gift_code(r: Record, f: FieldSpec, rng: random.Random) -> FakeValue:
    n = f.cells or 5
    if f.kind is FieldKind.DIGITS:
        return _text(_digits(n, rng))
    return _text(f"{rng.choice('ABCDEFGHK')}{_digits(max(2, n - 1), rng)}")


def _amount(r: Record, f: FieldSpec, rng: random.Random) -> FakeValue:
    text = f"{r.amount:,}" if rng.random() < 0.6 and not f.cells else str(r.amount)
    return FakeValue(value=r.amount, text=text)


def _postal(r: Record, f: FieldSpec, rng: random.Random) -> FakeValue:
    text = r.address.postal.replace("-", "") if f.cells else r.address.postal
    return FakeValue(value=r.address.postal, text=text)


def _phone(r: Record, f: FieldSpec, rng: random.Random) -> FakeValue:
    digits = r.phone.replace("-", "")
    return FakeValue(value=digits, text=digits if f.cells else r.phone)


def _reference(r: Record, f: FieldSpec, rng: random.Random) -> FakeValue:
    if r.reference_no is None:
        return FakeValue()
    return _text(r.reference_no[-f.cells:] if f.cells else r.reference_no)


def _comment(r: Record, f: FieldSpec, rng: random.Random) -> FakeValue:
    """One short sentence, or up to three in a big comment box (25 % leave it empty)."""
    if rng.random() < 0.25:
        return FakeValue()
    n = rng.choice((1, 1, 2, 2, 3)) if f.box.h >= 30 else 1
    return _text("".join(rng.sample(COMMENTS, n)))


SAMPLERS: dict[str, Sampler] = {
    "full_name": lambda r, f, g: _text(r.person.full_name),
    "full_name_kana": lambda r, f, g: _text(r.person.kana),
    "postal_code": _postal,
    "address": lambda r, f, g: _text(r.address.text),
    "phone": _phone,
    "email": lambda r, f, g: _text(r.email) if g.random() < 0.85 else FakeValue(),
    "my_number": lambda r, f, g: FakeValue(r.my_number, r.my_number, valid=r.my_number_valid),
    "birth_era": lambda r, f, g: _pick(f, option_for_era(f, era_of(r.birth)[0])),
    "birth_date": lambda r, f, g: _date(r.birth, f, g),
    "sex": lambda r, f, g: _pick(f, _by_label(f, r.person.sex, "男" if r.person.sex == "male" else "女")),
    "donation_date": lambda r, f, g: _date(r.donation, f, g),
    "amount": _amount,
    "submitted_on": lambda r, f, g: _date(r.submitted, f, g),
    "eligibility_1": lambda r, f, g: _checkbox(0.93, g),
    "eligibility_2": lambda r, f, g: _checkbox(0.9, g),
    "payment_method": lambda r, f, g: _pick(f, g.choice(f.options)),
    "purpose": lambda r, f, g: _pick(f, g.choice(f.options)),
    "gift_code": _gift_code,
    "delivery_name": lambda r, f, g: _text(r.delivery[0].full_name if r.delivery else None),
    "delivery_address": lambda r, f, g: _text(r.delivery[1].text if r.delivery else None),
    "onestop_wish": lambda r, f, g: _checkbox(0.6, g),
    "publish_name": lambda r, f, g: _survey_choice(f, g, 0.1, 0.0),
    "age_bracket": lambda r, f, g: _survey_choice(f, g, 0.04, 0.01),
    "area": lambda r, f, g: _survey_choice(f, g, 0.05, 0.01),
    "q_choice": lambda r, f, g: _survey_choice(f, g, 0.08, 0.04),
    "q_multi": lambda r, f, g: _multi(f, g),
    "satisfaction": lambda r, f, g: _survey_choice(f, g, 0.08, 0.04),
    "comment": _comment,
    "reference_no": _reference,
}


def fake_field(record: Record, spec: FieldSpec, rng: random.Random) -> FakeValue:
    """Ground truth for one field (unknown ``sample`` keys fall back on the field kind)."""
    fv = _sample(record, spec, rng)
    if spec.required and fv.value in (None, False, []):
        return FakeValue(fv.value, fv.text, fv.marks, valid=False)  # required but left empty
    return fv


# A field with no ``sample`` key (e.g. drafted from a city's own form): its id, if it names
# a sampler (an admin called it full_name), else its kind, else words of its label.
_BY_KIND: dict[FieldKind, str] = {
    FieldKind.KANA: "full_name_kana", FieldKind.POSTAL_CODE: "postal_code", FieldKind.PHONE: "phone",
    FieldKind.EMAIL: "email", FieldKind.MY_NUMBER: "my_number", FieldKind.AMOUNT: "amount",
    FieldKind.WAREKI_DATE: "submitted_on", FieldKind.FREE_TEXT: "comment",
}
_BY_LABEL = (("住所", "address"), ("所在地", "address"), ("氏名", "full_name"), ("名前", "full_name"))


def sampler_key(spec: FieldSpec) -> str:
    """The sampler that makes a field's ground truth ("" when none fits: left empty)."""
    if spec.sample:
        return spec.sample
    if spec.id in SAMPLERS:
        return spec.id
    if spec.kind in _BY_KIND:
        return _BY_KIND[spec.kind]
    if spec.kind is FieldKind.TEXT:  # a text field named nothing we know stays empty
        return next((key for word, key in _BY_LABEL if word in spec.label), "")
    return ""


def _sample(record: Record, spec: FieldSpec, rng: random.Random) -> FakeValue:
    key = sampler_key(spec)
    if key in SAMPLERS:
        return SAMPLERS[key](record, spec, rng)
    if spec.kind is FieldKind.CHOICE:
        return _survey_choice(spec, rng, 0.05, 0.0)
    if spec.kind is FieldKind.MULTI_CHOICE:
        return _multi(spec, rng)
    if spec.kind is FieldKind.CHECKBOX:
        return _checkbox(0.5, rng)
    if spec.kind is FieldKind.DIGITS:
        return _text(_digits(spec.cells or 6, rng))
    return FakeValue()
