"""Rules of domain/copy_rule.py: which ID copies an envelope must hold (``required_copies``).

Pure-domain (``domain``, pydantic's error type and pytest) so it runs under ``make mutate``.
From the module doc: every requirement must be met, a requirement by any one of its
alternatives, an alternative by all of its kinds together; ``other`` and ``blank`` are
evidence of nothing; errors are Japanese sentences a template author reads, so they are
checked word for word.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.copy_rule import MAX_NAME, CopyRequirement, CopyRule
from domain.id_copy import CopyKind

K = CopyKind
USABLE = "mynumber_front, mynumber_back, notification, license, passport, juminhyo"
YAML = {"個人番号確認": [["mynumber_back"], ["notification"], ["juminhyo"]],
        "身元確認": [["mynumber_front"], ["license"], ["passport"], ["notification", "license"]]}


def error_of(data: Any) -> str:
    with pytest.raises(ValidationError) as info:
        CopyRule.model_validate(data)
    errors = info.value.errors()
    assert len(errors) == 1
    return str(errors[0]["msg"]).removeprefix("Value error, ")


def test_rule_a_rule_loads_from_the_yaml_shape_and_dumps_back_to_it() -> None:
    rule = CopyRule.model_validate(YAML)
    assert [r.name for r in rule.requirements] == ["個人番号確認", "身元確認"]
    assert rule.requirements[0].any_of == ((K.MYNUMBER_BACK,), (K.NOTIFICATION,), (K.JUMINHYO,))
    assert rule.requirements[1].any_of[-1] == (K.NOTIFICATION, K.LICENSE)
    assert rule.model_dump() == YAML
    assert CopyRule.model_validate(rule) == rule  # an already built rule passes through
    assert CopyRule.model_validate({"requirements": list(rule.requirements)}) == rule


def test_rule_a_requirement_is_met_by_any_one_alternative_with_all_its_kinds() -> None:
    identity = CopyRule.model_validate(YAML).requirements[1]
    assert identity.met_by(frozenset({K.LICENSE}))
    assert identity.met_by(frozenset({K.PASSPORT, K.OTHER}))
    assert not identity.met_by(frozenset({K.NOTIFICATION}))  # 通知カード alone: needs a license with it
    assert not identity.met_by(frozenset({K.MYNUMBER_BACK, K.JUMINHYO}))
    assert not identity.met_by(frozenset())
    both = CopyRequirement(name="両方", any_of=((K.NOTIFICATION, K.LICENSE),))
    assert both.met_by(frozenset({K.NOTIFICATION, K.LICENSE}))
    assert not both.met_by(frozenset({K.LICENSE}))


def test_rule_the_kinds_of_a_rule_are_every_kind_any_alternative_names() -> None:
    rule = CopyRule.model_validate(YAML)
    assert rule.requirements[0].kinds == {K.MYNUMBER_BACK, K.NOTIFICATION, K.JUMINHYO}
    assert rule.kinds == {K.MYNUMBER_BACK, K.NOTIFICATION, K.JUMINHYO, K.MYNUMBER_FRONT, K.LICENSE,
                          K.PASSPORT}


def test_rule_a_missing_requirement_is_named_with_its_alternatives_in_japanese() -> None:
    rule = CopyRule.model_validate(YAML)
    assert rule.requirements[0].missing_ja == \
        "個人番号確認書類（マイナンバーカード（裏面）・通知カード・住民票の写し）がありません"
    assert rule.requirements[1].missing_ja == \
        "身元確認書類（マイナンバーカード（表面）・運転免許証・パスポート・通知カード＋運転免許証）がありません"


def test_rule_repeated_kinds_and_alternatives_are_kept_once_and_the_name_is_trimmed() -> None:
    rule = CopyRule.model_validate({" 身元確認 ": [["license", "license"], ["license"], ["passport"]]})
    assert rule.requirements[0].name == "身元確認"
    assert rule.requirements[0].any_of == ((K.LICENSE,), (K.PASSPORT,))


def test_rule_a_requirement_name_may_be_forty_characters_and_no_more() -> None:
    assert CopyRule.model_validate({"名" * MAX_NAME: [["license"]]}).requirements[0].name == "名" * 40
    assert error_of({"名" * (MAX_NAME + 1): [["license"]]}) == \
        "必要書類の要件名が正しくありません（40文字以内の文字列にしてください）"


@pytest.mark.parametrize("name", ["", "  ", 5])
def test_rule_a_requirement_needs_a_name(name: Any) -> None:
    assert error_of({name: [["license"]]}) == \
        "必要書類の要件名が正しくありません（40文字以内の文字列にしてください）"


@pytest.mark.parametrize("alternatives", [[], "license", {"license": 1}, None])
def test_rule_a_requirement_needs_a_list_of_alternatives(alternatives: Any) -> None:
    assert error_of({"身元確認": alternatives}) == \
        ("必要書類 '身元確認': 写しの組み合わせを1つ以上、リストで書いてください"
         "（例: [[mynumber_back], [notification]]）")


@pytest.mark.parametrize("alternative", [[], "license", None])
def test_rule_an_alternative_is_a_non_empty_list_of_kinds(alternative: Any) -> None:
    assert error_of({"身元確認": [["passport"], alternative]}) == \
        "必要書類 '身元確認': 組み合わせは書類の種類のリストです（例: [notification, license]）"


@pytest.mark.parametrize("code", ["drivers_license", "<script>", 3])
def test_rule_an_unknown_kind_is_refused_naming_the_usable_ones(code: Any) -> None:
    assert error_of({"身元確認": [[code]]}) == \
        f"必要書類 '身元確認': '{code}' は書類の種類ではありません（使えるもの: {USABLE}）"


@pytest.mark.parametrize("code", ["other", "blank"])
def test_rule_other_and_blank_pages_are_evidence_of_nothing(code: str) -> None:
    assert error_of({"身元確認": [["license"], [code]]}) == \
        f"必要書類 '身元確認': '{code}' は本人確認の書類になりません（使えるもの: {USABLE}）"


@pytest.mark.parametrize("data", [{}, [], "個人番号確認", None])
def test_rule_a_rule_needs_at_least_one_requirement_as_a_mapping(data: Any) -> None:
    assert error_of(data) == ("required_copies は「要件名: 写しの組み合わせのリスト」の形で"
                              "1つ以上書いてください")


def test_rule_a_requirement_may_be_named_requirements() -> None:
    """A YAML requirement called ``requirements`` is a requirement, not the model's own field."""
    rule = CopyRule.model_validate({"requirements": [["notification"], ["mynumber_back"]]})
    assert [r.name for r in rule.requirements] == ["requirements"]
    assert rule.requirements[0].any_of == ((K.NOTIFICATION,), (K.MYNUMBER_BACK,))
    built = CopyRule(requirements=rule.requirements)  # built in code, from requirement objects
    assert built == rule
