"""Apply a value rule to saved calibration rows (issue 14: rules before thresholds).

A rows file keeps numbers only: calibration key, right or wrong, document
(``template:seed``) and signals, never the value read. A rule added later (the
variant-kanji rule of :mod:`domain.variant_kanji`) must still mark the rows it would
have sent to staff (``rule_issue``), or their errors stay in the fit and hold the
threshold back. A document is deterministic from template and seed, so:

* its record (the values written) is made again without drawing a page
  (:func:`document_values`), and the document's rows are matched to its fields: the
  rows of a document are the fields of the form pages read as their form, page by
  page in template order (:func:`align`);
* a row read **right** read exactly its true value, so the rule is judged on that;
* when a field the rule looks at was read **wrong**, the document is read again
  (``reread``, :func:`services.calibrate.read_values`) and the rule judges what
  was really read. Without ``reread`` a wrong row is never flagged (its error stays in
  the fit: the cautious side).

The rules run as the reader runs them (the same check functions, on readings rebuilt
from the values), so cross-field rules (a name and its フリガナ) are judged alike.

Values live in memory only; nothing here writes or logs one.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from domain import signals as sig
from domain.model import FieldReading, FieldSpec, FormTemplate, Issue
from domain.status import IssueCode
from services.signal_fit import Row

# one of the reader's rule functions: flags readings of a page in place (ocr.fields order)
Check = Callable[[Sequence[FieldSpec], dict[str, FieldReading]], None]


def document_values(template: FormTemplate, seed: int) -> dict[str, Any]:
    """The values written on the document (what ``generate_document`` draws), without drawing."""
    from synth.fake import fake_field, make_record
    from synth.generate import SynthOptions, derive_seed

    options = SynthOptions()
    data_rng = random.Random(derive_seed("data", template.key, seed))
    record = make_record(data_rng, options.reference_date, options.invalid_my_number_prob)
    return {f.id: fake_field(record, f, data_rng).value for f in template.fields}


def _kind_of_key(key: str) -> str:
    return key.split(":")[0]


def align(keys: Sequence[str], template: FormTemplate) -> list[FieldSpec] | None:
    """The field of each row of one document (rows in their saved order), or None when ambiguous.

    The rows are the fields of some of the template's pages (those read as their form),
    in page order; the subset whose field kinds match the rows' keys is the answer. None
    when no subset or more than one matches.
    """
    pages = [template.fields_on(p.number) for p in template.pages]
    kinds = [_kind_of_key(k) for k in keys]
    found: list[list[FieldSpec]] = []
    for size in range(1, len(pages) + 1):
        for subset in itertools.combinations(pages, size):
            specs = [f for page in subset for f in page]
            if [str(f.kind) for f in specs] == kinds:
                found.append(specs)
    if len(found) != 1:
        return None
    return found[0]


def split_document(document: str) -> tuple[str, int]:
    tid, _, seed = document.rpartition(":")
    return tid, int(seed)


def flag_rows(rows: Sequence[Row], templates: Mapping[str, FormTemplate], checks: Sequence[Check],
              reread: Callable[[str, int, str], Mapping[str, Any]] | None = None,
              applies: Callable[[FieldSpec], bool] = lambda spec: True,
              rekey: Callable[[FieldSpec, str], str] | None = None,
              ) -> tuple[list[Row], dict[str, int]]:
    """``rows`` with ``rule_issue`` set where the reader's ``checks`` would have flagged the field.

    ``checks`` are the reader's own rule functions (``check(specs, readings)``, in place,
    in the reader's order), run on readings rebuilt from the values: a row already flagged
    carries an issue, so a check that skips flagged readings skips it here too.
    ``applies`` says which fields the checks can touch. When one of those fields was read
    wrong, ``reread(template, seed, condition)`` gives the document's values as read (field
    id → value) and they replace the true values; without it a wrong row is never flagged.
    Returns the rows (same order) and counts: documents, unaligned documents, rows flagged
    right / wrong, documents re-read. ``rekey(spec, key)`` gives an aligned row its key
    under a newer keying (rows saved before names had their own key say ``text``).
    """
    out = list(rows)
    stats = {"documents": 0, "unaligned": 0, "flagged_right": 0, "flagged_wrong": 0, "reread": 0}
    by_doc: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_doc.setdefault(r.document, []).append(i)
    for document, idx in by_doc.items():
        tid, seed = split_document(document)
        template = templates.get(tid)
        if template is None or not any(applies(f) for f in template.fields):
            continue
        stats["documents"] += 1
        specs = align([rows[i].key for i in idx], template)
        if specs is None:
            stats["unaligned"] += 1
            continue
        values = document_values(template, seed)
        exact = {f.id for f, i in zip(specs, idx, strict=True) if rows[i].hit}
        wrong = [i for f, i in zip(specs, idx, strict=True) if applies(f) and not rows[i].hit]
        if wrong and reread is not None:
            read = reread(tid, seed, rows[wrong[0]].condition)
            stats["reread"] += 1
            values = {**values, **{f.id: read.get(f.id) for f in specs}}
            exact = {f.id for f in specs}
        readings = {f.id: _reading(f, rows[i], values.get(f.id)) for f, i in zip(specs, idx, strict=True)}
        before = {k for k, r in readings.items() if r.issues}
        for check in checks:
            check(specs, readings)
        for f, i in zip(specs, idx, strict=True):
            if applies(f) and f.id in exact and f.id not in before and readings[f.id].issues:
                out[i] = replace(rows[i], signals={**rows[i].signals, sig.RULE_ISSUE: 1.0})
                stats["flagged_right" if rows[i].hit else "flagged_wrong"] += 1
            if rekey is not None:
                out[i] = replace(out[i], key=rekey(f, out[i].key))
    return out, stats


def _reading(spec: FieldSpec, row: Row, value: Any) -> FieldReading:
    """A reading rebuilt from a value (empty rows read nothing); a flagged row keeps an issue."""
    if row.key.endswith(":empty"):
        value = None
    issues = [Issue(code=IssueCode.INVALID_FORMAT, message="", field_id=spec.id)] if row.signals.get(
        sig.RULE_ISSUE) else []
    raw = value if isinstance(value, str) else ""
    return FieldReading(field_id=spec.id, kind=spec.kind, value=value, raw=raw, issues=issues)


def wrong_documents(rows: Iterable[Row], templates: Mapping[str, FormTemplate],
                    applies: Callable[[FieldSpec], bool]) -> set[str]:
    """Documents with a wrong, unflagged, written row of a field the rule can touch."""
    out = set()
    by_doc: dict[str, list[Row]] = {}
    for r in rows:
        by_doc.setdefault(r.document, []).append(r)
    for document, rs in by_doc.items():
        template = templates.get(split_document(document)[0])
        specs = align([r.key for r in rs], template) if template is not None else None
        if specs is None:
            continue
        if any(applies(s) and not r.hit and not r.key.endswith(":empty")
               and not r.signals.get(sig.RULE_ISSUE) for r, s in zip(rs, specs, strict=True)):
            out.add(document)
    return out
