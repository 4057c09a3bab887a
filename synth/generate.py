"""Synthetic scanned documents with ground truth: the test bed for the reader.

One document = the template's pages filled from one fake record (on our
rendered form, or on a scanned city form's reference scan: :func:`base_page`),
+ for onestop forms sometimes an ID-card copy, + sometimes a blank page; each page
optionally degraded like a scanner and sometimes upside down. Everything is
derived from ``seed``: the same seed gives byte-identical images and truth.

Ground truth (``<doc_id>.json``, UTF-8, sorted keys): document_id, seed (the
document's own seed), template_id, template_version, style, font, digits ("font",
or "real-<split>" when a handwriting document's digits are real handwritten ones:
synth.real_digits), dpi, reference_date, [batch {seed, index}], pages: [{index
(0-based), kind form|blank|id_copy, template_page, rotation 0|180, skew_deg,
degradations, affine (2x3 clean render → final image, null for blank pages), fields: {id:
{value, text, marks, valid, box_px [x, y, w, h] in the final image,
+ corrections and faint for mark fields}}}]. Value conventions: synth.fake.FakeValue.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from domain.errors import TemplateError
from domain.model import FormTemplate
from forms.loader import load_templates
from forms.render import PageGeometry, reference_page, render_page
from synth import degrade
from synth.fake import FakeValue, fake_field, make_record, wareki_text
from synth.fill import Drawn, choose_hand, fill_page
from synth.real_digits import DIGIT_MODES

Format = Literal["png", "pdf", "tiff", "jpg"]
FORMATS: tuple[str, ...] = ("png", "pdf", "tiff", "jpg")
STYLES: tuple[str, ...] = ("printed", "handwriting", "mixed")


@dataclass(frozen=True)
class SynthOptions:
    dpi: int = 200
    style: str = "mixed"  # 'printed' | 'handwriting' | 'mixed' (chosen per document)
    degrade: bool = True  # scanner placement/skew/blur/noise/JPEG or 1-bit
    rotate180_prob: float = 0.1  # per page; applies even without degrade
    id_copy_prob: float | None = None  # None: 0.3 for templates that require ID copies, else 0
    blank_page_prob: float = 0.05
    invalid_my_number_prob: float = 0.05
    reference_date: date = date(2026, 11, 1)
    # how handwriting documents write digits: synth.real_digits.DIGIT_MODES ("font" |
    # "real-calib" | "real-eval" | "mixed-calib"); printed documents always use the font
    digits: str = "font"

    def id_copy_probability(self, template: FormTemplate) -> float:
        if self.id_copy_prob is not None:
            return self.id_copy_prob
        return 0.3 if template.required_copies is not None else 0.0


@dataclass
class SynthDocument:
    document_id: str
    pages: list[np.ndarray]  # uint8 gray, one per page in document order
    truth: dict[str, Any] = field(default_factory=dict)


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (independent of PYTHONHASHSEED)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _box_after(box: tuple[int, int, int, int], m: np.ndarray | None,
               size: tuple[int, int]) -> list[int]:
    x, y, w, h = box
    if m is None:
        return [x, y, w, h]
    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], float)
    pts = corners @ m.T
    x0, y0 = np.floor(pts.min(axis=0)).astype(int)
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int)
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(size[0], int(x1)), min(size[1], int(y1))
    return [x0, y0, max(0, x1 - x0), max(0, y1 - y0)]


def _field_truth(spec_kind_is_mark: bool, fv: FakeValue, drawn: Drawn,
                 m: np.ndarray | None, size: tuple[int, int]) -> dict[str, Any]:
    value = fv.value
    if drawn.text is not None and drawn.text != fv.text:  # free text wrapped onto lines
        value = drawn.text
    out: dict[str, Any] = {
        "value": value,
        "text": drawn.text if drawn.text is not None else fv.text,
        "marks": list(drawn.marks),
        "valid": fv.valid,
        "box_px": _box_after(drawn.box, m, size),
    }
    if spec_kind_is_mark:
        out["corrections"] = list(drawn.corrections)
        out["faint"] = list(drawn.faint)
    return out


def _finish(img: np.ndarray, nrng: np.random.Generator, prng: random.Random,
            options: SynthOptions, scan: bool) -> tuple[np.ndarray, dict[str, Any], np.ndarray | None]:
    """Scanner pass and 180° rotation; returns image, page truth bits, combined affine."""
    params: dict[str, Any] = {}
    m: np.ndarray | None = None
    if scan:
        img, params = degrade.scan(img, nrng, options.dpi)
        m = np.array(params.pop("affine"))
    rotation = 0
    if prng.random() < options.rotate180_prob:
        img, p = degrade.rotate180(img)
        r = np.array(p["affine"])
        m = r if m is None else degrade.compose(m, r)
        rotation = 180
    affine = degrade.affine_list(m if m is not None else np.array([[1.0, 0, 0], [0, 1.0, 0]]))
    info = {"rotation": rotation, "skew_deg": params.get("skew_deg", 0.0),
            "degradations": params, "affine": affine}
    return img, info, m


def base_page(template: FormTemplate, page: int, dpi: int) -> Image.Image:
    """The page a person fills in: our rendered form, or a city form's reference scan as is."""
    if template.source == "scanned":
        return reference_page(template, page, dpi)
    return render_page(template, page, dpi)


def generate_document(template: FormTemplate, seed: int, options: SynthOptions | None = None,
                      document_id: str | None = None) -> SynthDocument:
    """Fill, degrade and describe one document; same (template, seed, options) → same bytes."""
    options = options or SynthOptions()
    if options.style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {options.style!r}")
    if options.digits not in DIGIT_MODES:
        raise ValueError(f"digits must be one of {DIGIT_MODES}, got {options.digits!r}")
    doc_id = document_id or f"{template.id}_{seed}"
    data_rng = random.Random(derive_seed("data", template.key, seed))
    hand_rng = random.Random(derive_seed("hand", template.key, seed))
    page_rng = random.Random(derive_seed("pages", template.key, seed))
    nrng = np.random.default_rng(derive_seed("scan", template.key, seed))
    # its own stream, so real digits change only the digits' pixels, never the rest of the page
    digit_rng = random.Random(derive_seed("digits", template.key, seed))
    record = make_record(data_rng, options.reference_date, options.invalid_my_number_prob)
    values = {f.id: fake_field(record, f, data_rng) for f in template.fields}
    hand = choose_hand(hand_rng, options.style, options.digits, digit_rng)
    geo = PageGeometry.for_template(template, options.dpi)
    size = (geo.width_px, geo.height_px)

    pages: list[np.ndarray] = []
    truths: list[dict[str, Any]] = []
    for p in template.pages:
        blank = base_page(template, p.number, options.dpi)
        filled, drawn = fill_page(blank, template, p.number, values, hand, hand_rng, options.dpi,
                                  digit_rng)
        img, info, m = _finish(np.asarray(filled, dtype=np.uint8), nrng, page_rng, options,
                               options.degrade)
        fields = {f.id: _field_truth(f.is_mark, values[f.id], drawn[f.id], m, size)
                  for f in template.fields_on(p.number)}
        pages.append(img)
        truths.append({"kind": "form", "template_page": p.number, **info, "fields": fields})
    if page_rng.random() < options.id_copy_probability(template):
        img, params = degrade.id_copy_page(size, nrng, options.dpi, *_id_lines(record, page_rng))
        img, info, _ = _finish(img, nrng, page_rng, options, options.degrade)
        info["degradations"] = {"page": params, **info["degradations"]}
        pages.append(img)
        truths.append({"kind": "id_copy", "template_page": None, **info, "fields": {}})
    if page_rng.random() < options.blank_page_prob:
        img, params = degrade.blank_page(size, nrng, options.dpi)
        at = page_rng.randint(1, len(pages))
        pages.insert(at, img)
        truths.insert(at, {"kind": "blank", "template_page": None, "rotation": 0, "skew_deg": 0.0,
                           "degradations": {"page": params}, "affine": None, "fields": {}})
    for i, t in enumerate(truths):
        t["index"] = i
    truth = {
        "document_id": doc_id, "seed": seed, "template_id": template.id,
        "template_version": template.version, "style": hand.style, "font": hand.font.name,
        "digits": "font" if hand.digits is None else f"real-{hand.digits}",
        "dpi": options.dpi, "reference_date": options.reference_date.isoformat(),
        "pages": truths,
    }
    return SynthDocument(doc_id, pages, json.loads(truth_json(truth)))


def _id_lines(record: Any, rng: random.Random) -> tuple[list[str], list[str] | None]:
    p, a = record.person, record.address
    born = wareki_text(record.birth, True, rng)
    if rng.random() < 0.6:
        front = ["個人番号カード", f"氏名　{p.full_name}", f"住所　{a.text}", f"{born}生",
                 f"{rng.randint(2029, 2035)}年{rng.randint(1, 12)}月まで有効"]
        n = record.my_number
        back = [f"個人番号　{n[:4]} {n[4:8]} {n[8:]}", f"氏名　{p.full_name}", f"{born}生"]
        return front, back if rng.random() < 0.8 else None
    return ["運転免許証", f"氏名　{p.full_name}　{born}生", f"住所　{a.text}",
            f"交付　令和{rng.randint(3, 8)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
            f"番号　第{rng.randint(10**11, 10**12 - 1)}号"], None


def truth_json(truth: dict[str, Any]) -> str:
    return json.dumps(truth, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def write_document(doc: SynthDocument, out_dir: Path, fmt: str = "png") -> list[Path]:
    """Write the page images and ``<doc_id>.json``; returns the paths (images first).

    png/jpg: one file per page, ``<doc_id>_p<k>.<ext>`` with k = page index + 1;
    pdf/tiff: one multi-page file ``<doc_id>.<ext>``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    dpi = float(doc.truth.get("dpi", 200))
    images = [Image.fromarray(p) for p in doc.pages]
    paths: list[Path] = []
    if fmt in ("png", "jpg"):
        for k, im in enumerate(images, start=1):
            path = out_dir / f"{doc.document_id}_p{k}.{fmt}"
            if fmt == "png":
                im.save(path, "PNG", dpi=(dpi, dpi))
            else:
                im.save(path, "JPEG", quality=90, dpi=(int(dpi), int(dpi)))
            paths.append(path)
    elif fmt == "pdf":
        path = out_dir / f"{doc.document_id}.pdf"
        stamp = time.gmtime(946684800)  # 2000-01-01, fixed so the bytes depend only on the seed
        images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=dpi,
                       creationDate=stamp, modDate=stamp, title=doc.document_id)
        paths.append(path)
    else:
        path = out_dir / f"{doc.document_id}.tiff"
        images[0].save(path, "TIFF", save_all=True, append_images=images[1:],
                       compression="tiff_deflate", dpi=(dpi, dpi))
        paths.append(path)
    truth_path = out_dir / f"{doc.document_id}.json"
    truth_path.write_text(truth_json(doc.truth), encoding="utf-8")
    return [*paths, truth_path]


def generate_samples(form_id: str, count: int, seed: int, out_dir: Path,
                     options: SynthOptions | None = None, fmt: str = "png",
                     templates_dir: Path | None = None) -> list[Path]:
    """Generate ``count`` documents of ``form_id``; document i depends only on (seed, i).

    Returns every file written (per document: images, then its JSON truth).
    """
    templates = load_templates(templates_dir)
    if form_id not in templates:
        known = ", ".join(sorted(templates))
        raise TemplateError(f"unknown form '{form_id}' (known: {known})",
                            f"帳票 '{form_id}' は登録されていません")
    template = templates[form_id]
    written: list[Path] = []
    for i in range(count):
        doc = generate_document(template, derive_seed("doc", seed, i), options,
                                document_id=f"{form_id}_{seed}_{i:05d}")
        doc.truth["batch"] = {"seed": seed, "index": i}
        written += write_document(doc, out_dir, fmt)
    return written
