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
* a row read **wrong** is judged on what was really read: the document is read again
  (``reread``, :func:`services.calibrate.document_readings`). Without ``reread`` a
  wrong row is never flagged (its error stays in the fit: the cautious side).

Values live in memory only; nothing here writes or logs one.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from domain import signals as sig
from domain.model import FieldSpec, FormTemplate
from services.signal_fit import Row

# a rule: (field spec, value read) -> does it send the field to staff?
Rule = Callable[[FieldSpec, Any], bool]


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


def flag_rows(rows: Sequence[Row], templates: Mapping[str, FormTemplate], rule: Rule,
              reread: Callable[[str, int, str], Mapping[str, Any]] | None = None,
              applies: Callable[[FieldSpec], bool] = lambda spec: True,
              ) -> tuple[list[Row], dict[str, int]]:
    """``rows`` with ``rule_issue`` set where ``rule`` would have flagged the reading.

    ``applies`` says which fields the rule can touch (only those are aligned and judged).
    ``reread(template, seed, condition)`` gives a document's values as read (field id →
    value); it is called only for documents with a wrong row the rule may concern.
    Returns the rows (same order) and counts: documents, unaligned documents, rows
    flagged right / wrong, wrong rows re-read.
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
        read: Mapping[str, Any] | None = None
        for i, spec in zip(idx, specs, strict=True):
            r = rows[i]
            if not applies(spec) or r.signals.get(sig.RULE_ISSUE) or r.key.endswith(":empty"):
                continue
            if r.hit:
                value = values.get(spec.id)
            elif reread is not None:
                if read is None:
                    read = reread(tid, seed, r.condition)
                    stats["reread"] += 1
                value = read.get(spec.id)
            else:
                continue
            if value is not None and rule(spec, value):
                out[i] = replace(r, signals={**r.signals, sig.RULE_ISSUE: 1.0})
                stats["flagged_right" if r.hit else "flagged_wrong"] += 1
    return out, stats


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
