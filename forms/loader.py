"""Load form templates from YAML, with errors that name the file, line and field.

A template is ``templates/<id>/template.yaml``; see :class:`domain.model.FormTemplate`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from domain.errors import TemplateError
from domain.model import Box, FormTemplate

TEMPLATE_FILE = "template.yaml"
VERSIONS_DIR = "versions"  # templates/<id>/versions/v<N>.yaml: older versions, kept unchanged
ENV_TEMPLATES_DIR = "YOMITORI_TEMPLATES_DIR"

_FIELD_IN_MSG = re.compile(r"field '([a-z][a-z0-9_]*)'")
_DUPLICATES_MSG = re.compile(r"duplicate field ids: ([a-z0-9_, ]+)")
# Which key of a field an error message is about, to point at the most useful line.
_MSG_KEYS = (
    ("era_field", "era_field"),
    ("box lies outside", "box"),
    ("options", "options"),
    ("option", "options"),
    ("cells", "cells"),
    ("page ", "page"),
)


def default_templates_dir() -> Path:
    """The repository's ``templates/``, or ``$YOMITORI_TEMPLATES_DIR`` when set."""
    env = os.environ.get(ENV_TEMPLATES_DIR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "templates"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        child: yaml.Node = node.value[key]
        return child
    return None


def _key_node(node: yaml.Node, key: str) -> yaml.Node | None:
    """The key node itself (``box:``), whose line is where a person looks."""
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
    return None


def _walk(root: yaml.Node, loc: Sequence[str | int]) -> yaml.Node:
    """The deepest node that ``loc`` reaches (pydantic adds tags such as 'int'; skip them)."""
    node = root
    for part in loc:
        nxt = _child(node, part)
        if nxt is None:
            if isinstance(part, str):
                key = _key_node(node, part)
                if key is not None:
                    return key
            continue
        node = nxt
    return node


def _field_nodes(root: yaml.Node) -> list[yaml.Node]:
    fields = _child(root, "fields")
    return list(fields.value) if isinstance(fields, yaml.SequenceNode) else []


def _field_id(node: yaml.Node) -> str | None:
    id_node = _child(node, "id")
    return str(id_node.value) if isinstance(id_node, yaml.ScalarNode) else None


def _find_field(root: yaml.Node, field_id: str, occurrence: int = 0) -> yaml.Node | None:
    hits = [n for n in _field_nodes(root) if _field_id(n) == field_id]
    if not hits:
        return None
    return hits[min(occurrence, len(hits) - 1)]


def _check_duplicate_keys(node: yaml.Node, shown: str) -> None:
    """PyYAML silently keeps the last of two equal keys; a template must not have them."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in seen:
                    raise TemplateError(f"{shown} line {_line(k)}: duplicate key '{k.value}'")
                seen.add(k.value)
            _check_duplicate_keys(v, shown)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, shown)


def _clean(msg: str, field_id: str | None) -> str:
    msg = msg.removeprefix("Value error, ")
    if field_id:
        msg = msg.removeprefix(f"field '{field_id}': ")
    return msg


def _describe(err: dict[str, Any], root: yaml.Node, shown: str) -> str:
    loc: tuple[str | int, ...] = tuple(err.get("loc", ()))
    msg = str(err.get("msg", "invalid"))
    field_id: str | None = None
    node: yaml.Node | None = None
    if len(loc) >= 2 and loc[0] == "fields" and isinstance(loc[1], int):
        field_node = _child(_child(root, "fields") or root, loc[1])
        if field_node is not None:
            field_id = _field_id(field_node)
        node = _walk(root, loc)
        if len(loc) == 2 and field_node is not None:
            node = _pick_key(field_node, msg) or field_node
    elif (m := _DUPLICATES_MSG.search(msg)) is not None:
        field_id = m.group(1).split(",")[0].strip()
        node = _find_field(root, field_id, occurrence=1)
    elif (m := _FIELD_IN_MSG.search(msg)) is not None:
        field_id = m.group(1)
        field_node = _find_field(root, field_id)
        node = (_pick_key(field_node, msg) or field_node) if field_node else None
    else:
        node = _walk(root, loc)
    where = f"{shown} line {_line(node or root)}"
    if field_id:
        where += f", field '{field_id}'"
    if loc and not (len(loc) == 2 and loc[0] == "fields"):
        where += f" ({'.'.join(str(p) for p in loc)})"
    return f"{where}: {_clean(msg, field_id)}"


def _pick_key(field_node: yaml.Node, msg: str) -> yaml.Node | None:
    for needle, key in _MSG_KEYS:
        if needle in msg:
            found = _key_node(field_node, key)
            if found is not None:
                return found
    return None


def _overlaps(a: Box, b: Box) -> bool:
    return a.x < b.x2 and b.x < a.x2 and a.y < b.y2 and b.y < a.y2


def _check_layout(template: FormTemplate, root: yaml.Node, shown: str) -> None:
    """Fields must keep clear of the QR code and the registration marks."""
    from forms.render import qr_box  # local: keeps loading free of drawing code

    reserved = qr_box(template) if template.source == "rendered" else None
    for f in template.fields:
        marks = [Box(x=m.x, y=m.y, w=m.size, h=m.size) for m in template.page(f.page).marks]
        for box in [f.box, *[o.box for o in f.options]]:
            what = "the QR code area" if reserved is not None and _overlaps(box, reserved) else None
            if what is None and any(_overlaps(box, mk) for mk in marks):
                what = "a registration mark"
            if what:
                node = _find_field(root, f.id)
                key = _key_node(node, "box") if node is not None else None
                raise TemplateError(
                    f"{shown} line {_line(key or node)}, field '{f.id}': box overlaps {what}"
                )


def load_template(path: Path) -> FormTemplate:
    """Parse and validate one template file; every problem is a :class:`TemplateError`."""
    shown = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{shown}: cannot read template: {exc}") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise TemplateError(f"{shown} line {line}: YAML syntax error: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise TemplateError(f"{shown}: YAML error: {exc}") from exc
    if root is None or not isinstance(data, dict):
        raise TemplateError(f"{shown} line 1: a template must be a YAML mapping")
    _check_duplicate_keys(root, shown)
    try:
        template = FormTemplate.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(dict(e), root, shown) for e in exc.errors()]
        raise TemplateError("; ".join(problems)) from exc
    _check_layout(template, root, shown)
    # Relative paths are resolved against the template's folder templates/<id>/, also
    # for the frozen older versions kept in templates/<id>/versions/.
    folder = path.parent.parent if path.parent.name == VERSIONS_DIR else path.parent
    template = template.with_source_dir(folder)
    for page in template.pages:
        ref = template.reference_path(page.number)
        if ref is not None and not ref.is_file():
            raise TemplateError(f"{shown}: page {page.number}: reference_image '{page.reference_image}' "
                                "does not exist")
    return template


def load_templates(directory: Path | None = None) -> dict[str, FormTemplate]:
    """Every ``*/template.yaml`` under ``directory``, keyed by template id."""
    directory = directory if directory is not None else default_templates_dir()
    if not directory.is_dir():
        raise TemplateError(f"{_display(directory)}: template directory does not exist")
    found: dict[str, FormTemplate] = {}
    origin: dict[str, Path] = {}
    for path in sorted(directory.glob(f"*/{TEMPLATE_FILE}")):
        template = load_template(path)
        if template.id in found:
            raise TemplateError(
                f"{_display(path)}: template id '{template.id}' is also used by "
                f"{_display(origin[template.id])}"
            )
        found[template.id] = template
        origin[template.id] = path
    return found


def load_template_versions(directory: Path | None = None) -> dict[tuple[str, int], FormTemplate]:
    """Every version of every template: the current ``template.yaml`` and ``versions/v*.yaml``.

    Documents keep the version they were read with, so a page read with an older
    version can still be shown and re-read with it.
    """
    current = load_templates(directory)
    directory = directory if directory is not None else default_templates_dir()
    found: dict[tuple[str, int], FormTemplate] = {(t.id, t.version): t for t in current.values()}
    for path in sorted(directory.glob(f"*/{VERSIONS_DIR}/v*.yaml")):
        template = load_template(path)
        owner = path.parent.parent.name
        cur = current.get(template.id)
        if cur is None or cur.source_dir is None or cur.source_dir.name != owner:
            raise TemplateError(
                f"{_display(path)}: version of '{template.id}' kept in another template's folder")
        if (template.id, template.version) in found:
            raise TemplateError(
                f"{_display(path)}: version {template.version} of '{template.id}' exists twice")
        found[(template.id, template.version)] = template
    return _with_retired(found)


def _with_retired(found: dict[tuple[str, int], FormTemplate]) -> dict[tuple[str, int], FormTemplate]:
    """Older versions listed in their folder's retired.yaml get ``status: retired``."""
    from forms.retired import retired_versions

    current = {tid: max(v for (t, v) in found if t == tid) for tid, _ in found}
    out = dict(found)
    for (tid, v), t in found.items():
        folder = t.source_dir
        if folder is None or v == current[tid]:
            continue
        if v in retired_versions(folder):
            out[(tid, v)] = t.model_copy(update={"status": "retired"})
    return out
