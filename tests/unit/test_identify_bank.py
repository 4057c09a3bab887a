"""Identification prepared once per template set scores exactly as aligning to each template did.

The reference below is the per-template loop identification used before the bank
(every marks candidate aligned and correlated on its own; the scanned ones ranked by
fingerprint, the closest aligned by their print). Pages: one of our forms rendered and
scanned without its QR code, real SDAPS and OMRChecker scans. Templates: the shipped
four, the two real forms, two more real blanks and rendered variants sharing mark layouts.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from forms.loader import load_templates
from ocr import identify
from ocr.identify_bank import bank_for
from ocr.page_identity import identify_page
from ocr.paper import whiten_outside_paper
from ocr.preprocess import estimate_skew
from ocr.reader import Reader

from realforms import (  # isort: skip
    NUS_BLANK, NUS_FILLED, SDAPS_BLANK, SDAPS_FILLED, fake_reader, gray_pages, scanned_template,
)

pytestmark = pytest.mark.slow
BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module("identify_cost")
    finally:
        sys.path.remove(str(BENCH))


def _reference(gray: np.ndarray, candidates: list[identify.StructureCandidate]
               ) -> list[tuple[int, str, float]]:
    """(rotation, template page, score) as the per-template loop computed them."""
    gray = whiten_outside_paper(gray)
    rotations = (0, 180) if gray.shape[0] >= gray.shape[1] else (90, 270)
    skew = estimate_skew(gray)
    out = []
    for rot in rotations:
        g = np.ascontiguousarray(np.rot90(gray, rot // 90)) if rot else gray
        scanned = [c for c in candidates if not c.has_marks]
        ranked = sorted(scanned, key=lambda c: -float(
            _unit(identify._page_fingerprint(g, c.blank.shape)) @ _unit(identify.fingerprint(c.blank))))
        keep = {id(c) for c in ranked[: identify.PREFILTER_KEEP]}
        for c in candidates:
            if c.has_marks or id(c) in keep:
                small = identify.aligned_small(g, c, skew)
                if small is not None:
                    out.append((rot, f"{c.identity.template_id} p{c.identity.page}",
                                identify.correlation(small, c.blank)))
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    v = v.astype(np.float64).ravel() - v.mean()
    return v / (np.linalg.norm(v) or 1.0)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, realdata: Path) -> tuple[Reader, dict[str, np.ndarray]]:
    bench = _bench()
    tmp = tmp_path_factory.mktemp("bank")
    shipped = load_templates(Path("templates"))
    templates = dict(shipped)
    templates["sdaps_debug"] = scanned_template("sdaps_debug", gray_pages(realdata / SDAPS_BLANK), tmp / "s")
    templates["nus_sheet"] = scanned_template("nus_sheet", gray_pages(realdata / NUS_BLANK), tmp / "n")
    for i, (rel, page) in enumerate(bench.OTHER_FORMS[:3]):
        blank = gray_pages(realdata / rel)[page]
        templates[f"other{i}"] = scanned_template(f"other{i}", [blank], tmp / f"o{i}")
    for n, how in enumerate(bench.TRANSFORMS[:4]):
        templates[f"variant{n:02d}"] = bench.variant(shipped["citizen_survey"], 1 + n % 2, n, how)
    pages = {"citizen_survey p1": bench._our_page(shipped["citizen_survey"], 1, 1),
             "sdaps_debug p2": gray_pages(realdata / SDAPS_FILLED)[1],
             "nus_sheet p1": gray_pages(sorted((realdata / NUS_FILLED).glob("*.jpg"))[0])[0]}
    return fake_reader(templates), pages


def test_the_bank_scores_every_candidate_as_the_per_template_loop(
        world: tuple[Reader, dict[str, np.ndarray]]) -> None:
    reader, pages = world
    candidates = reader.structure_candidates()
    bank = bank_for(candidates)
    assert len(bank.groups) < sum(c.has_marks for c in candidates)  # variants share their marks
    for expected, page in pages.items():
        ref = _reference(page, candidates)
        gray = whiten_outside_paper(page)
        skew = estimate_skew(gray)
        got = []
        for rot in (0, 180):
            g = np.ascontiguousarray(np.rot90(gray, rot // 90)) if rot else gray
            got += [(rot, f"{candidates[i].identity.template_id} p{candidates[i].identity.page}", s)
                    for i, s in bank.score(g, skew, identify.PREFILTER_KEEP)]
        assert [r[:2] for r in got] == [r[:2] for r in ref], expected  # the same candidates aligned
        assert np.allclose([r[2] for r in got], [r[2] for r in ref], atol=1e-4), expected
        best = max(ref, key=lambda r: r[2])
        found = identify_page(page, reader)
        assert isinstance(found, tuple), (expected, found)
        assert f"{found[0].id} p{found[1].page}" == best[1] == expected


def test_the_bank_is_built_once_per_candidate_list(world: tuple[Reader, dict[str, np.ndarray]]) -> None:
    reader, _ = world
    candidates = reader.structure_candidates()
    assert bank_for(candidates) is bank_for(reader.structure_candidates())
    assert bank_for(list(candidates)) is not bank_for(candidates)  # another list: its own bank
    assert bank_for(candidates[:3], remember=False) is not bank_for(candidates[:3], remember=False)
