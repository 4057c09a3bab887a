"""How a calibration file decides held-out calibration rows (rows it was not fitted on).

    .venv/bin/python scripts/check_calibration.py CALIBRATION.json ROWS.csv [ROWS.csv ...]

Per key and per family: decidable rows (no rule flag; benchmark documents left out),
wrong, auto-accepted, wrong among auto-accepted and its one-sided 95 % Wilson upper
bound. Numbers only.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("calibration", type=Path)
    ap.add_argument("rows", type=Path, nargs="+")
    args = ap.parse_args()

    from domain import signals as sig
    from domain.calibration import Calibration, wilson_upper
    from services.calibrate import bench_row, read_rows
    from services.signal_fit import decidable, family_of

    cal = Calibration.model_validate_json(args.calibration.read_text(encoding="utf-8"))
    rows = decidable([r for p in args.rows for r in read_rows(p) if not bench_row(r)])
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # rows, wrong, accepted, wrong accepted
    for r in rows:
        _, ok = cal.assess(r.key, r.signals.get(sig.SCORE, 0.0), signals=r.signals)
        for name in (r.key, f"[{family_of(r.key)}]"):
            c = counts[name]
            c[0] += 1
            c[1] += not r.hit
            c[2] += ok
            c[3] += ok and not r.hit
    print(f"{args.calibration.name} ({cal.version}) on {', '.join(p.name for p in args.rows)}")
    for name, (n, wrong, acc, bad) in sorted(counts.items(), key=lambda kv: (kv[0].startswith("["), kv[0])):
        print(f"  {name:<18} rows={n:<5} wrong={wrong:<4} auto={acc:<5} ({acc / n:6.1%}) "
              f"wrong_auto={bad:<3} upper95={wilson_upper(bad, acc):.3%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
