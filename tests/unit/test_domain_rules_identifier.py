"""Rules of domain/identifier.py: a form's own QR code / barcode as its identifier.

Pure-domain (``domain``, pydantic's error type and pytest) so it runs under ``make mutate``.
From the module doc: the kind is qr or barcode; the pattern is a regular expression that
must compile, be specific (match neither an empty code nor "X") and not claim yomitori's
own codes; a matching code names its page through a ``page`` group (0: any page). The
Japanese errors are what an admin reads, so they are checked word for word.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.identifier import CodeIdentifier

SURVEY = "^SURVEY-2026-P(?P<page>[0-9]+)$"


def error_of(**data: Any) -> str:
    with pytest.raises(ValidationError) as info:
        CodeIdentifier.model_validate(data)
    errors = info.value.errors()
    assert len(errors) == 1
    return str(errors[0]["msg"]).removeprefix("Value error, ")


def test_rule_a_qr_code_is_the_default_kind_and_barcode_the_other() -> None:
    assert CodeIdentifier(pattern=SURVEY).kind == "qr"
    assert CodeIdentifier(kind="barcode", pattern="^4901234").kind == "barcode"


@pytest.mark.parametrize("kind", ["QR", "datamatrix", "", None])
def test_rule_an_unknown_code_kind_is_refused(kind: Any) -> None:
    assert error_of(kind=kind, pattern=SURVEY) == \
        f"識別コードの種類 kind は qr（QRコード）か barcode（バーコード）です（'{kind}' は使えません）"


@pytest.mark.parametrize("pattern", ["", "   ", None, 5])
def test_rule_a_pattern_must_be_written(pattern: Any) -> None:
    assert error_of(pattern=pattern) == "識別コードの pattern（コードの文字列が従う正規表現）を書いてください"


@pytest.mark.parametrize(("pattern", "why", "at"), [
    ("^SURVEY-(", "missing ), unterminated subpattern", 9),
    ("^SURVEY[", "unterminated character set", 8),
])
def test_rule_a_pattern_that_does_not_compile_is_refused_with_its_position(
        pattern: str, why: str, at: int) -> None:
    assert error_of(pattern=pattern) == \
        f"識別コードの pattern が正規表現として正しくありません（{why}、{at} 文字目）"


def test_rule_a_pattern_may_be_200_characters_long_and_no_longer() -> None:
    assert CodeIdentifier(pattern="^S" + "A" * 198).pattern == "^S" + "A" * 198
    with pytest.raises(ValidationError):
        CodeIdentifier(pattern="^S" + "A" * 199)


@pytest.mark.parametrize("pattern", [".*", "X", "x?", "^.{0,3}$"])
def test_rule_a_pattern_matching_any_code_is_refused(pattern: str) -> None:
    assert error_of(pattern=pattern) == (
        "識別コードの pattern がどんなコードにも一致してしまいます。"
        "フォームのコードに固有の文字列（例: ^SURVEY-2026-）を書いてください")


@pytest.mark.parametrize("pattern", ["yomitori", "^yomitori:citizen_survey", "separator:1$", "survey:1:1"])
def test_rule_a_pattern_must_not_claim_yomitoris_own_codes(pattern: str) -> None:
    assert error_of(pattern=pattern) == (
        "識別コードの pattern が yomitori 自身の QRコード・区切り用紙に一致します。"
        "フォーム独自のコードの形を書いてください")


def test_rule_unknown_settings_are_refused_and_the_identifier_is_frozen() -> None:
    with pytest.raises(ValidationError):
        CodeIdentifier.model_validate({"pattern": SURVEY, "pages": 2})
    ident = CodeIdentifier(pattern=SURVEY)
    with pytest.raises(ValidationError):
        ident.pattern = "^OTHER"  # type: ignore[misc]


def test_rule_a_matching_code_names_its_page() -> None:
    ident = CodeIdentifier(pattern=SURVEY)
    assert ident.match("qr", "SURVEY-2026-P2") == 2
    assert ident.match("qr", "  SURVEY-2026-P12\n") == 12  # surrounding space is not part of the code
    assert ident.match("qr", "SURVEY-2026-P0") == 0


def test_rule_a_code_of_another_kind_or_shape_is_not_ours() -> None:
    ident = CodeIdentifier(pattern=SURVEY)
    assert ident.match("barcode", "SURVEY-2026-P2") is None
    assert ident.match("qr", "SURVEY-2025-P2") is None
    assert ident.match("qr", "<script>SURVEY-2026-P2</script>") is None


def test_rule_a_pattern_without_a_page_group_names_any_page() -> None:
    assert CodeIdentifier(kind="barcode", pattern="^4901234").match("barcode", "4901234567894") == 0


def test_rule_a_page_group_that_caught_no_number_names_no_page() -> None:
    ident = CodeIdentifier(pattern="^SURVEY-(?P<page>[A-Z]+)$")
    assert ident.match("qr", "SURVEY-B") is None
    optional = CodeIdentifier(pattern="^SURVEY-P(?P<page>[0-9]+)?$")
    assert optional.match("qr", "SURVEY-P") == 0  # the group did not take part: any page
    assert optional.match("qr", "SURVEY-P3") == 3
