"""Accuracy and speed benchmark: yomitori vs Tesseract on the same crops, same run.

    .venv/bin/python bench/accuracy.py --count 10 --seed 9001

Generates COUNT documents per template (seeds never used by tests or
calibration), reads them with the calibrated pipeline, and prints per template,
field kind and writing style: exact-match accuracy, character error rate,
straight-through rate, error among auto-accepted fields, and pages per minute.
The baseline reads the very same field crops with Tesseract (jpn, given the same
per-field character whitelist); a few pages
are also read with full-page PaddleOCR det+rec for a speed ratio. Ends with one
summary line.

``--readings DIR`` keeps the readings; a later run with the same seeds re-decides them
with the calibration in force (``YOMITORI_CALIBRATION_FILE``) in seconds:

    .venv/bin/python bench/accuracy.py --count 10 --seed 9001 --no-baseline --fullpage 0 \
        --readings var/accuracy-readings
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")

from domain.model import DocumentReading, FormTemplate
from ocr.pipeline import read_page
from ocr.reader import Reader
from services.evaluate import FieldOutcome, PageOutcome, compare, summarize

TEXT_KINDS = {"text", "kana", "digits", "amount", "wareki_date", "postal_code", "phone", "email",
              "my_number", "free_text"}


def generate(templates: dict[str, FormTemplate], count: int, seed: int) -> list[tuple[dict, list]]:
    from synth.generate import SynthOptions, generate_document

    docs = []
    for n, tid in enumerate(sorted(templates)):
        for i in range(count):
            d = generate_document(templates[tid], seed + 10_000 * n + i, SynthOptions())
            docs.append((d.truth, d.pages))
    return docs


def run(reader: Reader, docs: list[tuple[dict, list]], cache: Path | None = None
        ) -> tuple[list[PageOutcome], list[FieldOutcome], float, int]:
    """Read every document; with ``cache`` keep the readings there (and the reading time)."""
    pages_out: list[PageOutcome] = []
    fields_out: list[FieldOutcome] = []
    n_pages = 0
    kept = []
    started = time.perf_counter()
    for truth, images in docs:
        pages = [read_page(img, reader, index=k) for k, img in enumerate(images)]
        n_pages += len(pages)
        reading = DocumentReading(source=truth["document_id"], pages=pages)
        kept.append((truth, reading.model_dump_json()))
        p, f = compare(reading, truth)
        pages_out += p
        fields_out += f
    secs = time.perf_counter() - started
    if cache is not None:
        import pickle

        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps({"secs": secs, "documents": kept}))
    return pages_out, fields_out, secs, n_pages


def rejudge(reader: Reader, cache: Path) -> tuple[list[PageOutcome], list[FieldOutcome], float, int]:
    """The kept readings decided again with the reader's calibration (no OCR; seconds)."""
    import pickle

    from services.retriage import retriage

    saved = pickle.loads(cache.read_bytes())  # our own file, written by run() (synthetic documents only)
    pages_out: list[PageOutcome] = []
    fields_out: list[FieldOutcome] = []
    n_pages = 0
    for truth, reading_json in saved["documents"]:
        reading = retriage(DocumentReading.model_validate_json(reading_json), reader.templates,
                           reader.calibration)
        n_pages += len(reading.pages)
        p, f = compare(reading, truth)
        pages_out += p
        fields_out += f
    return pages_out, fields_out, float(saved["secs"]), n_pages


def table(title: str, outcomes: list[FieldOutcome], key: str) -> None:
    print(f"\n{title}")
    print(f"  {'group':<24}{'fields':>7}{'exact':>9}{'CER':>8}{'auto':>8}{'auto err':>10}")
    for name, s in sorted(summarize(outcomes, key).items()):
        print(f"  {name:<24}{s.n:>7}{s.accuracy:>9.2%}{s.mean_cer:>8.3f}"
              f"{s.straight_through:>8.1%}{s.auto_error:>10.2%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10, help="documents per template")
    ap.add_argument("--seed", type=int, default=9001)
    ap.add_argument("--no-baseline", action="store_true", help="skip Tesseract")
    ap.add_argument("--fullpage", type=int, default=3, help="pages read by full-page det+rec")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N", help="print N wrong readings")
    ap.add_argument("--readings", type=Path, default=None, metavar="DIR",
                    help="keep the readings in DIR; when there already (same --count and --seed), "
                         "re-decide them with the current calibration instead of reading again "
                         "(pages/min is then the first run's)")
    args = ap.parse_args()

    from services.compose import build_reader

    reader = build_reader()
    if reader.calibration is None:
        print("warning: no calibration file; every field goes to review", file=sys.stderr)
    cache = args.readings / f"accuracy-{args.seed}-{args.count}.pkl" if args.readings else None
    docs: list[tuple[dict, list]] = []
    if cache is not None and cache.exists():
        pages, fields, secs, n_pages = rejudge(reader, cache)
    else:
        docs = generate(reader.templates, args.count, args.seed)
        read_page(docs[0][1][0], reader)  # warm-up: model load and blank renders are not reading speed
        pages, fields, secs, n_pages = run(reader, docs, cache)
    ppm = n_pages / secs * 60
    ident = pages  # a reading with more or fewer pages than the truth counts as a miss
    ok = sum(p.identified for p in ident)
    forms = [p for p in ident if p.truth_kind == "form"]
    others = [p for p in ident if p.truth_kind != "form"]
    print(f"yomitori: {len(docs)} documents, {n_pages} pages, {secs:.1f} s, {ppm:.1f} pages/min")
    print(f"identification: {sum(p.identified for p in forms)}/{len(forms)} form pages right; "
          f"{sum(p.identified for p in others)}/{len(others)} blank/ID-copy/extra pages not read as forms")
    print("fields of pages not read as their form count as wrong (and their wrong form's auto-accepts "
          "as wrong auto-accepts)")
    table("by template", fields, "template_id")
    table("by field kind", fields, "kind")
    table("by writing style", fields, "style")
    wrong_auto = [f for f in fields if f.auto and not f.correct]
    for f in wrong_auto[:15]:
        print(f"  auto-accepted but wrong: {f.template_id}.{f.field_id} ({f.kind}, {f.style})")
    # synthetic data only: printing values here exposes no real person
    for f in [f for f in fields if not f.correct][: args.show_errors]:
        print(f"  wrong: {f.template_id}.{f.field_id} [{f.style}] conf={f.confidence:.3f} "
              f"truth={f.truth_text!r} read={f.read_text!r}")

    ours = [f for f in fields if f.kind in TEXT_KINDS]
    ours_acc = sum(f.correct for f in ours) / max(1, len(ours))
    base_acc = float("nan")
    base_ppm = float("nan")
    if (not args.no_baseline or args.fullpage > 0) and not docs:
        docs = generate(reader.templates, args.count, args.seed)  # the baselines read the images
    if not args.no_baseline:
        from ocr.engines.tesseract import TesseractRecognizer

        base_reader = Reader(templates=reader.templates, recognizer=TesseractRecognizer(),
                             blank_renderer=reader.blank_renderer, calibration=None, dpi=reader.dpi,
                             today=reader.today)
        _, bfields, bsecs, bpages = run(base_reader, docs)
        base = [f for f in bfields if f.kind in TEXT_KINDS]
        base_acc = sum(f.correct for f in base) / max(1, len(base))
        base_ppm = bpages / bsecs * 60
        table("baseline Tesseract (same crops), text fields", base, "kind")
        print(f"\ntext fields exact: yomitori {ours_acc:.2%} vs Tesseract {base_acc:.2%} "
              f"(ratio {ours_acc / max(base_acc, 1e-9):.2f}); speed ratio {ppm / base_ppm:.2f}")
    fp_ratio = float("nan")
    if args.fullpage > 0:
        from config.settings import get_settings
        from ocr.engines.paddle import PaddleFullPage

        s = get_settings()
        full = PaddleFullPage(s.det_model_dir, s.rec_model_dir)
        imgs = [img for truth, images in docs for k, img in enumerate(images)
                if truth["pages"][k]["kind"] == "form"][: args.fullpage]
        full.read_page(imgs[0])
        t0 = time.perf_counter()
        for img in imgs:
            full.read_page(img)
        fp_ppm = len(imgs) / (time.perf_counter() - t0) * 60
        fp_ratio = ppm / fp_ppm
        print(f"full-page PaddleOCR det+rec: {fp_ppm:.1f} pages/min; "
              f"template crops are {fp_ratio:.1f}x faster")
    s_all = summarize(fields, "kind")["ALL"]
    s_text = summarize(ours, "kind").get("ALL")
    hand = [f for f in fields if f.style == "handwriting"]
    s_hand = summarize(hand, "kind").get("ALL")
    marks = sum(f.kind in ("checkbox", "choice", "multi_choice") for f in fields)
    print(f"\nALL fields {s_all.n} (OMR marks {marks}); text fields {len(ours)}; "
          f"handwriting-style font fields {len(hand)} (fonts, not real handwriting)")
    for name, sm in (("ALL", s_all), ("text fields only", s_text), ("handwriting fonts only", s_hand)):
        if sm is not None:
            print(f"  {name:<24} exact {sm.accuracy:.2%}  auto {sm.straight_through:.1%}  "
                  f"auto err {sm.auto_error:.2%}")
    print(f"SUMMARY exact={s_all.accuracy:.4f} exact_text={s_text.accuracy if s_text else 0:.4f} "
          f"exact_handwriting_fonts={s_hand.accuracy if s_hand else 0:.4f} "
          f"straight_through={s_all.straight_through:.4f} "
          f"auto_error={s_all.auto_error:.4f} pages_per_min={ppm:.1f} ident={ok}/{len(ident)} "
          f"text_vs_tesseract={ours_acc / max(base_acc, 1e-9) if base_acc == base_acc else float('nan'):.2f} "
          f"speed_vs_fullpage={fp_ratio:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
