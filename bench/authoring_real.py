"""Draft recovery on real third-party forms (../shared/realdata) against hand-written truth.

Used by bench/authoring.py. Each real form is a scan (no true blank exists for most:
a lightly filled page stands in for it) and a true layout written by hand in
tests/fixtures/realforms/. A real form is judged per *question* (fixed before
looking at the results), since its boxes are not ours to compare pixel by pixel:

* a mark question (choice, multi-choice, a grid row, a checkbox) is *found* when one
  drafted field has exactly as many options and each true option's mark holds a
  distinct drafted option's centre (the true mark grown by 1 mm); *right kind* when
  the kind is the same too; a grid row counts as *drafted as grid* when its drafted
  field came from a grid;
* a bubbled number is found when a drafted field has ``bubbles`` with the same number
  of columns and its first bubble within 1.5 mm of the true one;
* a text question (text, free text, a comb) is found when a drafted field overlaps it
  with IoU ≥ 0.5; a comb is right when ``cells`` match.

Options are counted over all mark questions (found or not): a true option is found
when some drafted option's centre lies in its mark (grown by 1 mm).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from domain.model import Box, FieldSpec, FormTemplate

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "realforms"
GROW_MM = 1.0
TEXT_IOU = 0.5


@dataclass(frozen=True)
class RealForm:
    name: str
    scan: str  # path under the real-data folder
    pages: tuple[int, ...]  # pages of the scan drafted (1-based)
    truth: str  # fixture file name (without .yaml)
    note: str


REAL_FORMS = (
    RealForm("sdaps_debug_blank", "sdaps/debug_questionnaire_blank.pdf", (1, 2), "sdaps_debug_blank",
             "SDAPS 2-page questionnaire, the true blank (PDF rendered at 200 dpi)"),
    RealForm("sdaps_example", "sdaps/example.tif", (1, 2), "sdaps_example",
             "SDAPS 2-page survey, 300 dpi 1-bit scan, lightly filled (no blank exists)"),
    RealForm("nus_answer_sheet", "omrchecker/samples/sample6/doc-scans/sample_roll_01.jpg", (1,),
             "nus_answer_sheet_layout", "OMRChecker answer sheet, 200 dpi JPEG scan, filled"),
)


@dataclass
class RealScore:
    questions: int = 0
    found: int = 0
    kind_ok: int = 0
    options_true: int = 0
    options_found: int = 0
    grid_rows: int = 0
    grid_rows_as_grid: int = 0
    drafted: int = 0
    misses: list[str] = field(default_factory=list)


def load_truth(name: str) -> FormTemplate:
    data: dict[str, Any] = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))
    return FormTemplate.model_validate(data)


def _grown(b: Box) -> Box:
    return Box(x=max(0.0, b.x - GROW_MM), y=max(0.0, b.y - GROW_MM), w=b.w + 2 * GROW_MM, h=b.h + 2 * GROW_MM)


def _inside(point: tuple[float, float], b: Box) -> bool:
    return b.x <= point[0] <= b.x2 and b.y <= point[1] <= b.y2


def _iou(a: Box, b: Box) -> float:
    w = min(a.x2, b.x2) - max(a.x, b.x)
    h = min(a.y2, b.y2) - max(a.y, b.y)
    inter = max(0.0, w) * max(0.0, h)
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def _marks(f: FieldSpec) -> list[Box]:
    return [o.box for o in f.options] if f.options else [f.box]


def _hits(truth: list[Box], drafted: list[Box]) -> int:
    centres = [d.center for d in drafted]
    hit = 0
    for t in truth:
        k = next((i for i, c in enumerate(centres) if _inside(c, _grown(t))), None)
        if k is not None:
            centres.pop(k)
            hit += 1
    return hit


def score(truth: FormTemplate, draft: FormTemplate) -> RealScore:
    s = RealScore(drafted=len(draft.fields))
    for t in truth.fields:
        ds = draft.fields_on(t.page)
        s.questions += 1
        if t.bubbles is not None:
            ok = [d for d in ds if d.bubbles is not None and d.bubbles.columns == t.bubbles.columns
                  and abs(d.bubbles.origin.x - t.bubbles.origin.x) <= 1.5
                  and abs(d.bubbles.origin.y - t.bubbles.origin.y) <= 1.5]
            s.found += bool(ok)
            s.kind_ok += bool(ok)
            if not ok:
                s.misses.append(f"p{t.page} {t.id}: bubbled number ({t.bubbles.columns} columns) not found")
            continue
        if t.is_mark:
            marks = _marks(t)
            s.options_true += len(marks)
            s.options_found += _hits(marks, [m for d in ds if d.is_mark for m in _marks(d)])
            same = [d for d in ds if d.is_mark and len(_marks(d)) == len(marks) and _hits(marks, _marks(d))
                    == len(marks)]
            if t.grid:
                s.grid_rows += 1
                s.grid_rows_as_grid += any(d.grid for d in same)
            if not same:
                best = max((_hits(marks, _marks(d)) for d in ds if d.is_mark), default=0)
                s.misses.append(f"p{t.page} {t.id} ({t.kind}, {len(marks)} marks): not found "
                                f"(best drafted field covers {best})")
                continue
            s.found += 1
            if any(d.kind == t.kind for d in same):
                s.kind_ok += 1
            else:
                s.misses.append(f"p{t.page} {t.id}: kind {same[0].kind}, expected {t.kind}")
            continue
        best_d = max(ds, key=lambda d: _iou(t.box, d.box), default=None)
        v = _iou(t.box, best_d.box) if best_d is not None else 0.0
        if best_d is None or v < TEXT_IOU:
            s.misses.append(f"p{t.page} {t.id} ({t.kind}): not found (best IoU {v:.2f})")
            continue
        s.found += 1
        if best_d.kind == t.kind and (t.cells is None or best_d.cells == t.cells):
            s.kind_ok += 1
        else:
            s.misses.append(f"p{t.page} {t.id}: drafted {best_d.kind} cells {best_d.cells}, "
                            f"expected {t.kind} cells {t.cells}")
    return s


def run_real(realdata: Path, recognizer: object) -> dict[str, RealScore]:
    """Draft every real form and score it; prints one table row (and the misses) per form."""
    import time

    from authoring.draft import draft_template
    from intake.pages import load_pages
    from yomitori.cli.draft import _dpi_hint

    out: dict[str, RealScore] = {}
    print(f"{'real form':<20}{'questions':>10}{'found':>14}{'+right kind':>14}{'options':>14}"
          f"{'grid rows as grid':>19}{'found/drafted':>14}{'s':>6}")
    for rf in REAL_FORMS:
        path = realdata / rf.scan
        pages = load_pages(path)
        t0 = time.perf_counter()
        try:
            draft = draft_template([pages[p - 1] for p in rf.pages], f"{rf.name}_draft", recognizer,  # type: ignore[arg-type]
                                   dpi_hint=_dpi_hint(path)).template
            s = score(load_truth(rf.truth), draft)
        except Exception as exc:
            s = RealScore(questions=len(load_truth(rf.truth).fields))
            s.misses.append(f"draft failed: {exc}")
        secs = time.perf_counter() - t0
        print(f"{rf.name:<20}{s.questions:>10}{_pct(s.found, s.questions):>14}"
              f"{_pct(s.kind_ok, s.questions):>14}{_pct(s.options_found, s.options_true):>14}"
              f"{_pct(s.grid_rows_as_grid, s.grid_rows):>19}{_pct(min(s.found, s.drafted), s.drafted):>12}"
              f"{secs:>6.1f}  ({rf.note})")
        for m in s.misses:
            print(f"    - {m}")
        out[rf.name] = s
    return out


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} {a / b:4.0%}" if b else "-"
