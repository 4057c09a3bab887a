"""Scanner degradations and non-form pages, as pure functions on uint8 gray images.

Every function takes a ``numpy.random.Generator`` (or none when it draws
nothing) and returns ``(image, params)``: ``params`` is a JSON-able dict of what
was applied, so ground truth can record it. Geometric functions also return the
2x3 affine matrix (``params['affine']``) mapping input pixels to output pixels.
The geometric ones, ``blur``, ``noise`` and ``jpeg_at`` also take a BGR colour image
(the scan conditions of :mod:`synth.conditions` use them on colour pages).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from forms.fonts import available_fonts, pil_font

Gray = np.ndarray
Params = dict[str, Any]

SKEW_MAX_DEG = 3.0
SCALE_RANGE = (0.97, 1.03)
OFFSET_MAX_MM = 3.0
BLUR_SIGMA = (0.3, 1.1)
NOISE_SIGMA = (1.5, 7.0)
JPEG_QUALITY = (40, 85)


def _affine(img: Gray, m: np.ndarray, border: int = 255) -> Gray:
    h, w = img.shape[:2]
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=(border, border, border))
    return np.asarray(out, dtype=np.uint8)


def affine_list(m: np.ndarray) -> list[list[float]]:
    return [[round(float(v), 6) for v in row] for row in m]


def compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 2x3 affine 'a then b'."""
    a3 = np.vstack([a, [0.0, 0.0, 1.0]])
    b3 = np.vstack([b, [0.0, 0.0, 1.0]])
    return (b3 @ a3)[:2]


def skew(img: Gray, rng: np.random.Generator, max_deg: float = SKEW_MAX_DEG) -> tuple[Gray, Params]:
    """Rotate by a random angle in ±max_deg about the centre (white fill).

    Angles are normal with sigma max_deg/2.5, clipped: most scans are nearly straight.

    ``skew_deg`` is counter-clockwise as seen on screen (OpenCV's convention).
    """
    deg = round(float(np.clip(rng.normal(0.0, max_deg / 2.5), -max_deg, max_deg)), 3)
    return rotate(img, deg)


def rotate(img: Gray, deg: float, border: int = 255) -> tuple[Gray, Params]:
    """Rotate by ``deg`` (counter-clockwise on screen) about the centre, ``border`` fill."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    return _affine(img, m, border), {"skew_deg": deg, "affine": affine_list(m)}


def scale_offset(img: Gray, rng: np.random.Generator, dpi: int,
                 scale_range: tuple[float, float] = SCALE_RANGE,
                 max_offset_mm: float = OFFSET_MAX_MM, border: int = 255) -> tuple[Gray, Params]:
    """Scale about the centre by a factor in ``scale_range`` and shift by up to ±max_offset_mm."""
    s = round(float(rng.uniform(*scale_range)), 4)
    max_px = max_offset_mm * dpi / 25.4
    dx, dy = (round(float(v), 2)
              for v in np.clip(rng.normal(0.0, max_px / 2.5, size=2), -max_px, max_px))
    h, w = img.shape[:2]
    m = np.array([[s, 0.0, (1 - s) * w / 2 + dx], [0.0, s, (1 - s) * h / 2 + dy]])
    return _affine(img, m, border), {"scale": s, "offset_px": [dx, dy], "affine": affine_list(m)}


def rotate180(img: Gray) -> tuple[Gray, Params]:
    h, w = img.shape
    m = np.array([[-1.0, 0.0, w - 1.0], [0.0, -1.0, h - 1.0]])
    return np.ascontiguousarray(img[::-1, ::-1]), {"rotation": 180, "affine": affine_list(m)}


def blur(img: Gray, rng: np.random.Generator) -> tuple[Gray, Params]:
    sigma = round(float(rng.uniform(*BLUR_SIGMA)), 3)
    out = cv2.GaussianBlur(img, (0, 0), sigmaX=sigma)
    return np.asarray(out, dtype=np.uint8), {"blur_sigma": sigma}


def noise(img: Gray, rng: np.random.Generator) -> tuple[Gray, Params]:
    """Gaussian sensor noise plus a slightly grey paper level."""
    sigma = round(float(rng.uniform(*NOISE_SIGMA)), 3)
    paper = int(rng.integers(236, 256))
    base = img.astype(np.float32) * (paper / 255.0)
    out = base + rng.normal(0.0, sigma, size=img.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8), {"noise_sigma": sigma, "paper_level": paper}


def jpeg(img: Gray, rng: np.random.Generator) -> tuple[Gray, Params]:
    q = int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1))
    return jpeg_at(img, q)


def jpeg_at(img: Gray, quality: int) -> tuple[Gray, Params]:
    """JPEG round trip at ``quality`` (gray stays gray, BGR stays BGR)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - cv2 always encodes a uint8 image
        return img, {}
    out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE if img.ndim == 2 else cv2.IMREAD_COLOR)
    return np.asarray(out, dtype=np.uint8), {"jpeg_quality": quality}


def binarize(img: Gray) -> tuple[Gray, Params]:
    """Threshold to pure black/white (the 1-bit fax look).

    The threshold is Otsu's but at least 195, like a bilevel scanner set for
    pencil: with Otsu alone (~150) faint pencil marks vanish entirely, and no
    reader could recover what the person marked, so the ground truth would lie.
    """
    otsu, _ = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    t, out = cv2.threshold(img, max(float(otsu), 195.0), 255, cv2.THRESH_BINARY)
    return np.asarray(out, dtype=np.uint8), {"binarized": True, "threshold": int(t)}


def scan(img: Gray, rng: np.random.Generator, dpi: int) -> tuple[Gray, Params]:
    """A plausible scanner pass: placement, skew, optics, noise, then JPEG or 1-bit output.

    Returned params hold every step applied and the combined ``affine``.
    """
    params: Params = {}
    out, p1 = scale_offset(img, rng, dpi)
    out, p2 = skew(out, rng)
    m = compose(np.array(p1.pop("affine")), np.array(p2.pop("affine")))
    params.update(p1 | p2)
    params["affine"] = affine_list(m)
    if rng.random() < 0.7:
        out, p = blur(out, rng)
        params.update(p)
    out, p = noise(out, rng)
    params.update(p)
    r = rng.random()
    if r < 0.2:
        out, p = binarize(out)
        params.update(p)
    elif r < 0.75:
        out, p = jpeg(out, rng)
        params.update(p)
    return out, params


def office_scan(img: Gray, rng: np.random.Generator) -> tuple[Gray, Params]:
    """How an office scanner copies a blank form: grey, unevenly lit paper, soft print,
    grain and JPEG, with no change of geometry.

    For the reference image of a city's own form (a template drafted from a scan):
    the reader must cope with its grey paper and grain, not a clean render.
    """
    h, w = img.shape
    paper = int(rng.integers(205, 236))
    tilt_x, tilt_y = (float(v) for v in rng.uniform(-12, 12, size=2))
    sigma = round(float(rng.uniform(3.0, 7.0)), 3)
    soft = round(float(rng.uniform(0.5, 1.0)), 3)
    q = int(rng.integers(70, 90))
    soft_img = np.asarray(cv2.GaussianBlur(img.astype(np.float32), (0, 0), soft), dtype=np.float32)
    ramp_x = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :] * tilt_x
    ramp_y = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None] * tilt_y
    out = soft_img / 255.0 * (paper + ramp_x + ramp_y) + rng.normal(0.0, sigma, size=img.shape)
    ok, buf = cv2.imencode(".jpg", np.clip(out, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, q])
    result = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else np.clip(out, 0, 255).astype(np.uint8)
    return np.asarray(result, dtype=np.uint8), {
        "paper_level": paper, "light_tilt": [round(tilt_x, 2), round(tilt_y, 2)],
        "noise_sigma": sigma, "blur_sigma": soft, "jpeg_quality": q}


# ---- pages that are not forms ------------------------------------------------------

def blank_page(size_px: tuple[int, int], rng: np.random.Generator, dpi: int) -> tuple[Gray, Params]:
    """A near-white page with faint noise, dust and sometimes a scanner-edge shadow."""
    w, h = size_px
    level = int(rng.integers(238, 254))
    sigma = round(float(rng.uniform(0.8, 2.5)), 3)
    page = level + rng.normal(0.0, sigma, size=(h, w)).astype(np.float32)
    params: Params = {"paper_level": level, "noise_sigma": sigma}
    if rng.random() < 0.5:
        edge = str(rng.choice(["left", "right", "top", "bottom"]))
        width = max(2, int(rng.uniform(2, 8) * dpi / 25.4))
        depth = float(rng.uniform(30, 110))
        ramp = depth * np.linspace(1.0, 0.0, width, dtype=np.float32) ** 2
        if edge == "left":
            page[:, :width] -= ramp[None, :]
        elif edge == "right":
            page[:, w - width:] -= ramp[::-1][None, :]
        elif edge == "top":
            page[:width, :] -= ramp[:, None]
        else:
            page[h - width:, :] -= ramp[::-1][:, None]
        params["shadow"] = {"edge": edge, "width_px": width, "depth": round(depth, 2)}
    for _ in range(int(rng.integers(0, 6))):  # dust specks
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.circle(page, (x, y), int(rng.integers(1, 3)), (float(rng.uniform(60, 180)),), -1)
    return np.clip(page, 0, 255).astype(np.uint8), params


def id_copy_page(size_px: tuple[int, int], rng: np.random.Generator, dpi: int,
                 front_lines: list[str], back_lines: list[str] | None = None) -> tuple[Gray, Params]:
    """A photocopy of an identity card (front, and back when given): not a form.

    Card-sized rounded rectangles with a photo box and printed lines; no
    registration marks, no QR code.
    """
    w, h = size_px
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    fonts = available_fonts("printed")
    spec = fonts[int(rng.integers(0, len(fonts)))]
    enlarge = round(float(rng.uniform(1.0, 1.4)), 3)  # copies are often enlarged
    px = dpi / 25.4 * enlarge
    cw, ch = int(85.6 * px), int(54.0 * px)
    x0 = int(rng.uniform(15, max(16.0, w / (dpi / 25.4) - 85.6 * enlarge - 15)) * dpi / 25.4)
    y = int(rng.uniform(15, 40) * dpi / 25.4)
    cards = [front_lines] + ([back_lines] if back_lines else [])
    for i, lines in enumerate(cards):
        fill = int(rng.integers(200, 236))
        draw.rounded_rectangle((x0, y, x0 + cw, y + ch), radius=int(3 * px), fill=fill,
                               outline=60, width=max(1, int(0.3 * px)))
        text_w = cw
        if i == 0:  # photo box with a head-and-shoulders silhouette
            pw, ph = int(22 * px), int(28 * px)
            bx, by = x0 + cw - pw - int(5 * px), y + int(14 * px)
            draw.rectangle((bx, by, bx + pw, by + ph), fill=int(rng.integers(110, 170)))
            draw.ellipse((bx + pw * 0.3, by + ph * 0.15, bx + pw * 0.7, by + ph * 0.55), fill=70)
            draw.ellipse((bx + pw * 0.12, by + ph * 0.6, bx + pw * 0.88, by + ph * 1.25), fill=70)
            draw.rectangle((bx, by + ph, bx + pw, by + int(ph * 1.3)), fill=fill)
            text_w = cw - pw - int(8 * px)
        ty = y + int(4 * px)
        for j, line in enumerate(lines):
            size = int((3.4 if j else 4.2) * px)
            font = pil_font(spec, size)
            while size > 6 and draw.textlength(line, font=font) > text_w - int(8 * px):
                size -= 1
                font = pil_font(spec, size)
            draw.text((x0 + int(4 * px), ty), line, fill=int(rng.integers(15, 50)), font=font)
            ty += int(size * 1.55)
        y += ch + int(rng.uniform(8, 20) * px)
    arr = np.asarray(img, dtype=np.uint8)
    return arr, {"cards": len(cards), "enlarge": enlarge, "font": spec.name}
