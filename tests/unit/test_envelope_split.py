"""Envelopes in a stack scan: the split rule on scripted page readings (domain.envelope)."""

from __future__ import annotations

import pytest

from domain.envelope import Envelope, check_partition, split_envelopes
from domain.status import PageStatus

from stacks import form, other, scripted_stack  # isort: skip

P = PageStatus


@pytest.mark.parametrize("separators", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fifty_envelope_stack_splits_exactly(seed: int, separators: bool) -> None:
    pages, truth = scripted_stack(seed, 50, separators)
    assert split_envelopes(pages) == truth


def test_one_envelope_file_is_one_group() -> None:
    pages = [form(0), other(1), other(2, P.BLANK)]
    assert split_envelopes(pages) == [Envelope(0, 2)]
    assert split_envelopes([form(0)]) == [Envelope(0, 0)]
    assert split_envelopes([other(0), other(1)]) == [Envelope(0, 1)]


def test_copies_before_the_first_form_join_the_first_envelope() -> None:
    pages = [other(0), form(1), other(2), form(3), other(4)]
    assert split_envelopes(pages) == [Envelope(0, 2), Envelope(3, 4)]


def test_second_page_continues_a_two_page_form_but_a_repeat_starts_a_new_envelope() -> None:
    pages = [form(0, "s", 1), other(1, P.BLANK), form(2, "s", 2), other(3),
             form(4, "s", 2),  # page 2 again: page 1 of the next envelope went missing
             form(5, "t", 1), form(6, "t", 1, version=2)]
    assert split_envelopes(pages) == [Envelope(0, 3), Envelope(4, 4), Envelope(5, 5), Envelope(6, 6)]


def test_separator_splits_even_without_a_form_and_a_trailing_one_joins_the_last() -> None:
    S = P.SEPARATOR
    pages = [other(0, S), form(1), other(2), other(3, S), other(4), other(5), other(6, S),
             form(7), other(8, S)]
    # the middle envelope has no form: its own document (a person sees "no form read")
    assert split_envelopes(pages) == [Envelope(0, 2), Envelope(3, 5), Envelope(6, 8)]
    # a form and a second form inside one separator segment still split (a missed separator)
    assert split_envelopes([other(0, S), form(1), form(2), other(3)]) == [Envelope(0, 1), Envelope(2, 3)]


def test_pages_arrive_in_any_order_and_are_grouped_by_index() -> None:
    pages = [other(2), form(0), form(3), other(1)]
    assert split_envelopes(pages) == [Envelope(0, 2), Envelope(3, 3)]


def test_check_partition_refuses_gaps_and_overlaps() -> None:
    check_partition([Envelope(0, 1), Envelope(2, 2)], [0, 1, 2])
    with pytest.raises(ValueError):
        check_partition([Envelope(0, 0), Envelope(2, 2)], [0, 1, 2])
    with pytest.raises(ValueError):
        check_partition([Envelope(0, 1), Envelope(1, 2)], [0, 1, 2])


def test_read_command_lists_the_envelopes_of_a_stack_only() -> None:
    from pathlib import Path

    from domain.model import DocumentReading
    from services.reading import render_text

    stack = DocumentReading(source="s.pdf", pages=[form(0), other(1), other(2, P.SEPARATOR), form(3)])
    assert "封筒: 1) p1-p2、2) p3-p4" in render_text(Path("s.pdf"), stack, None)
    single = DocumentReading(source="o.pdf", pages=[form(0), other(1)])
    assert "封筒" not in render_text(Path("o.pdf"), single, None)
