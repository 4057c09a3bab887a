"""個人番号 (My Number): check digit, validation, synthesis and masking.

The check digit is computed over the 11-digit body with the weights
6,5,4,3,2,7,6,5,4,3,2 (left to right): ``r = sum mod 11``; the digit is 0 when
``r <= 1`` and ``11 - r`` otherwise. Example: ``12345678901`` -> 8, so
``123456789018`` is valid.

A My Number is specific personal information: nothing here logs it, and
:func:`mask_my_number` keeps none of its digits.
"""

from __future__ import annotations

import re

WEIGHTS: tuple[int, ...] = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
MASK = "****-****-****"

_BODY = re.compile(r"[0-9]{11}")
_NUMBER = re.compile(r"[0-9]{12}")


def check_digit(body11: str) -> int:
    """Check digit of an 11-digit ASCII body.

    Raises ``ValueError`` only for a programming error (the argument is not
    exactly 11 ASCII digits); callers validate user input first. The error
    text does not repeat the argument.
    """
    if not _BODY.fullmatch(body11):
        raise ValueError("check_digit() needs exactly 11 ASCII digits")
    r = sum(int(c) * w for c, w in zip(body11, WEIGHTS, strict=True)) % 11
    return 0 if r <= 1 else 11 - r


def is_valid_my_number(number: str) -> bool:
    """True if ``number`` is exactly 12 ASCII digits with a matching check digit.

    No clean-up is done (use ``domain.normalize.normalize_my_number`` for raw
    text); never raises.
    """
    if not isinstance(number, str) or not _NUMBER.fullmatch(number):
        return False
    return check_digit(number[:11]) == int(number[11])


def make_my_number(body11: str) -> str:
    """Append the check digit to an 11-digit body (used by the test-data synthesiser)."""
    return body11 + str(check_digit(body11))


def mask_my_number(text: str) -> str:
    """Mask a My Number for display or logs, keeping nothing of it.

    Any text that is not blank becomes the constant ``'****-****-****'``:
    neither digits nor the length of what was read are revealed (so a
    wrongly-read 11- or 13-digit value is masked the same way). Blank text
    (empty or whitespace only) returns ``''`` so an empty field stays visibly
    empty.
    """
    if not text or not text.strip():
        return ""
    return MASK
