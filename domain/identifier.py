"""A form's own printed code as its identifier (``identifier:`` in template.yaml).

Many third-party forms carry a QR code or barcode of their own (a survey service's
sheet id, a city's form number). A template may declare it::

    identifier:
      kind: qr                                   # qr | barcode (EAN-13/8, UPC)
      pattern: "^SURVEY-2026-P(?P<page>[0-9]+)$"  # regular expression, searched in the text

A page whose code matches is that template (the named ``page`` group, when there is
one, is its page number; else its print chooses among the template's pages). A code
matching no template's pattern is print like any other. Errors are in Japanese: an
admin writes this in the template file or the editor.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CodeKind = Literal["qr", "barcode"]
# What yomitori prints itself: a template must not claim our own codes as its identifier.
RESERVED_SAMPLES = ("yomitori:citizen_survey:1:1", "yomitori:separator:1")  # domain.envelope
KIND_NAMES = {"qr": "QRコード", "barcode": "バーコード"}


class CodeIdentifier(BaseModel):
    """A QR code or barcode the form prints, and the pattern its text follows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: CodeKind = "qr"
    pattern: str = Field(max_length=200)

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, v: Any) -> Any:
        if v not in KIND_NAMES:
            raise ValueError("識別コードの種類 kind は qr（QRコード）か barcode（バーコード）です"
                             f"（'{v}' は使えません）")
        return v

    @field_validator("pattern", mode="before")
    @classmethod
    def _compiles(cls, v: Any) -> Any:
        if not isinstance(v, str) or not v.strip():
            raise ValueError("識別コードの pattern（コードの文字列が従う正規表現）を書いてください")
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"識別コードの pattern が正規表現として正しくありません（{exc.msg}、"
                             f"{(exc.pos or 0) + 1} 文字目）") from None
        return v

    @model_validator(mode="after")
    def _specific(self) -> CodeIdentifier:
        rx = re.compile(self.pattern)
        if rx.search("") is not None or rx.search("X") is not None:
            raise ValueError("識別コードの pattern がどんなコードにも一致してしまいます。"
                             "フォームのコードに固有の文字列（例: ^SURVEY-2026-）を書いてください")
        if any(rx.search(s) for s in RESERVED_SAMPLES):
            raise ValueError("識別コードの pattern が yomitori 自身の QRコード・区切り用紙に一致します。"
                             "フォーム独自のコードの形を書いてください")
        return self

    def match(self, kind: str, text: str) -> int | None:
        """The page number the code names (0: any page of the form), or None when it is not ours."""
        if kind != self.kind:
            return None
        m = re.search(self.pattern, text.strip())
        if m is None:
            return None
        page = m.groupdict().get("page")
        if page is None:
            return 0
        return int(page) if page.isdigit() else None  # a page group that caught no number

