"""Refit some families of the shipped calibration from saved rows; keep every other entry.

    .venv/bin/python scripts/refit_family.py var/calibration/rows-5000-v4.csv \\
        var/calibration/rows-300000-real.csv --family numeric --suffix digits \\
        --out calibration/current.json

Reads calibration rows (``services.calibrate.write_rows`` format, one or more files), fits them with
``services.calibrate.fit`` (which leaves out rows of benchmark documents), and writes a
copy of the current calibration file in which only the named families' kinds are
replaced. Other families, per-field entries and the page envelope stay as shipped, so
two people can refit different families in parallel and their files merge by kind.
The new version is ``DATE-DIGEST-SUFFIX`` (digest over all kinds), and the note says
which families came from which rows. Prints each replaced kind's figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.calibration import Calibration
from services.calibrate import bench_row, read_rows
from services.signal_fit import FamilyFit, family_of, fit_rows


def refit(current: Calibration, rows_files: Sequence[Path], families: list[str], suffix: str,
          score_only: Sequence[str] = ()) -> tuple[Calibration, list[FamilyFit]]:
    """``current`` with the kinds of ``families`` refitted on ``rows_files``, and those fits
    (the families in ``score_only`` on the engine score alone, no signal model)."""
    rows = [r for f in rows_files for r in read_rows(f)
            if not bench_row(r) and family_of(r.key) in families]
    fitted, fits = fit_rows(rows, current.target_error)
    if score_only:
        plain, plain_fits = fit_rows(rows, current.target_error, use_signals=False)
        fitted.update({k: v for k, v in plain.items() if family_of(k) in score_only})
        fits = [f for f in fits if f.family not in score_only] + [
            f for f in plain_fits if f.family in score_only]
    new = {k: v for k, v in fitted.items() if family_of(k) in families}
    if not new:
        raise SystemExit(f"no rows of families {families} in {[f.name for f in rows_files]}")
    # the shipped order, entries replaced in place (the file's diff shows only what changed)
    kinds = {k: new.get(k, v) for k, v in current.kinds.items()
             if family_of(k) not in families or k in new}
    kinds.update({k: v for k, v in new.items() if k not in kinds})
    digest = hashlib.sha256(
        json.dumps({k: v.model_dump() for k, v in kinds.items()}, sort_keys=True).encode()
    ).hexdigest()[:8]
    now = datetime.now(UTC)
    note = (f"{current.note}; families {families} refitted on "
            f"{' + '.join(f.name for f in rows_files)} minus benchmark "
            f"documents ({len(rows)} rows)")
    cal = current.model_copy(update={"version": f"{now:%Y%m%d}-{digest}-{suffix}", "created": now,
                                     "kinds": kinds, "note": note})
    return cal, fits


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", type=Path, nargs="+", help="calibration rows CSV files")
    ap.add_argument("--family", action="append", required=True, help="family to refit (repeatable)")
    ap.add_argument("--suffix", required=True, help="what the new version ends with")
    ap.add_argument("--current", type=Path, default=Path("calibration/current.json"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--score-only", action="append", default=[], metavar="FAMILY",
                    help="fit this family on the engine score alone (repeatable)")
    args = ap.parse_args()
    current = Calibration.model_validate_json(args.current.read_text(encoding="utf-8"))
    cal, fits = refit(current, args.rows, args.family, args.suffix, args.score_only)
    args.out.write_text(cal.model_dump_json(indent=1), encoding="utf-8")
    print(f"wrote {args.out} version {cal.version}")
    for f in fits:
        print(f"  family {f.family}: {f.n} decidable rows, threshold {f.threshold:.4f}, accepted "
              f"{f.accepted}, wrong {f.errors}, Wilson upper {f.error_upper:.3%}, "
              f"model {'signals' if f.model else 'score only'}")
    for key, k in cal.kinds.items():
        if family_of(key) in args.family:
            print(f"  {key:<14} n={k.n:<5} threshold={k.threshold:.4f} auto={k.accepted_share:6.1%} "
                  f"err={k.accepted_error:.3%} (≤{k.accepted_error_upper:.3%}) lowest p={k.probs[0]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
