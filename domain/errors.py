"""The two error families, decided at the boundary (see DESIGN.md principle 4)."""

from __future__ import annotations


class YomitoriError(Exception):
    """Base class. Messages never contain personal data (names, My Numbers)."""


class BusinessError(YomitoriError):
    """Bad data: a person must look at it; retrying will not help.

    ``message_ja`` is what staff see; ``str(err)`` is the English log text.
    """

    def __init__(self, message: str, message_ja: str, code: str = "business") -> None:
        super().__init__(message)
        self.message_ja = message_ja
        self.code = code


class ApplicationError(YomitoriError):
    """Engine, site or timeout trouble: retried with backoff, then surfaced."""


class TemplateError(BusinessError):
    """A template file is broken; the message names the file, line and field."""

    def __init__(self, message: str, message_ja: str | None = None) -> None:
        super().__init__(message, message_ja or f"帳票定義に誤りがあります: {message}", "template")
