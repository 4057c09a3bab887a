"""Fit the confidence calibration on synthetic forms with known answers.

Seeds for calibration (default 5000+) never overlap the tests' or the
benchmarks' (bench/accuracy.py 9001+, bench/robustness.py 70000+). The set mixes
office scans with hard conditions (fax-style 1-bit, phone photos, seals, heavy
JPEG, skew, fit-to-page prints, dark duplex backs; :mod:`synth.conditions`) and
real handwritten digits (the "calib" columns of the shared MNIST sample, never the
ones tests and benchmarks use), so every kind shows errors to learn from.

Only scores, signals and hit/miss are kept (rows CSV under ``var/calibration``):
no values, no names. :mod:`services.signal_fit` turns the rows into the file.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.settings import get_settings
from domain import signals as sig
from domain.calibration import Calibration
from domain.model import DocumentReading, FieldReading, FieldSpec
from domain.triage import calibration_key
from services.evaluate import FieldOutcome, compare
from services.signal_fit import Row, fit_rows, page_envelope

if TYPE_CHECKING:
    from ocr.reader import Reader
    from synth.generate import SynthOptions

# share of ``count`` forms per template made under each condition (office = ordinary scans)
CONDITION_MIX: dict[str, float] = {
    "office": 1.0, "fax": 0.3, "phone": 0.3, "seal": 0.15, "jpeg25": 0.15, "skew4": 0.15,
    "fit": 0.1, "dark_back": 0.1,
}
# forms whose field kinds (postal_code, email) appear on no other template
EXTRA_FORMS = {"furusato_application": 0.5}
DIGITS = "mixed-calib"  # half the handwriting documents write real handwritten digits
# The benchmarks' documents are never calibration documents. bench/accuracy.py reads
# template n's seeds 9001 + 10000 n + i (i < 10 by default), which fall inside the office
# range of the default calibration seed (5000 + 10000 n + 4000 + i), and the same template
# and seed make the same record and scan; bench/robustness.py reads 70000 + 1000 n + i.
# (bench/ cannot be imported from here: the numbers are repeated from there.)
ACCURACY_SEED, ACCURACY_COUNT = 9001, 10
ROBUSTNESS_SEEDS = range(70_000, 73_000)


def bench_seed(seed: int) -> bool:
    """Whether a benchmark reads a document of this seed (for some template).

    Judged on the seed alone, so a calibration document of another template with such a
    seed is left out too: a few documents lost, never a benchmark document kept.
    """
    return (ACCURACY_SEED <= seed % 10_000 < ACCURACY_SEED + ACCURACY_COUNT
            or seed in ROBUSTNESS_SEEDS)


def bench_row(row: Row) -> bool:
    """A row of a benchmark document (``template:seed``; rows saved before this check have them)."""
    seed = row.document.rpartition(":")[2]
    return seed.isdigit() and bench_seed(int(seed))


def _conditions_available() -> bool:
    try:
        import synth.conditions  # noqa: F401
    except ImportError:
        return False
    return True


def synthetic_rows(count: int, seed: int, progress: Callable[[str], None],
                   template_ids: list[str] | None = None,
                   mix: dict[str, float] | None = None) -> Iterator[Row]:
    """Generate, read (uncalibrated) and score forms of every template under every condition."""
    from services.compose import build_reader

    reader = build_reader(use_calibration=False)
    conditions = mix or (CONDITION_MIX if _conditions_available() else {"office": 1.0})
    everyone = sorted(reader.templates)
    plan = calibration_plan(count, seed, template_ids or everyone, everyone, conditions)
    for k, (tid, cond, s) in enumerate(plan):
        yield from document_rows(reader, tid, s, cond)
        if (k + 1) % 10 == 0 or k + 1 == len(plan):
            progress(f"  {tid} {cond}: {k + 1}/{len(plan)}")


def calibration_plan(count: int, seed: int, template_ids: Sequence[str], everyone: Sequence[str],
                     conditions: dict[str, float]) -> list[tuple[str, str, int]]:
    """(template, condition, seed) of every calibration document, benchmark seeds left out.

    The seed follows the template's place among all templates, so a run over a subset
    (one process per template) makes the very documents of the full run.
    """
    plan = []
    for tid in template_ids:
        n = list(everyone).index(tid)
        for c, (cond, share) in enumerate(sorted(conditions.items())):
            total = round(count * share * (1 + EXTRA_FORMS.get(tid, 0.0)))
            plan += [(tid, cond, s) for s in (seed + 10_000 * n + 1_000 * c + i for i in range(total))
                     if not bench_seed(s)]
    return plan


def document_rows(reader: Reader, template_id: str, seed: int, condition: str,
                  digits: str = DIGITS, style: str = "mixed") -> Iterator[Row]:
    """One calibration document (template, seed, condition), made and read again from scratch.

    The same arguments always make the same document, so rows of single documents can be
    read again (e.g. after a new rule) and replace those of an earlier run. ``digits`` and
    ``style`` (``SynthOptions``) make extra documents of one kind, e.g. handwriting with
    real "calib"-column digits only (issue 14's real-digit rows, seeds 300000+).
    """
    reading, truth = _read_document(reader, template_id, seed, condition, digits, style)
    _, outcomes = compare(reading, truth)
    yield from _rows(outcomes, reading, f"{template_id}:{seed}", condition,
                     reader.templates[template_id].fields)


def read_values(reader: Reader, template_id: str, seed: int, condition: str) -> dict[str, Any]:
    """What the reader read on one calibration document: field id → value (memory only).

    For :mod:`services.row_rules`, which judges a later rule on the wrong rows of saved files.
    """
    reading, _ = _read_document(reader, template_id, seed, condition)
    return {f.field_id: f.value for p in reading.pages if p.template_id == template_id for f in p.fields}


def _read_document(reader: Reader, template_id: str, seed: int, condition: str,
                   digits: str = DIGITS, style: str = "mixed") -> tuple[DocumentReading, dict[str, Any]]:
    import numpy as np

    from ocr.pipeline import read_page
    from synth.generate import generate_document

    template = reader.templates[template_id]
    # a hard condition is the document's one scan; office keeps the ordinary one
    doc = generate_document(template, seed, _options(condition == "office", digits, style))
    if condition != "office":
        from synth.conditions import apply_condition

        doc = apply_condition(condition, doc, np.random.default_rng(seed))
    pages = [read_page(img, reader, index=k) for k, img in enumerate(doc.pages)]
    return DocumentReading(source=str(seed), pages=pages), doc.truth


def _options(degrade: bool, digits: str = DIGITS, style: str = "mixed") -> SynthOptions:
    from synth.generate import SynthOptions

    return SynthOptions(digits=digits, degrade=degrade, style=style)


def _rows(outcomes: Sequence[FieldOutcome], reading: DocumentReading, document: str,
          condition: str, specs: Sequence[FieldSpec] = ()) -> Iterator[Row]:
    """Outcomes of fields on pages read as their form, joined with the readings' signals.

    With the template's ``specs`` the key is triage's (a written name is ``text:name``).
    """
    found: dict[str, FieldReading] = {f.field_id: f for p in reading.pages for f in p.fields}
    by_id = {s.id: s for s in specs}
    for o in outcomes:
        if not o.page_read or o.field_id not in found:
            continue
        f = found[o.field_id]
        # a field a rule flagged goes to staff whatever it scores: kept apart in the fit
        flags = {sig.RULE_ISSUE: 1.0} if f.issues else {}
        key = calibration_key(f, by_id[f.field_id]) if f.field_id in by_id else o.calibration_key
        yield Row(key=key, hit=o.correct, document=document,
                  signals={**f.signals, **flags}, condition=condition)


ROW_FIELDS = ("key", "hit", "document", "condition", "signals")


def write_rows(rows: Sequence[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ROW_FIELDS)
        for r in rows:
            w.writerow([r.key, int(r.hit), r.document, r.condition,
                        json.dumps(dict(r.signals), sort_keys=True)])


def read_rows(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [Row(key=d["key"], hit=d["hit"] == "1", document=d["document"],
                    condition=d["condition"], signals=json.loads(d["signals"]))
                for d in csv.DictReader(fh)]


def fit(rows: Sequence[Row], target_error: float, note: str = "") -> Calibration:
    """The calibration of ``rows``; rows of benchmark documents (older rows files hold them) are left out."""
    rows = [r for r in rows if not bench_row(r)]
    kinds, _ = fit_rows(rows, target_error)
    digest = hashlib.sha256(
        json.dumps({k: v.model_dump() for k, v in kinds.items()}, sort_keys=True).encode()
    ).hexdigest()[:8]
    now = datetime.now(UTC)
    return Calibration(version=f"{now:%Y%m%d}-{digest}", created=now, target_error=target_error,
                       kinds=kinds, note=note, page_envelope=page_envelope(rows))


def rows_path(seed: int) -> Path:
    return get_settings().home / "calibration" / f"rows-{seed}.csv"


def run_calibration(count: int, seed: int, out: Path | None,
                    progress: Callable[[str], None] = print,
                    rows_file: Path | None = None) -> Path:
    """Read the calibration set (or reuse ``rows_file``), fit, write the calibration file."""
    settings = get_settings()
    if rows_file is not None and rows_file.exists():
        rows = read_rows(rows_file)
        source = f"rows from {rows_file.name}"
    else:
        rows = list(synthetic_rows(count, seed, progress))
        write_rows(rows, rows_file or rows_path(seed))
        source = f"synthetic: {count} forms per template and condition mix {CONDITION_MIX}, seed {seed}"
    cal = fit(rows, settings.target_error, note=f"{source}, {len(rows)} fields; digits {DIGITS}")
    path = out or settings.calibration_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cal.model_dump_json(indent=1), encoding="utf-8")
    for key, k in cal.kinds.items():
        progress(f"  {key:<20} n={k.n:<5} family={k.family:<8} auto={k.accepted_share:6.1%} "
                 f"err={k.accepted_error:.3%} (≤{k.accepted_error_upper:.3%})")
    return path
