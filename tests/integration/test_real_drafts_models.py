"""Drafting real third-party forms with the real recogniser (labels read, kinds guessed).

SDAPS's example survey (2 pages, a lightly filled 300 dpi scan: no blank exists) and
its hand-written true layout tests/fixtures/realforms/sdaps_example.yaml: the Likert
matrix and the software grid come out as grids, the ○ range questions and the ○
choice as bubble choices, every mark question's options where the truth has them.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from authoring.draft import draft_template
from domain.status import FieldKind

from realforms import fixture_body, gray_pages  # isort: skip

pytestmark = pytest.mark.model
BENCH_REAL = Path(__file__).resolve().parents[2] / "bench" / "authoring_real.py"


def _bench_real() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_authoring_real", BENCH_REAL)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _centre_in(c: tuple[float, float], box: object) -> bool:
    x, y, w, h = (getattr(box, k) for k in ("x", "y", "w", "h"))
    return x - 1 <= c[0] <= x + w + 1 and y - 1 <= c[1] <= y + h + 1


def test_the_sdaps_survey_is_drafted_with_grids_and_bubbles(realdata: Path) -> None:
    from services.compose import build_recognizer

    pages = gray_pages(realdata / "sdaps" / "example.tif")[:2]
    t = draft_template(pages, "sdaps_example", build_recognizer(), dpi_hint=300).template
    truth = fixture_body("sdaps_example")
    assert len(t.grids) >= 2 and any(len(g.rows) == 3 and len(g.columns) == 5 for g in t.grids)
    marks = [f for f in t.fields if f.is_mark]
    found = 0
    for q in truth["fields"]:
        if "options" not in q:
            continue
        boxes = [o["box"] for o in q["options"]]
        for f in marks:
            centres = [o.box.center for o in f.options]
            hit = all(any(_centre_in(c, _B(**b)) for c in centres) for b in boxes)
            if len(centres) == len(boxes) and hit:
                found += 1
                if q.get("mark_style") == "bubble":
                    assert f.mark_style == "bubble", q["id"]
                break
    assert found >= 5  # of 5: q2_1's ticked box (its cross runs past it) is found, its rows stacked
    q2_1 = next(f for f in marks if f.page == 1 and len(f.options) == 3)
    # the legend: "You can check any number of boxes in selection questions."
    assert q2_1.kind is FieldKind.MULTI_CHOICE and "kind" in q2_1.guessed
    choice = next(f for f in marks if f.page == 2 and len(f.options) == 3)
    assert choice.kind is FieldKind.CHOICE
    assert [o.label for o in choice.options] == ["first choice", "second choice", "third choice"]


class _B:
    def __init__(self, x: float, y: float, w: float, h: float) -> None:
        self.x, self.y, self.w, self.h = x, y, w, h


def test_the_sdaps_blank_questions_get_the_right_kind(realdata: Path) -> None:
    """The true blank of SDAPS's German questionnaire: 12 option lists take several answers
    (its legend: "Bei Auswahlfragen dürfen mehrere Antworten angekreuzt werden"), list 2.2
    ("Bitte nur eine Möglichkeit ankreuzen") and five 1-5 scales one answer, three
    'Sonstiges' boxes are text and the comment box free text.
    The issue's bar: at least 90 % of the true questions found with the right kind."""
    from services.compose import build_recognizer

    real = _bench_real()
    pages = gray_pages(realdata / "sdaps" / "debug_questionnaire_blank.pdf")
    t = draft_template(pages, "sdaps_debug", build_recognizer(), dpi_hint=200).template
    truth = real.load_truth("sdaps_debug_blank")
    s = real.score(truth, t)
    assert s.questions == len(truth.fields) == 22
    assert s.kind_ok >= math.ceil(0.9 * s.questions), s.misses
    many = [f for f in t.fields if f.kind is FieldKind.MULTI_CHOICE]
    assert 10 <= len(many) <= 12  # of the 12 true multi_choice lists
    assert all("kind" in f.guessed for f in many)  # still a guess for the admin
