"""Named scan conditions: how one filled document reaches the office, as pixels only.

:func:`apply_condition` takes a generated document (best generated with
``SynthOptions(degrade=False)``: the condition *is* the scan; on an already degraded
document it stacks) and returns a new one whose pages went through the condition.
The input is never modified. Ground truth stays valid: page kinds, template pages
and values are unchanged; each page's ``affine`` (clean render -> final image),
``skew_deg``, ``rotation`` and every field's ``box_px`` (a bounding box in the final
image) follow the geometry applied; a perspective condition also records the exact
3x3 ``homography`` and keeps ``affine`` as its best affine fit. What was applied is in
``degradations["condition"]`` and the document's ``condition``.

Conditions (every random draw from the ``numpy.random.Generator`` passed in):

- ``office``: the synthesiser's usual scanner pass (:func:`synth.degrade.scan`).
- ``fax``: placement and skew, the page at 200 dpi (sometimes the 100-line "standard"
  mode), levels, then 1-bit ordered (Bayer) dithering; only 0 and 255 remain.
- ``phone``: a photo of the page: warm paper tint, perspective of a few per cent on a
  desk-coloured background, uneven light and vignette, slight blur, noise, JPEG; BGR.
- ``seal``: a red 朱肉 seal (circle or square, 印 or the applicant's surname),
  semi-transparent, pressed over one filled field of one form page, then a colour
  office scan; BGR.
- ``jpeg25``: an office scan saved as JPEG quality 25.
- ``skew4``: an office scan fed 3-5 degrees crooked.
- ``fit``: printed "fit to page" (scaled 0.90-0.95, centred), then scanned.
- ``dark_back``: a duplex scanner's back side: upside down, the paper smaller than
  the scan with a dark grey background border around it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from forms.fonts import available_fonts, font_by_name, pil_font
from synth import degrade
from synth.generate import SynthDocument

Img = np.ndarray
Params = dict[str, Any]
PageFields = dict[str, Any]
ConditionFn = Callable[[Img, np.random.Generator, int, PageFields | None], tuple[Img, Params]]

FAX_DPI = 200
FAX_STANDARD_PROB = 0.3  # share of faxes sent in "standard" mode (half the vertical lines)
SEAL_MM = (10.0, 15.0)
SEAL_BGR = (50.0, 55.0, 215.0)  # vermilion 朱肉
BAYER8 = np.array([
    [0, 32, 8, 40, 2, 34, 10, 42], [48, 16, 56, 24, 50, 18, 58, 26],
    [12, 44, 4, 36, 14, 46, 6, 38], [60, 28, 52, 20, 62, 30, 54, 22],
    [3, 35, 11, 43, 1, 33, 9, 41], [51, 19, 59, 27, 49, 17, 57, 25],
    [15, 47, 7, 39, 13, 45, 5, 37], [63, 31, 55, 23, 61, 29, 53, 21]], dtype=np.float32)


# ---- geometry helpers ---------------------------------------------------------------

def _m3(m: Any) -> np.ndarray:
    a = np.asarray(m, dtype=np.float64)
    return a if a.shape == (3, 3) else np.vstack([a, [0.0, 0.0, 1.0]])


def _place(img: Img, rng: np.random.Generator, dpi: int, *, scale: tuple[float, float] = degrade.SCALE_RANGE,
           offset_mm: float = degrade.OFFSET_MAX_MM, skew_deg: float | None = None,
           border: int = 255) -> tuple[Img, Params, np.ndarray]:
    """Scale/offset then rotate (``skew_deg``, else the scanner's usual random skew)."""
    out, p1 = degrade.scale_offset(img, rng, dpi, scale, offset_mm, border=border)
    if skew_deg is None:
        deg = round(float(np.clip(rng.normal(0.0, degrade.SKEW_MAX_DEG / 2.5),
                                  -degrade.SKEW_MAX_DEG, degrade.SKEW_MAX_DEG)), 3)
    else:
        deg = skew_deg
    out, p2 = degrade.rotate(out, deg, border=border)
    m = degrade.compose(np.array(p1.pop("affine")), np.array(p2.pop("affine")))
    return out, p1 | p2, _m3(m)


def _optics(img: Img, rng: np.random.Generator, blur_prob: float = 0.7) -> tuple[Img, Params]:
    params: Params = {}
    if rng.random() < blur_prob:
        img, p = degrade.blur(img, rng)
        params.update(p)
    img, p = degrade.noise(img, rng)
    return img, params | p


def _bgr(img: Img) -> Img:
    return img if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


# ---- the conditions -----------------------------------------------------------------

def _office(img: Img, rng: np.random.Generator, dpi: int, fields: PageFields | None) -> tuple[Img, Params]:
    out, params = degrade.scan(img, rng, dpi)
    params["affine"] = _m3(params["affine"])
    return out, params


def _jpeg25(img: Img, rng: np.random.Generator, dpi: int, fields: PageFields | None) -> tuple[Img, Params]:
    out, params, m = _place(img, rng, dpi)
    out, p = _optics(out, rng)
    out, q = degrade.jpeg_at(out, 25)
    return out, params | p | q | {"affine": m}


def _skew4(img: Img, rng: np.random.Generator, dpi: int, fields: PageFields | None) -> tuple[Img, Params]:
    deg = round(float(rng.uniform(3.0, 5.0)) * (1 if rng.random() < 0.5 else -1), 3)
    out, params, m = _place(img, rng, dpi, skew_deg=deg)
    out, p = _optics(out, rng)
    out, q = degrade.jpeg_at(out, int(rng.integers(70, 91)))
    return out, params | p | q | {"affine": m}


def _fit(img: Img, rng: np.random.Generator, dpi: int, fields: PageFields | None) -> tuple[Img, Params]:
    out, p1 = degrade.scale_offset(img, rng, dpi, (0.90, 0.95), 0.0)  # printed scaled, centred
    out, params, m = _place(out, rng, dpi)  # then scanned as usual
    m = m @ _m3(p1.pop("affine"))
    out, p = _optics(out, rng)
    out, q = degrade.jpeg_at(out, int(rng.integers(70, 91)))
    return out, {"print_scale": p1["scale"]} | params | p | q | {"affine": m}


def _dark_back(img: Img, rng: np.random.Generator, dpi: int, fields: PageFields | None) -> tuple[Img, Params]:
    dark = int(rng.integers(35, 95))
    out, params, m = _place(img, rng, dpi, scale=(0.93, 0.97), offset_mm=4.0, border=dark)
    out, p = degrade.rotate180(out)
    m = _m3(p["affine"]) @ m
    out, o = _optics(out, rng)
    out, q = degrade.jpeg_at(out, int(rng.integers(70, 91)))
    return out, params | o | q | {"background_level": dark, "rotation": 180, "affine": m}


def _fax(img: Img, rng: np.random.Generator, dpi: int, fields: PageFields | None) -> tuple[Img, Params]:
    out, params, m = _place(img, rng, dpi)
    h, w = out.shape[:2]
    f = FAX_DPI / dpi
    fw, fh = max(1, round(w * f)), max(1, round(h * f))
    standard = bool(rng.random() < FAX_STANDARD_PROB)
    low = cv2.resize(out, (fw, max(1, fh // 2) if standard else fh), interpolation=cv2.INTER_AREA)
    if standard:  # 3.85 lines/mm: every line sent twice on paper
        low = cv2.resize(low, (fw, fh), interpolation=cv2.INTER_NEAREST)
    low, p = degrade.noise(low, rng)  # the fax's own scanner
    white = float(np.percentile(low, 60)) * float(rng.uniform(0.88, 0.95))
    black = float(rng.uniform(20.0, 50.0))
    level = np.clip((low.astype(np.float32) - black) / max(1.0, white - black), 0.0, 1.0) * 255.0
    thresh = (BAYER8 + 0.5) / 64.0 * 255.0
    tiled = np.tile(thresh, (fh // 8 + 1, fw // 8 + 1))[:fh, :fw]
    bits: np.ndarray = np.where(level > tiled, 255, 0).astype(np.uint8)
    if (fw, fh) != (w, h):
        bits = cv2.resize(bits, (w, h), interpolation=cv2.INTER_NEAREST)
    return bits, params | p | {"fax_dpi": FAX_DPI, "standard_mode": standard,
                               "white_point": round(white, 1), "black_point": round(black, 1),
                               "dither": "bayer8", "affine": m}


def _phone(img: Img, rng: np.random.Generator, dpi: int, fields: PageFields | None) -> tuple[Img, Params]:
    h, w = img.shape[:2]
    tint = (float(rng.uniform(0.82, 0.90)), float(rng.uniform(0.92, 0.97)), 1.0)  # B, G, R: warm
    col: np.ndarray = _bgr(img).astype(np.float32) * np.array(tint, dtype=np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    k = float(rng.uniform(0.01, 0.045))  # a few per cent, every corner its own way
    inward = rng.uniform(0.2, 1.0, size=(4, 2)) * k * np.array([w, h])
    sign = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)
    dst = (src + sign * inward).astype(np.float32)
    hm = cv2.getPerspectiveTransform(src, dst)
    desk = tuple(float(v) for v in rng.uniform(40, 110) * np.array([0.8, 0.9, 1.0]))
    col = cv2.warpPerspective(col, hm, (w, h), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=desk)
    # light: a gradient from one side plus a vignette
    ang = float(rng.uniform(0, 2 * math.pi))
    grad = float(rng.uniform(0.08, 0.22))
    vig = float(rng.uniform(0.1, 0.3))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    nx, ny = xx / w - 0.5, yy / h - 0.5
    gain = 1.0 - grad * (0.5 + nx * math.cos(ang) + ny * math.sin(ang)) - vig * (nx ** 2 + ny ** 2) * 2
    col = col * gain[:, :, None]
    sigma = round(float(rng.uniform(0.6, 1.3)), 3)
    col = cv2.GaussianBlur(col, (0, 0), sigma)
    noise_sigma = round(float(rng.uniform(2.0, 5.0)), 3)
    col = col + rng.normal(0.0, noise_sigma, size=col.shape).astype(np.float32)
    out, q = degrade.jpeg_at(np.clip(col, 0, 255).astype(np.uint8), int(rng.integers(78, 93)))
    return out, q | {"tint_bgr": [round(t, 3) for t in tint], "perspective": round(k, 4),
                     "light_gradient": round(grad, 3), "vignette": round(vig, 3),
                     "blur_sigma": sigma, "noise_sigma": noise_sigma, "homography": hm}


def _surname(fields: PageFields) -> str | None:
    for t in fields.values():
        v = t.get("value")
        if isinstance(v, str) and "\u3000" in v:
            first = v.split("\u3000")[0]
            if 1 <= len(first) <= 3 and all("\u4e00" <= c <= "\u9fff" for c in first):
                return first
    return None


def _seal_font() -> Any:
    try:
        spec = font_by_name("IPAexMincho")
        if spec.exists():
            return spec
    except KeyError:  # pragma: no cover - the registry names it
        pass
    return available_fonts("printed")[0]


def press_seal(img: Img, rng: np.random.Generator, dpi: int, centre: tuple[float, float],
               text: str) -> tuple[Img, Params]:
    """A red seal of ``text`` pressed at ``centre``: BGR, multiplied over the page like ink."""
    d = float(rng.uniform(*SEAL_MM)) * dpi / 25.4
    square = bool(rng.random() < 0.25)
    s = int(d * 1.5) + 4
    layer = Image.new("L", (s, s), 0)
    draw = ImageDraw.Draw(layer)
    c = s / 2
    ring = max(2, round(d * 0.06))
    if square:
        draw.rectangle((c - d / 2, c - d / 2, c + d / 2, c + d / 2), outline=255, width=ring)
    else:
        draw.ellipse((c - d / 2, c - d / 2, c + d / 2, c + d / 2), outline=255, width=ring)
    n = len(text)
    size = int(d * (0.62 if n == 1 else 0.72 / n))
    font = pil_font(_seal_font(), size)
    for i, ch in enumerate(text):  # written top to bottom
        draw.text((c, c + (i - (n - 1) / 2) * size * 1.02), ch, font=font, fill=255, anchor="mm")
    alpha: np.ndarray = np.asarray(layer, dtype=np.float32) / 255.0
    alpha = cv2.dilate(alpha, np.ones((2, 2), np.uint8))  # seal lettering is heavy
    angle = float(rng.uniform(-12, 12))
    alpha = cv2.warpAffine(alpha, cv2.getRotationMatrix2D((c, c), angle, 1.0), (s, s))
    blotch = cv2.GaussianBlur(rng.random((s, s)).astype(np.float32), (0, 0), max(1.0, d / 40))
    blotch = (blotch - blotch.min()) / max(1e-6, float(blotch.max() - blotch.min()))
    density = float(rng.uniform(0.65, 0.9))  # semi-transparent: the print shows through
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.6) * density * np.clip(0.55 + blotch, 0.0, 1.0)
    out = _bgr(img).astype(np.float32)
    h, w = out.shape[:2]
    x0, y0 = round(centre[0] - c), round(centre[1] - c)
    lx0, ly0, lx1, ly1 = max(0, x0), max(0, y0), min(w, x0 + s), min(h, y0 + s)
    if lx1 > lx0 and ly1 > ly0:
        a = alpha[ly0 - y0:ly1 - y0, lx0 - x0:lx1 - x0, None]
        ink = np.array(SEAL_BGR, dtype=np.float32) / 255.0
        out[ly0:ly1, lx0:lx1] *= 1.0 - a + a * ink
    return np.clip(out, 0, 255).astype(np.uint8), {
        "seal": {"text": text, "shape": "square" if square else "circle", "diameter_px": round(d, 1),
                 "centre_px": [round(centre[0], 1), round(centre[1], 1)], "angle": round(angle, 2),
                 "density": round(density, 3)}}


def _seal(img: Img, rng: np.random.Generator, dpi: int, fields: PageFields | None) -> tuple[Img, Params]:
    params: Params = {}
    out = _bgr(img)
    filled = sorted(fid for fid, t in (fields or {}).items() if t.get("text") and not t.get("marks"))
    if filled:
        x, y, w, h = fields[filled[int(rng.integers(0, len(filled)))]]["box_px"]  # type: ignore[index]
        centre = (x + w * float(rng.uniform(0.1, 0.95)), y + h * float(rng.uniform(0.3, 0.7)))
        out, params = press_seal(out, rng, dpi, centre, _surname(fields or {}) or "印")
    out, p, m = _place(out, rng, dpi)
    out, o = _optics(out, rng)
    out, q = degrade.jpeg_at(out, int(rng.integers(70, 91)))
    return out, params | p | o | q | {"affine": m}


CONDITIONS: dict[str, ConditionFn] = {
    "office": _office, "fax": _fax, "phone": _phone, "seal": _seal, "jpeg25": _jpeg25,
    "skew4": _skew4, "fit": _fit, "dark_back": _dark_back,
}


# ---- whole documents ----------------------------------------------------------------

def _box_through(box: list[int], m: np.ndarray, size: tuple[int, int]) -> list[int]:
    x, y, w, h = box
    pts = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]], dtype=np.float64)
    pts = cv2.perspectiveTransform(pts[None], m)[0]
    x0, y0 = np.floor(pts.min(axis=0)).astype(int)
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int)
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(size[0], int(x1)), min(size[1], int(y1))
    return [x0, y0, max(0, x1 - x0), max(0, y1 - y0)]


def _affine_fit(hm: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The 2x3 affine closest (least squares) to ``hm`` on a grid over the page."""
    w, h = size
    xs, ys = np.meshgrid(np.linspace(0, w, 5), np.linspace(0, h, 5))
    src = np.stack([xs.ravel(), ys.ravel()], axis=1)
    dst = cv2.perspectiveTransform(src[None], hm)[0]
    a = np.hstack([src, np.ones((len(src), 1))])
    sol, *_ = np.linalg.lstsq(a, dst, rcond=None)
    return np.asarray(sol.T, dtype=np.float64)


def _retruth(tp: dict[str, Any], m: np.ndarray, params: Params, name: str,
             size: tuple[int, int]) -> None:
    """Carry a page's truth through the condition's mapping ``m`` (3x3, old -> new image)."""
    perspective = not np.allclose(m[2], [0.0, 0.0, 1.0])
    if tp.get("affine") is not None:
        full = m @ _m3(tp.get("homography") or tp["affine"])
        if perspective or tp.get("homography") is not None:
            tp["homography"] = [[round(float(v), 9) for v in row] for row in full]
            tp["affine"] = degrade.affine_list(_affine_fit(full, size))
        else:
            tp["affine"] = degrade.affine_list(full[:2])
        a = np.array(tp["affine"])
        total = math.degrees(math.atan2(-a[1, 0], a[0, 0]))
        tp["skew_deg"] = round(((total + 90.0) % 180.0) - 90.0, 3)
    for ft in tp["fields"].values():
        ft["box_px"] = _box_through(ft["box_px"], m, size)
    if params.get("rotation") == 180:
        tp["rotation"] = (int(tp.get("rotation", 0)) + 180) % 360
    tp["degradations"] = {**tp.get("degradations", {}), "condition": {"name": name, **params}}


def _jsonable(params: Params) -> Params:
    return {k: (degrade.affine_list(v) if isinstance(v, np.ndarray) else v) for k, v in params.items()}


def condition_page(name: str, img: Img, rng: np.random.Generator, dpi: int,
                   fields: PageFields | None = None) -> tuple[Img, Params]:
    """One page through condition ``name``; params hold a 3x3 ``mapping`` (old -> new pixels).

    ``fields`` (a page's truth fields) is where ``seal`` presses; without it no seal is drawn.
    """
    if name not in CONDITIONS:
        raise ValueError(f"condition must be one of {tuple(CONDITIONS)}, got {name!r}")
    out, params = CONDITIONS[name](img, rng, dpi, fields)
    m = params.pop("homography", None)
    a = params.pop("affine", None)
    mapping = _m3(m) if m is not None else (_m3(a) if a is not None else np.eye(3))
    return out, {**params, "mapping": mapping}


def apply_condition(name: str, doc: SynthDocument, rng: np.random.Generator) -> SynthDocument:
    """A copy of ``doc`` scanned under condition ``name`` (see the module docstring)."""
    if name not in CONDITIONS:
        raise ValueError(f"condition must be one of {tuple(CONDITIONS)}, got {name!r}")
    truth = copy.deepcopy(doc.truth)
    dpi = int(truth.get("dpi", 200))
    seal_at: int | None = None
    if name == "seal":
        candidates = [k for k, tp in enumerate(truth["pages"]) if tp["kind"] == "form"
                      and any(t.get("text") and not t.get("marks") for t in tp["fields"].values())]
        seal_at = candidates[int(rng.integers(0, len(candidates)))] if candidates else None
    pages: list[np.ndarray] = []
    for k, (img, tp) in enumerate(zip(doc.pages, truth["pages"], strict=True)):
        fields = tp["fields"] if k == seal_at else None
        out, params = condition_page(name, img, rng, dpi, fields)
        m = params.pop("mapping")
        size = (out.shape[1], out.shape[0])
        _retruth(tp, m, _jsonable(params), name, size)
        pages.append(out)
    truth["condition"] = name
    return SynthDocument(doc.document_id, pages, truth)
