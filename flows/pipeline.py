"""Prefect flow ``pipeline``: intake, then recognition (the parent flow of the demo).

Each stage is its own flow (a subflow run here, a deployment of its own in
``prefect.yaml``). Review is state in the store, not a wait: documents that need
staff stay ``needs_review`` and the later ``enter`` / ``report`` flows (their own
issues) pick up what staff confirmed.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.intake import intake, run_name
from flows.recognize import RECOGNIZE_THREADS, recognize


@flow(name="pipeline", flow_run_name=lambda: run_name("pipeline"), log_prints=False)
def pipeline(max_wait: float | None = None, max_documents: int | None = None,
             concurrency: int = RECOGNIZE_THREADS) -> dict[str, Any]:
    """Take the stable files from the inbox, then read every claimable document."""
    taken = intake(max_wait=max_wait)
    read = recognize(max_documents=max_documents, concurrency=concurrency)
    get_run_logger().info("pipeline: %d files received, %d documents read (%d pages)",
                          taken["received"], read["documents"], read["pages"])
    return {"intake": taken, "recognize": read}
