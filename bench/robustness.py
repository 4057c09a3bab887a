"""Robustness benchmark: the same forms under every scan condition, and in real handwriting.

    .venv/bin/python bench/robustness.py --count 3 --seed 70000

Generates COUNT clean documents per template (seeds from 70000: never used by
calibration (5000 + 10000 n + i), tests or bench/accuracy.py (9001 + 10000 n + i)),
sends the very same documents through each scan condition of ``synth.conditions``
(office, fax, phone, seal, jpeg25, skew4, fit, dark_back) and reads them with the
production reader (calibration as shipped). Two more rows, on the same seeds:

- ``real_digits``: handwriting-style documents whose digits are real handwritten
  MNIST digits (``digits="real-eval"``, the evaluation split), office scan;
- ``hand_font``: the same handwriting documents with the font's digits (same layout,
  same scan): the baseline ``real_digits`` is compared with.

Per condition: pages, form pages identified, fields, exact %, auto-accepted share,
wrong among auto-accepted (count/auto, %) and its one-sided Wilson 95 % upper bound;
then the digit and date kinds of ``real_digits`` and ``hand_font``, also without the
fields their template never lets the machine accept (``[auto ok]``: 個人番号 is typed by
a person, blind, whatever it scores). Ratios are to
``office`` (same documents, same run). A ``realscan`` line says whether a labelled set
of real scans exists in the shared real data. Ends with one ``SUMMARY`` line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")

from domain.calibration import wilson_upper
from domain.model import DocumentReading, FormTemplate
from domain.status import ReviewPolicy
from services.evaluate import UNREAD_KIND, FieldOutcome, PageOutcome, compare

SCAN_CONDITIONS = ("office", "fax", "phone", "seal", "jpeg25", "skew4", "fit", "dark_back")
HAND_CONDITIONS = ("real_digits", "hand_font")  # handwriting documents, office scan
ALL_CONDITIONS = SCAN_CONDITIONS + HAND_CONDITIONS
DEFAULT_TEMPLATES = ("onestop_2022", "onestop_legacy", "furusato_application")
DIGIT_KINDS = frozenset({"digits", "amount", "phone", "postal_code", "my_number", "wareki_date"})
BASELINE = "office"


@dataclass(frozen=True)
class Row:
    """One condition's scores."""

    name: str
    docs: int
    pages: int
    form_pages: int
    identified: int
    fields: int
    exact: int
    auto: int
    auto_wrong: int

    @property
    def exact_rate(self) -> float:
        return self.exact / self.fields if self.fields else 0.0

    @property
    def straight_through(self) -> float:
        return self.auto / self.fields if self.fields else 0.0

    @property
    def auto_error(self) -> float:
        return self.auto_wrong / self.auto if self.auto else 0.0

    @property
    def upper(self) -> float:
        return wilson_upper(self.auto_wrong, self.auto)


def score(name: str, docs: int, pages: Sequence[PageOutcome], fields: Sequence[FieldOutcome]) -> Row:
    forms = [p for p in pages if p.truth_kind == "form"]
    return Row(name=name, docs=docs, pages=sum(p.truth_kind != "count_mismatch" for p in pages),
               form_pages=len(forms), identified=sum(p.identified for p in forms), fields=len(fields),
               exact=sum(f.correct for f in fields), auto=sum(f.auto for f in fields),
               auto_wrong=sum(f.auto and not f.correct for f in fields))


def field_kind(o: FieldOutcome, templates: dict[str, FormTemplate]) -> str:
    """The field's kind; for a page not read as its form, the kind its template gives it."""
    if o.kind != UNREAD_KIND:
        return o.kind
    t = templates.get(o.template_id)
    spec = next((f for f in t.fields if f.id == o.field_id), None) if t else None
    return str(spec.kind) if spec is not None else o.kind


def digit_fields(fields: Iterable[FieldOutcome], templates: dict[str, FormTemplate]) -> list[FieldOutcome]:
    return [f for f in fields if field_kind(f, templates) in DIGIT_KINDS]


def policy_allows(o: FieldOutcome, templates: dict[str, FormTemplate]) -> bool:
    """Whether the field's template lets the machine accept it at all (``review: auto``).

    個人番号 fields are ``blind_double_entry``: a person types them whatever they score, so
    they count in the digit-kind share but can never be auto-accepted. The bench reports
    the share with and without them."""
    t = templates.get(o.template_id)
    spec = next((f for f in t.fields if f.id == o.field_id), None) if t else None
    return spec is None or spec.review is ReviewPolicy.AUTO


HEADER = (f"  {'condition':<22}{'docs':>5}{'pages':>6}{'form id':>10}{'fields':>7}{'exact':>8}"
          f"{'auto':>7}{'wrong/auto':>12}{'auto err':>9}{'upper95':>9}")


def format_row(r: Row) -> str:
    return (f"  {r.name:<22}{r.docs:>5}{r.pages:>6}{f'{r.identified}/{r.form_pages}':>10}{r.fields:>7}"
            f"{r.exact_rate:>8.1%}{r.straight_through:>7.1%}{f'{r.auto_wrong}/{r.auto}':>12}"
            f"{r.auto_error:>9.2%}{r.upper:>9.2%}")


def ratio_line(rows: dict[str, Row], baseline: str = BASELINE) -> str | None:
    """Straight-through and exact of each condition as a ratio to ``baseline`` (same documents)."""
    base = rows.get(baseline)
    if base is None or len(rows) < 2:
        return None
    parts = []
    for name, r in rows.items():
        if name == baseline:
            continue
        st = r.straight_through / base.straight_through if base.straight_through else float("nan")
        ex = r.exact_rate / base.exact_rate if base.exact_rate else float("nan")
        parts.append(f"{name} {st:.2f}/{ex:.2f}")
    return f"ratio to {baseline} (straight-through/exact): " + ", ".join(parts)


def summary_line(rows: dict[str, Row], digit_rows: dict[str, Row],
                 allowed_rows: dict[str, Row] | None = None) -> str:
    """The one ``SUMMARY`` line: worst condition, total auto-accepts, office and real digits
    (their share also among the fields the template lets be auto-accepted)."""
    worst = max(rows.values(), key=lambda r: (r.auto_error, r.upper), default=None)
    office = rows.get(BASELINE)
    real = digit_rows.get("real_digits")
    allowed = (allowed_rows or {}).get("real_digits")
    nan = float("nan")
    parts = {
        "worst_condition": worst.name if worst else "none",
        "worst_auto_error": f"{worst.auto_error:.4f}" if worst else "nan",
        "worst_upper95": f"{worst.upper:.4f}" if worst else "nan",
        "auto_fields": str(sum(r.auto for r in rows.values())),
        "fields": str(sum(r.fields for r in rows.values())),
        "office_straight_through": f"{office.straight_through if office else nan:.4f}",
        "office_auto_error": f"{office.auto_error if office else nan:.4f}",
        "real_digits_digit_auto_error": f"{real.auto_error if real else nan:.4f}",
        "real_digits_digit_upper95": f"{real.upper if real else nan:.4f}",
        "real_digits_digit_straight_through": f"{real.straight_through if real else nan:.4f}",
        "real_digits_digit_allowed_straight_through":
            f"{allowed.straight_through if allowed else nan:.4f}",
    }
    return "SUMMARY " + " ".join(f"{k}={v}" for k, v in parts.items())


def realscan_note(dirs: Iterable[Path]) -> str:
    """Whether a labelled real scan set this bench could score exists (it never invents labels)."""
    for d in dirs:
        if not d.is_dir():
            continue
        found = [p.parent.name for p in sorted(d.glob("*/labels*.json"))]
        if found:  # pragma: no cover - no such set exists yet
            return f"realscan: labelled sets found in {d} ({', '.join(found)}) but not wired in yet"
        parts = []
        if (d / "sdaps").is_dir():
            parts.append("sdaps/ has no answer labels")
        if (d / "omrchecker").is_dir():
            parts.append("omrchecker/ has silver labels for OMRChecker's own bubble templates, "
                         "not for yomitori templates")
        return (f"realscan: skipped, no labelled real scans of yomitori forms in {d} ("
                + "; ".join(parts or ["nothing there"]) + ")")
    return "realscan: skipped, no shared real data found"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=3, help="documents per template per condition")
    ap.add_argument("--seed", type=int, default=70000, help="first seed (document i of template n: "
                    "seed + 1000 n + i)")
    ap.add_argument("--conditions", default=",".join(ALL_CONDITIONS),
                    help=f"comma-separated, from {', '.join(ALL_CONDITIONS)}")
    ap.add_argument("--templates", default=",".join(DEFAULT_TEMPLATES), help="comma-separated template ids")
    ap.add_argument("--jobs", type=int, default=1,
                    help="read conditions in this many processes (same results, same order)")
    ap.add_argument("--readings", type=Path, default=None, metavar="DIR",
                    help="keep each condition's readings in DIR; when there already, re-decide "
                         "them with the current calibration instead of reading again (same seeds "
                         "and code only: the file does not check)")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N",
                    help="print N wrong auto-accepted readings per condition")
    args = ap.parse_args(argv)
    args.conditions = [c.strip() for c in args.conditions.split(",") if c.strip()]
    args.templates = [t.strip() for t in args.templates.split(",") if t.strip()]
    unknown = [c for c in args.conditions if c not in ALL_CONDITIONS]
    if unknown:
        ap.error(f"unknown conditions {unknown}; known: {', '.join(ALL_CONDITIONS)}")
    if args.count < 1:
        ap.error("--count must be at least 1")
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    if args.count > 1000:
        ap.error("--count above 1000 would reuse another template's seeds")
    return args


def document(template: FormTemplate, seed: int, condition: str) -> Any:
    """The document of ``seed`` under ``condition`` (scan draws depend only on seed + scan)."""
    import numpy as np

    from synth.conditions import apply_condition
    from synth.generate import SynthOptions, derive_seed, generate_document

    if condition in HAND_CONDITIONS:
        digits = "real-eval" if condition == "real_digits" else "font"
        opts = SynthOptions(degrade=False, style="handwriting", digits=digits)
        scan = "office"
    else:
        opts, scan = SynthOptions(degrade=False), condition
    doc = generate_document(template, seed, opts)
    return apply_condition(scan, doc, np.random.default_rng(derive_seed("robustness", scan, seed)))


_READER: Any = None


def _reader() -> Any:
    """The production reader, built once per process (calibration as configured)."""
    global _READER
    if _READER is None:
        from services.compose import build_reader

        _READER = build_reader()
    return _READER


@dataclass(frozen=True)
class Done:
    """One condition read: its scores, its digit-kind scores, wrong auto-accepts, pages read."""

    cond: str
    row: Row
    digit_row: Row | None
    wrong: list[str]
    pages: int
    allowed_row: Row | None = None  # digit kinds the template lets be auto-accepted (policy_allows)


def retriage(reading: DocumentReading, reader: Any) -> DocumentReading:
    """The same reading decided again with the reader's calibration (:mod:`services.retriage`)."""
    from services.retriage import retriage as decide

    return decide(reading, reader.templates, reader.calibration)


def _documents(cond: str, seeds: Sequence[tuple[str, int]], reader: Any, saved: Path | None
               ) -> Iterable[tuple[str, DocumentReading, dict[str, Any]]]:
    """(document id, reading, truth) of every seed: read now, or re-decided from ``saved``.

    The reading does not depend on the calibration; only the last step (triage) does.
    With ``saved`` (a directory) the readings of a first run are kept there, and a later
    run with another calibration re-decides them instead of reading every page again.
    """
    import pickle

    from ocr.pipeline import read_page

    cache = saved / f"{cond}.pkl" if saved is not None else None
    if cache is not None and cache.exists():
        # our own file, written below by this benchmark (synthetic documents only)
        for doc_id, reading_json, truth in pickle.loads(cache.read_bytes()):
            yield doc_id, retriage(DocumentReading.model_validate_json(reading_json), reader), truth
        return
    kept = []
    for tid, seed in seeds:
        doc = document(reader.templates[tid], seed, cond)
        readings = [read_page(img, reader, index=j) for j, img in enumerate(doc.pages)]
        reading = DocumentReading(source=doc.document_id, pages=readings)
        kept.append((doc.document_id, reading.model_dump_json(), doc.truth))
        yield doc.document_id, reading, doc.truth
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(kept))


def run_condition(cond: str, seeds: Sequence[tuple[str, int]], show_errors: int,
                  saved: Path | None = None) -> Done:
    """Read every document of ``seeds`` under ``cond`` (in this process or a worker)."""
    reader = _reader()
    pages_out: list[PageOutcome] = []
    fields_out: list[FieldOutcome] = []
    t0 = time.perf_counter()
    n_pages = 0
    for k, (doc_id, reading, truth) in enumerate(_documents(cond, seeds, reader, saved), start=1):
        n_pages += len(reading.pages)
        p, f = compare(reading, truth)
        pages_out += p
        fields_out += f
        print(f"[{cond}] {k}/{len(seeds)} {doc_id}: {len(reading.pages)} pages, "
              f"{sum(x.correct for x in f)}/{len(f)} exact", file=sys.stderr, flush=True)
    digit_row = allowed_row = None
    if cond in HAND_CONDITIONS:
        digits = digit_fields(fields_out, reader.templates)
        digit_row = score(f"{cond} [digits]", len(seeds), pages_out, digits)
        allowed_row = score(f"{cond} [auto ok]", len(seeds), pages_out,
                            [f for f in digits if policy_allows(f, reader.templates)])
    print(f"[{cond}] done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    # synthetic data only: printing values here exposes no real person
    wrong = [f"  [{cond}] auto-accepted but wrong: {o.template_id}.{o.field_id} ({o.kind}) "
             f"conf={o.confidence:.3f} truth={o.truth_text!r} read={o.read_text!r}"
             for o in [o for o in fields_out if o.auto and not o.correct][:show_errors]]
    return Done(cond, score(cond, len(seeds), pages_out, fields_out), digit_row, wrong, n_pages,
                allowed_row)


def run_all(conditions: Sequence[str], seeds: Sequence[tuple[str, int]], show_errors: int,
            jobs: int, saved: Path | None = None) -> list[Done]:
    """Every condition, in order; with ``jobs`` > 1 conditions are read in worker processes."""
    if jobs <= 1:
        return [run_condition(c, seeds, show_errors, saved) for c in conditions]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawned, not forked: each worker loads its own models (ONNX sessions do not fork safely)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(run_condition, c, seeds, show_errors, saved) for c in conditions]
        return [f.result() for f in futures]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    from synth.real_digits import realdata_dirs

    reader = _reader()
    if reader.calibration is None:
        print("warning: no calibration file; every field goes to review", file=sys.stderr)
    missing = [t for t in args.templates if t not in reader.templates]
    if missing:
        print(f"unknown templates {missing}; known: {', '.join(sorted(reader.templates))}", file=sys.stderr)
        return 2
    seeds = [(tid, args.seed + 1000 * n + i)
             for n, tid in enumerate(args.templates) for i in range(args.count)]

    started = time.perf_counter()
    done = run_all(args.conditions, seeds, args.show_errors, args.jobs, args.readings)
    rows: dict[str, Row] = {d.cond: d.row for d in done}
    digit_rows: dict[str, Row] = {d.cond: d.digit_row for d in done if d.digit_row is not None}
    allowed_rows: dict[str, Row] = {d.cond: d.allowed_row for d in done if d.allowed_row is not None}
    n_pages = sum(d.pages for d in done)
    for d in done:
        for text in d.wrong:
            print(text)

    secs = time.perf_counter() - started
    print(f"\nrobustness: {len(seeds)} documents per condition ({', '.join(args.templates)}; "
          f"seeds {args.seed}+1000n+i), {len(rows)} conditions, {n_pages} pages read in {secs:.0f} s")
    print("fields of pages not read as their form count as wrong; upper95 = one-sided Wilson 95 % "
          "upper bound of the error among auto-accepted fields")
    print(HEADER)
    for r in rows.values():
        print(format_row(r))
    if digit_rows:
        print(f"\ndigit and date kinds ({', '.join(sorted(DIGIT_KINDS))}), handwriting documents:")
        print(HEADER)
        for r in digit_rows.values():
            print(format_row(r))
        for r in allowed_rows.values():  # without 個人番号 (blind double entry: never auto-accepted)
            print(format_row(r))
    line = ratio_line(rows)
    if line:
        print("\n" + line)
    if {"real_digits", "hand_font"} <= set(digit_rows):
        r, b = digit_rows["real_digits"], digit_rows["hand_font"]
        st = r.straight_through / b.straight_through if b.straight_through else float("nan")
        print(f"real vs font digits (digit kinds, same documents): exact {r.exact_rate:.1%} vs "
              f"{b.exact_rate:.1%}, straight-through {r.straight_through:.1%} vs {b.straight_through:.1%} "
              f"(ratio {st:.2f})")
    print(realscan_note(realdata_dirs()))
    print(summary_line(rows, digit_rows, allowed_rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
