"""Finding and loading target files: ``YOMITORI_TARGETS_DIR`` first, then the shipped ones.

A city keeps its own target files (and adapter modules next to them) in a folder of its own,
so it never edits the installed package. Errors name the file and each wrong entry on one
line (no traceback).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bots.scenario import Step, Target
from bots.values import parse_expr
from domain.errors import YomitoriError

SHIPPED_DIR = Path(__file__).resolve().parent / "targets"


class TargetFileError(YomitoriError):
    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path, self.problems = Path(path), problems
        self.message_ja = f"画面定義ファイルに誤りがあります: {Path(path).name}\n" + "\n".join(
            f"  - {p}" for p in problems)
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True)
class LoadedTarget:
    target: Target
    path: Path

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def find_target(name_or_path: str | Path, targets_dir: Path | None = None) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        return path
    for folder in (targets_dir, SHIPPED_DIR):
        if folder is not None and (folder / f"{name_or_path}.yaml").is_file():
            return folder / f"{name_or_path}.yaml"
    where = f"{targets_dir} または {SHIPPED_DIR}" if targets_dir else str(SHIPPED_DIR)
    raise TargetFileError(f"{name_or_path}.yaml", [f"{where} に見つかりません"])


def available(targets_dir: Path | None = None) -> list[str]:
    names = {p.stem for folder in (targets_dir, SHIPPED_DIR) if folder and folder.is_dir()
             for p in folder.glob("*.yaml")}
    return sorted(names)


def _steps(t: Target) -> list[Step]:
    out = [s for sc in t.entry for s in sc.steps]
    for way in t.lookup.search:
        out += way.steps
    return out


def _expressions(t: Target) -> list[str]:
    exprs = [s.value for s in _steps(t) if s.value]
    exprs += [f.value for f in t.readback.fields if f.value]
    exprs += [e for way in t.lookup.search for e in way.match.values()]
    return exprs


def load_target(name_or_path: str | Path = "sandbox", targets_dir: Path | None = None) -> LoadedTarget:
    path = find_target(name_or_path, targets_dir)
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TargetFileError(path, [type(exc).__name__ + ": " + str(exc).splitlines()[0]]) from None
    try:
        target = Target.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise TargetFileError(path, problems) from None
    problems = []
    for expr in _expressions(target):
        try:
            parse_expr(expr)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise TargetFileError(path, problems)
    return LoadedTarget(target, path)
