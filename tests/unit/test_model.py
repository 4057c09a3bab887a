"""Domain model rules not covered by the template files themselves."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.model import Box, ChoiceOption, FieldSpec
from domain.status import FieldKind

OPTS = [ChoiceOption(value=v, label=v[0], box=Box(x=10 * i, y=0, w=8, h=8))
        for i, v in enumerate(["昭和", "平成", "令和"])]


def test_circled_choice_is_explicit_in_the_template() -> None:
    era = FieldSpec(id="birth_era", label="元号", kind=FieldKind.CHOICE, box=Box(x=0, y=0, w=40, h=8),
                    options=OPTS, mark_style="circle")
    assert era.is_circled_choice
    boxed = era.model_copy(update={"mark_style": "box"})
    assert not boxed.is_circled_choice  # the id suffix alone decides nothing


def test_circle_style_needs_options() -> None:
    with pytest.raises(ValidationError):
        FieldSpec(id="name", label="氏名", kind=FieldKind.TEXT, box=Box(x=0, y=0, w=40, h=8),
                  mark_style="circle")


def test_choice_needs_two_unique_options() -> None:
    with pytest.raises(ValidationError):
        FieldSpec(id="q", label="問", kind=FieldKind.CHOICE, box=Box(x=0, y=0, w=40, h=8),
                  options=OPTS[:1])
    with pytest.raises(ValidationError):
        FieldSpec(id="q", label="問", kind=FieldKind.CHOICE, box=Box(x=0, y=0, w=40, h=8),
                  options=[OPTS[0], OPTS[0]])
