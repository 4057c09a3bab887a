"""Survey aggregation on synthetic ground truth: exact counts, computed independently here."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
import pytest

from domain.model import FormTemplate, PageReading
from domain.status import FieldStatus
from reports.data import DocumentInput, Exclusion, Forms, build_forms, frame_from_readings
from reports.survey import MULTIPLE, NO_ANSWER, SCALE, TOTAL, aggregate, is_survey
from reports.truth import pages_from_truth, pages_from_values
from synth.generate import SynthOptions, generate_document

N_DOCS = 200
PENDING = {5, 50, 95}  # a field still waits for staff
INCOMPLETE = {17}  # page 2 never arrived
NOT_READ = {33}  # queued for a re-read
SINGLE = ["age_bracket", "area", "q1", "q2", "q3", "q4", "q5", "q6"]
SAT = [f"sat_{i}" for i in range(1, 7)]


def _status(fid: str, ft: dict[str, Any]) -> FieldStatus:
    # two marks in a single choice: staff looked and confirmed there is no single answer
    return FieldStatus.CONFIRMED if len(ft.get("marks") or []) > 1 else FieldStatus.AUTO_ACCEPTED


def _pending(fid: str, ft: dict[str, Any]) -> FieldStatus:
    return FieldStatus.NEEDS_REVIEW if fid == "q2" else _status(fid, ft)


@pytest.fixture(scope="module")
def survey(templates: dict[str, FormTemplate]) -> tuple[FormTemplate, list[dict[str, Any]], pd.DataFrame]:
    t = templates["citizen_survey"]
    opts = SynthOptions(dpi=100, degrade=False, rotate180_prob=0.0)
    truths, docs = [], []
    for i in range(N_DOCS):
        truth = generate_document(t, 9000 + i, opts).truth
        truths.append(truth)
        pages = pages_from_truth(truth, t, _pending if i in PENDING else _status)
        if i in INCOMPLETE:
            pages = [p for p in pages if p.page_number != 2]
        docs.append(DocumentInput(i + 1, pages, source_name=f"{truth['document_id']}.tiff",
                                  status="processing" if i in NOT_READ else None))
    return t, truths, frame_from_readings(docs)


def _fields(truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {fid: ft for p in truth["pages"] for fid, ft in p["fields"].items()}


def _counted(truths: list[dict[str, Any]]) -> list[tuple[int, dict[str, dict[str, Any]]]]:
    skip = PENDING | INCOMPLETE | NOT_READ
    return [(i + 1, _fields(t)) for i, t in enumerate(truths) if i not in skip]


def _category(ft: dict[str, Any]) -> str:
    if ft["value"] is not None:
        return str(ft["value"])
    return MULTIPLE if len(ft["marks"]) > 1 else NO_ANSWER


@pytest.mark.slow
def test_counts_match_the_ground_truth(
        survey: tuple[FormTemplate, list[dict[str, Any]], pd.DataFrame]) -> None:
    t, truths, frame = survey
    result = aggregate(build_forms(frame, t))
    counted = _counted(truths)
    n = len(counted)
    assert (result.total_forms, result.counted) == (N_DOCS, n)
    assert result.excluded == {Exclusion.NOT_READ: 1, Exclusion.PENDING_FIELDS: 3, Exclusion.INCOMPLETE: 1}
    assert "集計対象外 5 件" in result.exclusion_text()

    for fid in SINGLE:
        expected = Counter(_category(f[fid]) for _, f in counted)
        table = result.table(fid).frame.set_index("回答")
        got = {k: int(v) for k, v in table["件数"].items() if k != TOTAL and v}
        assert got == dict(expected), fid
        assert int(table.loc[TOTAL, "件数"]) == n
        for k, v in expected.items():
            assert table.loc[k, "割合(%)"] == round(v / n * 100, 1)
    assert sum(_category(f["q3"]) == MULTIPLE for _, f in counted) > 0  # the case is exercised

    multi = Counter(o for _, f in counted for o in f["q7"]["value"] or [])
    q7 = result.table("q7").frame.set_index("選択肢")
    assert {k: int(q7.loc[k, "件数"]) for k in multi} == dict(multi)
    assert int(q7.loc[NO_ANSWER, "件数"]) == sum(not f["q7"]["value"] for _, f in counted)

    grid = result.table("satisfaction").frame.set_index("項目")
    for fid in SAT:
        label = t.field(fid).label
        cats = Counter(_category(f[fid]) for _, f in counted)
        assert {c: int(grid.loc[label, c]) for c in (*SCALE, MULTIPLE, NO_ANSWER) if cats[c]} == dict(cats)
        scores = [5 - SCALE.index(f[fid]["value"]) for _, f in counted if f[fid]["value"] in SCALE]
        assert grid.loc[label, "平均点"] == round(sum(scores) / len(scores), 2)

    cross = result.table("cross_age_bracket_q1").frame.set_index("年齢")
    pairs = Counter((_category(f["age_bracket"]), _category(f["q1"])) for _, f in counted)
    for (age, q1), k in pairs.items():
        assert int(cross.loc[age, q1]) == k
    assert int(cross.loc[TOTAL, TOTAL]) == n
    assert "cross_area_q6" in {tb.key for tb in result.tables}

    means = result.table("mean_area").frame.set_index("地区")
    area = "中央地区"
    s1 = [5 - SCALE.index(f["sat_1"]["value"]) for _, f in counted
          if f["area"]["value"] == area and f["sat_1"]["value"] in SCALE]
    assert means.loc[area, t.field("sat_1").label] == round(sum(s1) / len(s1), 2)

    comments = result.table("comment").frame
    expected_comments = [(doc, f["comment"]["value"].strip()) for doc, f in counted
                         if f["comment"]["value"] and f["comment"]["value"].strip()]
    assert list(zip(comments["受付番号"], comments["自由意見"], strict=True)) == expected_comments
    assert comments["原本ファイル"].str.endswith(".tiff").all()


def _form(t: FormTemplate, **values: Any) -> list[PageReading]:
    v = {f.id: {"value": values.get(f.id), "marks": []} for f in t.fields}
    v["q7"]["value"] = values.get("q7", [])
    return pages_from_values(t, v)


def test_unreadable_counts_as_no_answer_only_after_staff_said_so(templates: dict[str, FormTemplate]) -> None:
    t = templates["citizen_survey"]
    pages = _form(t, q1="5年未満")
    pages[0] = pages[0].model_copy(update={"fields": [
        f.model_copy(update={"status": FieldStatus.UNREADABLE}) if f.field_id == "q2" else f
        for f in pages[0].fields]})
    docs = [DocumentInput(1, pages, status="needs_review"),  # nobody looked yet
            DocumentInput(2, pages, status="reviewed", acted=frozenset({"q2"}))]
    forms = build_forms(frame_from_readings(docs), t)
    assert list(forms.meta["excluded"]) == [Exclusion.PENDING_FIELDS.value, None]
    q2 = aggregate(forms).table("q2").frame.set_index("回答")
    assert int(q2.loc[NO_ANSWER, "件数"]) == 1 and int(q2.loc[TOTAL, "件数"]) == 1


def test_a_stack_of_forms_in_one_file_is_several_forms(templates: dict[str, FormTemplate]) -> None:
    t = templates["citizen_survey"]
    first, second = _form(t, q1="5年未満"), _form(t, q1="20年以上")
    pages = [*first, *(p.model_copy(update={"index": p.index + 2}) for p in second)]
    forms: Forms = build_forms(frame_from_readings([DocumentInput(7, pages, status="read")]), t)
    assert list(forms.meta["form_seq"]) == [1, 2]
    assert list(forms.values["q1"]) == ["5年未満", "20年以上"]
    assert forms.meta["excluded"].isna().all()


def test_a_document_in_review_keeps_its_settled_forms_out(templates: dict[str, FormTemplate]) -> None:
    t = templates["citizen_survey"]
    forms = build_forms(frame_from_readings([DocumentInput(1, _form(t), status="needs_review")]), t)
    assert forms.excluded_counts() == {Exclusion.DOCUMENT_IN_REVIEW: 1}
    assert aggregate(forms).counted == 0


def test_only_surveys_are_surveys(templates: dict[str, FormTemplate]) -> None:
    assert is_survey(templates["citizen_survey"])
    assert not is_survey(templates["onestop_2022"])
    assert not is_survey(templates["furusato_application"])
