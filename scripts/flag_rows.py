"""Mark saved calibration rows that the name rules send to staff (issue 14).

    .venv/bin/python scripts/flag_rows.py IN.csv OUT.csv

The rules: a name holding a variant-prone kanji (domain.variant_kanji), a name and its
フリガナ that do not confirm each other (ocr.name_fields.check_name_kana). Right rows are
judged on their true values; a document with a wrong name or フリガナ row is read again
(a document is the same for the same template, seed and condition). Names get the key
``text:name``. Benchmark documents are left out, as ``services.calibrate.fit`` does.
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

    from domain.model import FieldSpec
    from domain.status import FieldKind
    from domain.triage import NAME_KEY
    from domain.variant_kanji import check_variant_names, is_name
    from ocr.name_fields import check_name_kana
    from services.calibrate import bench_row, read_rows, read_values, write_rows
    from services.compose import build_reader
    from services.row_rules import flag_rows

    reader = build_reader(use_calibration=False)
    rows = [r for r in read_rows(args.rows) if not bench_row(r)]

    def reread(tid: str, seed: int, condition: str) -> dict[str, Any]:
        print(f"  re-reading {tid}:{seed} ({condition})", file=sys.stderr, flush=True)
        return read_values(reader, tid, seed, condition)

    def applies(spec: FieldSpec) -> bool:
        return is_name(spec) or spec.kind is FieldKind.KANA

    def rekey(spec: FieldSpec, key: str) -> str:
        return NAME_KEY if key == "text" and is_name(spec) else key

    out, stats = flag_rows(rows, reader.templates, [check_variant_names, check_name_kana],
                           reread=reread, applies=applies, rekey=rekey)
    write_rows(out, args.out)
    print(f"{args.rows.name}: {len(rows)} rows (bench documents left out); {stats}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
