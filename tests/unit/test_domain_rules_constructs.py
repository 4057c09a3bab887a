"""Rules of answer grids and bubbled numbers (domain.constructs, domain.model.grid_fields).

Pure domain: imports only ``domain`` and pytest (part of ``make mutate``). Every expected
box is worked out by hand: mark (x, y) = origin + index x pitch, rounded to 0.01 mm; a
row's field box is its marks plus 0.5 mm, or the declared ruled row centred on them.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.constructs import BubbleColumns, GridSpec
from domain.model import Box, FieldSpec, grid_fields
from domain.status import FieldKind


def grid(**over: Any) -> GridSpec:
    spec: dict[str, Any] = {"id": "q", "label": "満足度", "origin": {"x": 20, "y": 50},
                            "mark": {"w": 4, "h": 4}, "pitch": {"x": 10, "y": 8},
                            "rows": ["a", "b"], "columns": ["1", "2", "3"]}
    spec.update(over)
    return GridSpec.model_validate(spec)


def bubbles(**over: Any) -> BubbleColumns:
    spec: dict[str, Any] = {"origin": {"x": 10, "y": 20}, "mark": {"w": 3, "h": 3}, "pitch": {"x": 5, "y": 4},
                            "columns": 3}
    spec.update(over)
    return BubbleColumns.model_validate(spec)


def refused(make: Any, **over: Any) -> str:
    with pytest.raises(ValidationError) as err:
        make(**over)
    return str(err.value)


# --- grid geometry ------------------------------------------------------------------------


def test_rule_grid_marks_sit_at_origin_plus_pitch() -> None:
    g = grid()
    assert [g.column_x(c) for c in range(3)] == [20.0, 30.0, 40.0]
    assert g.mark_box(0, 0) == (20.0, 50.0, 4.0, 4.0)
    assert g.mark_box(1, 2) == (40.0, 58.0, 4.0, 4.0)
    assert g.extent == (44.0, 62.0)
    assert g.field_id(g.rows[1]) == "q_b"


def test_rule_a_column_with_its_own_x_is_placed_there_not_by_pitch() -> None:
    g = grid(columns=[{"value": "y", "x": 31.5}, {"value": "n", "x": 47}], pitch={"x": 0, "y": 8})
    assert (g.column_x(0), g.column_x(1)) == (31.5, 47.0)
    assert g.mark_box(1, 1) == (47.0, 58.0, 4.0, 4.0)


def test_rule_mark_positions_are_rounded_to_a_hundredth_of_a_millimetre() -> None:
    g = grid(origin={"x": 10.001, "y": 20.004}, pitch={"x": 5.333, "y": 6.667})
    # column 1: 10.001 + 5.333 = 15.334 → 15.33; row 2: 20.004 + 13.334 = 33.338 → 33.34
    assert g.mark_box(2, 1)[:2] == (15.33, 33.34)


def test_rule_rows_and_columns_given_as_plain_strings_or_numbers_become_ids_and_values() -> None:
    g = grid(rows=[1, "x2", {"id": "x3", "label": "三問目"}], columns=[1, 2, {"value": "3", "label": "強く"}])
    assert [r.id for r in g.rows] == ["1", "x2", "x3"] and g.rows[2].label == "三問目"
    assert [c.value for c in g.columns] == ["1", "2", "3"] and g.columns[2].label == "強く"


# --- grid validation (Japanese, the admin writes these) -----------------------------------


def test_rule_a_grid_needs_a_row_and_two_columns() -> None:
    assert "行（rows）を1つ以上指定してください" in refused(grid, rows=[])
    assert "グリッド 'q'" in refused(grid, rows=[])
    assert "列（columns）は2つ以上必要です" in refused(grid, columns=["1"])
    grid(columns=["1", "2"], rows=["a"])  # two columns, one row: fine


def test_rule_duplicate_row_ids_and_column_values_are_named() -> None:
    assert "行のIDが重複しています: a, b" in refused(grid, rows=["b", "a", "c", "b", "a"])
    assert "列の値が重複しています: 2" in refused(grid, columns=["1", "2", "2"])


def test_rule_columns_closer_than_a_mark_are_refused_at_the_boundary() -> None:
    grid(pitch={"x": 4, "y": 8})  # gap 4 mm = mark width 4 mm: touching, allowed
    msg = refused(grid, pitch={"x": 3.9, "y": 8})
    assert "列の間隔 3.9 mm が印の幅 4.0 mm より狭く" in msg
    # uneven columns: the smallest gap decides (10 then 3)
    assert "列の間隔 3.0 mm" in refused(grid, columns=[{"value": "a", "x": 0}, {"value": "b", "x": 10},
                                                       {"value": "c", "x": 13}])


def test_rule_rows_closer_than_a_mark_are_refused_only_when_there_are_two_rows() -> None:
    grid(pitch={"x": 10, "y": 4})  # equal: allowed
    assert "行の間隔 3.9 mm が印の高さ 4.0 mm より狭く" in refused(grid, pitch={"x": 10, "y": 3.9})
    grid(rows=["only"], pitch={"x": 10, "y": 0})  # one row: no row pitch needed


@pytest.mark.parametrize(("row_box", "ok"), [
    ({"x": 20, "w": 24, "h": 4}, True),     # exactly around the marks 20..44, height = mark
    ({"x": 20.1, "w": 30, "h": 5}, False),  # starts right of the first mark
    ({"x": 10, "w": 33.9, "h": 5}, False),  # ends before the last mark's right edge (44)
    ({"x": 10, "w": 40, "h": 3.9}, False),  # lower than a mark
])
def test_rule_a_ruled_row_must_enclose_its_marks(row_box: dict[str, float], ok: bool) -> None:
    if ok:
        grid(row_box=row_box)
    else:
        assert "row_box（行の枠）が印を囲んでいません" in refused(grid, row_box=row_box)


# --- grid → fields -------------------------------------------------------------------------


def test_rule_each_grid_row_becomes_one_choice_field_with_its_marks_as_options() -> None:
    g = grid(rows=["a", {"id": "b", "label": "設問2"}], columns=[{"value": "1", "label": "はい"}, "2", "3"],
             page=2, required=True, guessed=["label"])
    a, b = grid_fields(g)
    assert (a.id, a.label, b.id, b.label) == ("q_a", "満足度 a", "q_b", "満足度 設問2")
    assert a.kind is FieldKind.CHOICE and a.page == 2 and a.required and a.grid == "q"
    assert a.guessed == ["label"] and a.guessed is not g.guessed
    assert [(o.value, o.label) for o in a.options] == [("1", "はい"), ("2", "2"), ("3", "3")]
    assert [o.box for o in b.options] == [Box(x=20, y=58, w=4, h=4), Box(x=30, y=58, w=4, h=4),
                                          Box(x=40, y=58, w=4, h=4)]
    # marks 20..44 x 50..54, plus 0.5 mm each side
    assert a.box == Box(x=19.5, y=49.5, w=25.0, h=5.0)
    assert b.box == Box(x=19.5, y=57.5, w=25.0, h=5.0)
    assert a.mark_style == "box"


def test_rule_a_multiple_answer_grid_makes_multi_choice_fields_with_its_mark_style() -> None:
    [f] = grid_fields(grid(rows=["a"], multiple=True, mark_style="bubble"))
    assert f.kind is FieldKind.MULTI_CHOICE and f.mark_style == "bubble"
    assert f.page == 1 and not f.required and f.guessed == []


def test_rule_a_field_box_never_starts_left_of_or_above_the_page_edge() -> None:
    [f] = grid_fields(grid(rows=["a"], origin={"x": 0.2, "y": 0.3}))
    # marks 0.2..24.2 x 0.3..4.3; minus 0.5 would be negative → 0
    assert f.box == Box(x=0.0, y=0.0, w=24.7, h=4.8)


def test_rule_a_ruled_row_is_the_field_box_centred_on_the_marks() -> None:
    [f] = grid_fields(grid(rows=["a"], row_box={"x": 10, "w": 50, "h": 10}))
    # marks plus pad: y 49.5..54.5, centre 52 → 47..57
    assert f.box == Box(x=10.0, y=47.0, w=50.0, h=10.0)
    [top] = grid_fields(grid(rows=["a"], origin={"x": 20, "y": 1}, row_box={"x": 10, "w": 50, "h": 10}))
    # y 0.5..5.5, centre 3 → -2 (clamped to 0)..8
    assert top.box == Box(x=10.0, y=0.0, w=50.0, h=8.0)


# --- bubbled numbers ----------------------------------------------------------------------


def test_rule_bubble_column_i_is_digit_i_and_its_rows_are_the_values_top_down() -> None:
    b = bubbles()
    assert b.values == "0123456789"
    assert b.mark_box(0, 0) == (10.0, 20.0, 3.0, 3.0)
    assert b.mark_box(2, 9) == (20.0, 56.0, 3.0, 3.0)
    assert b.extent == (23.0, 59.0)
    odd = bubbles(origin={"x": 10.001, "y": 20.004}, pitch={"x": 5.333, "y": 6.667})
    assert odd.mark_box(1, 2)[:2] == (15.33, 33.34)
    assert bubbles(values="ABC", pitch={"x": 5, "y": 4}).extent == (23.0, 31.0)


def test_rule_bubbles_that_would_overlap_or_repeat_a_value_are_refused() -> None:
    assert "バブルの値 '0012' に重複があります" in refused(bubbles, values="0012")
    bubbles(pitch={"x": 3, "y": 3})  # touching: allowed
    assert "バブルの列の間隔 2.9 mm が印の幅 3.0 mm より狭く" in refused(bubbles, pitch={"x": 2.9, "y": 4})
    bubbles(columns=1, pitch={"x": 0, "y": 4})  # one column: no column pitch needed
    assert "バブルの行の間隔 2.9 mm が印の高さ 3.0 mm より狭く" in refused(bubbles, pitch={"x": 5, "y": 2.9})
    assert "バブルの行の間隔" in refused(bubbles, columns=1, pitch={"x": 0, "y": 2.9})


# --- fields with constructs (FieldSpec) and grids in a template (FormTemplate) -------------


def field(**over: Any) -> FieldSpec:
    spec: dict[str, Any] = {"id": "no", "label": "番号", "kind": "digits",
                            "box": {"x": 10, "y": 20, "w": 20, "h": 45}}
    spec.update(over)
    return FieldSpec.model_validate(spec)


def refused_field(**over: Any) -> str:
    with pytest.raises(ValidationError) as err:
        field(**over)
    return str(err.value)


BUBBLES = {"origin": {"x": 10, "y": 20}, "mark": {"w": 3, "h": 3}, "pitch": {"x": 5, "y": 4}, "columns": 3}


def test_rule_bubbles_may_overhang_the_box_by_half_a_millimetre_and_no_more() -> None:
    """Bubbles span x 10..23, y 20..59 (3 columns at pitch 5, 10 rows at pitch 4, marks 3 mm)."""
    field(box={"x": 10.5, "y": 20.5, "w": 12.0, "h": 38.0}, bubbles=BUBBLES)  # every edge 0.5 mm out
    out = "バブルが項目の枠（box）からはみ出しています"
    assert out in refused_field(box={"x": 10.51, "y": 20, "w": 20, "h": 45}, bubbles=BUBBLES)
    assert out in refused_field(box={"x": 10, "y": 20.51, "w": 20, "h": 45}, bubbles=BUBBLES)
    assert out in refused_field(box={"x": 10, "y": 20, "w": 12.49, "h": 45}, bubbles=BUBBLES)
    assert out in refused_field(box={"x": 10, "y": 20, "w": 20, "h": 38.49}, bubbles=BUBBLES)
    assert "項目 'no'" in refused_field(box={"x": 10, "y": 20, "w": 12.49, "h": 45}, bubbles=BUBBLES)


def test_rule_bubbles_are_for_digit_fields_without_cells() -> None:
    assert "bubbles（塗りつぶし式の番号）は kind: digits の項目にだけ使えます" in refused_field(
        kind="text", bubbles=BUBBLES)
    assert "bubbles と cells は同時に使えません" in refused_field(cells=3, bubbles=BUBBLES)
    assert "bubbles と cells は同時に使えません" in refused_field(cells=3, read_cells=True, bubbles=BUBBLES)
    assert field(bubbles=BUBBLES, copy_of="written_no").copy_of == "written_no"


def test_rule_cell_reading_needs_cells_and_a_text_field() -> None:
    assert "read_cells（1マスずつ読む）には cells（マスの数）が必要です" in refused_field(read_cells=True)
    field(read_cells=True, cells=4, alphabet="digits")
    mark = {"kind": "checkbox", "box": {"x": 10, "y": 20, "w": 5, "h": 5}}
    only_text = "read_cells・alphabet は文字の項目にだけ使えます"
    assert only_text in refused_field(alphabet="digits", **mark)
    assert only_text in refused_field(read_cells=True, cells=2, **mark)


def test_rule_copy_of_is_only_for_bubbled_numbers() -> None:
    assert "copy_of は bubbles のある項目にだけ使えます" in refused_field(copy_of="written_no")


def template(**over: Any) -> dict[str, Any]:
    t: dict[str, Any] = {"id": "survey", "family": "survey", "version": 1, "title": "アンケート",
                         "pages": [{"number": 1, "form_code": "S-1"}],
                         "fields": [{"id": "name", "label": "氏名", "kind": "text",
                                     "box": {"x": 10, "y": 10, "w": 60, "h": 10}}],
                         "grids": [{"id": "q", "label": "満足度", "origin": {"x": 20, "y": 50},
                                    "mark": {"w": 4, "h": 4}, "pitch": {"x": 10, "y": 8},
                                    "rows": ["a", "b"], "columns": ["1", "2", "3"]}]}
    t.update(over)
    return t


def test_rule_grid_rows_become_fields_and_are_made_anew_not_saved_twice() -> None:
    from domain.model import FormTemplate

    t = FormTemplate.model_validate(template())
    assert [f.id for f in t.fields] == ["name", "q_a", "q_b"]
    saved = t.model_dump(mode="json")
    assert [f["id"] for f in saved["fields"]] == ["name"]  # the grid is saved, not its rows
    again = FormTemplate.model_validate({**saved, "fields": [*saved["fields"], *[
        f.model_dump(mode="json") for f in t.fields if f.grid]]})
    assert [f.id for f in again.fields] == ["name", "q_a", "q_b"]  # old rows dropped, made anew
    # rows made earlier from a grid that is gone are dropped too
    orphan = {**saved, "grids": [], "fields": [*saved["fields"], t.fields[1].model_dump(mode="json")]}
    assert [f.id for f in FormTemplate.model_validate(orphan).fields] == ["name"]
    kept = FormTemplate.model_validate({**saved, "grids": [], "fields": [*saved["fields"], t.fields[1]]})
    assert [f.id for f in kept.fields] == ["name"]
