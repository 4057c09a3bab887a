from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.mynumber import (
    MASK,
    WEIGHTS,
    check_digit,
    is_valid_my_number,
    make_my_number,
    mask_my_number,
)
from domain.normalize import normalize_my_number
from domain.status import IssueCode

EXAMPLE = "123456789018"
bodies = st.text(alphabet="0123456789", min_size=11, max_size=11)


def test_reference_example() -> None:
    assert check_digit("12345678901") == 8
    assert is_valid_my_number(EXAMPLE)
    assert make_my_number("12345678901") == EXAMPLE


def test_weights_match_reference_formula() -> None:
    # Q(n) = n+1 for n<=6, n-5 for n>=7, n counted from the right of the body
    from_right = [n + 1 if n <= 6 else n - 5 for n in range(1, 12)]
    assert tuple(reversed(from_right)) == WEIGHTS


@pytest.mark.parametrize("position", range(12))
@pytest.mark.parametrize("delta", range(1, 10))
def test_every_single_digit_change_of_example_is_invalid(position: int, delta: int) -> None:
    digits = list(EXAMPLE)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not is_valid_my_number("".join(digits))


@pytest.mark.parametrize(
    "body,expected",
    [("00000000000", 0), ("00000000001", 9), ("00000000010", 8), ("10000000000", 5)],
)
def test_check_digit_small_cases(body: str, expected: int) -> None:
    assert check_digit(body) == expected


def test_check_digit_r_le_1_gives_zero() -> None:
    # r = 1: weight 6 * 2 = 12 -> r = 1
    assert check_digit("20000000000") == 0
    # r = 0
    assert check_digit("00000000000") == 0


@pytest.mark.parametrize(
    "bad", ["", "1234567890", "123456789012", "1234567890a", "１２３４５６７８９０１"]
)
def test_check_digit_rejects_non_body(bad: str) -> None:
    with pytest.raises(ValueError) as err:
        check_digit(bad)
    assert bad == "" or bad not in str(err.value)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12345678901",
        "1234567890180",
        "12345678901a",
        "１２３４５６７８９０１８",
        "1234 5678 9018",
    ],
)
def test_is_valid_rejects_non_canonical(bad: str) -> None:
    assert not is_valid_my_number(bad)


@given(bodies)
def test_make_is_always_valid(body: str) -> None:
    number = make_my_number(body)
    assert len(number) == 12
    assert number.startswith(body)
    assert is_valid_my_number(number)


@given(bodies, st.integers(0, 10), st.integers(1, 9))
def test_single_digit_change_detected(body: str, position: int, delta: int) -> None:
    """A changed body digit is caught unless the sums before and after both give r<=1."""
    number = make_my_number(body)
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    r_old = sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11
    r_new = sum(int(c) * w for c, w in zip(changed[:11], WEIGHTS, strict=True)) % 11
    if r_old <= 1 and r_new <= 1:
        assert is_valid_my_number(changed)
    else:
        assert not is_valid_my_number(changed)


@given(bodies, st.integers(1, 9))
def test_changed_check_digit_always_invalid(body: str, delta: int) -> None:
    number = make_my_number(body)
    changed = number[:11] + str((int(number[11]) + delta) % 10)
    assert not is_valid_my_number(changed)


@given(st.text())
def test_is_valid_never_raises(text: str) -> None:
    assert isinstance(is_valid_my_number(text), bool)


@pytest.mark.parametrize("text", [EXAMPLE, "1234 5678 9018", "1234-5678-9018", "12345", "x"])
def test_mask_keeps_nothing(text: str) -> None:
    masked = mask_my_number(text)
    assert masked == MASK == "****-****-****"
    assert not re.search(r"[0-9]", masked)


@pytest.mark.parametrize("text", ["", "  ", "\u3000"])
def test_mask_blank_stays_blank(text: str) -> None:
    assert mask_my_number(text) == ""


@given(st.text())
def test_mask_never_leaks_digits(text: str) -> None:
    assert mask_my_number(text) in ("", MASK)


# normalize_my_number lives in domain.normalize; tested here with the other My Number rules.


@pytest.mark.parametrize(
    "raw",
    [EXAMPLE, "1234 5678 9018", "1234-5678-9018", "１２３４５６７８９０１８", " 1234－5678－9018 "],
)
def test_normalize_my_number_valid(raw: str) -> None:
    result = normalize_my_number(raw)
    assert result.ok
    assert result.value == EXAMPLE


def test_normalize_my_number_check_digit_mismatch_keeps_value() -> None:
    result = normalize_my_number("123456789017")
    assert result.value == "123456789017"
    assert [i.code for i in result.issues] == [IssueCode.CHECK_DIGIT_MISMATCH]
    assert result.issues[0].message == "個人番号のチェックデジットが一致しません"


@pytest.mark.parametrize(
    "raw,code",
    [
        ("12345678901", IssueCode.WRONG_LENGTH),
        ("1234567890180", IssueCode.WRONG_LENGTH),
        ("12345678901a", IssueCode.INVALID_CHARACTERS),
        ("", IssueCode.EMPTY),
        ("  - ", IssueCode.EMPTY),
    ],
)
def test_normalize_my_number_errors(raw: str, code: IssueCode) -> None:
    result = normalize_my_number(raw)
    assert result.value is None
    assert [i.code for i in result.issues] == [code]


@given(st.text(alphabet="0123456789 -", max_size=30))
def test_my_number_messages_never_contain_the_digits(raw: str) -> None:
    result = normalize_my_number(raw)
    for issue in result.issues:
        assert issue.message
        assert not re.search(r"[0-9０-９]{3,}", issue.message)
        digits = re.sub(r"[^0-9]", "", raw)
        if len(digits) >= 3:
            assert digits not in issue.message
