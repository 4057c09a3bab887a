"""The editor's pure edit functions (authoring/edits.py, merge.py, reference_image.py, edit_journal.py)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from authoring.edit_journal import restore, undo_step
from authoring.edits import EditRefused, copy_fields, set_allowed_chars, set_mark_style, set_title
from authoring.merge import merge_into_choice, merge_into_grid
from authoring.reference_image import mask_region, normalize_upload
from domain.model import Box, FormTemplate
from domain.validate import alphabet_for


def _box(x: float, y: float, w: float = 4, h: float = 4) -> dict[str, float]:
    return {"x": x, "y": y, "w": w, "h": h}


def form() -> FormTemplate:
    """A drafted scan: a 3 × 4 block of checkboxes, a lone one on page 2, a text row, a choice."""
    fields: list[dict[str, Any]] = [
        {"id": "q1", "label": "問1", "kind": "text", "box": _box(20, 20, 60, 8)},
        {"id": "q1_note", "label": "備考", "kind": "text", "box": _box(90, 20, 40, 8)},
        {"id": "birth_era", "label": "元号", "kind": "choice", "box": _box(20, 40, 40, 8),
         "options": [{"value": "昭和", "label": "昭和", "box": _box(22, 42)},
                     {"value": "平成", "label": "平成", "box": _box(32, 42)}]},
        {"id": "birth", "label": "生年月日", "kind": "wareki_date", "box": _box(70, 40, 40, 8),
         "era_field": "birth_era"}]
    for r in range(3):
        for c in range(4):
            fields.append({"id": f"cb_{r}_{c}", "label": ["そう思う", "やや", "あまり", "思わない"][c],
                           "kind": "checkbox", "box": _box(100 + 15 * c, 100 + 10 * r),
                           "guessed": ["kind", "label"]})
    fields.append({"id": "other_page", "label": "その他", "kind": "checkbox", "page": 2,
                   "box": _box(100, 100)})
    pages = [{"number": n, "form_code": f"DRAFT-{n}", "reference_image": f"reference/page{n}.png"}
             for n in (1, 2)]
    return FormTemplate.model_validate({"id": "survey", "family": "survey", "version": 3, "title": "調査票",
                                        "source": "scanned", "status": "draft", "pages": pages,
                                        "fields": fields})


def test_title_is_changed_and_hostile_markup_is_kept_as_plain_text() -> None:
    t = set_title(form(), "  <script>alert(1)</script>市民アンケート  ")
    assert t.title == "<script>alert(1)</script>市民アンケート"  # stored as text; the page escapes it
    assert FormTemplate.model_validate(t.model_dump(mode="json")).title == t.title
    for bad, msg in (("   ", "入力"), ("a\nb", "改行"), ("x" * 121, "120文字"),
                     ("調査票", "変わっていません")):
        with pytest.raises(EditRefused) as err:
            set_title(form(), bad)
        assert msg in err.value.message_ja


def test_allowed_characters_of_a_text_field() -> None:
    t = set_allowed_chars(form(), "q1", "digits", None)
    assert t.field("q1").alphabet == "digits" and alphabet_for(t.field("q1")) == "0123456789"
    t = set_allowed_chars(t, "q1", None, "0123-0123")
    assert t.field("q1").allowed_chars == "0123-" and t.field("q1").alphabet is None  # duplicates dropped
    with pytest.raises(EditRefused, match="mark field"):
        set_allowed_chars(form(), "cb_0_0", "digits", None)
    with pytest.raises(EditRefused, match="unknown alphabet"):
        set_allowed_chars(form(), "q1", "klingon", None)
    with pytest.raises(EditRefused, match="control"):
        set_allowed_chars(form(), "q1", None, "12\n3")
    with pytest.raises(EditRefused, match="no field"):
        set_allowed_chars(form(), "<script>", None, "1")


def test_mark_style_of_a_choice_and_of_a_grid() -> None:
    t = set_mark_style(form(), "birth_era", "bubble")
    assert t.field("birth_era").mark_style == "bubble"
    with pytest.raises(EditRefused) as err:
        set_mark_style(form(), "cb_0_0", "bubble")  # a lone checkbox has no options
    assert "選択肢がありません" in err.value.message_ja
    with pytest.raises(EditRefused, match="unknown mark style"):
        set_mark_style(form(), "birth_era", "star")
    g = merge_into_grid(form(), [f"cb_{r}_{c}" for r in range(3) for c in range(4)], "likert", "満足度")
    g = set_mark_style(g, "likert", "bubble")
    assert g.grids[0].mark_style == "bubble" and g.field("likert_1").mark_style == "bubble"
    with pytest.raises(EditRefused, match="circle on grid"):
        set_mark_style(g, "likert", "circle")


def test_copy_a_row_with_an_offset_repeated() -> None:
    t, made = copy_fields(form(), ["q1", "q1_note"], 0, 10, count=3)
    assert made == ["q2", "q1_note_2", "q3", "q1_note_3", "q4", "q1_note_4"]
    assert [t.field(i).box.y for i in ("q2", "q3", "q4")] == [30, 40, 50]
    assert t.field("q3").label == "問3" and t.field("q1_note_2").label == "備考"
    # a wareki date copied with its era choice points to the copied choice, options move along
    t, made = copy_fields(form(), ["birth_era", "birth"], 0, 15)
    assert made == ["birth_era_2", "birth_2"] and t.field("birth_2").era_field == "birth_era_2"
    assert t.field("birth_era_2").options[0].box.y == 57


def test_copy_refuses_an_offset_that_moves_a_field_off_the_page() -> None:
    with pytest.raises(EditRefused) as err:
        copy_fields(form(), ["q1"], 0, 100, count=3)  # the third copy is below the paper
    assert "3個目の複製" in err.value.message_ja and "用紙の外" in err.value.message_ja
    with pytest.raises(EditRefused):
        copy_fields(form(), ["q1"], -30, 0)  # left of the paper
    for ids, dx, dy, n in (([], 0, 5, 1), (["q1"], 0, 0, 1), (["q1"], 0, 5, 0), (["q1"], float("nan"), 5, 1),
                           (["nope"], 0, 5, 1)):
        with pytest.raises(EditRefused):
            copy_fields(form(), ids, dx, dy, n)


def test_merge_checkboxes_into_one_choice() -> None:
    ids = ["cb_0_2", "cb_0_0", "cb_0_1", "cb_0_3"]
    t = merge_into_choice(form(), ids, "q5", "どう思いますか", mark_style="box")
    q5 = t.field("q5")
    assert q5.kind == "choice" and q5.guessed == []
    assert [o.value for o in q5.options] == ["そう思う", "やや", "あまり", "思わない"]  # left to right
    assert [o.box.x for o in q5.options] == [100, 115, 130, 145]
    assert all(not any(f.id == i for f in t.fields) for i in ids)
    assert [f.id for f in t.fields].index("q5") == 4  # where the first box was
    # same labels: values fall back to the ids
    t = merge_into_choice(form(), ["cb_0_0", "cb_1_0"], "q6", "はい", multiple=True)
    assert [o.value for o in t.field("q6").options] == ["cb_0_0", "cb_1_0"]
    assert t.field("q6").kind == "multi_choice"


def test_merge_refuses_boxes_from_different_pages_overlapping_or_not_checkboxes() -> None:
    with pytest.raises(EditRefused) as err:
        merge_into_choice(form(), ["cb_0_0", "other_page"], "q7", "x")
    assert "別々のページ" in err.value.message_ja
    data = form().model_dump(mode="json")  # cb_0_1 moved onto cb_0_0
    overlapping = FormTemplate.model_validate({**data, "fields": [
        {**f, "box": _box(102, 101)} if f["id"] == "cb_0_1" else f for f in data["fields"]]})
    with pytest.raises(EditRefused) as err:
        merge_into_choice(overlapping, ["cb_0_0", "cb_0_1"], "q7", "x")
    assert "重なっています" in err.value.message_ja
    for ids, new_id in ((["cb_0_0"], "q7"), (["cb_0_0", "q1"], "q7"), (["cb_0_0", "cb_0_1"], "Q7"),
                        (["cb_0_0", "cb_0_1"], "q1"), (["cb_0_0", "cb_0_1"], "<script>")):
        with pytest.raises(EditRefused):
            merge_into_choice(form(), ids, new_id, "x")
    with pytest.raises(EditRefused):
        merge_into_choice(form(), ["cb_0_0", "cb_0_1"], "q7", "   ")


def test_merge_checkboxes_into_a_grid() -> None:
    ids = [f"cb_{r}_{c}" for r in range(3) for c in range(4)]
    t = merge_into_grid(form(), ids, "likert", "満足度", columns=["4", "3", "2", "1"])
    g = t.grids[0]
    assert (len(g.rows), len(g.columns)) == (3, 4) and (g.pitch.x, g.pitch.y) == (15, 10)
    assert (g.origin.x, g.origin.y, g.mark.w, g.mark.h) == (100, 100, 4, 4)
    assert [f.id for f in t.fields if f.grid] == ["likert_1", "likert_2", "likert_3"]
    assert [o.box.x for o in t.field("likert_2").options] == [100, 115, 130, 145]
    assert [o.value for o in t.field("likert_3").options] == ["4", "3", "2", "1"]
    assert [o.label for o in t.field("likert_3").options] == ["そう思う", "やや", "あまり", "思わない"]
    assert t.field("likert_2").label == "満足度 2"
    assert not any(f.id.startswith("cb_") for f in t.fields)
    again = FormTemplate.model_validate(t.model_dump(mode="json"))  # round-trips as saved
    assert [f.id for f in again.fields] == [f.id for f in t.fields]
    with pytest.raises(EditRefused, match="unequal"):
        merge_into_grid(form(), ids[:-1], "likert", "満足度")
    with pytest.raises(EditRefused, match="column values"):
        merge_into_grid(form(), ids, "likert", "満足度", columns=["a", "b"])
    with pytest.raises(EditRefused, match="different pages"):
        merge_into_grid(form(), [*ids, "other_page"], "likert", "満足度")
    with pytest.raises(EditRefused, match="not evenly"):
        merge_into_grid(_moved(form(), "cb_2_", 5), ids, "likert", "満足度")  # third row 5 mm lower


def _moved(t: FormTemplate, prefix: str, dy: float) -> FormTemplate:
    data = t.model_dump(mode="json")
    for f in data["fields"]:
        if f["id"].startswith(prefix):
            f["box"]["y"] += dy
    return FormTemplate.model_validate(data)


def _png(w: int, h: int, value: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((h, w), value, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_mask_paints_exactly_the_region_white() -> None:
    masked = mask_region(_png(210, 297), (210, 297), Box(x=10, y=20, w=30, h=5))
    out = np.asarray(Image.open(io.BytesIO(masked)))
    assert (out[20:25, 10:40] == 255).all()
    assert out[19, 10] == 0 and out[25, 10] == 0 and out[20, 9] == 0 and out[20, 40] == 0
    with pytest.raises(EditRefused, match="outside"):
        mask_region(_png(210, 297), (210, 297), Box(x=200, y=20, w=30, h=5))


def test_replacing_the_reference_checks_the_image() -> None:
    png = normalize_upload(_png(420, 594, 200), (210, 297))
    assert Image.open(io.BytesIO(png)).mode == "L"
    rgba = io.BytesIO()
    Image.new("RGBA", (420, 594), (0, 0, 0, 0)).save(rgba, format="PNG")  # transparent = paper
    assert np.asarray(Image.open(io.BytesIO(normalize_upload(rgba.getvalue(), (210, 297))))).min() == 255
    for data, msg in ((b"", "選んで"), (b"<script>alert(1)</script>", "読めない"),
                      (_png(594, 420), "縦横の比"), (_png(100, 141), "小さすぎ")):
        with pytest.raises(EditRefused) as err:
            normalize_upload(data, (210, 297))
        assert msg in err.value.message_ja


def test_undo_is_a_stack_of_actions() -> None:
    with pytest.raises(EditRefused) as err:
        undo_step([], 1)
    assert "元に戻せる操作がありません" in err.value.message_ja
    journal = [{"version": 2, "base": 1, "action": "title"}, {"version": 3, "base": 2, "action": "copy"}]
    assert undo_step(journal, 3).base == 2
    journal.append({"version": 4, "base": 2, "action": "undo"})  # version 4 = version 2's content
    assert undo_step(journal, 4).base == 1
    journal.append({"version": 5, "base": 1, "action": "undo"})
    with pytest.raises(EditRefused, match="nothing to undo"):
        undo_step(journal, 5)
    with pytest.raises(EditRefused, match="saved since"):  # version 4 saved by the editor's 保存 button
        undo_step([{"version": 3, "base": 2, "action": "copy"}], 4)
    with pytest.raises(EditRefused, match="malformed"):
        undo_step([{"version": "x"}], 1)


def test_restore_keeps_the_current_status() -> None:
    base, current = form(), set_title(form(), "新しい名前")
    restored = restore(current.model_copy(update={"status": "active"}), base)
    assert restored.title == "調査票" and restored.status == "active"


def test_a_grid_with_uneven_columns_keeps_each_column_position() -> None:
    data = form().model_dump(mode="json")
    for f in data["fields"]:
        if f["id"].endswith("_3"):  # the last column printed further right
            f["box"]["x"] += 6
    ids = [f"cb_{r}_{c}" for r in range(3) for c in range(4)]
    t = merge_into_grid(FormTemplate.model_validate(data), ids, "likert", "満足度")
    assert [c.x for c in t.grids[0].columns] == [100, 115, 130, 151]
    assert [o.box.x for o in t.field("likert_1").options] == [100, 115, 130, 151]
