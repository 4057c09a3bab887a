"""The ID copies each form's envelope must hold, from the templates on disk (domain.copy_rule)."""

from __future__ import annotations

from pathlib import Path

from domain.completeness import rules_of
from domain.copy_rule import CopyRule
from forms.loader import load_templates


def load_copy_rules(directory: Path | None = None) -> dict[str, CopyRule]:
    """Template id → its ``required_copies``; templates that declare none are left out."""
    return rules_of(load_templates(directory).values())
