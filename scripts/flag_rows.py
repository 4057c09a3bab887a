"""Mark saved calibration rows that the variant-kanji name rule sends to staff (issue 14).

    .venv/bin/python scripts/flag_rows.py IN.csv OUT.csv

Right rows are judged on their true value; wrong name rows are judged on what the reader
reads when their document is read again (a document is the same for the same template,
seed and condition). Benchmark documents are left out, as ``services.calibrate.fit`` does.
Prints counts only, never a value.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()

    from domain.variant_kanji import is_name, variant_prone
    from services.calibrate import bench_row, document_values, read_rows, write_rows
    from services.compose import build_reader
    from services.row_rules import flag_rows

    reader = build_reader(use_calibration=False)
    rows = [r for r in read_rows(args.rows) if not bench_row(r)]

    def reread(tid: str, seed: int, condition: str) -> dict[str, Any]:
        print(f"  re-reading {tid}:{seed} ({condition})", file=sys.stderr, flush=True)
        return document_values(reader, tid, seed, condition)

    def rule(spec: Any, value: Any) -> bool:
        return isinstance(value, str) and bool(value.strip()) and variant_prone(value)

    out, stats = flag_rows(rows, reader.templates, rule, reread=reread, applies=is_name)
    write_rows(out, args.out)
    print(f"{args.rows.name}: {len(rows)} rows (bench documents left out); {stats}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
