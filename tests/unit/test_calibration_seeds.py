"""Calibration documents are never benchmark documents (the same template and seed make the
same record and scan, so a benchmark would partly score the calibration's own set)."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

import synth.generate
from domain import signals as sig
from forms.loader import load_templates
from services.calibrate import CONDITION_MIX, bench_row, bench_seed, calibration_plan, fit
from services.signal_fit import Row

BENCH = Path(__file__).resolve().parents[2] / "bench"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}_seeds", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _accuracy_documents(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, int]]:
    """(template, seed) of every document `make bench` (accuracy.py --count 10 --seed 9001) reads."""
    made: set[tuple[str, int]] = set()

    def record(template: Any, seed: int, options: Any = None, **_: Any) -> Any:
        made.add((template.id, seed))
        return SimpleNamespace(truth={}, pages=[])

    monkeypatch.setattr(synth.generate, "generate_document", record)
    _bench("accuracy").generate(load_templates(TEMPLATES), 10, 9001)
    return made


def test_no_accuracy_bench_document_is_planned_for_calibration(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _accuracy_documents(monkeypatch)
    everyone = sorted(load_templates(TEMPLATES))
    assert len(bench) == 10 * len(everyone)
    plan = calibration_plan(50, 5000, everyone, everyone, CONDITION_MIX)
    planned = {(tid, s) for tid, _, s in plan}
    assert not planned & bench
    # the plain seed scheme (seed + 10000 n + 1000 c + i) did hold them: office, c = 4
    raw = {(tid, 5000 + 10_000 * n + 4_000 + i) for n, tid in enumerate(everyone) for i in range(50)}
    assert bench <= raw
    assert len(plan) == len({(tid, c, s) for tid, c, s in plan})  # nothing twice
    office = [s for tid, c, s in plan if tid == "onestop_2022" and c == "office"]
    assert len(office) == 40 and 29_000 in office and 29_011 in office  # only the ten bench seeds left out


def test_no_robustness_seed_is_planned() -> None:
    everyone = ["a", "b", "c"]
    plan = calibration_plan(40, 65_000, everyone, everyone, CONDITION_MIX)
    assert plan and not [s for _, _, s in plan if 70_000 <= s < 73_000]
    assert bench_seed(70_000) and bench_seed(72_999) and not bench_seed(73_000)
    assert bench_seed(29_005) and not bench_seed(29_011) and not bench_seed(9_000)


def test_a_fit_leaves_out_rows_of_benchmark_documents() -> None:
    rng = random.Random(3)
    rows = [Row(key="phone", hit=True, document=f"onestop_2022:{s}",
                signals={sig.SCORE: rng.uniform(0.9, 1.0)}) for s in range(29_000, 29_050) for _ in range(20)]
    # older rows files hold benchmark documents (and rows of other sets with no seed at all)
    rows.append(Row(key="phone", hit=True, document="hand-made", signals={sig.SCORE: 0.95}))
    assert sum(bench_row(r) for r in rows) == 200
    cal = fit(rows, 0.005)
    assert cal.kinds["phone"].n == len(rows) - 200
