"""Refit some families of the shipped calibration from saved rows; keep every other entry.

    .venv/bin/python scripts/refit_families.py --families text,marks,empty --suffix text \\
        --out calibration/current.json ROWS.csv [ROWS.csv ...]

Rows of benchmark documents are left out (``services.calibrate.bench_row``), rule-flagged
rows too (``services.signal_fit.decidable``). Entries of other families, entries the new
fit does not produce (a kind with no decidable rows) and the page envelope stay as shipped.
Prints each refitted kind's rows, wrong, accepted share, error bound and threshold.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", type=Path, nargs="+")
    ap.add_argument("--families", default="text,marks,empty")
    ap.add_argument("--base", type=Path, default=Path("calibration/current.json"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--suffix", default="text")
    ap.add_argument("--note", default="")
    ap.add_argument("--score-only", default="", metavar="FAMILIES",
                    help="families fitted on the engine score alone (no signal model)")
    args = ap.parse_args()

    from domain.calibration import Calibration
    from services.calibrate import bench_row, read_rows
    from services.signal_fit import decidable, family_of, fit_rows

    base = Calibration.model_validate_json(args.base.read_text(encoding="utf-8"))
    families = {f.strip() for f in args.families.split(",") if f.strip()}
    rows = [r for p in args.rows for r in read_rows(p) if not bench_row(r)]
    kinds, _ = fit_rows(rows, base.target_error)
    plain = {f.strip() for f in args.score_only.split(",") if f.strip()}
    if plain:
        scored, _ = fit_rows(rows, base.target_error, use_signals=False)
        kinds.update({k: v for k, v in scored.items() if family_of(k) in plain})
    wrong: dict[str, int] = {}
    for r in decidable(rows):
        wrong[r.key] = wrong.get(r.key, 0) + (not r.hit)
    merged = dict(base.kinds)
    for key, entry in kinds.items():
        if family_of(key) in families:
            merged[key] = entry
            print(f"  {key:<16} {family_of(key):<6} rows={entry.n:<5} wrong={wrong.get(key, 0):<4} "
                  f"auto={entry.accepted_share:6.1%} err={entry.accepted_error:.3%} "
                  f"upper={entry.accepted_error_upper:.3%} threshold={entry.threshold:.4f}")
    digest = hashlib.sha256(json.dumps({k: v.model_dump() for k, v in merged.items()},
                                       sort_keys=True).encode()).hexdigest()[:8]
    now = datetime.now(UTC)
    note = (f"{base.note}; families {sorted(families)} refitted out of sample"
            f"{f' ({sorted(plain)} on the engine score alone)' if plain else ''} on "
            f"{', '.join(p.name for p in args.rows)} (bench documents left out){args.note}")
    cal = base.model_copy(update={"version": f"{now:%Y%m%d}-{digest}-{args.suffix}", "created": now,
                                  "kinds": merged, "note": note})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(cal.model_dump_json(indent=1), encoding="utf-8")
    print(f"wrote {args.out} version {cal.version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
