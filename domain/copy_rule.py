"""Which ID copies a form's envelope must hold: the template's ``required_copies`` (pure).

Declared in ``template.yaml``; a template without it never makes an envelope 書類不備::

    required_copies:          # 要件名: 写しの組み合わせ（どれか一組があればよい）
      個人番号確認:
        - [mynumber_back]     # マイナンバーカード裏面
        - [notification]      # 通知カード
        - [juminhyo]          # 住民票の写し（個人番号入り）
      身元確認:
        - [mynumber_front]
        - [license]
        - [passport]

Every requirement must be met. A requirement is met by any one of its alternatives, and
an alternative by all of its kinds together (``[notification, license]``: both). The
kinds are the codes of :class:`domain.id_copy.CopyKind` (``other`` and ``blank`` are
evidence of nothing and are refused). Errors are in Japanese: template authors read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

from domain.id_copy import COPY_KIND_JA, CopyKind

NOT_EVIDENCE = frozenset({CopyKind.OTHER, CopyKind.BLANK})
MAX_NAME = 40


class CopyRequirement(BaseModel):
    """One requirement (e.g. 個人番号確認): any one alternative, all kinds of it together."""

    model_config = ConfigDict(frozen=True)
    name: str
    any_of: tuple[tuple[CopyKind, ...], ...]

    def met_by(self, kinds: frozenset[CopyKind]) -> bool:
        return any(set(alt) <= kinds for alt in self.any_of)

    @property
    def kinds(self) -> frozenset[CopyKind]:
        return frozenset(k for alt in self.any_of for k in alt)

    @property
    def missing_ja(self) -> str:
        """「個人番号確認書類（マイナンバーカード（裏面）・通知カード・住民票の写し）がありません」."""
        alts = "・".join("＋".join(COPY_KIND_JA[k] for k in alt) for alt in self.any_of)
        return f"{self.name}書類（{alts}）がありません"


def _kind(name: str, code: Any) -> CopyKind:
    usable = ", ".join(k.value for k in CopyKind if k not in NOT_EVIDENCE)
    try:
        kind = CopyKind(str(code))
    except ValueError:
        raise ValueError(f"必要書類 '{name}': '{code}' は書類の種類ではありません（使えるもの: {usable}）"
                         ) from None
    if kind in NOT_EVIDENCE:
        raise ValueError(f"必要書類 '{name}': '{kind.value}' は本人確認の書類になりません"
                         f"（使えるもの: {usable}）")
    return kind


def _requirement(name: Any, alternatives: Any) -> CopyRequirement:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise ValueError(f"必要書類の要件名が正しくありません（{MAX_NAME}文字以内の文字列にしてください）")
    if not isinstance(alternatives, list) or not alternatives:
        raise ValueError(f"必要書類 '{name}': 写しの組み合わせを1つ以上、リストで書いてください"
                         "（例: [[mynumber_back], [notification]]）")
    alts: list[tuple[CopyKind, ...]] = []
    for alt in alternatives:
        if not isinstance(alt, list) or not alt:
            raise ValueError(f"必要書類 '{name}': 組み合わせは書類の種類のリストです"
                             "（例: [notification, license]）")
        kinds = tuple(dict.fromkeys(_kind(name, code) for code in alt))
        if kinds not in alts:
            alts.append(kinds)
    return CopyRequirement(name=name.strip(), any_of=tuple(alts))


class CopyRule(BaseModel):
    """Every requirement must be met (see module doc). Loads from and dumps to the YAML shape."""

    model_config = ConfigDict(frozen=True)
    requirements: tuple[CopyRequirement, ...]

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        # built in code (``CopyRule(requirements=(CopyRequirement(...), ...))``), not YAML: a
        # YAML requirement may itself be called "requirements" (its value is a list of lists)
        if isinstance(data, CopyRule) or (
                isinstance(data, dict) and set(data) == {"requirements"}
                and isinstance(data["requirements"], (list, tuple)) and data["requirements"]
                and all(isinstance(r, CopyRequirement) for r in data["requirements"])):
            return data
        if not isinstance(data, Mapping) or not data:
            raise ValueError("required_copies は「要件名: 写しの組み合わせのリスト」の形で"
                             "1つ以上書いてください")
        return {"requirements": tuple(_requirement(n, alts) for n, alts in data.items())}

    @model_serializer
    def _to_yaml(self) -> dict[str, list[list[str]]]:
        return {r.name: [[k.value for k in alt] for alt in r.any_of] for r in self.requirements}

    @property
    def kinds(self) -> frozenset[CopyKind]:
        return frozenset(k for r in self.requirements for k in r.kinds)
