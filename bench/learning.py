"""SIMULATED learning benchmark: straight-through rate and auto-accept error, before and after.

    .venv/bin/python bench/learning.py [--seeds 101 102 103 104 105 106 --weeks 8 --documents 800]

Everything here is simulated: no form is read; engine scores and reviewer labels come
from a model (``learning.simulate``). It measures the learner's logic, not the reader.

For each seed, weeks of use are simulated (``learning.simulate``: engine scores whose
distribution drifts as handwriting changes, reviewers recording the truth, week 4
poisoned by a reviewer who confirms everything). Every week the production learner
(split, fit, threshold tuning, label audit, promotion gate) runs over the last four
weeks and promotes only past the gate; the admin leaves out a batch the audit flags.

The baseline is the factory calibration (fitted on week 0, as the shipped one is
fitted on synthetic forms, on as many forms as the learner's window holds, so the
learner's gain is not just more data), measured in the same run on the same fresh forms of the
last week's style as the learnt one. Prints per seed, then one summary line:
straight-through rate before/after and their ratio, error among auto-accepted fields
before/after against the target, promotions and refusals, poisoned batches caught.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from learning.simulate import Simulator, run_weeks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # seeds disjoint from the tests' (tests/unit/test_learning_sim.py uses 2 and 6)
    ap.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103, 104, 105, 106])
    ap.add_argument("--weeks", type=int, default=8)
    ap.add_argument("--documents", type=int, default=800, help="forms per week")
    ap.add_argument("--poison-week", type=int, default=4)
    ap.add_argument("--target", type=float, default=0.005)
    ap.add_argument("--eval", type=int, default=3000, help="fresh forms for the final measurement")
    ap.add_argument("--window", type=int, default=4, help="weeks the learner fits on")
    args = ap.parse_args()

    before, after, refusals = [], [], Counter[str]()
    promotions = caught = 0
    worst = 0.0
    t0 = time.perf_counter()
    for seed in args.seeds:
        run = run_weeks(seed, weeks=args.weeks, documents=args.documents, poison_week=args.poison_week,
                        target_error=args.target, window=args.window,
                        factory_documents=args.window * args.documents)  # same amount of data
        steps = []
        for w in run.weeks:
            if w.passed and w.true_after is not None:
                promotions += 1
                worst = max(worst, w.true_after.error)
                steps.append(f"w{w.week} promoted ({w.true_before.share:.0%}→{w.true_after.share:.0%}, "
                             f"err {w.true_after.error:.2%})")
            else:
                refusals.update(set(w.codes))
                steps.append(f"w{w.week} {'/'.join(sorted(set(w.codes)))}")
            caught += w.week == args.poison_week and "suspicious_labels" in w.codes
        sim = Simulator(seed)
        b = sim.truth(run.factory, args.weeks, args.eval, salt=101)
        a = sim.truth(run.final, args.weeks, args.eval, salt=101)
        before.append(b)
        after.append(a)
        print(f"seed {seed}: " + "; ".join(steps))
        print(f"  week {args.weeks} forms: straight-through {b.share:.1%} → {a.share:.1%} "
              f"(x{a.share / b.share:.2f}), error among auto-accepted {b.error:.3%} → {a.error:.3%}")
    secs = time.perf_counter() - t0
    stp_b = statistics.mean(x.share for x in before)
    stp_a = statistics.mean(x.share for x in after)
    err_b = statistics.mean(x.error for x in before)
    err_a = statistics.mean(x.error for x in after)
    print(f"\nrefusal reasons (weeks): {dict(refusals)}")
    print(f"{len(args.seeds)} seeds x {args.weeks} weeks x {args.documents} forms in {secs:.1f} s")
    print(f"SUMMARY SIMULATED straight_through before={stp_b:.4f} after={stp_a:.4f} "
          f"ratio={stp_a / stp_b:.2f} "
          f"auto_error before={err_b:.4f} after={err_a:.4f} max_after={max(x.error for x in after):.4f} "
          f"max_promoted={worst:.4f} target={args.target} promotions={promotions} "
          f"poisoned_caught={caught}/{len(args.seeds)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
