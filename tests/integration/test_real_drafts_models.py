"""Drafting real third-party forms with the real recogniser (labels read, kinds guessed).

SDAPS's example survey (2 pages, a lightly filled 300 dpi scan: no blank exists) and
its hand-written true layout tests/fixtures/realforms/sdaps_example.yaml: the Likert
matrix and the software grid come out as grids, the ○ range questions and the ○
choice as bubble choices, every mark question's options where the truth has them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from authoring.draft import draft_template
from domain.status import FieldKind

from realforms import fixture_body, gray_pages  # isort: skip

pytestmark = pytest.mark.model


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
    assert found >= 4  # of 5 (q2_1's three boxes are drafted as a pair and a single box)
    choice = next(f for f in marks if f.page == 2 and len(f.options) == 3)
    assert choice.kind is FieldKind.CHOICE
    assert [o.label for o in choice.options] == ["first choice", "second choice", "third choice"]


class _B:
    def __init__(self, x: float, y: float, w: float, h: float) -> None:
        self.x, self.y, self.w, self.h = x, y, w, h
