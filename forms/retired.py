"""Retired template versions: an old version that no longer identifies or reads new scans.

Older versions stay untouched on disk (documents keep the version they were read
with); which ones are retired is kept beside them in ``templates/<id>/retired.yaml``
(version, who, when). The loader gives a retired version ``status: retired``, and the
reader only identifies pages as ``active`` versions, so a retired version stops
competing in identification. The current version cannot be retired: save a new one
first.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from domain.errors import TemplateError
from forms.yaml_file import write_yaml_atomically

RETIRED_FILE = "retired.yaml"


def retired_versions(folder: Path) -> set[int]:
    """The versions retired in a template folder (empty when there is no list)."""
    path = folder / RETIRED_FILE
    if not path.is_file():
        return set()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path}: cannot read the retired versions: {exc}",
                            "運用停止した版の一覧を読めません") from exc
    entries = data.get("retired", []) if isinstance(data, dict) else []
    out: set[int] = set()
    for e in entries:
        v = e.get("version") if isinstance(e, dict) else None
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise TemplateError(f"{path}: a retired entry without a version number",
                                "運用停止した版の一覧に誤りがあります")
        out.add(v)
    return out


def retire(templates_dir: Path, template_id: str, version: int, actor: str, now: datetime) -> bool:
    """Retire ``version`` of ``template_id``; False when it already was. TemplateError when not allowed."""
    from forms.loader import load_template_versions

    folder = templates_dir / template_id
    versions = {v: t for (tid, v), t in load_template_versions(templates_dir).items() if tid == template_id}
    if version not in versions:
        raise TemplateError(f"template {template_id} has no version {version}",
                            f"第{version}版はありません")
    current = max(versions)
    if version == current:
        raise TemplateError(f"template {template_id}: the current version {version} cannot be retired",
                            "現在の版は運用停止できません（新しい版を保存してから古い版を停止してください）")
    done = retired_versions(folder)
    if version in done:
        return False
    path = folder / RETIRED_FILE
    data: dict[str, Any] = {"retired": []}
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {"retired": []}
    data.setdefault("retired", []).append({"version": version, "by": actor, "at": now.isoformat()})
    write_yaml_atomically(path, data)
    return True
