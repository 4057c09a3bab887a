"""Runs a target file's steps on a Playwright page and decides the failure class of each miss.

After every page load: HTTP 5xx → :class:`TargetUnavailable`; the login marker → :class:`SessionLost`
(both retried); the site's error locator shows text → :class:`TargetRejected` with the site's own
words (back to staff). A locator that finds nothing on a page that loaded fine is a
:class:`TargetConfigError` naming the screen and the label (the run stops). Nothing here logs a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bots.adapters import AdapterError, StepAdapter, StepContext, load_adapter
from bots.credentials import Credentials
from bots.errors import LoginRefused, SessionLost, TargetConfigError, TargetRejected, TargetUnavailable
from bots.scenario import Loc, Step, Target
from bots.values import ValueErrorJa, evaluate

_READ_JS = """el => {
  if (el.type === 'checkbox' || el.type === 'radio') return el.checked;
  if (el.tagName === 'SELECT') return el.selectedOptions.length ? el.selectedOptions[0].textContent : '';
  if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') return el.value;
  return el.innerText;
}"""


@dataclass
class Row:
    index: int
    links: list[tuple[str, str]] = field(default_factory=list)  # (record id, href) of existing records


def _xpath_literal(s: str) -> str:
    if "'" not in s:
        return f"'{s}'"
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in s.split("'")) + ")"


class Driver:
    def __init__(self, page: Page, target: Target, *, base_dir: Path | None = None, locate_ms: int = 10000,
                 checklist: Callable[[str, str, bool], None] | None = None,
                 proven: set[str] | None = None) -> None:
        self.page, self.t, self.base_dir, self.locate_ms = page, target, base_dir, locate_ms
        self.checklist = checklist  # `targets check`: (screen, what, found) for every locator used
        self.proven: set[str] = set() if proven is None else proven  # autocompletes that worked this run
        self._adapters: dict[str, StepAdapter] = {}

    # --- locating ------------------------------------------------------------------------
    def raw(self, loc: Loc, within: Page | Locator | None = None) -> Locator:
        p = within or self.page
        if loc.label:
            return p.get_by_label(loc.label, exact=True)
        if loc.role:
            return (p.get_by_role(loc.role, name=loc.name, exact=True) if loc.name  # type: ignore[arg-type]
                    else p.get_by_role(loc.role))  # type: ignore[arg-type]
        if loc.term:
            return p.locator(f"xpath=.//dt[normalize-space(.)={_xpath_literal(loc.term)}]"
                             "/following-sibling::dd[1]")
        if loc.text:
            return p.get_by_text(loc.text, exact=True)
        if loc.test_id:
            return p.get_by_test_id(loc.test_id)
        if loc.css:
            return p.locator(loc.css)
        raise ValueError("a url marker cannot be located")

    def present(self, loc: Loc) -> bool:
        if loc.url:
            return re.search(loc.url, self.page.url) is not None
        return self.raw(loc).count() > 0

    def locate(self, loc: Loc, screen: str, *, single: bool = True, within: Locator | None = None) -> Locator:
        """The element, waited for; a miss on a page that loaded fine is a TargetConfigError."""
        el = self.raw(loc, within)
        try:
            el.first.wait_for(state="attached", timeout=self.locate_ms)
        except PlaywrightTimeout:
            if self.present(self.t.session_lost) and screen != self.t.login.screen:
                raise SessionLost("target session expired or lost") from None
            self.note(screen, loc.describe(), False)
            raise TargetConfigError(screen, loc.describe()) from None
        if single and el.count() > 1:
            self.note(screen, loc.describe(), False)
            raise TargetConfigError(screen, loc.describe(), "が複数あり、一つに決まりません")
        self.note(screen, loc.describe(), True)
        return el.first

    def note(self, screen: str, what: str, ok: bool) -> None:
        if self.checklist is not None:
            self.checklist(screen, what, ok)

    # --- page loads -----------------------------------------------------------------------
    def after_load(self, response: Response | None, *, errors: bool = True) -> None:
        if response is not None and response.status >= 500:
            raise TargetUnavailable(f"target answered HTTP {response.status}")
        if self.present(self.t.session_lost):
            raise SessionLost("target session expired or lost")
        if errors and (message := self.error_text()):
            raise TargetRejected(message, "validation")

    def error_text(self) -> str:
        el = self.raw(self.t.errors)
        return " ".join(t.strip() for t in el.all_inner_texts() if t.strip()) if el.count() else ""

    def goto(self, path: str, *, check: bool = True) -> None:
        try:
            response = self.page.goto(path)
        except PlaywrightError as exc:
            raise TargetUnavailable(f"navigation failed: {type(exc).__name__}") from None
        if check:
            self.after_load(response)
        elif response is not None and response.status >= 500:
            raise TargetUnavailable(f"target answered HTTP {response.status}")

    def click(self, loc: Loc, screen: str, *, navigates: bool = True, within: Locator | None = None,
              check: bool = True) -> None:
        el = self.locate(loc, screen, within=within)
        if not navigates:
            el.click()
            return
        try:
            with self.page.expect_navigation() as nav:
                el.click()
            response = nav.value
        except PlaywrightError as exc:
            raise TargetUnavailable(f"{loc.describe()} failed: {type(exc).__name__}") from None
        if check:
            self.after_load(response)
        elif response is not None and response.status >= 500:
            raise TargetUnavailable(f"target answered HTTP {response.status}")

    def reload(self) -> None:
        try:
            response = self.page.reload()
        except PlaywrightError as exc:
            raise TargetUnavailable(f"reload failed: {type(exc).__name__}") from None
        self.after_load(response)

    def read(self, loc: Loc, screen: str) -> Any:
        return self.locate(loc, screen).evaluate(_READ_JS)

    # --- steps ------------------------------------------------------------------------------
    def run_steps(self, steps: list[Step], values: dict[str, Any], screen: str, *,
                  before_save: Callable[[], None] | None = None, checking: bool = False) -> bool:
        """Run ``steps``; returns False when ``checking`` stopped before the save step."""
        for step in steps:
            if step.when and values.get(step.when) in (None, ""):
                continue
            if step.save:
                if checking:
                    self.locate(step.click or Loc(role="button"), screen)
                    return False
                if before_save is not None:
                    before_save()
            try:
                self.step(step, values, screen, checking)
            except TargetConfigError:
                if not checking or (step.action == "click" and step.navigates) or step.action == "goto":
                    raise
                # checking: list every miss of this screen, carry on to the next field
        return True

    def value(self, step: Step, values: dict[str, Any]) -> Any:
        try:
            return evaluate(values, step.value, step.const, step.map)
        except ValueErrorJa as exc:
            raise TargetRejected(f"「{exc.field_name}」の値を画面の形式（{exc.transform}）にできません。",
                                 "value_transform") from None

    def step(self, step: Step, values: dict[str, Any], screen: str, checking: bool = False) -> None:
        act = step.action
        if act == "goto":
            self.goto(str(step.goto))
        elif act == "adapter":
            adapter = self._adapters.get(str(step.adapter))
            if adapter is None:
                try:
                    adapter = load_adapter(str(step.adapter), self.base_dir)
                except (AdapterError, ImportError, SyntaxError, TypeError) as exc:
                    raise TargetConfigError(screen, f"アダプタ「{step.adapter}」",
                                            f"を読み込めません（{type(exc).__name__}）") from None
                self._adapters[str(step.adapter)] = adapter
            adapter.run(StepContext(self.page, self, screen, values, dict(step.args), checking))
        elif act == "click":
            self.click(step.click, screen, navigates=step.navigates)  # type: ignore[arg-type]
        elif act == "wait_for":
            self.locate(step.wait_for, screen, single=False)  # type: ignore[arg-type]
        else:
            el = self.locate(step.target, screen)  # type: ignore[arg-type]
            v = self.value(step, values)
            if act == "fill":
                el.fill("" if v is None else str(v))
            elif act == "check":
                el.set_checked(bool(v))
            elif act == "select":
                self._select(el, step, v, screen)
            elif act == "choose":
                self._choose(el, step, v, screen)

    def _select(self, el: Locator, step: Step, v: Any, screen: str) -> None:
        if v is None:
            return
        options = [o.strip() for o in el.locator("option").all_inner_texts()]
        self.note(screen, f"{step.target.describe()}の選択肢「{v}」", str(v) in options)  # type: ignore[union-attr]
        if str(v) not in options:
            raise TargetConfigError(screen, f"{step.target.describe()}の選択肢「{v}」",  # type: ignore[union-attr]
                                    log_what=f"{step.target.describe()}の選択肢")  # type: ignore[union-attr]
        el.select_option(label=str(v))

    def _choose(self, el: Locator, step: Step, v: Any, screen: str) -> None:
        """Autocomplete: type the value, wait for the site's option named like it, pick it."""
        if v is None:
            return
        el.fill(str(v))
        option = step.option or Loc(role="option", name=str(v))
        shown = self.raw(option).filter(visible=True)  # not a <select>'s options elsewhere on the page
        what = step.target.describe()  # type: ignore[union-attr]
        try:
            shown.first.wait_for(state="visible", timeout=self.locate_ms)
        except PlaywrightTimeout:
            if self._widget_works(el, step, str(v)):  # the widget offers candidates: our value is the problem
                raise TargetRejected(f"{what}の候補に該当がありません。", "no_candidate") from None
            self.note(screen, f"{what}の候補一覧", False)
            raise TargetConfigError(screen, f"{what}の候補一覧") from None
        self.note(screen, f"{what}の候補", True)
        self.proven.add(what)
        shown.first.click()

    def _widget_works(self, el: Locator, step: Step, v: str) -> bool:
        """Does the autocomplete offer anything? Proven earlier in this run, or for the step's
        ``probe`` text, or for the value's first character."""
        if step.target is not None and step.target.describe() in self.proven and self.checklist is None:
            return True
        opt = step.option
        any_option = (self.page.get_by_role(opt.role) if opt and opt.role  # type: ignore[arg-type]
                      else self.raw(opt) if opt else self.page.get_by_role("option"))
        for probe in [p for p in (step.probe, v[:1]) if p]:
            el.fill(probe)
            try:
                any_option.filter(visible=True).first.wait_for(timeout=self.locate_ms)
                return True
            except PlaywrightTimeout:
                continue
        return False

    # --- screens ----------------------------------------------------------------------------
    def login(self, creds: Credentials) -> None:
        lg = self.t.login
        self.goto(lg.path, check=False)
        self.locate(lg.user, lg.screen).fill(creds.user)
        self.locate(lg.password, lg.screen).fill(creds.password)
        self.click(lg.submit, lg.screen, check=False)
        if self.present(self.t.session_lost):
            raise LoginRefused("the target refused the login (check the configured credentials)")

    def record_id(self) -> str:
        rid = self.t.record_id
        if rid.url:
            m = re.search(rid.url, self.page.url)
            if m is None:
                raise TargetUnavailable("no record id in the URL after saving")
            return m.group(1) if m.groups() else m.group(0)
        text = str(self.read(rid.read, "保存後の画面")).strip()  # type: ignore[arg-type]
        if not re.fullmatch(rid.pattern, text):
            raise TargetUnavailable("no record id on the screen after saving")
        return text

    def read_back(self) -> dict[str, Any]:
        rb = self.t.readback
        return {f.read.describe(): self.read(f.read, rb.screen) for f in rb.fields}
