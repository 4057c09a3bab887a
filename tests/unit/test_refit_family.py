"""scripts/refit_family.py: refit one family, keep every other entry of the shipped file."""

from __future__ import annotations

import importlib.util
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain import signals as sig
from domain.calibration import Calibration, KindCalibration
from services.calibrate import write_rows
from services.signal_fit import Row

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "refit_family.py"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("refit_family", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _entry(threshold: float, family: str) -> KindCalibration:
    return KindCalibration(knots=[0.5, 1.0], probs=[0.2, 0.9], threshold=threshold, n=10,
                           accepted_share=0.5, min_score=0.1, family=family)


def _current() -> Calibration:
    kinds = {"text": _entry(0.95, "text"), "phone": _entry(0.99, "numeric"),
             "checkbox": _entry(0.97, "marks"), "amount": _entry(0.99, "numeric")}
    return Calibration(version="20261207-aaaa-empty", created=datetime(2026, 12, 7, tzinfo=UTC),
                       target_error=0.005, kinds=kinds, note="shipped",
                       page_envelope={sig.ALIGN_QUALITY: (0.5, 1.0)})


def _rows(tmp_path: Path, bench_wrong: bool) -> Path:
    rng = random.Random(3)
    rows = []
    for i in range(150):
        for kind in ("phone", "amount"):
            s = rng.uniform(0.3, 1.0)
            rows.append(Row(key=kind, hit=s > 0.45 or i % 2 == 0, document=f"t:{5000 + i}",
                            signals={sig.SCORE: s}, condition="office"))
    rows.append(Row(key="text", hit=False, document="t:5000", signals={sig.SCORE: 0.99}))
    if bench_wrong:  # a benchmark document's row must never reach the fit
        rows += [Row(key="phone", hit=False, document=f"t:{70_000 + i}", signals={sig.SCORE: 0.999})
                 for i in range(40)]
    path = tmp_path / "rows.csv"
    write_rows(rows, path)
    return path


def test_only_the_named_family_changes_and_order_is_kept(tmp_path: Path) -> None:
    current = _current()
    cal, fits = _script().refit(current, [_rows(tmp_path, False)], ["numeric"], "digits")
    assert list(cal.kinds) == list(current.kinds)  # same order: the file's diff is the family's
    assert cal.kinds["text"] == current.kinds["text"]
    assert cal.kinds["checkbox"] == current.kinds["checkbox"]
    assert cal.kinds["phone"] != current.kinds["phone"]
    assert cal.kinds["phone"].n == 150 and cal.kinds["phone"].family == "numeric"
    assert cal.page_envelope == current.page_envelope and cal.target_error == current.target_error
    assert cal.version.endswith("-digits") and cal.version != current.version
    assert "numeric" in cal.note and cal.note.startswith("shipped")
    assert [f.family for f in fits] == ["numeric"]


def test_benchmark_rows_are_left_out(tmp_path: Path) -> None:
    with_bench, _ = _script().refit(_current(), [_rows(tmp_path / "a", True)], ["numeric"], "digits")
    without, _ = _script().refit(_current(), [_rows(tmp_path / "b", False)], ["numeric"], "digits")
    assert with_bench.kinds["phone"] == without.kinds["phone"]


def test_a_family_without_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        _script().refit(_current(), [_rows(tmp_path, False)], ["marks"], "digits")


def test_rows_of_several_files_are_fitted_together(tmp_path: Path) -> None:
    one, _ = _script().refit(_current(), [_rows(tmp_path / "a", False)], ["numeric"], "digits")
    two, _ = _script().refit(_current(), [_rows(tmp_path / "a", False), _rows(tmp_path / "b", True)],
                             ["numeric"], "digits")
    assert two.kinds["phone"].n == 2 * one.kinds["phone"].n  # bench rows of the second still out


def test_a_family_can_be_refitted_on_the_engine_score_alone(tmp_path: Path) -> None:
    """--score-only (text4's marks): the family's fit carries no signal model, and its kinds
    equal a score-only fit of the same rows; without it the same rows may get a model."""
    from services.calibrate import read_rows
    from services.signal_fit import fit_rows

    rows_file = _rows(tmp_path, False)
    cal, fits = _script().refit(_current(), [rows_file], ["numeric"], "digits", score_only=["numeric"])
    assert [f.family for f in fits] == ["numeric"] and fits[0].model is None
    plain, _ = fit_rows(list(read_rows(rows_file)), 0.005, use_signals=False)
    assert cal.kinds["phone"] == plain["phone"] and cal.kinds["amount"] == plain["amount"]
