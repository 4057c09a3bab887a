"""Page objects for a furusato-nozei back office, driven by a TargetMapping.

Locators are role/label based (``get_by_label(..., exact=True)``, ``get_by_role``), so a
changed element id or layout does not break them. Every navigation is checked: an HTTP
5xx is :class:`TargetUnavailable`, landing on the login screen is :class:`SessionLost`
(both ApplicationErrors: retry), a validation message on the page is a BusinessError
carrying the target's own (Japanese) text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response

from bots.credentials import Credentials
from bots.mapping import TargetMapping
from bots.records import EntryRecord
from domain.errors import ApplicationError, BusinessError


class TargetUnavailable(ApplicationError):
    """Timeout or HTTP 5xx from the target."""


class SessionLost(ApplicationError):
    """The target sent us back to its login screen."""


class LoginFailed(ApplicationError):
    """The target refused the credentials (not retried by re-login loops forever: breaker)."""


class TargetRejected(BusinessError):
    def __init__(self, message_ja: str, code: str = "target_rejected") -> None:
        super().__init__(f"target rejected the record ({code})", message_ja, code)


@dataclass(frozen=True)
class Match:
    row_index: int
    record_ids: list[str]


class Screen:
    def __init__(self, page: Page, m: TargetMapping) -> None:
        self.page, self.m = page, m

    def check(self, response: Response | None = None) -> None:
        if response is not None and response.status >= 500:
            raise TargetUnavailable(f"target answered HTTP {response.status}")
        if self.page.get_by_role("heading", name=self.m.login.heading, exact=True).count():
            raise SessionLost("target session expired or lost")

    def goto(self, path: str) -> None:
        try:
            response = self.page.goto(path)
        except PlaywrightError as exc:
            raise TargetUnavailable(f"navigation failed: {type(exc).__name__}") from None
        self.check(response)

    def click_and_check(self, role: str, name: str) -> None:
        try:
            with self.page.expect_navigation() as nav:
                self.page.get_by_role(role, name=name, exact=True).click()  # type: ignore[arg-type]
            response = nav.value
        except PlaywrightError as exc:
            raise TargetUnavailable(f"{role} '{name}' failed: {type(exc).__name__}") from None
        self.check(response)

    def alert_text(self) -> str:
        alerts = self.page.get_by_role("alert")
        return " ".join(t.strip() for t in alerts.all_inner_texts()) if alerts.count() else ""


class LoginScreen(Screen):
    def login(self, creds: Credentials) -> None:
        try:
            response = self.page.goto(self.m.login.path)
        except PlaywrightError as exc:
            raise TargetUnavailable(f"navigation failed: {type(exc).__name__}") from None
        if response is not None and response.status >= 500:
            raise TargetUnavailable(f"target answered HTTP {response.status} at login")
        self.page.get_by_label(self.m.login.user, exact=True).fill(creds.user)
        self.page.get_by_label(self.m.login.password, exact=True).fill(creds.password)
        try:
            with self.page.expect_navigation() as nav:
                self.page.get_by_role("button", name=self.m.login.submit, exact=True).click()
        except PlaywrightError as exc:
            raise TargetUnavailable(f"login failed: {type(exc).__name__}") from None
        response = nav.value
        if response is not None and response.status >= 500:
            raise TargetUnavailable(f"target answered HTTP {response.status} at login")
        if self.page.get_by_role("heading", name=self.m.login.heading, exact=True).count():
            raise LoginFailed("the target refused the login (check the configured credentials)")


class SearchScreen(Screen):
    def search(self, rec: EntryRecord) -> list[Match]:
        s = self.m.search
        params = ({"receipt_no": rec.receipt_no} if rec.receipt_no else
                  {"donor_name": rec.donor_name or "", "donation_date": rec.donation_date.isoformat()
                   if rec.donation_date else "", "amount": str(rec.amount or "")})
        # Fill the labelled search form like a clerk would (keeps working when ids change).
        self.goto(s.path)
        labels = {"receipt_no": s.receipt_no, "donor_name": s.donor_name, "donation_date": s.donation_date,
                  "amount": s.amount}
        for key, value in params.items():
            self.page.get_by_label(labels[key], exact=True).fill(value)
        self.click_and_check("button", s.submit)
        if self.alert_text():
            raise TargetRejected(self.alert_text(), "search_rejected")
        table = self.page.get_by_role("table", name=s.results)
        if not table.count():
            return []
        rows = table.get_by_role("row")
        pattern = re.compile(self.m.record_id_pattern)
        matches = []
        for i in range(1, rows.count()):  # row 0: header
            links = rows.nth(i).get_by_role("link").all_inner_texts()
            matches.append(Match(i, [t.strip() for t in links if pattern.fullmatch(t.strip())]))
        return matches

    def open_record(self, record_id: str) -> None:
        self.click_and_check("link", record_id)

    def open_new(self, match: Match) -> None:
        table = self.page.get_by_role("table", name=self.m.search.results)
        row = table.get_by_role("row").nth(match.row_index)
        try:
            with self.page.expect_navigation() as nav:
                row.get_by_role("link", name=self.m.search.new_link, exact=True).click()
        except PlaywrightError as exc:
            raise TargetUnavailable(f"open entry form failed: {type(exc).__name__}") from None
        self.check(nav.value)


class EntryScreen(Screen):
    def fill(self, values: dict[str, str]) -> None:
        for field, label in self.m.fields.items():
            self.page.get_by_label(label, exact=True).fill(values[field])

    def confirm(self) -> None:
        """Go to the confirmation step; the target's validation messages become a BusinessError."""
        self.click_and_check("button", self.m.confirm_button)
        if message := self.alert_text():
            raise TargetRejected(message, "validation")
        if not self.page.get_by_role("button", name=self.m.save_button, exact=True).count():
            raise TargetUnavailable("confirmation screen not shown")

    def save(self) -> str:
        """Press the save button; returns the record id the target announced."""
        self.click_and_check("button", self.m.save_button)
        if message := self.alert_text():
            raise TargetRejected(message, "validation")
        return DetailScreen(self.page, self.m).record_id()


class DetailScreen(Screen):
    def values(self) -> dict[str, str]:
        """Label → shown value of a record's detail screen (a description list)."""
        terms = [t.strip() for t in self.page.get_by_role("term").all_inner_texts()]
        defs = [d.strip() for d in self.page.get_by_role("definition").all_inner_texts()]
        if not terms or len(terms) != len(defs):
            raise TargetUnavailable("record detail screen not recognised")
        return dict(zip(terms, defs, strict=True))

    def record_id(self) -> str:
        rid = self.values().get(self.m.record_id_label, "")
        if not re.fullmatch(self.m.record_id_pattern, rid):
            raise TargetUnavailable("no record id on the detail screen")
        return rid

    def reload(self) -> None:
        try:
            response = self.page.reload()
        except PlaywrightError as exc:
            raise TargetUnavailable(f"reload failed: {type(exc).__name__}") from None
        self.check(response)

