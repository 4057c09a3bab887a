"""A later rule marks saved calibration rows (numbers only) by remaking the document's values."""

from __future__ import annotations

from typing import Any

import pytest

from domain import signals as sig
from domain.model import FieldSpec, FormTemplate
from domain.variant_kanji import is_name, variant_prone
from forms.loader import load_templates
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


def _rule(spec: FieldSpec, value: Any) -> bool:
    return isinstance(value, str) and variant_prone(value)


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
    out, stats = flag_rows(rows, templates, _rule, applies=is_name)
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
    kept, stats = flag_rows(rows, templates, _rule, applies=is_name)  # no re-read: never flagged
    assert not any(r.signals.get(sig.RULE_ISSUE) for r in kept) and stats["reread"] == 0
    asked: list[tuple[str, int, str]] = []

    def reread(tid: str, seed: int, cond: str) -> dict[str, Any]:
        asked.append((tid, seed, cond))
        return {"full_name": "山崎\u3000花子"}  # read as a variant-prone name

    out, stats = flag_rows(rows, templates, _rule, reread=reread, applies=is_name)
    assert asked == [(FURUSATO, PLAIN, "office")]
    assert [r.signals.get(sig.RULE_ISSUE) for r in out].count(1.0) == 1 and stats["flagged_wrong"] == 1

    out, _ = flag_rows(rows, templates, _rule, reread=lambda *a: {"full_name": "佐藤\u3000太郎"},
                       applies=is_name)
    assert not any(r.signals.get(sig.RULE_ISSUE) for r in out)


def test_unknown_templates_and_mismatched_rows_are_left_alone(templates: dict[str, FormTemplate]) -> None:
    odd = [Row(key="text", hit=True, document="nowhere:1"),
           Row(key="kana", hit=True, document=f"{FURUSATO}:1")]
    out, stats = flag_rows(odd, templates, lambda s, v: True, applies=is_name)
    assert out == odd and stats["unaligned"] == 1
