"""Identification cost per template page: a page without our QR code against N templates.

    .venv/bin/python bench/identify_cost.py --repeat 2

A page with no yomitori QR code (a city's own form) is aligned to and compared with
every usable template page (ocr.identify.match_structure), so its cost grows with the
number of template pages. Baseline: our own four templates plus the two real scanned
forms (SDAPS debug questionnaire, OMRChecker answer sheet) built from ../shared/realdata;
then ``--copies`` more copies of the scanned forms under other ids (each a template page
to compare with, as a city's dozens of forms would be). Pages: real SDAPS and OMRChecker
scans (no QR). Prints ms per page for each set, ms per template page, the ratio against
the baseline measured in the same run, and one SUMMARY line. The identification result
must stay the same (the copies print the same, so pages become ambiguous: that is what
the retire action and a pre-filter are for; only the time is compared here).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")


# other real pages, each made a scanned template of its own (distinct prints)
OTHER_FORMS = [("sdaps/example.tif", 0), ("sdaps/example.tif", 1), ("sdaps/example-2.tif", 0),
               ("sdaps/example-2.tif", 1), ("sdaps/test_with_ids.tif", 0), ("sdaps/test_with_ids.tif", 1),
               ("omrchecker/samples/community/Shamanth/omr_sheet_01.png", 0),
               ("omrchecker/samples/community/Sandeep-1507/omr-1.png", 0),
               ("omrchecker/samples/community/UmarFarootAPS/scans/scan-type-1.jpg", 0),
               ("omrchecker/samples/community/UmarFarootAPS/scans/scan-type-2.jpg", 0),
               ("omrchecker/samples/community/dxuian/omrcollegesheet.jpg", 0),
               ("omrchecker/samples/sample5/ScanBatch1/camscanner-1.jpg", 0)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--others", type=int, default=len(OTHER_FORMS),
                    help="other real forms added as templates")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    from realforms import (
        NUS_BLANK,
        NUS_FILLED,
        SDAPS_BLANK,
        SDAPS_FILLED,
        fake_reader,
        gray_pages,
        scanned_template,
    )

    from forms.loader import default_templates_dir, load_templates
    from ocr.page_identity import identify_page
    from synth.real_digits import realdata_dirs

    real = next(d for d in realdata_dirs() if (d / "sdaps").is_dir())
    tmp = Path(tempfile.mkdtemp(prefix="identify-cost-"))
    sdaps, nus = gray_pages(real / SDAPS_BLANK), gray_pages(real / NUS_BLANK)
    base = dict(load_templates(default_templates_dir()))
    base["sdaps_debug"] = scanned_template("sdaps_debug", sdaps, tmp / "sdaps")
    base["nus_sheet"] = scanned_template("nus_sheet", nus, tmp / "nus")
    grown = dict(base)
    for i, (rel, page) in enumerate(OTHER_FORMS[: args.others]):
        grown[f"other{i}"] = scanned_template(f"other{i}", [gray_pages(real / rel)[page]], tmp / f"o{i}")
    pages = gray_pages(real / SDAPS_FILLED)[:2] + [gray_pages(p)[0] for p in
                                                   sorted((real / NUS_FILLED).glob("*.jpg"))[:1]]
    from ocr import identify

    sets = (("baseline", base), ("grown", grown), ("no-filter", grown))
    readers = {name: fake_reader(t) for name, t in sets}
    sizes = {name: len(r.structure_candidates()) for name, r in readers.items()}  # built before timing
    times: dict[str, list[float]] = {name: [] for name in readers}
    keep = identify.PREFILTER_KEEP
    answers: dict[str, list[str]] = {name: [] for name in readers}
    for rep in range(args.repeat + 1):  # interleaved (the machine is shared); round 0 warms up
        for p in pages:
            for name, reader in readers.items():
                identify.PREFILTER_KEEP = 10_000 if name == "no-filter" else keep
                t0 = time.perf_counter()
                found = identify_page(p, reader)
                if rep:
                    times[name].append((time.perf_counter() - t0) * 1000)
                    answers[name].append(found[0].id if isinstance(found, tuple) else found.status.value)
    results = {}
    for name in readers:
        n, ms = sizes[name], statistics.median(times[name])
        results[name] = (n, ms)
        print(f"{name:<9} {len(readers[name].templates):>3} templates, {n:>3} template pages: {ms:8.0f} ms "
              f"per page (median; {ms / n:6.1f} ms per template page); results {sorted(set(answers[name]))}")
    identify.PREFILTER_KEEP = keep
    (n0, ms0), (n1, ms1) = results["baseline"], results["grown"]
    print(f"without the fingerprint pre-filter: {results['no-filter'][1]:.0f} ms per page "
          f"(ratio {results['no-filter'][1] / ms0:.2f} against the baseline)")
    per_page = (ms1 - ms0) / max(1, n1 - n0)
    at50 = ms0 + per_page * (50 * 1.2 - n0)  # 50 templates, ~1.2 pages each
    print(f"ratio grown/baseline {ms1 / ms0:.2f} for {n1 / n0:.2f}x the template pages; "
          f"each extra template page adds {per_page:.0f} ms; linear extrapolation to 50 templates "
          f"(~60 pages): "
          f"~{at50 / 1000:.1f} s per page")
    print(f"SUMMARY identify: baseline {ms0:.0f} ms/page ({n0} template pages), {ms1:.0f} ms/page "
          f"({n1} pages, pre-filter), {results['no-filter'][1]:.0f} ms/page without, ratio {ms1 / ms0:.2f}, "
          f"+{per_page:.0f} ms per template page, "
          f"50 templates ~{at50 / 1000:.1f} s/page (target: +150 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
