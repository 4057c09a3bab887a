"""The four failure classes of a bot run, decided where the site is touched.

* :class:`TargetConfigError` - a label, button, column or page the target file names cannot be
  found: the file does not fit the site. The run stops at once, exits non-zero, and the
  message names the screen and the label. It is never a business send-back and never retried.
* :class:`LoginRefused` - the site refused the credentials. The run stops (retrying a wrong
  password only locks the account).
* :class:`TargetRejected` - a BusinessError: the site's own validation message, or a look-up
  that cannot decide. The record goes back to a person with those words; the others go on.
* :class:`TargetUnavailable` / :class:`SessionLost` - ApplicationErrors (timeouts, HTTP 5xx,
  a lost session): retried with backoff and a fresh login, then the circuit breaker.
"""

from __future__ import annotations

from domain.errors import ApplicationError, BusinessError, YomitoriError


class TargetConfigError(YomitoriError):
    """The target file does not fit the site (screen + what is missing; no record values)."""

    def __init__(self, screen: str, what: str, detail_ja: str = "が見つかりません", *,
                 log_what: str | None = None) -> None:
        """``log_what``: ``what`` for the English log line when ``what`` quotes a record value."""
        self.screen, self.what = screen, what
        self.message_ja = f"画面定義の誤り: {screen}で{what}{detail_ja}。"
        shown = what if log_what is None else log_what
        super().__init__(f"target configuration error on screen {screen!r}: {shown!r} not found")


class LoginRefused(YomitoriError):
    """The target refused the login; the run stops."""

    message_ja = "ログインが拒否されました。利用者IDとパスワードの設定を確認してください。"


class TargetUnavailable(ApplicationError):
    """Timeout or HTTP 5xx from the target."""


class SessionLost(ApplicationError):
    """The target sent us back to its login screen."""


class TargetRejected(BusinessError):
    def __init__(self, message_ja: str, code: str = "target_rejected", record_id: str | None = None) -> None:
        super().__init__(f"target rejected the record ({code})", message_ja, code)
        self.record_id = record_id
