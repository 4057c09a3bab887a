"""The demo's stack scan: several ワンストップ envelopes in one PDF, one of them missing a copy.

A clerk at peak scans a pile of envelopes as one file. The demo drops such a file
(:data:`ENVELOPES` envelopes: each a filled form and its ID copies, the copies showing
the form's person; envelope :data:`INCOMPLETE` lacks a required copy). The worker cuts
it into one document per envelope (``<file> 封筒k/n``); the incomplete one is 書類不備:
held back from the bot and listed in the 不備一覧 (``deficiencies.csv``).

:func:`make_stack` returns one ground truth per envelope, keyed by the name the
envelope's document gets, in the shape :func:`services.evaluate.compare` and the demo's
stand-in reviewer read (pages in order, fields on the form pages).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from config.settings import Settings

STACK_NAME = "封筒まとめてスキャン"
ENVELOPES = 3
INCOMPLETE = 1  # the second envelope lacks a required copy
# Fixed, whatever the demo's --seed: a copy of a 住民票 (a ruled A4 page) is taken by the page
# check for an unknown form (status unidentified, a person decides; a known gap of issue 19;
# enlarged single passport copies, seeds 11026 and 11028, are ID copies since
# ocr.page_kind's passport rule). This stack's copies are all told apart as attachments.
STACK_SEED = 11029


def envelope_name(k: int, n: int) -> str:
    """The document name of envelope ``k`` (1-based) of ``n`` (store.envelopes.child_name)."""
    from store.envelopes import child_name

    return child_name(f"{STACK_NAME}.pdf", k, n)


def make_stack(settings: Settings, staging: Path, echo: Callable[[str], None],
               seed: int = STACK_SEED) -> dict[str, dict]:
    """Write the stack PDF into the inbox; per-envelope truths keyed by document name."""
    from services.compose import load_templates
    from synth.generate import write_document
    from synth.stack import StackOptions, generate_stack

    templates = load_templates(settings)
    chosen = [templates[t] for t in ("onestop_2022", "onestop_legacy") if t in templates]
    if not chosen:
        return {}
    options = StackOptions(envelopes=ENVELOPES, missing=0.0, incomplete=(INCOMPLETE,), extra=0.0,
                           blank_back=0.0, upside_down=0.0, degrade=True)
    doc = generate_stack(chosen, seed, options, name=STACK_NAME)
    paths = write_document(doc, staging, "pdf")
    for p in paths:
        if p.suffix == ".pdf":
            p.rename(settings.inbox_root / p.name)
    echo(f"  サンプル作成: 封筒 {ENVELOPES} 通をまとめてスキャンした PDF"
         "（うち 1 通は本人確認書類の写しが不足）")
    return envelope_truths(doc.truth)


def envelope_truths(stack: dict[str, Any]) -> dict[str, dict]:
    """One truth per envelope of a stack truth (:func:`synth.stack.generate_stack`)."""
    envelopes = stack["envelopes"]
    out: dict[str, dict] = {}
    for k, env in enumerate(envelopes, start=1):
        pages = [dict(p) for p in stack["pages"][env["first"]:env["last"] + 1] if p["kind"] != "separator"]
        for p in pages:
            p.setdefault("fields", {})
            p.setdefault("template_page", None)
        name = envelope_name(k, len(envelopes))
        forms = [p for p in pages if p["kind"] == "form"]
        out[name] = {"document_id": name, "template_id": env["template_id"], "style": env.get("style") or "",
                     "complete": env["complete"], "pages": pages if forms else []}
    return out


def stack_line(settings: Settings, truths: dict[str, dict]) -> str:
    """``STACK envelopes=… split=… deficient=… held=… list=<不備一覧 path>``."""
    from sqlalchemy import select

    from forms.copy_rules import load_copy_rules
    from reports.deficiencies import deficiencies
    from store.db import database_url, make_engine, session_factory
    from store.envelopes import missing_copies
    from store.models import Document

    sf = session_factory(make_engine(database_url(settings)))
    rules = load_copy_rules(settings.templates_dir)
    with sf() as s:
        children = s.execute(select(Document.id, Document.template_id, Document.source_name)
                             .where(Document.parent_id.is_not(None))).all()
        held = missing_copies(s, [(c[0], c[1]) for c in children], rules)
    ours = {c[0] for c in children if c[2] in truths}
    listed = {d.document_id for d in deficiencies(sf, rules)} & ours
    path = settings.home / "reports" / "operations" / "deficiencies.csv"
    return (f"STACK envelopes={len(truths)} split={len(ours)} deficient={len(listed)} "
            f"held={len(held & ours)} list={path}")


def top_level_documents(settings: Settings) -> int:
    """Documents for dropped files (an envelope cut from a stack is not one)."""
    from sqlalchemy import func, select

    from store.db import database_url, make_engine, session_factory
    from store.models import Document

    sf = session_factory(make_engine(database_url(settings)))
    with sf() as s:
        count = s.scalar(select(func.count()).select_from(Document).where(Document.parent_id.is_(None)))
    return int(count or 0)
