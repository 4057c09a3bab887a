"""Measure the strict cross-check acceptance rule on synthetic envelopes (issue 19).

    taskset -c 1 python -m services.copy_accept_fit --envelopes 200 --seed 40000 \\
        --rows var/copy_accept/rows.jsonl --out calibration/crosscheck.json

Each envelope is a handwriting-style ワンストップ form (the hard case: the shipped
calibration accepts almost no handwritten name or address) and one ID copy showing the
form's person (office or fax quality, a kind that prints those lines). The form is read
with the shipped calibration, the copy with :func:`ocr.copy_lines.read_copy_scored`, and
per field (name, birth date, address) a row is kept: the rule's verdict
(:func:`domain.copy_accept.accept_verdict`), whether the reading is right, and whether
the field waits for a person for what a copy may settle (``eligible``,
:func:`domain.copy_accept.copy_may_settle`: only such fields can be accepted by the rule in
production). Which fields those are depends on the shipped
calibration, so the evidence file names it and holds only under it
(:func:`services.compose.load_copy_accept`). Rows hold codes and booleans, never a value;
rows are appended per envelope (a stopped run keeps what it measured, ``--resume``).

Seeds come from their own stream (``derive_seed("copy-accept-fit", seed, k)``), so they
never meet the bench's (``"xcheck"``) or the tests'. The evidence file keeps the counts
and the seeds; :func:`domain.copy_accept.proven_fields` recomputes the bound from them.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from domain.copy_accept import (
    ACCEPT_FIELDS,
    LINE_SURE,
    MAX_UPPER,
    RULE_VERSION,
    ScoredLine,
    accept_verdict,
    ambiguous,
    copy_may_settle,
    fit,
    form_key,
    kind_decided,
    line_values,
    rows_needed,
)
from domain.crosscheck import copy_values, cross_check
from domain.id_copy import page_kinds
from domain.status import FieldStatus, PageStatus

TAG = "copy-accept-fit"
COPY_KINDS = ["mynumber_front", "license", "notification", "juminhyo", "mynumber_front+mynumber_back",
              "notification+license", "passport"]


def _canon(v: Any) -> Any:
    if isinstance(v, dict) and "iso" in v:
        return str(v["iso"])[:10]
    return [str(x) for x in v] if isinstance(v, list) else v


def envelope_rows(reader: Any, template: Any, seed: int, k: int, fax_share: float = 0.3, *,
                  tag: str = TAG, timing: dict[str, float] | None = None) -> Iterator[dict[str, Any]]:
    """The rows of one synthetic envelope (see module doc).

    ``tag``: the seed stream (the bench uses its own); ``timing``: gets the seconds spent
    reading the form (``form_s``), the worker's page check that finds the copy is no form
    (``check_s``, done before issue 19 too) and reading the copy's printed lines (``copy_s``).
    """
    import time

    import numpy as np

    from ocr.copy_lines import read_copy_scored
    from ocr.pipeline import read_page
    from synth.generate import SynthOptions, derive_seed, generate_document
    from synth.id_copies import copy_page, who_from_truth

    s = derive_seed(tag, seed, k)
    rng, nrng = random.Random(s), np.random.default_rng(s % 2**32)
    opts = SynthOptions(style="handwriting", degrade=True, rotate180_prob=0.0, id_copy_prob=0.0,
                        blank_page_prob=0.0, invalid_my_number_prob=0.0)
    doc = generate_document(template, s, opts, document_id=f"f{k:05d}")
    truth = {fid: f["value"] for p in doc.truth["pages"] for fid, f in p["fields"].items()}
    kind = COPY_KINDS[k % len(COPY_KINDS)]
    fax = rng.random() < fax_share
    img, _ = copy_page(kind, (doc.pages[0].shape[1], doc.pages[0].shape[0]), nrng, rng, 200, fax=fax,
                       who=who_from_truth(doc.truth["pages"][0]["fields"]))
    started = time.perf_counter()
    page = read_page(doc.pages[0], reader, index=0)
    middle = time.perf_counter()
    if timing is not None:  # the worker first checks every page for a form (as before issue 19)
        read_page(img, reader, index=1)
    checked = time.perf_counter()
    copy, _, scores = read_copy_scored(img, reader.recognizer)
    if timing is not None:
        timing["form_s"] = timing.get("form_s", 0.0) + middle - started
        timing["check_s"] = timing.get("check_s", 0.0) + checked - middle
        timing["copy_s"] = timing.get("copy_s", 0.0) + time.perf_counter() - checked
    kinds = page_kinds(copy.guesses)
    kind_conf = min(g.confidence for g in copy.guesses)
    sure = kind_decided(kinds, kind_conf)
    lines = [ScoredLine(t, c, kinds, sure) for t, c in zip(copy.lines, scores, strict=True)]
    values = {f.field_id: f for f in page.fields} if page.status is PageStatus.READ else {}
    lenient = cross_check({fid: f.value for fid, f in values.items()}, copy_values(copy.lines))
    for fid in ACCEPT_FIELDS:
        if fid not in truth:
            continue
        fr = values.get(fid)
        verdict = accept_verdict(fid, fr.value if fr else None, lenient.get(fid), lines)
        key = form_key(fid, fr.value) if fr else None
        exact = [ln.confidence or 0.0 for ln in lines if key is not None and key in line_values(ln.text)[fid]]
        yield {"field": fid, "k": k, "template": template.id, "copy": kind, "fax": fax,
               "kind_sure": sure, "lenient": lenient[fid].value, "verdict": verdict.value,
               "right": fr is not None and _canon(fr.value) == _canon(truth[fid]),
               "auto": fr is not None and fr.status is FieldStatus.AUTO_ACCEPTED,
               "best_line": round(max(exact), 4) if exact else None,
               "variant": isinstance(key, str) and ambiguous(key),
               "eligible": fr is not None and fr.status is FieldStatus.NEEDS_REVIEW
               and copy_may_settle(fr.reason.value if fr.reason else None, [i.code.value for i in fr.issues])}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per field: the rule's evidence over eligible rows, and over every row (a check)."""
    eligible = fit(r for r in rows if r["eligible"])
    every = fit(rows)
    envelopes = len({r["k"] for r in rows})
    out: dict[str, Any] = {}
    for fid in ACCEPT_FIELDS:
        e = eligible[fid]
        rate = e.wrong / e.accepted if e.accepted else 0.0
        needed = rows_needed(rate)  # accepted fields for the bound at the rate seen so far
        share = e.accepted / envelopes if envelopes else 0.0  # accepted per envelope (not per eligible row)
        out[fid] = {**asdict(e), "proven": e.proven, "accepted_needed": needed,
                    "envelopes_needed": round(needed / share) if share else None,
                    "all_rows": asdict(every[fid])}
    return out


def main() -> None:  # pragma: no cover - a measurement run, exercised by hand (see module doc)
    ap = argparse.ArgumentParser()
    ap.add_argument("--envelopes", type=int, default=200)
    ap.add_argument("--seed", type=int, default=40000)
    ap.add_argument("--rows", type=Path, default=Path("var/copy_accept/rows.jsonl"))
    ap.add_argument("--out", type=Path, default=None, help="write the evidence file here")
    ap.add_argument("--resume", action="store_true", help="skip envelopes already in --rows")
    ap.add_argument("--start", type=int, default=0,
                    help="first envelope index (split a long run over cores; concatenate the rows after)")
    a = ap.parse_args()
    from services.compose import build_reader

    reader = build_reader(today=date(2026, 11, 20))
    templates = [reader.templates["onestop_2022"], reader.templates["onestop_legacy"]]
    a.rows.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if a.resume and a.rows.exists():
        done = {json.loads(x)["k"] for x in a.rows.read_text().splitlines() if x.strip()}
    with a.rows.open("a" if a.resume else "w") as out:
        for k in range(a.start, a.envelopes):
            if k in done:
                continue
            for row in envelope_rows(reader, templates[k % 2], a.seed, k):
                out.write(json.dumps(row) + "\n")
            out.flush()
    rows = [json.loads(x) for x in a.rows.read_text().splitlines() if x.strip()]
    evidence = summarise(rows)
    print(json.dumps(evidence, indent=1))
    if a.out is not None:
        calibration = reader.calibration.version if reader.calibration is not None else None
        body = {"rule": "domain.copy_accept.accept_verdict", "rule_version": RULE_VERSION,
                "calibration": calibration,  # it decides which fields are eligible (services.compose)
                "max_upper": MAX_UPPER, "line_sure": LINE_SURE, "rows_file": str(a.rows),
                "seeds": {"stream": TAG, "seed": a.seed, "envelopes": len({r["k"] for r in rows})},
                "style": "handwriting", "measured_at": datetime.now(UTC).date().isoformat(),
                "fields": evidence}
        a.out.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":  # pragma: no cover
    main()
