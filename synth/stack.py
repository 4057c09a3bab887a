"""A clerk's stack scan: many envelopes in one file, with ground truth per envelope.

Each envelope is one synthetic filled-in form (:func:`synth.generate.generate_document`)
followed by its ID copies (none, the usual ones, or an extra one) and sometimes a blank
back; an optional printed separator sheet (:mod:`forms.separator`) opens each envelope,
and a form page may go through the scanner upside down. The truth says which source
pages make each envelope and which copy kinds it holds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from domain.completeness import AttachedPage, check
from domain.model import FormTemplate
from forms.separator import render_separator
from synth import degrade
from synth.generate import SynthDocument, SynthOptions, derive_seed, generate_document
from synth.id_copies import COPY_SETS, copy_page, who_from_truth


@dataclass(frozen=True)
class StackOptions:
    envelopes: int = 50
    separators: bool = False
    upside_down: float = 0.05  # share of envelopes whose first form page is turned 180°
    missing: float = 0.15  # share of envelopes with a required copy left out
    extra: float = 0.1  # share with one more copy than needed
    blank_back: float = 0.1  # share with a blank page after the copies
    degrade: bool = False  # scanner pass on every page (slower)
    fax: float = 0.0  # share of copies at fax quality
    copy_upside_down: float = 0.0  # share of copies fed through the scanner upside down
    incomplete: tuple[int, ...] | None = None  # exactly these envelopes lack a copy (instead of ``missing``)
    style: str = "printed"
    dpi: int = 200


def generate_stack(templates: list[FormTemplate], seed: int, options: StackOptions | None = None,
                   name: str | None = None) -> SynthDocument:
    """One multi-envelope scan; same (templates, seed, options) → same pages and truth."""
    o = options or StackOptions()
    rng = random.Random(derive_seed("stack", seed))
    nrng = np.random.default_rng(derive_seed("stack-scan", seed))
    form_opts = SynthOptions(dpi=o.dpi, style=o.style, degrade=o.degrade, rotate180_prob=0.0,
                             id_copy_prob=0.0, blank_page_prob=0.0)
    separator = np.asarray(render_separator(o.dpi), dtype=np.uint8) if o.separators else None
    pages: list[np.ndarray] = []
    page_truth: list[dict[str, Any]] = []
    envelopes: list[dict[str, Any]] = []
    for k in range(o.envelopes):
        template = templates[k % len(templates)]
        first = len(pages)
        if separator is not None:
            pages.append(separator.copy())
            page_truth.append({"kind": "separator", "envelope": k})
        doc = generate_document(template, derive_seed("stack-env", seed, k), form_opts,
                                document_id=f"env{k:03d}")
        upside = rng.random() < o.upside_down
        for j, img in enumerate(doc.pages):
            if upside and j == 0:
                img = np.ascontiguousarray(img[::-1, ::-1])
            pages.append(img)
            page_truth.append({"kind": "form", "envelope": k, "template_page": j + 1,
                               "rotation": 180 if upside and j == 0 else 0,
                               "fields": doc.truth["pages"][j]["fields"]})
        kinds = list(rng.choice(COPY_SETS))
        missing = bool(kinds) and (rng.random() < o.missing if o.incomplete is None else k in o.incomplete)
        if missing:
            kinds.pop(rng.randrange(len(kinds)))
        if rng.random() < o.extra:
            kinds.append(rng.choice(["passport", "other", "license"]))
        size = (doc.pages[0].shape[1], doc.pages[0].shape[0])
        who = who_from_truth(doc.truth["pages"][0]["fields"])  # the copies show the form's person
        for kind in kinds:
            fax = rng.random() < o.fax
            turned = o.copy_upside_down > 0 and rng.random() < o.copy_upside_down
            img, info = copy_page(kind, size, nrng, rng, o.dpi, fax=fax, who=who, turned=turned)
            pages.append(img)
            page_truth.append({"kind": "id_copy", "envelope": k, "copy_kind": kind, **info})
        if rng.random() < o.blank_back:
            img, _ = degrade.blank_page(size, nrng, o.dpi)
            pages.append(img)
            page_truth.append({"kind": "blank", "envelope": k})
        complete = check(template.required_copies, [AttachedPage(k, 1.0) for k in kinds]).complete
        envelopes.append({"first": first, "last": len(pages) - 1, "template_id": template.id,
                          "copies": kinds, "missing": missing, "complete": complete,
                          "style": doc.truth.get("style"),
                          "upside_down": upside})
    for i, t in enumerate(page_truth):
        t["index"] = i
    truth = {"document_id": name or f"stack_{seed}", "seed": seed, "dpi": o.dpi,
             "separators": o.separators, "envelopes": envelopes, "pages": page_truth}
    return SynthDocument(name or f"stack_{seed}", pages, truth)
