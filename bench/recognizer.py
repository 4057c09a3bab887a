"""Recogniser speed: one page's field crops read batched vs one by one vs digit-constrained.

    .venv/bin/python bench/recognizer.py [--rounds 5]

Twenty printed field crops (as on one page) are read by the real PP-OCRv6 recogniser
(onnxruntime). The baseline is reading them one by one in the same run; the benchmark
prints the median milliseconds per crop of each way and the ratios against that
baseline (batched / one-by-one < 1 means batching pays on this machine). This was a
timing assertion in the test suite; a duration belongs here, not in a test.
Ends with one SUMMARY line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "integration"))


def _median_ms(fn: Callable[[], object], rounds: int, n: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / n * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from config.settings import get_settings
    from ocr.engines.onnx_ctc import OnnxCtcRecognizer
    from test_recognizer_models import DIGITS, LINES, PRINTED, render_line  # isort: skip

    s = get_settings()
    rec = OnnxCtcRecognizer(s.rec_model_dir, threads=s.threads)
    crops = [render_line(t, PRINTED) for t in LINES][:20]  # the suite's printed crops
    n = len(crops)
    rec.recognize(crops[:2], [None, None])  # warm-up (session, arenas)

    single = _median_ms(lambda: [rec.recognize([c], [None]) for c in crops], args.rounds, n)
    batched = _median_ms(lambda: rec.recognize(crops, [None] * n), args.rounds, n)
    digits = _median_ms(lambda: rec.recognize(crops, [DIGITS] * n), args.rounds, n)
    print(f"{n} crops, median of {args.rounds} rounds, {s.threads} onnxruntime threads")
    print(f"  one by one (baseline)  {single:7.1f} ms/crop")
    print(f"  batched                {batched:7.1f} ms/crop  ratio {batched / single:.2f}")
    print(f"  batched, digits only   {digits:7.1f} ms/crop  ratio {digits / single:.2f}")
    print(f"SUMMARY crops={n} one_by_one={single:.1f}ms/crop batched_ratio={batched / single:.2f} "
          f"constrained_ratio={digits / single:.2f}")


if __name__ == "__main__":
    main()
