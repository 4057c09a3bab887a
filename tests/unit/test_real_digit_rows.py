"""Extra calibration documents of one kind: handwriting with real "calib"-column digits."""

from __future__ import annotations

from services.calibrate import DIGITS, _options, bench_seed


def test_default_options_are_the_calibration_mix() -> None:
    opts = _options(True)
    assert (opts.digits, opts.style, opts.degrade) == (DIGITS, "mixed", True)


def test_real_digit_documents_write_calibration_columns_in_handwriting() -> None:
    from forms.loader import load_templates
    from synth.generate import generate_document

    template = load_templates()["onestop_2022"]
    doc = generate_document(template, 300_000 + 1, _options(False, "real-calib", "handwriting"))
    assert doc.truth["style"] == "handwriting"
    assert doc.truth["digits"] == "real-calib"  # never the benchmarks' "real-eval" columns


def test_the_real_digit_seeds_are_no_benchmark_seeds() -> None:
    # scripts that add such rows use 300000 + 10000 n + i (n: template index, i < 1000)
    assert not any(bench_seed(300_000 + 10_000 * n + i) for n in range(10) for i in range(1000))
