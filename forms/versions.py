"""Save a changed template as a new version without touching the old ones.

``templates/<id>/template.yaml`` is the current version. Saving a new version
first freezes the current file as ``templates/<id>/versions/v<N>.yaml``, then
writes the new one (validated before it replaces anything). Reference images
are immutable files under ``templates/<id>/reference/``; a new image gets a new
name, so every older version still finds its own.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from domain.model import FormTemplate
from forms.loader import TEMPLATE_FILE, VERSIONS_DIR, load_template, load_template_versions
from forms.yaml_file import write_atomically

REFERENCE_DIR = "reference"


def template_yaml(template: FormTemplate) -> str:
    """The YAML text of a template (defaults left out, Japanese kept readable)."""
    data: dict[str, Any] = template.model_dump(mode="json", exclude_defaults=True)
    data = {"id": template.id, "family": template.family, "version": template.version, **data}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def store_reference_image(folder: Path, page: int, png: bytes) -> str:
    """Keep a blank page's scan under reference/ by content; returns the relative path."""
    digest = hashlib.sha256(png).hexdigest()[:16]
    rel = f"{REFERENCE_DIR}/page{page}-{digest}.png"
    target = folder / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, png)
    return rel


def next_version(templates_dir: Path, template_id: str) -> int:
    """One more than the highest version of ``template_id`` on disk (1 for a new template)."""
    folder = templates_dir / template_id
    if not (folder / TEMPLATE_FILE).exists():
        return 1
    versions = [v for (tid, v) in load_template_versions(templates_dir) if tid == template_id]
    return max(versions, default=0) + 1


def save_new_version(templates_dir: Path, template: FormTemplate,
                     reference_images: dict[int, bytes] | None = None) -> FormTemplate:
    """Write ``template`` as the next version of its id and return it as loaded from disk.

    ``template.version`` is ignored: the new version is one more than the highest on disk.
    ``reference_images`` (page number → PNG bytes) replace those pages' reference images.
    Raises :class:`TemplateError` when the result does not load (nothing is changed then).
    """
    folder = templates_dir / template.id
    folder.mkdir(parents=True, exist_ok=True)
    version = next_version(templates_dir, template.id)
    pages = list(template.pages)
    for number, png in (reference_images or {}).items():
        rel = store_reference_image(folder, number, png)
        pages[number - 1] = pages[number - 1].model_copy(update={"reference_image": rel})
    new = template.model_copy(update={"version": version, "pages": pages})
    new = FormTemplate.model_validate(new.model_dump())  # re-run validators on the edited copy
    text = template_yaml(new)

    current = folder / TEMPLATE_FILE
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".template.", suffix=".yaml")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        load_template(tmp)  # validate before anything on disk changes
        if current.exists():
            old = load_template(current)
            frozen = folder / VERSIONS_DIR / f"v{old.version}.yaml"
            if not frozen.exists():
                frozen.parent.mkdir(exist_ok=True)
                shutil.copyfile(current, frozen)
        os.replace(tmp, current)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return load_template(current)
