"""Templates and gestures for the editor-action tests in real Chromium (not a test module).

``drafted_survey`` is a scanned form as `yomitori templates draft` leaves it: a reference
scan of the blank page, a question row, a 2 × 3 block of checkboxes (a small Likert
grid) and three loose checkboxes of one yes/no question, all still to be merged.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import Page

from domain.model import FormTemplate

LIKERT = [f"lk_{r}_{c}" for r in range(2) for c in range(3)]
YES_NO = ["yes", "no", "unsure"]


def _box(x: float, y: float, w: float = 4, h: float = 4) -> dict[str, float]:
    return {"x": x, "y": y, "w": w, "h": h}


def drafted_survey(template_id: str, title: str = "市民アンケート（読み取った様式）") -> FormTemplate:
    fields: list[dict[str, Any]] = [
        {"id": "q1", "label": "問1", "kind": "text", "box": _box(20, 40, 70, 8)},
        {"id": "q1_note", "label": "問1の理由", "kind": "text", "box": _box(100, 40, 60, 8)}]
    fields += [{"id": f"lk_{r}_{c}", "label": ["満足", "普通", "不満"][c], "kind": "checkbox",
                "box": _box(120 + 14 * c, 150 + 9 * r), "guessed": ["kind"]}
               for r in range(2) for c in range(3)]
    fields += [{"id": v, "label": lab, "kind": "checkbox", "box": _box(30 + 25 * n, 220),
                "guessed": ["label"]}
               for n, (v, lab) in enumerate(zip(YES_NO, ["はい", "いいえ", "わからない"], strict=True))]
    page = {"number": 1, "form_code": "DRAFT-" + template_id.upper().replace("_", "-"),
            "reference_image": "reference/page1.png", "anchors": "structure"}
    return FormTemplate.model_validate({"id": template_id, "family": template_id, "version": 1,
                                        "title": title, "source": "scanned", "status": "draft",
                                        "pages": [page], "fields": fields})


def grey_png(width: int = 827, height: int = 1169, value: int = 128) -> bytes:
    """A flat grey 'scan' of an A4 page (100 dpi), so a painted region is easy to find."""
    buf = io.BytesIO()
    Image.fromarray(np.full((height, width), value, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def open_actions(page: Page, base_url: str, template_id: str) -> None:
    """Open the editor and unfold its action panel (waits for the editor script to be ready)."""
    page.goto(f"{base_url}/admin/templates/{template_id}")
    page.wait_for_selector("#te-editor[data-ready='1']")
    unfold(page)


def unfold(page: Page) -> None:
    """Unfold the action panel with a click (it is already open after a refused action)."""
    if page.locator("#te-actions").get_attribute("open") is None:
        page.click("#te-actions summary")


def submit(page: Page, selector: str) -> None:
    """Click a submit button and wait for the server's answer (the editor again)."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_selector("#te-editor[data-ready='1']")


def pick(page: Page, form: str, ids: list[str]) -> None:
    """Tick field checkboxes in an action form (a click each)."""
    for i in ids:
        page.check(f"#{form} input[name='field_ids'][value='{i}']")


def csrf(page: Page) -> str:
    return page.locator("#te-save-form input[name=csrf_token]").input_value()
