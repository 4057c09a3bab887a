"""Forced reading benchmark: filled forms the reader cannot identify, read as the form a person chose.

    .venv/bin/python bench/forced_read.py --count 2 --seed 80000

Generates COUNT filled documents per template (seeds from 80000: not used by calibration,
tests or the other benchmarks), paints out every page's corner marks and QR code and
photographs it with the synthesiser's ``phone`` condition (perspective, uneven light):
pages the reader cannot tell apart from a non-form. Each page is read twice with the
production reader (real models, shipped calibration):

- ``identified`` (the baseline, same pages, same run): the reader on its own;
- ``forced``: as after a reviewer chose "read it as <template> page k" on the review
  screen (:func:`ocr.forced_page.read_forced_page`: identification skipped, alignment
  still required).

Prints per template and overall: pages, pages read, fields, exact %, auto-accepted share,
wrong among auto-accepted with its one-sided Wilson 95 % upper bound. Ends with one
``SUMMARY`` line (ratio: pages read forced / pages read on its own).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")

from domain.calibration import wilson_upper
from domain.model import FormTemplate, PageReading
from domain.status import FieldStatus, PageStatus
from forms.render import qr_box
from ocr.forced_page import read_forced_page
from ocr.pipeline import read_page
from services.compose import build_reader
from synth.conditions import condition_page
from synth.generate import SynthOptions, generate_document

OPTS = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0)
TODAY = date(2026, 11, 20)


def paint_out_identity(img: np.ndarray, template: FormTemplate, page: int, dpi: int) -> np.ndarray:
    """The page's corner marks and QR code covered with white (as a city's own print would lack them)."""
    out = img.copy()

    def px(mm: float) -> int:
        return max(0, round(mm * dpi / 25.4))

    for m in template.page(page).marks:
        out[px(m.y - 2):px(m.y + m.size + 2), px(m.x - 2):px(m.x + m.size + 2)] = 255
    b = qr_box(template)
    out[px(b.y - 2):px(b.y2 + 2), px(b.x - 2):px(b.x2 + 2)] = 255
    return out


class Tally:
    def __init__(self) -> None:
        self.pages = self.read = self.fields = self.exact = self.auto = self.auto_wrong = 0

    def add(self, reading: PageReading, template_id: str, page_no: int, truth: dict[str, Any]) -> None:
        self.pages += 1
        if (reading.status, reading.template_id, reading.page_number) != (PageStatus.READ, template_id,
                                                                          page_no):
            return
        self.read += 1
        for f in reading.fields:
            ok = f.value == truth[f.field_id]["value"]
            self.fields += 1
            self.exact += ok
            if f.status is FieldStatus.AUTO_ACCEPTED:
                self.auto += 1
                self.auto_wrong += not ok

    def line(self, name: str) -> str:
        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:5.1f}" if b else "  -  "

        return (f"{name:30s} pages read {self.read:3d}/{self.pages:<3d} fields {self.fields:4d} "
                f"exact {pct(self.exact, self.fields)} %  auto {pct(self.auto, self.fields)} %  "
                f"wrong among auto {self.auto_wrong}/{self.auto} "
                f"(upper {100 * wilson_upper(self.auto_wrong, self.auto):.2f} %)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=2, help="documents per template")
    ap.add_argument("--seed", type=int, default=80000)
    args = ap.parse_args()
    reader = build_reader(today=TODAY)
    dpi = reader.dpi
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: {"identified": Tally(), "forced": Tally()})
    for n, (tid, t) in enumerate(sorted(reader.templates.items())):
        for i in range(args.count):
            seed = args.seed + 1000 * n + i
            doc = generate_document(t, seed, OPTS)
            rng = np.random.default_rng(seed)
            for k, image in enumerate(doc.pages, 1):
                photo, _ = condition_page("phone", paint_out_identity(image, t, k, dpi), rng, dpi)
                truth = doc.truth["pages"][k - 1]["fields"]
                own = read_page(photo, reader)
                forced, _, _ = read_forced_page(photo, reader, 0, tid, t.version, k)
                for key in (tid, "all"):
                    tallies[key]["identified"].add(own, tid, k, truth)
                    tallies[key]["forced"].add(forced, tid, k, truth)
    for key in [*sorted(k for k in tallies if k != "all"), "all"]:
        for how in ("identified", "forced"):
            print(tallies[key][how].line(f"{key} {how}"))
    base, forced = tallies["all"]["identified"], tallies["all"]["forced"]
    ratio = f"{forced.read / base.read:.2f}" if base.read else "inf"
    print(f"SUMMARY pages={forced.pages} read_identified={base.read} read_forced={forced.read} "
          f"ratio_forced_vs_identified={ratio} "
          f"exact_forced={100 * forced.exact / max(1, forced.fields):.1f}% "
          f"auto_forced={100 * forced.auto / max(1, forced.fields):.1f}% "
          f"wrong_auto_forced={forced.auto_wrong}/{forced.auto} "
          f"upper={100 * wilson_upper(forced.auto_wrong, forced.auto):.2f}%")


if __name__ == "__main__":
    main()
