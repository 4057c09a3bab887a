"""Browser sessions for bots: Debian Chromium through Playwright, evidence kept on failure.

``BotSession`` owns one Playwright browser context (one login session on the target).
``scope(name)`` wraps the work on one record: a trace chunk is recorded while it runs
and, if it raises, a screenshot and the trace are written to ``failures_dir`` (named by
``name``: ids only, never personal data) before the exception goes on.
The browser is Debian's ``/usr/bin/chromium``; Playwright's own browser builds are not used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

log = logging.getLogger(__name__)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]


def _launch(p: Playwright, headless: bool) -> Browser:
    return p.chromium.launch(executable_path=CHROMIUM, headless=headless, args=CHROMIUM_ARGS)


@contextmanager
def launch_browser(headless: bool = True) -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = _launch(p, headless)
        try:
            yield browser
        finally:
            browser.close()


class BotSession:
    def __init__(self, base_url: str, failures_dir: Path, *, headless: bool = True, timeout_ms: int = 10000,
                 trace: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.failures_dir = Path(failures_dir)
        self.headless, self.timeout_ms, self.trace = headless, timeout_ms, trace
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._page: Page | None = None
        self.failures: list[Path] = []

    def __enter__(self) -> BotSession:
        self._pw = sync_playwright().start()
        try:
            self._browser = _launch(self._pw, self.headless)
            self.new_context()
        except BaseException:
            self._pw.stop()
            raise
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            if self._pw is not None:
                self._pw.stop()

    @property
    def page(self) -> Page:
        if self._page is None:
            raise RuntimeError("BotSession used outside its with-block")
        return self._page

    def new_context(self) -> Page:
        """A fresh browser context (no cookies): used after a lost session or a crash of the page."""
        assert self._browser is not None
        if self._context is not None:
            try:
                self._context.close()
            except Exception:  # the old context may already be gone
                log.debug("closing the old browser context failed", exc_info=True)
        self._context = self._browser.new_context(base_url=self.base_url, locale="ja-JP",
                                                  viewport={"width": 1100, "height": 900})
        self._context.set_default_timeout(self.timeout_ms)
        self._context.set_default_navigation_timeout(self.timeout_ms)
        if self.trace:
            self._context.tracing.start(screenshots=True, snapshots=True)
        self._page = self._context.new_page()
        return self._page

    def screenshot(self) -> bytes:
        return self.page.screenshot(full_page=True)

    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        """Work on one record; on failure keep ``<name>-<time>.png`` and ``.trace.zip``."""
        assert self._context is not None
        if self.trace:
            self._context.tracing.start_chunk()
        try:
            yield
        except BaseException:
            self._keep_failure(name)
            raise
        else:
            if self.trace:
                self._context.tracing.stop_chunk()

    def _keep_failure(self, name: str) -> None:
        self.failures_dir.mkdir(parents=True, exist_ok=True)
        stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns() % 10**6:06d}"
        stem = self.failures_dir / f"{name}-{stamp}"
        try:
            self.page.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
            self.failures.append(stem.with_suffix(".png"))
        except Exception:
            log.warning("could not take a failure screenshot for %s", name)
        if self.trace and self._context is not None:
            try:
                self._context.tracing.stop_chunk(path=str(stem.with_suffix(".trace.zip")))
                self.failures.append(stem.with_suffix(".trace.zip"))
            except Exception:
                log.warning("could not save the trace for %s", name)
