"""Small YAML files beside a template (edit journal, retired versions), written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml


def write_yaml_atomically(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the new one, never half.

    The YAML goes to a temporary file in the same folder, is flushed to disk, then
    renamed over ``path``; on any failure the temporary file is removed and ``path``
    is left as it was.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, allow_unicode=True, sort_keys=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
