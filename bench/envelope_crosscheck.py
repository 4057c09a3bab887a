"""Part of bench/envelope.py: does agreeing with a printed ID copy let more fields through?

For name, birth date and address of handwriting-style ワンストップ forms, each with one
copy showing the form's person (office or fax quality, one of the kinds that print
those lines), two rules are scored against the ground truth:

* **without**: the field is auto-accepted by the shipped calibration (production);
* **with**: auto-accepted, *or* the copy's printed value agrees with the form's reading
  (:func:`domain.crosscheck.cross_check`) and the copy's kind is sure
  (``confidence >= domain.id_copy.SURE``).

The "with" rule is evaluated here only; production triage does not use it yet. Error
among accepted fields is reported with its one-sided 95 % Wilson upper bound.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np

from domain.calibration import wilson_upper
from domain.crosscheck import Agreement, copy_values, cross_check
from domain.id_copy import SURE, CopyKind
from domain.model import FormTemplate
from domain.status import FieldStatus, PageStatus
from ocr.id_copy import read_copy
from ocr.pipeline import read_page
from synth.generate import SynthOptions, derive_seed, generate_document
from synth.id_copies import copy_page, who_from_truth

FIELDS = ("full_name", "birth_date", "address")
COPY_KINDS = ["mynumber_front", "license", "notification", "juminhyo", "mynumber_front+mynumber_back",
              "notification+license"]


def _canon(v: Any) -> Any:
    return [str(x) for x in v] if isinstance(v, list) else v


def crosscheck_part(reader: Any, templates: list[FormTemplate], n: int, seed: int,
                    style: str = "handwriting", fax: float = 0.3) -> dict[str, float]:
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    opts = SynthOptions(style=style, degrade=True, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0,
                        invalid_my_number_prob=0.0)
    count: Counter[tuple[str, str]] = Counter()
    outcome: Counter[tuple[str, str]] = Counter()
    for k in range(n):
        template = templates[k % len(templates)]
        doc = generate_document(template, derive_seed("xcheck", seed, k), opts, document_id=f"x{k:04d}")
        truth = {fid: f["value"] for p in doc.truth["pages"] for fid, f in p["fields"].items()}
        who = who_from_truth(doc.truth["pages"][0]["fields"])
        kind = COPY_KINDS[k % len(COPY_KINDS)]
        img, _ = copy_page(kind, (doc.pages[0].shape[1], doc.pages[0].shape[0]), nrng, rng, 200,
                           fax=rng.random() < fax, who=who)
        page = read_page(doc.pages[0], reader, index=0)
        got = read_copy(img, reader.recognizer)
        sure = min(g.confidence for g in got.guesses) >= SURE and all(
            g.kind not in (CopyKind.OTHER, CopyKind.BLANK) for g in got.guesses)
        values = {f.field_id: f for f in page.fields} if page.status is PageStatus.READ else {}
        agreement = cross_check({fid: f.value for fid, f in values.items()},
                                copy_values(got.lines)) if sure else {}
        for fid in FIELDS:
            if fid not in truth:
                continue
            fr = values.get(fid)
            right = fr is not None and _canon(fr.value) == _canon(truth[fid])
            auto = fr is not None and fr.status is FieldStatus.AUTO_ACCEPTED
            agree = agreement.get(fid) is Agreement.AGREE
            outcome[(fid, str(agreement.get(fid, "no_sure_copy")))] += 1
            for rule, accepted in (("without", auto), ("with", auto or agree)):
                count[(fid, f"{rule}_n")] += 1
                count[(fid, f"{rule}_acc")] += accepted
                count[(fid, f"{rule}_wrong")] += accepted and not right
            count[(fid, "agree_wrong")] += agree and not right
    out: dict[str, float] = {}
    print(f"cross-check: {n} {style}-style forms (seed {seed}), one copy each showing the form's person")
    for fid in FIELDS:
        parts = []
        for rule in ("without", "with"):
            m, acc, wrong = (count[(fid, f"{rule}_{x}")] for x in ("n", "acc", "wrong"))
            bound = wilson_upper(wrong, acc) if acc else 1.0
            parts.append(f"{rule} {acc / max(m, 1):.1%} ({wrong}/{acc} wrong, bound {bound:.2%})")
            out[f"{fid}_{rule}"] = acc / max(m, 1)
            out[f"{fid}_{rule}_bound"] = bound
        seen = ", ".join(f"{o} {c}" for (f, o), c in sorted(outcome.items()) if f == fid)
        print(f"  {fid}: auto-accepted " + " → ".join(parts) + f"; copy {seen}; "
              f"agreeing but wrong {count[(fid, 'agree_wrong')]}")
    return out
