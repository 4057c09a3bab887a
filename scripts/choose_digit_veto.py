"""Choose the third digit classifier's veto level on calibration documents only.

    .venv/bin/python scripts/choose_digit_veto.py --read 40 --out var/calibration/rows-third.csv
    .venv/bin/python scripts/choose_digit_veto.py --rows var/calibration/rows-third.csv

``--read N`` reads N handwriting documents per template whose digits are real MNIST
digits of the calibration columns 25-37 (``digits="real-calib"``), N/3 with the
handwriting fonts' digits and N/4 printed, all office scans, seeds 300000 + 10000 n + i
(the calibration's real-digit seeds, never a benchmark's), with the veto switched off,
and saves their rows (signals carry ``third_conf``). Then, per veto level, among the
digit-like fields the shipped calibration would auto-accept: how many the veto removes,
how many of those were wrong, and what is left wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from domain import signals as sig  # noqa: E402
from domain.calibration import Calibration  # noqa: E402
from services.signal_fit import Row  # noqa: E402

TEMPLATES = ("furusato_application", "onestop_2022", "onestop_legacy")
DIGIT_KINDS = frozenset({"digits", "amount", "phone", "postal_code", "my_number", "wareki_date"})
LEVELS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
SETS = (("real", "real-calib", "handwriting", 1.0), ("hand_font", "font", "handwriting", 1 / 3),
        ("printed", "font", "printed", 1 / 4))


def read(n: int) -> list[Row]:
    import ocr.digit_check as dc
    from services.calibrate import document_rows
    from services.compose import build_reader

    dc.VETO_BELOW = -1.0  # record the evidence, flag nothing
    reader = build_reader()
    everyone = sorted(reader.templates)
    rows: list[Row] = []
    for name, digits, style, share in SETS:
        for tid in TEMPLATES:
            for i in range(max(1, round(n * share))):
                seed = 300_000 + 10_000 * everyone.index(tid) + i
                for r in document_rows(reader, tid, seed, "office", digits=digits, style=style):
                    rows.append(Row(r.key, r.hit, r.document, r.signals, condition=name))
            print(f"{name} {tid}: {len(rows)} rows", flush=True)
    return rows


def report(rows: Sequence[Row], calibration: Calibration) -> None:
    digit = [r for r in rows if r.kind in DIGIT_KINDS and not r.key.endswith(":empty")]
    for name, *_ in SETS:
        part = [r for r in digit if r.condition == name]
        acc = [r for r in part if not r.signals.get(sig.RULE_ISSUE)
               and calibration.page_gate(r.signals) is None
               and calibration.assess(r.key, r.signals.get(sig.SCORE, 0.0), (), r.signals)[1]]
        print(f"{name}: {len(part)} digit-like fields, {len(acc)} auto-accepted "
              f"({sum(not r.hit for r in acc)} wrong); same cut as the OCR on "
              f"{sum(sig.THIRD_CONF in r.signals for r in acc)}")
        for level in LEVELS:
            vetoed = [r for r in acc if r.signals.get(sig.THIRD_CONF, 1.0) < level]
            left = len(acc) - len(vetoed)
            wrong_left = sum(not r.hit for r in acc) - sum(not r.hit for r in vetoed)
            bad = sum(not r.hit for r in vetoed)
            print(f"  veto below {level:4.2f}: removes {len(vetoed):4d} ({bad} wrong), "
                  f"left {left} auto ({left / max(1, len(part)):.1%}), {wrong_left} wrong")
        wrong = [r for r in acc if not r.hit]
        print("  wrong accepts:", [(r.key, round(r.signals.get(sig.SCORE, 0), 3),
                                    r.signals.get(sig.THIRD_CONF)) for r in wrong])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--read", type=int, default=0, metavar="N")
    ap.add_argument("--rows", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=REPO / "var" / "calibration" / "rows-third.csv")
    args = ap.parse_args()
    from config.settings import get_settings
    from services.calibrate import read_rows, write_rows

    if args.read:
        rows = read(args.read)
        write_rows(rows, args.out)
    else:
        rows = read_rows(args.rows or args.out)
    from services.compose import load_calibration

    cal = load_calibration(get_settings())
    assert cal is not None
    report(rows, cal)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
