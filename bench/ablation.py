"""What each signal contributes to auto-accept: score only vs all signals, on held-out documents.

    .venv/bin/python bench/ablation.py var/calibration/rows-5000.csv

Reads the rows ``yomitori calibrate`` saved (one per field: calibration key, right or
wrong, document, condition, signals; no values), splits them by document into two
halves, fits every variant on one half and measures it on the other (then the
other way round, and adds both): auto-accepted share, wrong among auto-accepted
and its Wilson 95 % upper bound, overall and per condition. Variants: the engine
score alone per kind (before issue 14), all signals, and all signals but one
group. A field a rule flagged (``rule_issue``) is never auto-accepted, as in
production; one variant drops the date agreement rule. Ends with one SUMMARY line;
the baseline for the ratio is the score-only variant measured in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain import signals as sig
from domain.calibration import Calibration, KindCalibration, wilson_upper
from services.calibrate import read_rows
from services.signal_fit import Row, decidable, fit_rows, page_envelope, score_only

GROUPS: dict[str, tuple[str, ...]] = {
    "second reading": (sig.AGREE, sig.AGREE_EXACT, sig.SECOND_CONF),
    "characters": (sig.MIN_CHAR, sig.MEAN_CHAR, sig.N_CHARS, sig.OUTSIDE, sig.EDGE_INK),
    "page": sig.PAGE_SIGNALS,
    "omr margin": (sig.OMR_MARGIN,),
}


def _half(doc: str) -> int:
    return hashlib.sha256(doc.encode()).digest()[0] % 2


def _without(rows: Sequence[Row], names: Sequence[str]) -> list[Row]:
    return [Row(r.key, r.hit, r.document, {k: v for k, v in r.signals.items() if k not in names},
                r.condition) for r in rows]


Fitter = Callable[[Sequence[Row]], Calibration]


def _cal(kinds: dict[str, KindCalibration], rows: Sequence[Row], gate: bool) -> Calibration:
    return Calibration(version="ablation", created=datetime.now(UTC), target_error=0.005, kinds=kinds,
                       page_envelope=page_envelope(rows) if gate else {})


def evaluate(rows: Sequence[Row], fitter: Fitter) -> dict[str, tuple[int, int, int]]:
    """Condition → (fields, auto-accepted, wrong among them), two-fold by document."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for fold in (0, 1):
        train = [r for r in rows if _half(r.document) != fold]
        test = [r for r in rows if _half(r.document) == fold]
        cal = fitter(train)
        for r in test:
            ok = cal.assess(r.key, r.signals.get(sig.SCORE, 0.0), (), r.signals)[1]
            ok = ok and cal.page_gate(r.signals) is None
            ok = ok and not r.signals.get(sig.RULE_ISSUE)  # a rule sends it to staff anyway
            for c in (r.condition, "ALL"):
                out[c][0] += 1
                out[c][1] += ok
                out[c][2] += ok and not r.hit
    return {c: (v[0], v[1], v[2]) for c, v in out.items()}


def _dropping(names: Sequence[str], target: float) -> Fitter:
    def fitter(train: Sequence[Row]) -> Calibration:
        kept = _without(train, names)
        return _cal(fit_rows(kept, target)[0], kept, gate=True)
    return fitter


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path)
    ap.add_argument("--target", type=float, default=0.005)
    args = ap.parse_args()
    rows = read_rows(args.rows)
    t = args.target
    variants: dict[str, Fitter] = {
        "score only (per kind)": lambda tr: _cal(score_only(decidable(tr, ()), t), tr, gate=False),
        "all signals + page gate": lambda tr: _cal(fit_rows(tr, t)[0], tr, gate=True),
        "all signals, no gate": lambda tr: _cal(fit_rows(tr, t)[0], tr, gate=False),
        "all signals, no agreement rule": lambda tr: _cal(fit_rows(tr, t, agreement_kinds=())[0], tr,
                                                          gate=True),
    }
    for name, names in GROUPS.items():
        variants[f"all but {name}"] = _dropping(names, t)
    print(f"{len(rows)} fields from {len({r.document for r in rows})} documents; two-fold by document",
          file=sys.stderr)
    results = {}
    for name, fitter in variants.items():
        print(f"  fitting: {name}", file=sys.stderr)
        results[name] = evaluate(rows, fitter)
    conditions = [*sorted({c for res in results.values() for c in res if c != "ALL"}), "ALL"]
    print(f"{'variant':<28} {'condition':<10} {'fields':>7} {'auto':>7} {'auto %':>7} {'wrong':>6} "
          f"{'err %':>7} {'≤ %':>7}")
    for name, res in results.items():
        for c in conditions:
            n, acc, err = res.get(c, (0, 0, 0))
            print(f"{name:<28} {c:<10} {n:>7} {acc:>7} {acc / max(n, 1):>7.1%} {err:>6} "
                  f"{err / max(acc, 1):>7.2%} {wilson_upper(err, acc):>7.2%}")
    base = results["score only (per kind)"]["ALL"]
    full = results["all signals + page gate"]["ALL"]
    ratio = f"{(full[1] / full[0]) / (base[1] / base[0]):.2f}" if base[1] else "inf"
    print(f"SUMMARY fields={full[0]} score_only_auto={base[1] / base[0]:.4f} "
          f"score_only_err={base[2] / max(base[1], 1):.4f} signals_auto={full[1] / full[0]:.4f} "
          f"signals_err={full[2] / max(full[1], 1):.4f} "
          f"signals_err_upper={wilson_upper(full[2], full[1]):.4f} auto_ratio={ratio}")


if __name__ == "__main__":
    main()
