"""Template drafting benchmark: draft each template from its own blank pages, compare with its YAML.

    .venv/bin/python bench/authoring.py --seed 8101
    .venv/bin/python bench/authoring.py --real ../shared/realdata/sdaps/debug_questionnaire_blank.pdf --page 1
    .venv/bin/python bench/authoring.py --variants clean --template citizen_survey   # + the real forms

Beside our renders it drafts the real third-party forms of ../shared/realdata (SDAPS,
OMRChecker) and judges them per question against hand-written true layouts
(bench/authoring_real.py; ``--no-real-forms`` skips them).

Every template's blank pages are rendered from its YAML (forms/render.py, 200 dpi)
and drafted by ``authoring.draft`` (real PP-OCRv6 recogniser) three times:

* ``clean``: the render as is;
* ``scan``: synth/degrade-style scanner noise: skew (≤ 1°, the degrade module's
  normal draw clipped at 1°), Gaussian blur (σ 0.3-1.1), sensor noise with a grey
  paper level, JPEG (quality 40-85);
* ``fax``: the same skew, blur and noise, then 1-bit thresholding (degrade.binarize).

No placement offset or scale is applied: a drafted template is in the coordinates of
its own scan, so an offset would move the frame, not test the drafter.

Matching rule (per page; fixed before looking at the results, not tuned):
drafted and true fields are paired greedily by decreasing IoU of their ``box``
(one-to-one, IoU > 0). A true field is *found* when its pair has IoU ≥ 0.7, and
*found with the right kind* when in addition the drafted ``kind`` equals the true
one exactly (choice ≠ multi_choice, text ≠ kana...). The true box is the field's
``box`` in the YAML as forms/render.py uses it: the writable rectangle of a text
field, the whole row of a ``cells`` field, the square of a checkbox, and for a
choice the field box (for □ choices the renderer draws no rectangle there, so the
drafter has to infer it from the squares and their labels). For matched choice
fields the options are counted too: a true option is found when the centre of a
distinct drafted option lies inside its box (the □ square, or the printed label's
area for circled choices). Precision = drafted fields found / drafted fields (the
rest match nothing at IoU ≥ 0.7). Labels are compared after NFKC without spaces,
for information only (a choice's true label is often editorial, e.g. 年齢 for a
printed question).

Per template and variant it prints recall (IoU ≥ 0.7), recall with the right kind,
precision, options found, cells right, labels equal, and every miss; then one
SUMMARY line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")

import numpy as np

from domain.model import Box, FieldSpec, FormTemplate

IOU_MIN = 0.7
VARIANTS = ("clean", "scan", "fax")


def iou(a: Box, b: Box) -> float:
    w = min(a.x2, b.x2) - max(a.x, b.x)
    h = min(a.y2, b.y2) - max(a.y, b.y)
    inter = max(0.0, w) * max(0.0, h)
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass
class Score:
    true: int = 0
    drafted: int = 0
    found: int = 0
    kind_ok: int = 0
    options_true: int = 0
    options_found: int = 0
    cells_true: int = 0
    cells_ok: int = 0
    label_ok: int = 0
    ious: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, other: Score) -> None:
        for name in ("true", "drafted", "found", "kind_ok", "options_true", "options_found",
                     "cells_true", "cells_ok", "label_ok", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.ious += other.ious
        self.misses += other.misses


def options_found(truth: FieldSpec, drafted: FieldSpec) -> int:
    centres = [o.box.center for o in drafted.options]
    hit = 0
    for o in truth.options:
        k = next((i for i, (x, y) in enumerate(centres)
                  if o.box.x <= x <= o.box.x2 and o.box.y <= y <= o.box.y2), None)
        if k is not None:
            centres.pop(k)
            hit += 1
    return hit


def match(truth: FormTemplate, draft: FormTemplate) -> Score:
    s = Score(true=len(truth.fields), drafted=len(draft.fields))
    for page in range(1, len(truth.pages) + 1):
        ts, ds = truth.fields_on(page), draft.fields_on(page)
        pairs = sorted(((iou(t.box, d.box), i, j) for i, t in enumerate(ts) for j, d in enumerate(ds)),
                       reverse=True)
        used_t: set[int] = set()
        used_d: set[int] = set()
        best: dict[int, tuple[float, int]] = {}
        for v, i, j in pairs:
            if v <= 0 or i in used_t or j in used_d:
                continue
            used_t.add(i)
            used_d.add(j)
            best[i] = (v, j)
        for i, t in enumerate(ts):
            v, j = best.get(i, (0.0, -1))
            d = ds[j] if j >= 0 else None
            s.options_true += len(t.options)
            s.cells_true += t.cells is not None
            if d is None or v < IOU_MIN:
                got = f"best IoU {v:.2f} with {d.id} ({d.kind})" if d is not None else "nothing overlaps"
                s.misses.append(f"p{page} {t.id} ({t.kind}): not found, {got}")
                continue
            s.found += 1
            s.ious.append(v)
            s.label_ok += _norm(t.label) == _norm(d.label)
            if t.kind == d.kind:
                s.kind_ok += 1
            else:
                s.misses.append(f"p{page} {t.id}: kind {d.kind}, expected {t.kind} (label {d.label!r})")
            if t.options:
                n = options_found(t, d)
                s.options_found += n
                if n < len(t.options):
                    s.misses.append(f"p{page} {t.id}: {n}/{len(t.options)} options found "
                                    f"({len(d.options)} drafted)")
            if t.cells is not None:
                s.cells_ok += d.cells == t.cells
        for j, d in enumerate(ds):
            if not any(jj == j and v >= IOU_MIN for v, jj in best.values()):
                s.misses.append(f"p{page} drafted {d.id} ({d.kind}, {d.label!r}) matches no true field")
    return s


def pages_for(template: FormTemplate, variant: str, seed: int) -> tuple[list[np.ndarray], list[float]]:
    """The blank pages (and the skew applied to each, degrees counter-clockwise)."""
    from forms.render import render_page
    from synth import degrade

    out, skews = [], []
    for p in template.pages:
        img = np.asarray(render_page(template, p.number, 200), dtype=np.uint8)
        skew = 0.0
        if variant != "clean":
            rng = np.random.default_rng([seed, p.number, sum(map(ord, template.id))])
            img, params = degrade.skew(img, rng, max_deg=1.0)
            skew = float(params["skew_deg"])
            img, _ = degrade.blur(img, rng)
            img, _ = degrade.noise(img, rng)
            img, _ = degrade.jpeg(img, rng) if variant == "scan" else degrade.binarize(img)
        out.append(img)
        skews.append(skew)
    return out, skews


def pct(a: int, b: int) -> str:
    return f"{a}/{b} {a / b:6.1%}" if b else "-"


def run_templates(templates: dict[str, FormTemplate], recognizer: object, seed: int,
                  variants: tuple[str, ...], repeat: int = 1) -> dict[str, Score]:
    from authoring.draft import draft_template

    totals = {v: Score() for v in variants}
    print(f"{'template':<22}{'variant':<7}{'fields':>7}{'found IoU>=.7':>17}{'+right kind':>16}"
          f"{'precision':>16}{'options':>14}{'cells':>7}{'labels':>7}{'mIoU':>6}{'s':>6}")
    for tid in sorted(templates):
        t = templates[tid]
        runs = [(v, seed + i) for v in variants for i in range(1 if v == "clean" else repeat)]
        for v, run_seed in runs:
            imgs, applied = pages_for(t, v, run_seed)
            t0 = time.perf_counter()
            draft = draft_template(imgs, f"{tid}_draft", recognizer, dpi_hint=200)  # type: ignore[arg-type]
            s = match(t, draft.template)
            s.seconds = time.perf_counter() - t0
            skews = ",".join(f"{a:+.2f}/{pg.skew_deg:+.2f}"
                             for a, pg in zip(applied, draft.pages, strict=True))
            print(f"{tid:<22}{v:<7}{s.true:>7}{pct(s.found, s.true):>17}{pct(s.kind_ok, s.true):>16}"
                  f"{pct(s.found, s.drafted):>16}{pct(s.options_found, s.options_true):>14}"
                  f"{s.cells_ok:>4}/{s.cells_true:<2}{s.label_ok:>4}/{s.found:<2}"
                  f"{np.mean(s.ious) if s.ious else 0:>6.2f}{s.seconds:>6.1f}  skew applied/found {skews}")
            for m in s.misses:
                print(f"    - {m}")
            totals[v].add(s)
    return totals


def real_trial(path: Path, page: int, recognizer: object) -> None:
    from authoring.draft import draft_template
    from authoring.report import render
    from intake.pages import load_pages
    from yomitori.cli.draft import _dpi_hint

    pages = load_pages(path)
    img = pages[page - 1]
    t0 = time.perf_counter()
    draft = draft_template([img], "real_trial", recognizer, dpi_hint=_dpi_hint(path))  # type: ignore[arg-type]
    print(f"\nreal scan {path.name} page {page}/{len(pages)} ({img.shape[1]}x{img.shape[0]} px), "
          f"{time.perf_counter() - t0:.1f} s")
    print(render(draft))


def real_forms(recognizer: object) -> str:
    """Draft recovery on the real forms beside our renders (bench/authoring_real.py)."""
    from bench.authoring_real import run_real
    from synth.real_digits import realdata_dirs

    dirs = [d for d in realdata_dirs() if (d / "sdaps").is_dir()]
    if not dirs:
        print("\nreal forms: ../shared/realdata not found (skipped)")
        return "real: no data"
    print(f"\nreal third-party forms ({dirs[0]}), judged per question:")
    scores = run_real(dirs[0], recognizer)
    q = sum(s.questions for s in scores.values())
    k = sum(s.kind_ok for s in scores.values())
    o = sum(s.options_found for s in scores.values())
    ot = sum(s.options_true for s in scores.values())
    g = sum(s.grid_rows_as_grid for s in scores.values())
    gt = sum(s.grid_rows for s in scores.values())
    return (f"real forms: questions={k}/{q} ({k / max(1, q):.3f}) options={o}/{ot} "
            f"grid_rows_as_grid={g}/{gt}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=8101)
    ap.add_argument("--repeat", type=int, default=1, help="noisy variants drawn with this many seeds")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="clean,scan,fax")
    ap.add_argument("--template", action="append", help="only these template ids")
    ap.add_argument("--real", type=Path, help="also draft one page of this real scan and print the table")
    ap.add_argument("--page", type=int, default=1, help="page of --real")
    ap.add_argument("--no-real-forms", action="store_true",
                    help="skip the real third-party forms of ../shared/realdata (bench/authoring_real.py)")
    args = ap.parse_args()

    from forms.loader import default_templates_dir, load_templates
    from services.compose import build_recognizer

    recognizer = build_recognizer()
    templates = load_templates(default_templates_dir())
    if args.template:
        templates = {k: v for k, v in templates.items() if k in args.template}
    variants = tuple(v for v in args.variants.split(",") if v)
    totals = run_templates(templates, recognizer, args.seed, variants, args.repeat)
    print()
    parts = []
    for v, s in totals.items():
        print(f"{'ALL':<22}{v:<7}{s.true:>7}{pct(s.found, s.true):>17}{pct(s.kind_ok, s.true):>16}"
              f"{pct(s.found, s.drafted):>16}{pct(s.options_found, s.options_true):>14}"
              f"{s.cells_ok:>4}/{s.cells_true:<2}{s.label_ok:>4}/{s.found:<2}"
              f"{np.mean(s.ious) if s.ious else 0:>6.2f}{s.seconds:>6.1f}")
        parts.append(f"{v}: recall={s.found / max(1, s.true):.3f} kind={s.kind_ok / max(1, s.true):.3f} "
                     f"precision={s.found / max(1, s.drafted):.3f} "
                     f"options={s.options_found / max(1, s.options_true):.3f}")
    if args.real:
        real_trial(args.real, args.page, recognizer)
    if not args.no_real_forms:
        parts.append(real_forms(recognizer))
    print("SUMMARY " + " | ".join(parts)
          + f" (IoU>={IOU_MIN}, {len(templates)} templates, seed {args.seed}, noisy x{args.repeat})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
