"""Templates of real third-party forms (../shared/realdata), built in a temporary folder.

The scans stay in the shared real data (their licences ask us not to copy them into
the repository); a test lays each blank page out as a reference image beside a
template written here or by hand in ``tests/fixtures/realforms/``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from domain.model import FormTemplate
from intake.pages import load_pages
from ocr.engines.fake import FakeRecognizer
from ocr.preprocess import to_gray
from ocr.reader import Reader
from services.compose import render_blank

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "realforms"
SDAPS_BLANK = "sdaps/debug_questionnaire_blank.pdf"
SDAPS_FILLED = "sdaps/debug.tif"
NUS_BLANK = "omrchecker/samples/sample6/reference.png"
NUS_FILLED = "omrchecker/samples/sample6/doc-scans"


def gray_pages(path: Path) -> list[np.ndarray]:
    return [to_gray(p) for p in load_pages(path)]


def black_border(img: np.ndarray, top: float = 0.03, left: float = 0.02, bottom: float = 0.04,
                 right: float = 0.025, value: int = 15) -> np.ndarray:
    """A scanner's black edges: dark bands of the given shares of the page on each side."""
    h, w = img.shape
    out = img.copy()
    out[: int(h * top)] = value
    out[h - int(h * bottom):] = value
    out[:, : int(w * left)] = value
    out[:, w - int(w * right):] = value
    return out


def scanned_template(template_id: str, blanks: list[np.ndarray], out: Path,
                     body: dict[str, Any] | None = None) -> FormTemplate:
    """A scanned-form template over ``blanks`` (one reference image per page) in ``out``.

    ``body`` gives the rest of the template (title, fields, page size...); by default
    one text field, enough for identification.
    """
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    for i, img in enumerate(blanks, start=1):
        cv2.imwrite(str(out / f"page{i}.png"), img)
        pages.append({"number": i, "form_code": f"{template_id.upper().replace('_', '-')}-P{i}",
                      "reference_image": f"page{i}.png", "anchors": "structure"})
    data: dict[str, Any] = {"id": template_id, "family": template_id, "version": 1, "title": template_id,
                            "fields": [{"id": "memo", "label": "メモ", "kind": "text",
                                        "box": {"x": 20, "y": 20, "w": 30, "h": 8}}]}
    data.update(body or {})
    data.update({"source": "scanned", "pages": pages})
    return FormTemplate.model_validate(data).with_source_dir(out)


def fixture_body(name: str) -> dict[str, Any]:
    """A hand-written true layout from tests/fixtures/realforms/<name>.yaml."""
    loaded = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))
    return dict(loaded)


def fake_reader(templates: dict[str, FormTemplate]) -> Reader:
    return Reader(templates=templates, recognizer=FakeRecognizer(lambda i, c, a: ("x", 0.9)),
                  blank_renderer=render_blank, today=date(2026, 11, 20))


def print_qr(img: np.ndarray, text: str, x_mm: float, y_mm: float, side_mm: float = 18.0,
             border: int = 2) -> np.ndarray:
    """``img`` (an A4 page at any resolution) with a QR code printed at (x, y) mm."""
    import qrcode

    out = img.copy()
    ppm = img.shape[1] / 210.0
    q = qrcode.QRCode(border=border)
    q.add_data(text)
    q.make(fit=True)
    m = np.array(q.get_matrix(), bool)
    step = side_mm * ppm / len(m)
    x0, y0 = round(x_mm * ppm), round(y_mm * ppm)
    out[y0: y0 + round(side_mm * ppm), x0: x0 + round(side_mm * ppm)] = 255
    for r, c in zip(*np.nonzero(m), strict=True):
        out[y0 + round(r * step): y0 + round((r + 1) * step),
            x0 + round(c * step): x0 + round((c + 1) * step)] = 0
    return out
