"""Start the ``enter`` deployment as soon as a confirmation completes a document.

With ``YOMITORI_REVIEW_START_ENTRY=true`` a confirmation that leaves a document
``reviewed`` (ready for entry) asks Prefect for a run of ``YOMITORI_ENTER_DEPLOYMENT``
(``enter/enter``), so the bot types it in now instead of at the scheduled 18:00 run.

* The reviewer never waits: the request only starts a background thread, which calls
  ``prefect.deployments.run_deployment(..., timeout=0)`` (create the run, do not wait).
* A failure (Prefect down, no API URL, deployment missing) is logged in English, with the
  error type only, and changes nothing: the confirmation is already saved and the
  document stays ``reviewed`` for the next run (the schedule still enters it).
* Debounce: at most one start per ``debounce_seconds`` (30 s). The ``enter`` deployment
  has a concurrency limit of 1 with ``collision_strategy: CANCEL_NEW`` (prefect.yaml):
  a run started while one is going is cancelled at once, so starting one per
  confirmation would only fill the run list with cancelled runs. A confirmation inside
  the window instead schedules one run at the end of the window (unless one is already
  scheduled); the flow reads every confirmed record when it starts, so that run also
  takes the documents confirmed meanwhile. A run that comes due while an earlier one is
  still typing is cancelled by Prefect: those documents wait for the next confirmation
  or the schedule.

The trigger is built with the app (``create_app``) and runs each start in a copy of the
``contextvars`` context of that moment: request handlers run in threads whose context
does not carry Prefect settings made current by the caller of ``create_app`` (e.g. a
temporary Prefect API in tests); they would fall back to the process-wide settings.
Without ``PREFECT_API_URL`` nothing is started (Prefect would otherwise start a
throw-away server inside the review app).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from config.settings import Settings
from domain.lifecycle import DocumentStatus

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 30.0

# start(deployment name, scheduled time or None for now) -> flow run id (for the log)
Starter = Callable[[str, datetime | None], object]


def prefect_start(deployment: str, when: datetime | None) -> object:
    """Create a flow run of ``deployment`` (now, or at ``when``) and return at once."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():  # never start a throw-away server inside the review app
        raise RuntimeError("PREFECT_API_URL is not set")
    run = run_deployment(name=deployment, timeout=0, scheduled_time=when, as_subflow=False,
                         tags=["review-app"])  # no event loop in this thread: the sync variant
    return getattr(run, "id", None)


class EntryTrigger:
    def __init__(self, deployment: str, *, enabled: bool, debounce_seconds: float = DEBOUNCE_SECONDS,
                 starter: Starter = prefect_start, clock: Callable[[], float] = time.monotonic) -> None:
        self.deployment = deployment
        self.enabled = enabled
        self.debounce = debounce_seconds
        self._starter = starter
        self._clock = clock
        self._lock = threading.Lock()
        self._last: float | None = None  # clock time of the last start (or of the scheduled one)
        self._threads: list[threading.Thread] = []
        self._context = contextvars.copy_context()
        self.started = 0  # runs created (now or scheduled)
        self.failed = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> EntryTrigger:
        return cls(settings.enter_deployment, enabled=settings.review_start_entry)

    def document_reviewed(self, document_id: int) -> bool:
        """Called after a confirmation completed ``document_id``; True if a start was requested."""
        if not self.enabled:
            return False
        now = self._clock()
        with self._lock:
            if self._last is None or now >= self._last + self.debounce:
                self._last, delay = now, 0.0
            elif self._last > now:
                log.info("document %d reviewed; entry run already scheduled", document_id)
                return False
            else:
                self._last = self._last + self.debounce
                delay = self._last - now
            self._threads = [t for t in self._threads if t.is_alive()]
            thread = threading.Thread(target=self._context.copy().run, args=(self._start, delay),
                                      name="entry-trigger", daemon=True)
            self._threads.append(thread)
            thread.start()
        log.info("document %d reviewed; entry run requested (in %.0f s)", document_id, delay)
        return True

    def _start(self, delay: float) -> None:
        when = datetime.now(UTC) + timedelta(seconds=delay) if delay > 0 else None
        try:
            run_id = self._starter(self.deployment, when)
        except Exception as exc:  # Prefect down, deployment missing: never the reviewer's problem
            with self._lock:
                self.failed += 1
            log.warning("could not start the entry deployment (%s); confirmed documents wait "
                        "for the next run", type(exc).__name__)
            return
        with self._lock:
            self.started += 1
        log.info("entry flow run %s created", run_id)

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the starts in flight (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))


def trigger_of(app: Any) -> EntryTrigger:
    """The app's trigger (``create_app`` builds it; otherwise built from the app's settings)."""
    trigger: EntryTrigger | None = getattr(app.state, "entry_trigger", None)
    if trigger is None:
        trigger = app.state.entry_trigger = EntryTrigger.from_settings(app.state.ctx.settings)
    return trigger


def after_confirmation(app: Any, document_id: int) -> None:
    """If the confirmation left the document ``reviewed``, request an entry run (never raises)."""
    trigger = trigger_of(app)
    if not trigger.enabled:
        return
    try:
        doc = app.state.ctx.repo.document(document_id)
        if doc is not None and doc.status == DocumentStatus.REVIEWED.value:
            trigger.document_reviewed(document_id)
    except Exception as exc:  # the confirmation is saved; starting entry is best effort
        log.warning("entry trigger failed after document %d (%s)", document_id, type(exc).__name__)
