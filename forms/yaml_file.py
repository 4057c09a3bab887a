"""Small files beside a template (edit journal, retired versions, reference scans), written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the new one, never half.

    The bytes go to a temporary file in the same folder, are flushed to disk, then the
    file is renamed over ``path``; on any failure the temporary file is removed and
    ``path`` is left as it was.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_yaml_atomically(path: Path, data: Any) -> None:
    """``data`` as UTF-8 YAML (Japanese kept, keys in order) through :func:`write_atomically`."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    write_atomically(path, text.encode("utf-8"))
