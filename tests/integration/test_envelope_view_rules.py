"""The review screen's 書類不備 decision uses the required_copies of its own loaded templates
(the version the worker reads with), not a process-wide registry (issue 19)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import domain.completeness as completeness
from domain.copy_rule import CopyRule
from domain.model import PageReading
from domain.status import PageStatus
from forms.loader import load_template_versions
from review.envelope_view import copy_rules, deficiency_context
from store import ContentStore, Repository, make_engine, session_factory, upgrade

LICENSE_ONLY = CopyRule.model_validate({"身元確認": [["license"]]})


def _latest(versions: dict[tuple[str, int], Any], tid: str) -> tuple[str, int]:
    return max(k for k in versions if k[0] == tid)


def test_copy_rules_follow_the_loaded_templates_and_skip_a_newer_draft() -> None:
    versions = load_template_versions()
    key = _latest(versions, "onestop_2022")
    shipped = versions[key].required_copies
    assert shipped is not None and shipped != LICENSE_ONLY
    custom = {**versions, key: versions[key].model_copy(update={"required_copies": LICENSE_ONLY})}
    assert copy_rules(SimpleNamespace(forms=custom))["onestop_2022"] == LICENSE_ONLY  # type: ignore[arg-type]
    # a newer draft is not what the worker reads with: its rule is not the screen's either
    newer = {"version": key[1] + 1, "status": "draft", "required_copies": None}
    draft = versions[key].model_copy(update=newer)
    with_draft = {**custom, (key[0], key[1] + 1): draft}
    assert copy_rules(SimpleNamespace(forms=with_draft))["onestop_2022"] == LICENSE_ONLY  # type: ignore[arg-type]
    assert not hasattr(completeness, "declare")  # the transitional registry is gone


def test_the_deficiency_shown_is_decided_by_the_screens_templates(tmp_path: Path) -> None:
    versions = load_template_versions()
    key = _latest(versions, "onestop_2022")
    url = f"sqlite:///{tmp_path / 'yomitori.db'}"
    upgrade(url)
    repo = Repository(session_factory(make_engine(url)), ContentStore(tmp_path / "files"))
    src = tmp_path / "a.png"
    src.write_bytes(b"a")
    doc = repo.receive(repo.create_batch("b", "test"), "a.png", src).document_id
    assert repo.claim("w", 1, 60) == [doc]
    pages = [PageReading(index=0, status=PageStatus.READ, template_id="onestop_2022", template_version=key[1],
                         page_number=1, fields=[]),
             PageReading(index=1, status=PageStatus.NON_FORM, copy_kind="license", copy_confidence=0.95)]
    repo.save_reading(doc, "w", pages, [b"png0", b"png1"])
    shipped = deficiency_context(SimpleNamespace(repo=repo, forms=versions), doc)  # type: ignore[arg-type]
    assert shipped["applies"] and not shipped["complete"]  # a licence alone lacks the 個人番号確認書類
    assert any("個人番号確認書類" in r for r in shipped["reasons"])
    custom = {**versions, key: versions[key].model_copy(update={"required_copies": LICENSE_ONLY})}
    relaxed = deficiency_context(SimpleNamespace(repo=repo, forms=custom), doc)  # type: ignore[arg-type]
    assert relaxed["applies"] and relaxed["complete"] and relaxed["reasons"] == []
    none = {**versions, key: versions[key].model_copy(update={"required_copies": None})}
    assert not deficiency_context(SimpleNamespace(repo=repo, forms=none), doc)["applies"]  # type: ignore[arg-type]
