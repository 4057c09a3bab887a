"""Which editor actions made which template versions, so that the last ones can be undone.

Every editor action saves a new version (older ones stay untouched), and writes one line
to ``templates/<id>/edits.yaml``: the version it made, the version it started from,
the action's name, who and when. Undo never deletes anything either: it saves the
version the last action started from as the next version, and records that.

Undo works like a stack: replaying the journal, an action pushes, an undo pops, so
pressing 元に戻す again undoes the action before. A version saved some other way (the
editor's 保存 button) is not in the journal: nothing is undone across it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from authoring.edits import EditRefused
from domain.model import FormTemplate
from forms.yaml_file import write_yaml_atomically

JOURNAL_FILE = "edits.yaml"
ACTION_JA = {"title": "様式名の変更", "charset": "使える文字の変更", "mark_style": "印の形の変更",
             "reference": "参照画像の差し替え", "mask": "参照画像の一部を消す", "copy": "項目の複製",
             "merge_choice": "チェック欄を選択肢にまとめる", "merge_grid": "チェック欄をグリッドにまとめる",
             "undo": "元に戻す"}


@dataclass(frozen=True)
class Step:
    """An action that can be undone: it made ``version`` from ``base``."""

    version: int
    base: int
    action: str


def undo_step(entries: list[dict[str, Any]], current_version: int) -> Step:
    """The action that undo would take back now; EditRefused when there is none.

    ``entries`` are the journal's lines in order: ``{"version", "base", "action"}``, an
    undo being ``action: undo`` with ``base`` the version it restored.
    """
    stack: list[Step] = []
    same: dict[int, int] = {}  # a version made by undo → the version whose content it has
    for e in entries:
        version, base, action = e.get("version"), e.get("base"), e.get("action")
        if not isinstance(version, int) or not isinstance(base, int) or action not in ACTION_JA:
            raise EditRefused("edit journal entry malformed", "編集の記録に誤りがあるため、元に戻せません")
        if action == "undo":
            if stack:
                stack.pop()
            same[version] = same.get(base, base)
        else:
            stack.append(Step(version, base, action))
    if not stack:
        raise EditRefused("nothing to undo", "元に戻せる操作がありません")
    if same.get(current_version, current_version) != stack[-1].version:
        raise EditRefused("template saved since the last action",
                          "最後の操作の後で様式が別の方法で保存されたため、元に戻せません")
    return stack[-1]


def read_journal(folder: Path) -> list[dict[str, Any]]:
    """The journal's lines (empty when there is none)."""
    path = folder / JOURNAL_FILE
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise EditRefused(f"cannot read the edit journal: {type(exc).__name__}",
                          "編集の記録を読めないため、元に戻せません") from exc
    entries = data.get("edits", []) if isinstance(data, dict) else []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def record(folder: Path, version: int, base: int, action: str, actor: str, at: str) -> None:
    """Append one line to the journal (written to a temporary file, then renamed)."""
    if action not in ACTION_JA:
        raise ValueError(f"unknown editor action {action!r}")
    entries = read_journal(folder)
    entries.append({"version": version, "base": base, "action": action, "by": actor, "at": at})
    write_yaml_atomically(folder / JOURNAL_FILE, {"edits": entries})


def restore(current: FormTemplate, base: FormTemplate) -> FormTemplate:
    """The content of ``base`` (the version before the undone action) to save as the next version.

    The status stays the current one: actions never change it, and an old version that
    was retired since is still restored as a working version.
    """
    data = base.model_dump(mode="json")
    data["status"] = current.status
    restored = FormTemplate.model_validate(data)
    return restored.with_source_dir(base.source_dir) if base.source_dir is not None else restored
