"""Rules of the domain model and the error families (domain/model.py, domain/errors.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.errors import BusinessError, TemplateError
from domain.model import Box, FieldReading, FieldSpec, FormTemplate, PageReading, PageSpec
from domain.status import FieldKind, PageStatus

# ---------------------------------------------------------------- Box.inside (A4: 210 × 297 mm)


@pytest.mark.parametrize("box", [
    Box(x=10, y=20, w=200, h=277),  # ends exactly on the right and bottom edges
    Box(x=0, y=0, w=210 + 1e-6, h=10),  # rounding of a micrometre past the right edge
    Box(x=0, y=0, w=10, h=297 + 1e-6),  # … and past the bottom edge
])
def test_rule_a_box_ending_on_the_page_edge_is_inside(box: Box) -> None:
    """Rule: a box may reach the page edge (with 1e-6 mm tolerance for rounding)."""
    assert box.inside(210, 297)


@pytest.mark.parametrize("box", [
    Box(x=0, y=0, w=210.5, h=10),  # half a millimetre past the right edge
    Box(x=0, y=0, w=10, h=297.5),  # half a millimetre past the bottom edge
    Box(x=205, y=0, w=6, h=10),
])
def test_rule_a_box_past_the_page_edge_is_outside(box: Box) -> None:
    """Rule: more than rounding past an edge is outside the page."""
    assert not box.inside(210, 297)


def test_rule_a_template_refuses_a_field_off_the_page() -> None:
    """Rule: a template whose field box overhangs the page by 0.5 mm does not load."""
    with pytest.raises(ValidationError, match="outside the page"):
        FormTemplate(id="t", family="t", version=1, title="様式", pages=[PageSpec(number=1, form_code="T-1")],
                     fields=[FieldSpec(id="a", label="a", kind=FieldKind.TEXT,
                                       box=Box(x=200, y=0, w=10.5, h=10))])


# ---------------------------------------------------------------- FormTemplate lookups


def _two_pages(source: str = "rendered", refs: tuple[str | None, str | None] = (None, None)) -> FormTemplate:
    return FormTemplate(
        id="city_form", family="city_form", version=1, title="市の様式", source=source,
        pages=[PageSpec(number=1, form_code="CITY-1", reference_image=refs[0]),
               PageSpec(number=2, form_code="CITY-2", reference_image=refs[1])],
        fields=[FieldSpec(id="name", label="氏名", kind=FieldKind.TEXT, box=Box(x=0, y=0, w=50, h=10)),
                FieldSpec(id="comment", label="ご意見", kind=FieldKind.FREE_TEXT, page=2,
                          box=Box(x=0, y=0, w=50, h=10))],
    )


def test_rule_pages_are_numbered_from_one() -> None:
    """Rule: page(n) is the n-th page (1-based)."""
    t = _two_pages()
    assert t.page(1).form_code == "CITY-1" and t.page(2).form_code == "CITY-2"


def test_rule_fields_on_a_page_are_that_pages_fields_only() -> None:
    """Rule: fields_on(p) lists the fields of page p, in template order."""
    t = _two_pages()
    assert [f.id for f in t.fields_on(1)] == ["name"]
    assert [f.id for f in t.fields_on(2)] == ["comment"]
    assert t.fields_on(3) == []


def test_rule_an_unknown_field_id_raises_key_error_naming_it() -> None:
    """Rule: FormTemplate.field / PageReading.field find by id, else KeyError with that id."""
    t = _two_pages()
    assert t.field("comment").page == 2
    with pytest.raises(KeyError, match="postal"):
        t.field("postal")
    page = PageReading(index=0, status=PageStatus.READ, fields=[
        FieldReading(field_id="name", kind=FieldKind.TEXT, value="山田"),
        FieldReading(field_id="comment", kind=FieldKind.FREE_TEXT, value="よい"),
    ])
    assert page.field("comment").value == "よい" and page.field("name").value == "山田"
    with pytest.raises(KeyError, match="postal"):
        page.field("postal")


def test_rule_a_scanned_page_resolves_its_blank_scan_against_the_template_folder() -> None:
    """Rule: reference_path = template folder / reference_image; None for a page without one."""
    t = _two_pages("scanned", ("blank1.png", "blank2.png"))
    assert t.source_dir is None
    located = t.with_source_dir(Path("/srv/templates/city_form"))
    assert located.source_dir == Path("/srv/templates/city_form")
    assert t.source_dir is None  # with_source_dir made a copy
    assert located.reference_path(1) == Path("/srv/templates/city_form/blank1.png")
    assert located.reference_path(2) == Path("/srv/templates/city_form/blank2.png")
    assert _two_pages().with_source_dir(Path("/srv")).reference_path(1) is None


def test_rule_a_blank_scan_without_a_template_folder_is_an_error_naming_the_template() -> None:
    """Rule: a reference_image cannot be resolved before the loader set the folder."""
    with pytest.raises(ValueError, match="city_form@1"):
        _two_pages("scanned", ("blank1.png", "blank2.png")).reference_path(1)


# ---------------------------------------------------------------- error families


def test_rule_a_business_error_without_a_code_is_coded_business() -> None:
    """Rule: BusinessError.code defaults to 'business' (stored with quarantined documents)."""
    err = BusinessError("bad scan", "読み取れません")
    assert err.code == "business" and err.message_ja == "読み取れません" and str(err) == "bad scan"
    assert BusinessError("x", "y", "encrypted").code == "encrypted"


def test_rule_a_template_error_is_coded_template_with_a_japanese_message() -> None:
    """Rule: TemplateError is a BusinessError coded 'template'; its Japanese text names the problem."""
    err = TemplateError("line 3: field 'a' box lies outside the page")
    assert isinstance(err, BusinessError)
    assert err.code == "template"
    assert err.message_ja == "帳票定義に誤りがあります: line 3: field 'a' box lies outside the page"
    assert TemplateError("m", "様式の3行目が不正です").message_ja == "様式の3行目が不正です"


@pytest.mark.parametrize("fields", ["missing", None, 5])
def test_rule_a_template_without_a_list_of_fields_is_refused_as_invalid(fields: object) -> None:
    """Rule: a template whose ``fields`` is missing or not a list is refused with a validation error.

    The loader turns a ``ValidationError`` into the admin's message; any other exception
    (a ``TypeError`` from looking for grid rows in ``None``) would escape it as a crash.
    """
    data: dict[str, object] = {"id": "t", "family": "t", "version": 1, "title": "様式",
                               "pages": [{"number": 1, "form_code": "T-1"}]}
    if fields != "missing":
        data["fields"] = fields
    with pytest.raises(ValidationError, match="fields"):
        FormTemplate.model_validate(data)
