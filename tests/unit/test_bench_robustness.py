"""bench/robustness.py without the reader: arguments, scoring, the SUMMARY line."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from domain.model import FormTemplate
from domain.status import PageStatus
from forms.loader import load_templates
from services.evaluate import UNREAD_KIND, FieldOutcome, PageOutcome

BENCH = Path(__file__).resolve().parents[2] / "bench" / "robustness.py"


@pytest.fixture(scope="module")
def rb() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_robustness", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _f(kind: str, correct: bool, auto: bool, field_id: str = "f",
       template: str = "onestop_2022") -> FieldOutcome:
    return FieldOutcome(template_id=template, field_id=field_id, kind=kind, style="handwriting",
                        correct=correct, auto=auto, confidence=0.9, calibration_key="", truth_text="1",
                        read_text="1" if correct else "7", page_read=kind != UNREAD_KIND)


def _p(kind: str = "form", ok: bool = True) -> PageOutcome:
    return PageOutcome(kind, "onestop_2022" if kind == "form" else None, PageStatus.READ, ok)


def test_arguments(rb: ModuleType) -> None:
    a = rb.parse_args([])
    assert a.count == 3 and a.seed == 70000 and a.jobs == 1
    assert rb.parse_args(["--jobs", "2"]).jobs == 2
    assert a.conditions == list(rb.ALL_CONDITIONS) and "real_digits" in a.conditions
    assert a.templates == ["onestop_2022", "onestop_legacy", "furusato_application"]
    a = rb.parse_args(["--count", "1", "--conditions", "fax, seal", "--templates", "onestop_2022"])
    assert (a.count, a.conditions, a.templates) == (1, ["fax", "seal"], ["onestop_2022"])
    for bad in (["--conditions", "coffee"], ["--count", "0"], ["--count", "5000"], ["--jobs", "0"]):
        with pytest.raises(SystemExit):
            rb.parse_args(bad)


def test_seeds_stay_clear_of_calibration_and_accuracy(rb: ModuleType) -> None:
    a = rb.parse_args([])
    first = a.seed
    last = a.seed + 1000 * (len(a.templates) - 1) + a.count - 1
    assert first >= 70000 and last < 80000
    # calibration: 5000 + 10000 n + i; bench/accuracy.py: 9001 + 10000 n + i (n < 4 templates)
    assert first > 9001 + 10_000 * 3 + 10_000


def test_score_and_rows(rb: ModuleType) -> None:
    fields = [_f("phone", True, True), _f("phone", False, True), _f("text", True, False),
              _f("my_number", False, False)]
    r = rb.score("fax", 2, [_p(), _p(ok=False), _p("blank"), _p("count_mismatch", ok=False)], fields)
    assert (r.docs, r.pages, r.form_pages, r.identified) == (2, 3, 2, 1)
    assert (r.fields, r.exact, r.auto, r.auto_wrong) == (4, 2, 2, 1)
    assert r.exact_rate == 0.5 and r.straight_through == 0.5 and r.auto_error == 0.5
    assert 0.5 < r.upper <= 1.0
    line = rb.format_row(r)
    assert "fax" in line and "1/2" in line and "50.00%" in line
    empty = rb.score("none", 0, [], [])
    assert empty.auto_error == 0.0 and empty.upper == 1.0


def test_digit_fields_include_unread_pages(rb: ModuleType) -> None:
    templates: dict[str, FormTemplate] = load_templates()
    fields = [_f("phone", True, True), _f("text", True, True),
              _f(UNREAD_KIND, False, False, field_id="my_number"),
              _f(UNREAD_KIND, False, False, field_id="full_name")]
    got = rb.digit_fields(fields, templates)
    assert [(f.kind, f.field_id) for f in got] == [("phone", "f"), (UNREAD_KIND, "my_number")]


def test_policy_allows_leaves_out_fields_a_person_must_type(rb: ModuleType) -> None:
    templates: dict[str, FormTemplate] = load_templates()
    assert not rb.policy_allows(_f("my_number", True, False, field_id="my_number"), templates)
    assert rb.policy_allows(_f("phone", True, True, field_id="phone"), templates)
    assert rb.policy_allows(_f("phone", True, True, field_id="no_such_field"), templates)


def test_summary_line_gives_the_share_among_fields_the_policy_allows(rb: ModuleType) -> None:
    fields = [_f("phone", True, True), _f("phone", True, False),
              _f("my_number", True, False, field_id="my_number")]
    real = rb.score("real_digits [digits]", 1, [_p()], fields)
    allowed = rb.score("real_digits [auto ok]", 1, [_p()],
                       [f for f in fields if rb.policy_allows(f, load_templates())])
    kv = dict(p.split("=", 1) for p in rb.summary_line({}, {"real_digits": real},
                                                       {"real_digits": allowed}).split()[1:])
    assert kv["real_digits_digit_straight_through"] == "0.3333"
    assert kv["real_digits_digit_allowed_straight_through"] == "0.5000"
    assert "real_digits_digit_allowed_straight_through=nan" in rb.summary_line({}, {})


def test_summary_line(rb: ModuleType) -> None:
    office = rb.score("office", 3, [_p()], [_f("text", True, True)] * 10)
    fax = rb.score("fax", 3, [_p()], [_f("text", True, True)] * 8 + [_f("text", False, True)] * 2)
    real = rb.score("real_digits [digits]", 3, [_p()], [_f("phone", True, True), _f("phone", True, False)])
    line = rb.summary_line({"office": office, "fax": fax}, {"real_digits": real})
    assert line.startswith("SUMMARY ") and "\n" not in line
    kv = dict(p.split("=", 1) for p in line.split()[1:])
    assert kv["worst_condition"] == "fax" and kv["worst_auto_error"] == "0.2000"
    assert float(kv["worst_upper95"]) > 0.2
    assert kv["auto_fields"] == "20" and kv["office_straight_through"] == "1.0000"
    assert kv["real_digits_digit_auto_error"] == "0.0000"
    assert kv["real_digits_digit_straight_through"] == "0.5000"
    bare = rb.summary_line({}, {})
    assert bare.startswith("SUMMARY worst_condition=none") and "real_digits_digit_auto_error=nan" in bare
    ratio = rb.ratio_line({"office": office, "fax": fax})
    assert ratio is not None and "fax 1.00/0.80" in ratio
    assert rb.ratio_line({"fax": fax}) is None


def test_realscan_note_never_invents_labels(rb: ModuleType, tmp_path: Path) -> None:
    assert rb.realscan_note([tmp_path / "missing"]) == "realscan: skipped, no shared real data found"
    (tmp_path / "sdaps").mkdir()
    note = rb.realscan_note([tmp_path])
    assert note.startswith("realscan: skipped") and "sdaps/ has no answer labels" in note
