"""The shipped templates load, follow the layout rules, and broken files fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import TemplateError
from domain.model import Box, FormTemplate
from domain.status import FieldKind, ReviewPolicy
from forms.loader import default_templates_dir, load_template, load_templates
from forms.render import qr_box

SAMPLE_KEYS = {
    "full_name",
    "full_name_kana",
    "postal_code",
    "address",
    "phone",
    "email",
    "my_number",
    "birth_era",
    "birth_date",
    "sex",
    "donation_date",
    "amount",
    "submitted_on",
    "eligibility_1",
    "eligibility_2",
    "payment_method",
    "purpose",
    "gift_code",
    "delivery_name",
    "delivery_address",
    "onestop_wish",
    "publish_name",
    "age_bracket",
    "area",
    "q_choice",
    "q_multi",
    "satisfaction",
    "comment",
    "reference_no",
}
PERSONAL_SAMPLES = {
    "full_name",
    "full_name_kana",
    "address",
    "phone",
    "email",
    "my_number",
    "birth_date",
    "delivery_name",
    "delivery_address",
}
TEXT_KINDS = {
    FieldKind.TEXT,
    FieldKind.KANA,
    FieldKind.PHONE,
    FieldKind.EMAIL,
    FieldKind.AMOUNT,
    FieldKind.WAREKI_DATE,
    FieldKind.DIGITS,
}
IDS = ["citizen_survey", "furusato_application", "onestop_2022", "onestop_legacy"]


@pytest.fixture(scope="module")
def templates() -> dict[str, FormTemplate]:
    return load_templates(default_templates_dir())


def test_all_templates_load(templates: dict[str, FormTemplate]) -> None:
    assert sorted(templates) == IDS
    assert len(templates["citizen_survey"].pages) == 2


@pytest.mark.parametrize("template_id", IDS)
def test_fields_follow_layout_rules(templates: dict[str, FormTemplate], template_id: str) -> None:
    t = templates[template_id]
    reserved = qr_box(t)
    for f in t.fields:
        assert f.sample in SAMPLE_KEYS, f.id
        if f.sample in PERSONAL_SAMPLES:
            assert f.personal, f.id
        boxes = [f.box, *[o.box for o in f.options]]
        for b in boxes:
            assert b.x >= 15 and b.x2 <= 195 and b.y >= 18 and b.y2 <= 270, f.id
            assert not _overlap(b, reserved), f.id
        if f.kind in TEXT_KINDS:
            assert 9 <= f.box.h <= 11, f.id
        if f.kind is FieldKind.CHECKBOX:
            assert 4.5 <= f.box.w <= 5 and f.box.w == f.box.h, f.id
        if f.cells:
            assert 6 <= f.box.w / f.cells <= 7.5, f.id
        centres = [o.box.center for o in f.options]
        for i, (ax, ay) in enumerate(centres):
            for bx, by in centres[i + 1 :]:
                assert max(abs(ax - bx), abs(ay - by)) >= 6, f.id
    page_boxes = [
        (f.page, b)
        for f in t.fields
        for b in ([f.box] if not f.options else [o.box for o in f.options])
    ]
    for i, (pa, box_a) in enumerate(page_boxes):
        for pb, box_b in page_boxes[i + 1 :]:
            assert pa != pb or not _overlap(box_a, box_b), (box_a, box_b)


def _overlap(a: Box, b: Box) -> bool:
    return a.x < b.x2 and b.x < a.x2 and a.y < b.y2 and b.y < a.y2


def test_onestop_versions_differ(templates: dict[str, FormTemplate]) -> None:
    new, old = templates["onestop_2022"], templates["onestop_legacy"]
    assert new.family == old.family == "onestop"
    assert new.pages[0].form_code != old.pages[0].form_code
    assert "sex" not in {f.id for f in new.fields}
    assert [o.value for o in old.field("sex").options] == ["男", "女"]
    assert new.field("my_number").box != old.field("my_number").box
    for t in (new, old):
        mn = t.field("my_number")
        assert mn.cells == 12 and mn.review is ReviewPolicy.BLIND_DOUBLE_ENTRY
        assert t.field("birth_date").era_field == "birth_era"
        eras = [o.value for o in t.field("birth_era").options]
        assert eras == ["明治", "大正", "昭和", "平成", "令和"]
        assert t.field("submitted_on").fixed_era == "令和"
        assert t.field("donation_date").fixed_era == "令和"
        assert not t.field("reference_no").required
        assert t.field("eligibility_1").kind is FieldKind.CHECKBOX


def test_furusato_and_survey_shapes(templates: dict[str, FormTemplate]) -> None:
    fa = templates["furusato_application"]
    assert fa.field("postal_code").cells == 7
    assert len(fa.field("purpose").options) >= 6
    sv = templates["citizen_survey"]
    assert sv.field("q7").kind is FieldKind.MULTI_CHOICE and len(sv.field("q7").options) >= 6
    assert all(sv.field(f"q{i}").kind is FieldKind.CHOICE for i in range(1, 7))
    sats = [f for f in sv.fields if f.id.startswith("sat_")]
    assert len(sats) >= 5 and all(f.page == 2 for f in sats)
    assert sv.field("comment").kind is FieldKind.FREE_TEXT and sv.field("comment").page == 2


def test_default_dir_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("YOMITORI_TEMPLATES_DIR", raising=False)
    assert default_templates_dir() == Path(__file__).resolve().parents[2] / "templates"
    monkeypatch.setenv("YOMITORI_TEMPLATES_DIR", str(tmp_path))
    assert default_templates_dir() == tmp_path


# -- broken files ------------------------------------------------------------------------
BASE = """\
id: tiny
family: tiny
version: 1
title: テスト
pages:
- number: 1
  form_code: TST-1
  marks:
  - {x: 8, y: 8}
  - {x: 196, y: 8}
  - {x: 8, y: 283}
fields:
- id: name
  label: 氏名
  kind: text
  box: {x: 40, y: 40, w: 100, h: 10}
- id: era
  label: 元号
  kind: choice
  box: {x: 40, y: 60, w: 40, h: 10}
  options:
  - {value: 昭和, label: 昭, box: {x: 40, y: 60, w: 8, h: 10}}
  - {value: 平成, label: 平, box: {x: 48, y: 60, w: 8, h: 10}}
- id: born
  label: 生年月日
  kind: wareki_date
  box: {x: 90, y: 60, w: 50, h: 10}
  era_field: era
"""


def _write(tmp_path: Path, text: str, name: str = "tiny") -> Path:
    path = tmp_path / name / "template.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_base_is_valid(tmp_path: Path) -> None:
    assert load_template(_write(tmp_path, BASE)).id == "tiny"


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        (
            "box: {x: 40, y: 40, w: 100, h: 10}",
            "box: {x: 150, y: 40, w: 100, h: 10}",
            16,
            "name",
            "outside the page",
        ),
        ("- id: born", "- id: name", 24, "name", "duplicate"),
        ("kind: text", "kind: signature", 15, "name", "kind"),
        (
            "  - {value: 平成, label: 平, box: {x: 48, y: 60, w: 8, h: 10}}\n",
            "",
            21,
            "era",
            "at least 2 options",
        ),
        ("era_field: era", "era_field: name", 28, "born", "choice field"),
        (
            "box: {x: 40, y: 40, w: 100, h: 10}",
            "box: {x: 40, y: 40, w: 100, h: 10",
            17,
            None,
            "YAML syntax",
        ),
        (
            "box: {x: 40, y: 40, w: 100, h: 10}",
            "box: {x: 40, y: 40, w: 100, h: -1}",
            16,
            "name",
            "greater than 0",
        ),
        (
            "box: {x: 40, y: 40, w: 100, h: 10}",
            "box: {x: 10, y: 270, w: 30, h: 10}",
            16,
            "name",
            "QR code",
        ),
        ("kind: text\n", "kind: text\n  label: 名前\n", 16, None, "duplicate key 'label'"),
    ],
)
def test_broken_template_names_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str | None, words: str
) -> None:
    assert old in BASE
    path = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(TemplateError) as info:
        load_template(path)
    msg = str(info.value)
    assert "template.yaml" in msg
    assert f"line {line}" in msg, msg
    if field:
        assert f"field '{field}'" in msg, msg
    assert words in msg, msg
    assert info.value.message_ja.startswith("帳票定義に誤りがあります")


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="line 1"):
        load_template(_write(tmp_path, "- just\n- a list\n"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cannot read"):
        load_template(tmp_path / "nope.yaml")


def test_duplicate_template_ids(tmp_path: Path) -> None:
    _write(tmp_path, BASE, "a")
    _write(tmp_path, BASE, "b")
    with pytest.raises(TemplateError, match="template id 'tiny' is also used"):
        load_templates(tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="does not exist"):
        load_templates(tmp_path / "missing")
