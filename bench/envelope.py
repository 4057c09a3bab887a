"""The envelope check on fresh seeds: splitting stacks, ID-copy kinds, completeness, reading time.

    .venv/bin/python bench/envelope.py [--envelopes 12] [--copies 120] [--seed 1000]

Seeds from ``--seed`` on were never used to tune the classifier (tuning used seeds 1-3;
the fax two-card and upside-down fixes were tuned on seeds 0-130 and 1).
With the real OCR models:

1. **ID-copy kinds**: ``--copies`` attached pages over every kind, office copies and
   fax-quality ones, enlarged/reduced, two cards on one page: kind right, share decided
   without a person (confidence >= domain.id_copy.SURE) and wrong among those.
2. **Stacks**: a stack without and one with separator sheets (``--envelopes`` each;
   missing and extra copies, upside-down form pages, fax copies) read through the
   worker's page path; envelope split exact, completeness decided right (undecided
   counts as not decided, i.e. a person), and the extra reading time per envelope for
   the copies as a ratio to form reading alone (the baseline measured in the same run).

3. **Cross-check** (:mod:`envelope_crosscheck`): for name, birth date and address of
   ``--crosscheck`` handwriting-style forms with one copy each, the auto-accepted share
   without the copy (shipped calibration) and with it (the strict rule,
   :mod:`domain.copy_accept`), each with its error among accepted fields and the 95 %
   Wilson upper bound, and the reading time per envelope (form + copy) as a ratio to
   reading the form alone.

``--parts copies,stacks,crosscheck`` runs a subset (each run ends with its own SUMMARY).
No value is printed. Ends with one SUMMARY line.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.calibration import wilson_upper
from domain.completeness import AttachedPage, check
from domain.envelope import split_envelopes
from domain.id_copy import SURE
from domain.status import PageStatus
from forms.loader import load_templates
from ocr import preprocess
from ocr.id_copy import read_copy
from ocr.pipeline import read_page
from services.attachments import classify_attachment, copy_check
from services.compose import build_reader
from synth.id_copies import copy_page
from synth.stack import StackOptions, generate_stack

sys.path.insert(0, str(Path(__file__).resolve().parent))
from envelope_crosscheck import FIELDS, crosscheck_part

KINDS = ["mynumber_front", "mynumber_back", "notification", "license", "passport", "juminhyo", "other",
         "mynumber_front+mynumber_back", "notification+license", "notification+passport"]


def copies_part(reader: object, n: int, seed: int, turned_share: float = 0.1) -> dict[str, float]:
    """``n`` copy pages over every kind; office or fax, some fed upside down."""
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    rec = reader.recognizer  # type: ignore[attr-defined]
    right = auto = auto_wrong = 0
    by_cond: Counter[str] = Counter()
    wrong_cond: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    confs: list[tuple[float, bool]] = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        fax = rng.random() < 0.35
        turned = rng.random() < turned_share
        img, _ = copy_page(kind, (1654, 2339), nrng, rng, 200, fax=fax, turned=turned)
        got = read_copy(img, rec)
        code = "+".join(g.kind.value for g in got.guesses)
        conf = min(g.confidence for g in got.guesses)
        ok = code == kind
        confs.append((conf, ok))
        right += ok
        for cond in ("fax" if fax else "office", *(["upside_down"] if turned else [])):
            by_cond[cond] += 1
            wrong_cond[cond] += not ok
        if conf >= SURE:
            auto += 1
            auto_wrong += not ok
        if not ok:
            confusion[(kind, f"{code}@{conf:.2f}")] += 1
    bound = wilson_upper(auto_wrong, auto)
    print(f"ID-copy pages: {n} (seed {seed}); kind right {right / n:.1%}; decided without a person "
          f"{auto / n:.1%}; wrong among those {auto_wrong / max(auto, 1):.2%} ({auto_wrong}/{auto}, "
          f"95 % upper bound {bound:.2%})")
    for cond in sorted(by_cond):
        print(f"  {cond}: {by_cond[cond]} pages, wrong {wrong_cond[cond] / by_cond[cond]:.1%}")
    for (want, got_code), c in confusion.most_common(12):
        print(f"  confused: {want} -> {got_code} x{c}")
    wrong_confs = sorted(round(c, 3) for c, ok in confs if not ok)
    print(f"  confidences of wrong pages: {wrong_confs}")
    return {"right": right / n, "auto": auto / n, "auto_wrong": auto_wrong / max(auto, 1), "bound": bound}


def stack_part(reader: object, templates: dict, envelopes: int, seed: int, separators: bool
               ) -> dict[str, float]:
    opts = StackOptions(envelopes=envelopes, separators=separators, upside_down=0.1, missing=0.25,
                        extra=0.15, blank_back=0.15, degrade=True, fax=0.3, copy_upside_down=0.1)
    doc = generate_stack([templates["onestop_2022"], templates["onestop_legacy"]], seed, opts)
    pages, form_s, copy_s = [], 0.0, 0.0
    lines: dict[int, list[str]] = {}
    for i, img in enumerate(doc.pages):
        t = time.perf_counter()
        reading = read_page(img, reader, index=i)  # type: ignore[arg-type]
        mid = time.perf_counter()
        if reading.status is not PageStatus.READ:
            upright = preprocess.rotate_quadrant(preprocess.to_gray(img), reading.orientation)
            reading = classify_attachment(reading, upright, reader, lines)  # type: ignore[arg-type]
        end = time.perf_counter()
        form_s += mid - t
        copy_s += end - mid
        pages.append(reading)
    truth = doc.truth["envelopes"]
    got = split_envelopes(pages)
    exact = sum(1 for e in truth if any(g.first == e["first"] and g.last == e["last"] for g in got))
    decided_right = undecided = 0
    agreement: Counter[tuple[str, str]] = Counter()
    for e in truth:
        mine = [p for p in pages if e["first"] <= p.index <= e["last"]]
        for fid, outcome in (copy_check(mine, lines) or {}).items():
            agreement[(fid, outcome)] += 1
        env_pages = [p for p in pages
                     if e["first"] <= p.index <= e["last"] and p.status is not PageStatus.READ]
        result = check(templates[e["template_id"]].required_copies,
                       [AttachedPage(p.copy_kind, p.copy_confidence) for p in env_pages])
        if result.undecided:
            undecided += 1
        elif result.complete is e["complete"]:
            decided_right += 1
    n = len(truth)
    print(f"stack {'with' if separators else 'without'} separators: {n} envelopes, {len(pages)} pages; "
          f"split exact {exact}/{n}; completeness right {decided_right}/{n}, to a person {undecided}; "
          f"reading {form_s:.1f} s (forms and page checks) + {copy_s:.1f} s (copy kinds)")
    print("  cross-check (copies show the form's person): " + ", ".join(
        f"{fid} {outcome} {n}" for (fid, outcome), n in sorted(agreement.items())))
    return {"n": n, "exact": exact, "complete_right": decided_right, "undecided": undecided,
            "form_s": form_s, "copy_s": copy_s}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--envelopes", type=int, default=12)
    ap.add_argument("--copies", type=int, default=120)
    ap.add_argument("--crosscheck", type=int, default=30, help="handwriting forms with one copy each")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--parts", default="copies,stacks,crosscheck",
                    help="comma-separated subset (to run the parts as separate processes)")
    a = ap.parse_args()
    parts = set(a.parts.split(","))
    templates = load_templates(Path(__file__).resolve().parent.parent / "templates")
    reader = build_reader(today=date(2026, 11, 20))  # shipped calibration: the "without" of the cross-check
    out: list[str] = []
    if "copies" in parts:
        c = copies_part(reader, a.copies, a.seed)
        out += [f"copy_kind_right={c['right']:.3f}", f"copy_auto={c['auto']:.3f}",
                f"copy_auto_wrong={c['auto_wrong']:.4f}", f"copy_auto_wrong_bound={c['bound']:.4f}"]
    if "stacks" in parts:
        s1 = stack_part(reader, templates, a.envelopes, a.seed + 1, separators=False)
        s2 = stack_part(reader, templates, a.envelopes, a.seed + 2, separators=True)
        n = s1["n"] + s2["n"]
        form_s = s1["form_s"] + s2["form_s"]
        ratio = (form_s + s1["copy_s"] + s2["copy_s"]) / form_s
        out = [f"split_exact={(s1['exact'] + s2['exact']) / n:.3f}", *out,
               f"completeness_right={(s1['complete_right'] + s2['complete_right']) / n:.3f}",
               f"to_person={(s1['undecided'] + s2['undecided']) / n:.3f}",
               f"reading_time_ratio_vs_forms_only={ratio:.2f}"]
    if "crosscheck" in parts:
        x = crosscheck_part(reader, [templates["onestop_2022"], templates["onestop_legacy"]], a.crosscheck,
                            a.seed + 3)
        for fid in FIELDS:
            out += [f"{fid}_auto={x[f'{fid}_without']:.3f}->{x[f'{fid}_with']:.3f}"
                    f"(shipped={x[f'{fid}_shipped']:.3f})",
                    f"{fid}_wrong={x[f'{fid}_without_wrong']:.4f}->{x[f'{fid}_with_wrong']:.4f}"
                    f"(bound={x[f'{fid}_without_bound']:.4f}->{x[f'{fid}_with_bound']:.4f})"]
        out += [f"crosscheck_time_ratio_vs_form_only={x['time_ratio']:.2f}",
                f"with_page_check={x['time_ratio_with_check']:.2f}"]
    print("SUMMARY envelope " + " ".join(out))


if __name__ == "__main__":
    main()
