"""Page object for the admin's template editor (/admin/templates/<id>), driven in real Chromium.

Not a test module: imported by tests/integration/test_template_editor.py and usable from
later end-to-end tests. It holds the locators and the keyboard/mouse gestures; tests
hold the assertions. Every wait is on page state (focus, data attributes), never a sleep.

    editor = TemplateEditorPage(page, base_url)
    editor.open("draft_form")
    editor.select_field("address")
    editor.move(1.0, 5.0)
    editor.set_label("住所")
    editor.set_kind("text")
    editor.confirm_all()
    message = editor.save()
"""

from __future__ import annotations

import json
import math
from typing import Any

from playwright.sync_api import Dialog, Locator, Page

STEP_MM = 0.5  # one arrow key
BIG_MM = 5.0  # one Shift+arrow key


class TemplateEditorPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    # --- navigation and state -------------------------------------------------------------
    def open(self, template_id: str) -> None:
        """Open the editor and wait until the first field's box has the keyboard focus."""
        self.page.goto(f"{self.base_url}/admin/templates/{template_id}")
        self.page.wait_for_selector("#te-editor[data-ready='1']")
        self.page.wait_for_function(
            "document.activeElement && document.activeElement.classList.contains('te-box')")

    def selected_id(self) -> str:
        return str(self.page.evaluate(
            "document.activeElement && document.activeElement.classList.contains('te-box')"
            " ? document.activeElement.dataset.id : document.getElementById('te-f-id').value"))

    def focused_box_id(self) -> str | None:
        found = self.page.evaluate(
            "document.activeElement && document.activeElement.classList.contains('te-box')"
            " ? document.activeElement.dataset.id : null")
        return None if found is None else str(found)

    def box(self, field_id: str) -> dict[str, float]:
        """The field's box in mm as the editor holds it (field must be on the shown page)."""
        el = self.page.locator(f".te-box[data-id='{field_id}']")
        return {k: float(el.get_attribute(f"data-{k}") or "nan") for k in ("x", "y", "w", "h")}

    def loaded_template(self) -> dict[str, Any]:
        """The template as the page was served (before any edit in this page)."""
        raw = self.page.evaluate("document.getElementById('te-editor').dataset.template")
        return dict(json.loads(raw))

    def unconfirmed_ids(self) -> list[str]:
        """Fields whose machine guesses are not confirmed yet (the 未確認 badges in the list)."""
        return [str(i) for i in self.page.eval_on_selector_all(
            "#te-list button:has(.te-badge)", "els => els.map(e => e.dataset.id)")]

    def px_per_mm(self) -> float:
        width = self.page.evaluate("document.getElementById('te-canvas').getBoundingClientRect().width")
        size = self.loaded_template()["page_size_mm"]
        return float(width) / float(size[0])

    def version_text(self) -> str:
        return self.page.locator("#te-version").inner_text()

    def unconfirmed(self) -> int:
        return int(self.page.locator("#te-unconfirmed").inner_text())

    def field_error(self) -> str:
        return self.page.locator("#te-f-error").inner_text()

    def save_error(self) -> str:
        return self.page.locator("#te-save-error").inner_text()

    # --- selection ------------------------------------------------------------------------
    def tab(self, times: int = 1, backwards: bool = False) -> str | None:
        """Tab / Shift+Tab through the field boxes; the id of the box that has the focus."""
        for _ in range(times):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
        return self.focused_box_id()

    def select_field(self, field_id: str) -> None:
        """Select a field (on any page) from the field list; its box gets the keyboard focus."""
        self.page.locator(f"#te-list button[data-id='{field_id}']").click()
        self.page.wait_for_function(
            "id => document.activeElement && document.activeElement.dataset.id === id", arg=field_id)

    def show_page(self, number: int) -> None:
        self.page.select_option("#te-page", str(number))

    # --- keyboard gestures on the selected box ---------------------------------------------
    def _arrows(self, d_mm: float, minus: str, plus: str, modifier: str = "") -> None:
        key = plus if d_mm > 0 else minus
        rest = abs(d_mm)
        big, rest = divmod(rest, BIG_MM)
        small = rest / STEP_MM
        if not math.isclose(small, round(small), abs_tol=1e-6):
            raise ValueError(f"{d_mm} mm is not a multiple of {STEP_MM} mm")
        for _ in range(int(big)):
            self.page.keyboard.press(f"{modifier}Shift+{key}")
        for _ in range(round(small)):
            self.page.keyboard.press(f"{modifier}{key}")

    def move(self, dx_mm: float, dy_mm: float) -> None:
        """Arrow keys: 0.5 mm each, Shift+arrow 5 mm (the box must have the focus)."""
        self._arrows(dx_mm, "ArrowLeft", "ArrowRight")
        self._arrows(dy_mm, "ArrowUp", "ArrowDown")

    def resize(self, dw_mm: float, dh_mm: float) -> None:
        """Alt+arrow keys change width and height (0.5 mm, with Shift 5 mm)."""
        self._arrows(dw_mm, "ArrowLeft", "ArrowRight", "Alt+")
        self._arrows(dh_mm, "ArrowUp", "ArrowDown", "Alt+")

    def confirm(self) -> None:
        """K on the selected box: its machine guesses are confirmed."""
        self.page.keyboard.press("k")

    def confirm_all(self) -> None:
        """Visit every field that still has unconfirmed guesses and confirm it with K."""
        for field_id in self.unconfirmed_ids():
            self.select_field(field_id)
            self.confirm()
        self.page.wait_for_function("document.getElementById('te-unconfirmed').textContent === '0'")

    def delete(self) -> None:
        """Delete on the selected box, accepting the confirmation dialog."""
        self.page.once("dialog", lambda d: d.accept())
        self.page.keyboard.press("Delete")

    # --- the side panel -------------------------------------------------------------------
    def set_label(self, text: str) -> None:
        """Enter on the box jumps to the label; typing replaces it; Enter applies and returns."""
        selected = self.selected_id()
        self.page.keyboard.press("Enter")
        self.page.wait_for_function("document.activeElement.id === 'te-f-label'")
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        self.page.wait_for_function(
            "id => document.activeElement && document.activeElement.dataset.id === id", arg=selected)

    def set_id(self, field_id: str) -> None:
        """Type a new field id into the panel and apply with Enter."""
        self.page.fill("#te-f-id", field_id)
        self.page.press("#te-f-id", "Enter")

    def set_kind(self, kind: str) -> None:
        """Choose the kind in the panel's select (applied at once)."""
        self.page.select_option("#te-f-kind", kind)

    def set_box(self, x: float, y: float, w: float, h: float) -> None:
        """Type the box in millimetres into the panel and apply with Enter."""
        for key, value in (("x", x), ("y", y), ("w", w), ("h", h)):
            self.page.fill(f"#te-f-{key}", str(value))
        self.page.press("#te-f-h", "Enter")

    # --- mouse ----------------------------------------------------------------------------
    def drag(self, field_id: str, dx_px: float, dy_px: float, corner: bool = False) -> None:
        """Drag a box (or, with ``corner``, its resize handle) by a number of screen pixels."""
        self._drag(self.page.locator(f".te-box[data-id='{field_id}']"), dx_px, dy_px, corner)

    def _drag(self, box: Locator, dx_px: float, dy_px: float, corner: bool) -> None:
        box.scroll_into_view_if_needed()
        rect = box.bounding_box()
        assert rect is not None
        if corner:
            x, y = rect["x"] + rect["width"] - 1, rect["y"] + rect["height"] - 1
        else:
            x, y = rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2
        mouse = self.page.mouse
        mouse.move(x, y)
        mouse.down()
        mouse.move(x + dx_px / 2, y + dy_px / 2, steps=4)
        mouse.move(x + dx_px, y + dy_px, steps=4)
        mouse.up()

    def option_box(self, field_id: str, value: str) -> dict[str, float]:
        el = self.page.locator(f".te-opt[data-field='{field_id}'][data-value='{value}']")
        return {k: float(el.get_attribute(f"data-{k}") or "nan") for k in ("x", "y", "w", "h")}

    def drag_option(self, field_id: str, value: str, dx_px: float, dy_px: float) -> None:
        """Drag one option's mark box of a choice field."""
        self._drag(self.page.locator(f".te-opt[data-field='{field_id}'][data-value='{value}']"),
                   dx_px, dy_px, corner=False)

    def draw(self, x_mm: float, y_mm: float, w_mm: float, h_mm: float) -> None:
        """Drag on an empty part of the page to add a new field."""
        s = self.px_per_mm()
        self.page.evaluate("y => { const w = document.getElementById('te-wrap');"
                           " w.scrollTop = Math.max(0, y - w.clientHeight / 2); }", y_mm * s)
        origin = self.page.locator("#te-layer").bounding_box()
        assert origin is not None
        x, y = origin["x"] + x_mm * s, origin["y"] + y_mm * s
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        self.page.mouse.move(x + w_mm * s, y + h_mm * s, steps=6)
        self.page.mouse.up()

    # --- saving ---------------------------------------------------------------------------
    def save(self, activate: bool = False) -> str:
        """Click 保存 (or 運用開始, accepting its dialog); the page comes back from the server.

        Returns the status text after a save, the error text when the server refused it.
        """
        if activate:
            def accept(d: Dialog) -> None:
                d.accept()

            self.page.once("dialog", accept)
        with self.page.expect_navigation():
            self.page.click("#te-activate" if activate else "#te-save")
        self.page.wait_for_selector("#te-editor[data-ready='1']")
        error = self.save_error().strip()
        return error or self.page.locator("#te-save-status").inner_text()

    def set_era(self, era: str) -> None:
        """Choose the era printed on the form for a 和暦 date field (applied at once)."""
        self.page.select_option("#te-f-era", era)
