"""A later rule marks saved calibration rows (numbers only) by remaking the document's values."""

from __future__ import annotations

from typing import Any

import pytest

from domain import signals as sig
from domain.model import FieldReading, FieldSpec, FormTemplate
from domain.status import FieldKind
from domain.triage import NAME_KEY
from domain.variant_kanji import check_variant_names, is_name, variant_prone
from forms.loader import load_templates
from ocr.name_fields import check_name_kana
from services.row_rules import align, document_values, flag_rows, wrong_documents
from services.signal_fit import Row

FURUSATO = "furusato_application"
PLAIN, VARIANT = 214000, 214012  # full_name of these seeds: no variant-prone kanji / one


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates()


def _key(spec: FieldSpec, value: Any) -> str:
    return f"{spec.kind}:empty" if value is None and not spec.is_mark else str(spec.kind)


def _rows(t: FormTemplate, seed: int, pages: list[int] | None = None, wrong: str = "") -> list[Row]:
    values = document_values(t, seed)
    specs = [f for p in t.pages if pages is None or p.number in pages for f in t.fields_on(p.number)]
    return [Row(key=_key(f, values[f.id]), hit=f.id != wrong, document=f"{t.id}:{seed}",
                signals={sig.SCORE: 0.999}, condition="office") for f in specs]


CHECKS = [check_variant_names]


def _names_and_kana(spec: FieldSpec) -> bool:
    return is_name(spec) or spec.kind is FieldKind.KANA


def test_the_seeds_chosen_hold_what_the_tests_need(templates: dict[str, FormTemplate]) -> None:
    t = templates[FURUSATO]
    assert not variant_prone(document_values(t, PLAIN)["full_name"])
    assert variant_prone(document_values(t, VARIANT)["full_name"])


def test_rows_are_matched_to_the_fields_of_the_pages_read(templates: dict[str, FormTemplate]) -> None:
    t = templates["citizen_survey"]
    assert len(t.pages) > 1
    for pages in ([p.number for p in t.pages], [t.pages[-1].number]):
        rows = _rows(t, 5000, pages)
        specs = align([r.key for r in rows], t)
        assert specs is not None
        assert [s.page for s in specs] == [f.page for p in pages for f in t.fields_on(p)]
    assert align(["text", "kana"], t) is None  # no page set has these kinds: never guessed
    assert align([], t) is None


def test_a_right_row_is_judged_on_its_true_value(templates: dict[str, FormTemplate]) -> None:
    t = templates[FURUSATO]
    rows = _rows(t, VARIANT) + _rows(t, PLAIN)
    out, stats = flag_rows(rows, templates, CHECKS, applies=is_name)
    flagged = [(r.document, i) for i, r in enumerate(out) if r.signals.get(sig.RULE_ISSUE)]
    name_index = [f.id for f in t.fields].index("full_name")
    assert flagged == [(f"{FURUSATO}:{VARIANT}", name_index)]
    assert stats["flagged_right"] == 1 and stats["unaligned"] == 0
    assert [r.signals for r in out if not r.signals.get(sig.RULE_ISSUE)] == [
        r.signals for i, r in enumerate(rows) if (r.document, i) not in flagged]


def test_a_wrong_row_is_judged_on_what_was_read_or_kept_in_the_fit(
        templates: dict[str, FormTemplate]) -> None:
    t = templates[FURUSATO]
    rows = _rows(t, PLAIN, wrong="full_name")
    assert wrong_documents(rows, templates, is_name) == {f"{FURUSATO}:{PLAIN}"}
    kept, stats = flag_rows(rows, templates, CHECKS, applies=is_name)  # no re-read: never flagged
    assert not any(r.signals.get(sig.RULE_ISSUE) for r in kept) and stats["reread"] == 0
    asked: list[tuple[str, int, str]] = []

    def reread(tid: str, seed: int, cond: str) -> dict[str, Any]:
        asked.append((tid, seed, cond))
        return {"full_name": "山崎\u3000花子"}  # read as a variant-prone name

    out, stats = flag_rows(rows, templates, CHECKS, reread=reread, applies=is_name)
    assert asked == [(FURUSATO, PLAIN, "office")]
    assert [r.signals.get(sig.RULE_ISSUE) for r in out].count(1.0) == 1 and stats["flagged_wrong"] == 1

    out, _ = flag_rows(rows, templates, CHECKS, reread=lambda *a: {"full_name": "佐藤\u3000太郎"},
                       applies=is_name)
    assert not any(r.signals.get(sig.RULE_ISSUE) for r in out)


def test_unknown_templates_and_mismatched_rows_are_left_alone(templates: dict[str, FormTemplate]) -> None:
    odd = [Row(key="text", hit=True, document="nowhere:1"),
           Row(key="kana", hit=True, document=f"{FURUSATO}:1")]
    def everything(specs: Any, readings: dict[str, FieldReading]) -> None:
        raise AssertionError("no document here can be aligned")

    out, stats = flag_rows(odd, templates, [everything], applies=is_name)
    assert out == odd and stats["unaligned"] == 1


def test_a_cross_field_rule_is_judged_like_the_reader_and_names_are_rekeyed(
        templates: dict[str, FormTemplate]) -> None:
    t = templates[FURUSATO]
    rows = _rows(t, PLAIN)
    out, stats = flag_rows(rows, templates, [check_variant_names, check_name_kana], applies=_names_and_kana,
                           rekey=lambda spec, key: NAME_KEY if key == "text" and is_name(spec) else key)
    ids = [f.id for f in t.fields]
    keys = {f: r.key for f, r in zip(ids, out, strict=True)}
    assert keys["full_name"] == NAME_KEY and keys["address"] == "text" and keys["full_name_kana"] == "kana"
    flagged = {f for f, r in zip(ids, out, strict=True) if r.signals.get(sig.RULE_ISSUE)}
    values = document_values(t, PLAIN)
    from ocr.names import kana_confirms
    confirmed = kana_confirms(values["full_name"], values["full_name_kana"])
    assert ("full_name" in flagged) is not confirmed and ("full_name_kana" in flagged) is not confirmed
    assert flagged <= {"full_name", "full_name_kana", "delivery_name"}
    # a wrong フリガナ row makes the document be read again: what was read decides both
    wrong = _rows(t, PLAIN, wrong="full_name_kana")
    out, stats = flag_rows(wrong, templates, [check_variant_names, check_name_kana], applies=_names_and_kana,
                           reread=lambda *a: {**values, "full_name_kana": "ア\u3000イ"})
    again = {f for f, r in zip(ids, out, strict=True) if r.signals.get(sig.RULE_ISSUE)}
    assert {"full_name", "full_name_kana"} <= again and stats["reread"] == 1
