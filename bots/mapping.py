"""Declarative screen mapping (YAML next to the bot): domain field → screen label."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from domain.errors import TemplateError

TARGETS_DIR = Path(__file__).resolve().parent / "targets"
ENTRY_FIELDS = ("full_name", "full_name_kana", "address", "phone", "birth_date", "my_number", "submitted_on")
KEY_FIELDS = ("receipt_no", "donor_name", "donation_date", "amount")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoginScreen(_Strict):
    path: str
    heading: str
    user: str
    password: str
    submit: str


class SearchScreen(_Strict):
    path: str
    receipt_no: str
    donor_name: str
    donation_date: str
    amount: str
    submit: str
    results: str
    new_link: str


class TargetMapping(_Strict):
    target: str
    title: str = ""
    login: LoginScreen
    search: SearchScreen
    fields: dict[str, str]
    confirm_button: str
    save_button: str
    record_id_label: str
    record_id_pattern: str

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(ENTRY_FIELDS))
        missing = sorted(set(ENTRY_FIELDS) - set(v))
        if unknown or missing:
            raise ValueError(f"unknown fields {unknown}, missing fields {missing}")
        return v


def load_mapping(name_or_path: str | Path = "sandbox") -> TargetMapping:
    """``bots/targets/<name>.yaml`` (or a path to a YAML file)."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = TARGETS_DIR / f"{name_or_path}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return TargetMapping.model_validate(data)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise TemplateError(f"{path}: {exc}", f"画面定義ファイルに誤りがあります: {path.name}") from exc
