"""Part of bench/envelope.py: how many more fields does a printed ID copy let through, safely?

For name, birth date and address of handwriting-style ワンストップ forms, each with one
copy showing the form's person (office or fax quality, every kind that prints those
lines), read exactly as :mod:`services.copy_accept_fit` reads its calibration envelopes
(but from the bench's own seed stream, ``"xcheck"``), three rules are scored against the
ground truth:

* **without**: auto-accepted by the shipped calibration (production without the copy);
* **with**: auto-accepted, *or* waiting for its score alone and accepted by the strict
  rule :func:`domain.copy_accept.accept_verdict` (exact keys, a surely read line, a
  decided kind, no contradiction, no 異体字-prone character): what production does for the
  fields whose evidence file meets the bound (``calibration/crosscheck.json``);
* **shipped**: *with*, but only for the fields the shipped evidence file proves
  (``reader.copy_accept_fields``): what production does today;
* **lenient** (for comparison only): auto-accepted, or the lenient cross-check agrees
  with a sure copy (the rule measured, and rejected, before).

Error among accepted fields is reported with its one-sided 95 % Wilson upper bound. The
reading time per envelope is a ratio to reading the form alone: with the copy's printed
lines (what the envelope check adds), and also with the copy page's form check (which
the worker did before the envelope check too). No value is printed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from domain.calibration import wilson_upper
from domain.copy_accept import ACCEPT_FIELDS, Verdict
from domain.model import FormTemplate
from services.copy_accept_fit import envelope_rows

FIELDS = ACCEPT_FIELDS
RULES = ("without", "with", "shipped", "lenient")


def accepted_by(rule: str, row: dict[str, Any], proven: frozenset[str] = frozenset()) -> bool:
    """Whether ``rule`` accepts the field of ``row``; ``proven``: the fields the shipped
    evidence switches on (used by the ``shipped`` rule only)."""
    if rule == "without":
        return bool(row["auto"])
    by_copy = bool(row["eligible"] and row["verdict"] == Verdict.ACCEPT.value)
    if rule == "with":
        return bool(row["auto"]) or by_copy
    if rule == "shipped":
        return bool(row["auto"]) or (by_copy and row["field"] in proven)
    return bool(row["auto"] or (row["lenient"] == "agree" and row["kind_sure"]))


def crosscheck_part(reader: Any, templates: list[FormTemplate], n: int, seed: int) -> dict[str, float]:
    timing: dict[str, float] = {}
    rows: list[dict[str, Any]] = []
    for k in range(n):
        template = templates[k % len(templates)]
        rows.extend(envelope_rows(reader, template, seed, k, tag="xcheck", timing=timing))
    out: dict[str, float] = {}
    proven = frozenset(getattr(reader, "copy_accept_fields", frozenset()))
    print(f"cross-check: {n} handwriting-style forms (seed {seed}), one copy each showing the form's person; "
          f"fields the shipped evidence proves: {', '.join(sorted(proven)) or 'none'}")
    for fid in FIELDS:
        mine = [r for r in rows if r["field"] == fid]
        m = len(mine)
        parts = []
        for rule in RULES:
            acc = [r for r in mine if accepted_by(rule, r, proven)]
            wrong = sum(not r["right"] for r in acc)
            bound = wilson_upper(wrong, len(acc))
            parts.append(f"{rule} {len(acc) / max(m, 1):.1%} ({wrong}/{len(acc)} wrong, bound {bound:.2%})")
            out[f"{fid}_{rule}"] = len(acc) / max(m, 1)
            out[f"{fid}_{rule}_wrong"] = wrong / max(len(acc), 1)
            out[f"{fid}_{rule}_bound"] = bound
        verdicts = Counter(r["verdict"] for r in mine if r["eligible"])
        copy_only = [r for r in mine if r["eligible"] and r["verdict"] == Verdict.ACCEPT.value]
        by_copy, by_copy_wrong = len(copy_only), sum(not r["right"] for r in copy_only)
        out[f"{fid}_by_copy"] = by_copy
        out[f"{fid}_by_copy_wrong"] = by_copy_wrong
        print(f"  {fid}: {m} fields; auto-accepted " + " | ".join(parts))
        print(f"    accepted by the copy alone {by_copy_wrong}/{by_copy} wrong "
              f"(bound {wilson_upper(by_copy_wrong, by_copy):.2%}); verdicts of fields waiting for their "
              "score: " + ", ".join(f"{v} {c}" for v, c in sorted(verdicts.items())))
    form_s, check_s, copy_s = (timing.get(k, 0.0) for k in ("form_s", "check_s", "copy_s"))
    out["time_ratio"] = (form_s + copy_s) / form_s if form_s else 0.0
    out["time_ratio_with_check"] = (form_s + check_s + copy_s) / form_s if form_s else 0.0
    print(f"  reading: forms {form_s:.1f} s; copies: page check {check_s:.1f} s (done before issue 19 too), "
          f"printed lines {copy_s:.1f} s; per envelope {out['time_ratio']:.2f}x the form alone for the "
          f"lines, {out['time_ratio_with_check']:.2f}x with the copy's page check")
    return out
