"""The strict cross-check acceptance with the real OCR models and the real worker (issue 19).

An envelope (a ワンストップ form and a copy of the person's My Number card, front and back)
is read by the worker with the real recogniser. The reader is uncalibrated, so every
field waits for a person for its score alone; with name, birth date and address allowed,
the fields whose printed copy agrees exactly are confirmed with an audit row, each equal
to what the form says, and the My Number (no template policy) still waits for a person.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from domain.copy_accept import (
    ACCEPT_FIELDS,
    ACCEPT_REASON,
    RULE_VERSION,
    ambiguous,
    proven_fields,
    strict_address,
    strict_name,
)
from domain.copy_evidence import EVIDENCE_ACTOR
from domain.model import FormTemplate
from ocr.reader import Reader
from services.compose import COPY_ACCEPT_FILE
from services.worker import run_worker
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from store.envelopes import children_of
from store.models import FieldResult, ReviewAction
from synth.generate import SynthOptions, generate_document
from synth.id_copies import copy_page, who_from_truth

pytestmark = [pytest.mark.model, pytest.mark.slow]
OPTS = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0, style="printed")
SEED = 61022  # a person whose name and address hold no 異体字-prone character (asserted below)
REPO = Path(__file__).resolve().parents[2]


def _norm(value: object) -> object:
    if isinstance(value, dict) and "iso" in value:
        return str(value["iso"])[:10]
    return value


def test_exactly_agreeing_fields_are_confirmed_audited_and_right(templates: dict[str, FormTemplate],
                                                                real_reader: Reader, tmp_path: Path) -> None:
    t = templates["onestop_2022"]
    doc = generate_document(t, SEED, OPTS)
    truth = {fid: f["value"] for fid, f in doc.truth["pages"][0]["fields"].items()}
    assert not ambiguous(strict_name(truth["full_name"]) or "") and strict_name(truth["full_name"])
    assert not ambiguous(strict_address(truth["address"]) or "") and strict_address(truth["address"])
    rng, nrng = random.Random(SEED), np.random.default_rng(SEED)
    size = (doc.pages[0].shape[1], doc.pages[0].shape[0])
    cards, _ = copy_page("mynumber_front+mynumber_back", size, nrng, rng, 200,
                         who=who_from_truth(doc.truth["pages"][0]["fields"]))
    scan = tmp_path / "envelope.tiff"
    frames = [Image.fromarray(p) for p in (doc.pages[0], cards)]
    frames[0].save(scan, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate",
                   dpi=(200, 200))
    url = f"sqlite:///{tmp_path / 'yomitori.db'}"
    upgrade(url)
    repo = Repository(session_factory(make_engine(url)), ContentStore(tmp_path / "files"))
    parent = repo.receive(repo.create_batch("envelope", "test"), scan.name, scan).document_id
    reader = replace(real_reader, copy_accept_fields=frozenset(ACCEPT_FIELDS))
    run_worker(repo, repo.files, reader, lease_seconds=600)

    ids = [c.id for c in children_of(repo.sessions, parent)] or [parent]
    assert len(ids) == 1
    fields = {f.field_id: f for f in repo.fields(ids[0])}
    with repo.sessions() as s:
        audited = {fid for fid, in s.execute(
            select(FieldResult.field_id).join(ReviewAction, ReviewAction.field_result_id == FieldResult.id)
            .where(ReviewAction.actor == EVIDENCE_ACTOR, ReviewAction.reason == ACCEPT_REASON))}
    accepted = {fid for fid in ACCEPT_FIELDS if fields[fid].status == "confirmed"}
    assert accepted == audited  # every acceptance is in the audit trail, nothing else is confirmed
    assert "full_name" in accepted  # the card's printed name agrees exactly with the form's
    for fid in accepted:  # what the copy accepted is what the form says
        assert _norm(fields[fid].value) == _norm(truth[fid]), fid
    assert fields["my_number"].status == "needs_review"  # its template policy is off
    stored = repo.document(ids[0]).copy_check_json or ""  # type: ignore[union-attr]
    assert json.loads(stored)["full_name"] == "agree" and truth["full_name"] not in stored


def test_the_shipped_reader_accepts_only_what_the_shipped_evidence_proves() -> None:
    """The production reader (shipped calibration) takes the fields the shipped evidence
    proves, and only when that evidence was measured with this rule and this calibration."""
    from config.settings import get_settings
    from services.compose import build_reader, load_calibration

    path = REPO / "calibration" / COPY_ACCEPT_FILE
    body = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    shipped = load_calibration(get_settings())
    assert shipped is not None
    reader = build_reader()
    assert reader.calibration is not None and reader.calibration.version == shipped.version
    current = body.get("rule_version") == RULE_VERSION and body.get("calibration") == shipped.version
    assert reader.copy_accept_fields == (proven_fields(body["fields"]) if current else frozenset())
    assert "my_number" not in reader.copy_accept_fields
