"""Fit the confidence calibration on synthetic forms with known answers.

Seeds for calibration (default 5000+) never overlap the tests' or the
benchmark's. Only scores and hit/miss are stored: no personal values.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from config.settings import get_settings
from domain.calibration import Calibration, fit_kind
from domain.model import DocumentReading
from services.evaluate import FieldOutcome, compare


def synthetic_outcomes(count: int, seed: int, progress: Callable[[str], None],
                       template_ids: list[str] | None = None,
                       extra: dict[str, int] | None = None) -> Iterator[FieldOutcome]:
    """Generate, read (uncalibrated) and score ``count`` forms per template.

    ``extra`` adds forms for templates whose field kinds appear nowhere else
    (e.g. postal_code and email only on the 寄附申込書), so every kind gets
    enough evidence for the error bound.
    """
    from ocr.pipeline import read_page
    from services.compose import build_reader
    from synth.generate import SynthOptions, generate_document

    reader = build_reader(use_calibration=False)
    ids = template_ids or sorted(reader.templates)
    for n, tid in enumerate(ids):
        template = reader.templates[tid]
        total = count + (extra or {}).get(tid, 0)
        for i in range(total):
            doc = generate_document(template, seed + 10_000 * n + i, SynthOptions())
            pages = [read_page(img, reader, index=k) for k, img in enumerate(doc.pages)]
            _, fields = compare(DocumentReading(source=str(i), pages=pages), doc.truth)
            yield from (f for f in fields if f.page_read)  # engine scores only
            if (i + 1) % 25 == 0 or i + 1 == total:
                progress(f"  {tid}: {i + 1}/{total}")


def fit(outcomes: list[FieldOutcome], target_error: float, note: str = "") -> Calibration:
    by_key: dict[str, tuple[list[float], list[bool]]] = defaultdict(lambda: ([], []))
    for o in outcomes:
        by_key[o.calibration_key][0].append(o.confidence)
        by_key[o.calibration_key][1].append(o.correct)
    kinds = {k: fit_kind(s, h, target_error) for k, (s, h) in sorted(by_key.items())}
    digest = hashlib.sha256(
        json.dumps({k: v.model_dump() for k, v in kinds.items()}, sort_keys=True).encode()
    ).hexdigest()[:8]
    now = datetime.now(UTC)
    return Calibration(version=f"{now:%Y%m%d}-{digest}", created=now, target_error=target_error,
                       kinds=kinds, note=note)


# forms whose field kinds (postal_code, email) appear on no other template
EXTRA_FORMS = {"furusato_application": 1.5}


def run_calibration(count: int, seed: int, out: Path | None,
                    progress: Callable[[str], None] = print) -> Path:
    settings = get_settings()
    extra = {tid: int(count * share) for tid, share in EXTRA_FORMS.items()}
    outcomes = list(synthetic_outcomes(count, seed, progress, extra=extra))
    cal = fit(outcomes, settings.target_error,
              note=f"synthetic: {count} forms per template (+{extra}), seed {seed}, "
                   f"{len(outcomes)} fields")
    path = out or settings.calibration_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cal.model_dump_json(indent=1), encoding="utf-8")
    for key, k in cal.kinds.items():
        progress(f"  {key:<20} n={k.n:<5} threshold={k.threshold:.3f} "
                 f"auto={k.accepted_share:6.1%} err={k.accepted_error:.3%} (≤{k.accepted_error_upper:.3%})")
    return path
