"""Intake and orchestration benchmark: documents per minute, and what Prefect costs.

    .venv/bin/python bench/intake.py --pages 200

Generates PAGES pages of synthetic filled forms (all four templates, PDF / TIFF / PNG /
JPEG) once, then, each time on a fresh store with a fresh copy of the inbox:

1. intake alone, direct (``intake.scan_inbox``);
2. intake + recognize, direct (``scan_inbox`` then ``services.worker.run_worker``,
   the production reader);
3. the same work through Prefect (the ``pipeline`` flow: ``intake`` + ``recognize``
   subflows on an ephemeral server). The one-off server start-up is timed separately
   (a no-op flow run first) and excluded from the overhead ratio, but reported;
4. with ``--threads``: the ``recognize`` flow with 1 and with 2 task threads (intake
   done directly beforehand, untimed), to decide ``RECOGNIZE_THREADS``.

Ends with one summary line. Files are stable when dropped (``stable_seconds`` 0).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_HOME", str(REPO / "var" / "prefect"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

FORMATS = {"furusato_application": "pdf", "citizen_survey": "tiff", "onestop_2022": "png",
           "onestop_legacy": "jpg"}


def generate(pages: int, out: Path, seed: int) -> tuple[int, int]:
    """Write documents round-robin over the templates until ``pages`` pages; (docs, pages)."""
    from forms.loader import load_templates
    from synth.generate import SynthOptions, generate_document, write_document

    templates = load_templates()
    order = [t for t in sorted(FORMATS) if t in templates]
    n_docs = n_pages = 0
    while n_pages < pages:
        tid = order[n_docs % len(order)]
        doc = generate_document(templates[tid], seed + n_docs, SynthOptions(),
                                document_id=f"bench_{n_docs:05d}")
        for p in write_document(doc, out, FORMATS[tid]):
            if p.suffix == ".json":
                p.unlink()
        n_docs += 1
        n_pages += len(doc.pages)
    return n_docs, n_pages


def fresh_home(root: Path, name: str, scans: Path) -> Path:
    """A new YOMITORI_HOME with a copy of the scans in its inbox (copy not timed)."""
    home = root / name
    shutil.copytree(scans, home / "inbox")
    os.environ["YOMITORI_HOME"] = str(home)
    return home


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def per_min(n: int, seconds: float) -> float:
    return n / max(seconds, 1e-9) * 60


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=200, help="pages to generate (default 200)")
    ap.add_argument("--seed", type=int, default=7100)
    ap.add_argument("--threads", action="store_true", help="also compare 1 vs 2 recognize task threads")
    args = ap.parse_args()
    os.environ["YOMITORI_STABLE_SECONDS"] = "0"
    os.environ.setdefault("YOMITORI_MODELS_DIR", str(REPO / "var" / "models"))

    from config.settings import get_settings
    from flows.recognize import reader as shared_reader
    from intake import StabilityTracker, build_repository, scan_inbox
    from services.worker import run_worker

    root = Path(tempfile.mkdtemp(prefix="yomitori-bench-"))
    try:
        scans = root / "scans"
        (_, pages), gen_s = timed(lambda: generate(args.pages, scans, args.seed))
        docs = len(list(scans.iterdir()))  # a file is a document (PNG/JPEG: one per page)
        print(f"generated {docs} files / {pages} pages in {gen_s:.1f} s")
        reader = shared_reader()  # the flows' reader too: warmed once, used by every path
        reader.structure_candidates()
        for t in reader.templates.values():
            for p in t.pages:
                reader.blank(t, p.number)

        def direct(name: str, recognize: bool) -> tuple[int, float]:
            fresh_home(root, name, scans)
            s = get_settings()
            repo = build_repository(s)
            started = time.perf_counter()
            report = scan_inbox(repo, s, StabilityTracker(0))
            if recognize:
                run_worker(repo, repo.files, reader, lease_seconds=s.lease_seconds)
            return report.received, time.perf_counter() - started

        n_in, intake_s = direct("intake", recognize=False)
        print(f"intake alone (direct):     {n_in} docs in {intake_s:6.1f} s = "
              f"{per_min(n_in, intake_s):7.1f} docs/min")
        n_dir, direct_s = direct("direct", recognize=True)
        print(f"intake+recognize (direct): {n_dir} docs in {direct_s:6.1f} s = "
              f"{per_min(n_dir, direct_s):7.1f} docs/min ({per_min(pages, direct_s):.1f} pages/min)")

        from prefect import flow

        from flows.pipeline import pipeline
        from flows.recognize import recognize

        @flow(name="bench-warmup")
        def warmup() -> int:
            return 1

        _, startup_s = timed(warmup)
        print(f"prefect ephemeral start-up (one-off): {startup_s:.1f} s")
        fresh_home(root, "prefect", scans)
        result, flow_s = timed(pipeline)
        n_flow = result["intake"]["received"]
        ratio = flow_s / direct_s
        print(f"intake+recognize (prefect): {n_flow} docs in {flow_s:6.1f} s = "
              f"{per_min(n_flow, flow_s):7.1f} docs/min; overhead ratio {ratio:.3f}")

        threads_note = ""
        if args.threads:
            times = {}
            for n in (1, 2):
                fresh_home(root, f"threads{n}", scans)
                s = get_settings()
                scan_inbox(build_repository(s), s, StabilityTracker(0))
                _, times[n] = timed(lambda n=n: recognize(concurrency=n))
                print(f"recognize flow, {n} thread(s): {times[n]:6.1f} s = "
                      f"{per_min(pages, times[n]):.1f} pages/min")
            threads_note = f" threads2/threads1={times[2] / times[1]:.3f}"
        print(f"SUMMARY pages={pages} docs={docs} intake={per_min(n_in, intake_s):.1f}docs/min "
              f"direct={per_min(n_dir, direct_s):.1f}docs/min prefect={per_min(n_flow, flow_s):.1f}docs/min "
              f"overhead_ratio={ratio:.3f} prefect_startup={startup_s:.1f}s{threads_note}")
        return 0 if n_in == n_dir == n_flow == docs else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
