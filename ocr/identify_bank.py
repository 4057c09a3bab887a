"""What identification compares a page with, prepared once per set of template pages.

Matching a page's print against dozens of templates must not redo, per page, work
that depends only on the templates. A :class:`CandidateBank` holds, per template page:

* its blank's printed structure as a zero-mean unit vector, so a page is scored against
  many candidates with one matrix product;
* candidates with corner marks grouped by mark layout (and blank size): the page's marks
  are found and the page resampled once per group, not once per template;
* scanned candidates' layout fingerprints (~8 dpi) as one matrix per blank size, for the
  pre-filter that picks which few are aligned by their print (the costly step).

The arithmetic is the same as :func:`ocr.identify.correlation` (only the order of the
sums differs), so the same template wins.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock

import numpy as np

from ocr import identify


def _unit(v: np.ndarray) -> np.ndarray:
    """``v`` zero-mean with unit norm (all zeros stays zeros), as float32."""
    v = v.astype(np.float32, copy=False).ravel()
    v = v - v.mean()
    n = float(np.linalg.norm(v))
    return v / n if n else v


def structure_vector(img: np.ndarray) -> np.ndarray:
    return _unit(identify._structure(img))


@dataclass
class _MarkGroup:
    """Candidates with the same corner marks, page size and blank size: one alignment serves all."""

    marks: list  # list[domain.model.Mark]
    page_mm: tuple[float, float]
    size: tuple[int, int]  # blank width, height
    indices: list[int] = field(default_factory=list)
    matrix: np.ndarray | None = None  # one unit structure row per candidate


@dataclass
class CandidateBank:
    candidates: list[identify.StructureCandidate]
    groups: list[_MarkGroup] = field(default_factory=list)
    scanned: dict[tuple[int, ...], tuple[list[int], np.ndarray]] = field(default_factory=dict)
    vectors: dict[int, np.ndarray] = field(default_factory=dict)  # scanned: unit structure

    @classmethod
    def build(cls, candidates: list[identify.StructureCandidate]) -> CandidateBank:
        bank = cls(list(candidates))
        by_key: dict[tuple[object, ...], _MarkGroup] = {}
        prints: dict[tuple[int, ...], tuple[list[int], list[np.ndarray]]] = {}
        rows: dict[int, list[np.ndarray]] = {}
        for i, c in enumerate(candidates):
            if c.has_marks:
                key = (tuple((m.x, m.y, m.size) for m in c.marks), tuple(c.page_mm), c.blank.shape)
                if key not in by_key:
                    by_key[key] = _MarkGroup(c.marks, c.page_mm, (c.blank.shape[1], c.blank.shape[0]))
                    bank.groups.append(by_key[key])
                    rows[id(by_key[key])] = []
                by_key[key].indices.append(i)
                rows[id(by_key[key])].append(structure_vector(c.blank))
            else:
                bank.vectors[i] = structure_vector(c.blank)
                idx, fps = prints.setdefault(c.blank.shape, ([], []))
                idx.append(i)
                fps.append(_unit(identify.fingerprint(c.blank)))
        for g in bank.groups:
            g.matrix = np.vstack(rows[id(g)])
        bank.scanned = {shape: (idx, np.vstack(fps)) for shape, (idx, fps) in prints.items()}
        return bank

    def prefilter(self, gray: np.ndarray, keep: int) -> list[int]:
        """The ``keep`` scanned candidates whose layout fingerprint is closest to the page's."""
        n = sum(len(idx) for idx, _ in self.scanned.values())
        if n <= keep:
            return [i for idx, _ in self.scanned.values() for i in idx]
        scores: list[tuple[float, int]] = []
        for shape, (idx, fps) in self.scanned.items():
            page = _unit(identify._page_fingerprint(gray, shape))
            scores += zip((fps @ page).tolist(), idx, strict=True)
        order = sorted(scores, key=lambda t: (-t[0], t[1]))  # stable: the earlier template on a tie
        return sorted(i for _, i in order[:keep])

    def score(self, gray: np.ndarray, skew: float, keep: int) -> list[tuple[int, float]]:
        """(candidate index, correlation) for every candidate the page could be aligned to."""
        from ocr.align import align_by_marks, warp

        found: dict[int, float] = {}
        for g in self.groups:
            al = align_by_marks(gray, g.marks, g.page_mm, identify.STRUCTURE_DPI)
            if al is None or not al.ok or g.matrix is None:
                continue
            page = structure_vector(warp(gray, al, g.size))
            found.update(zip(g.indices, (g.matrix @ page).tolist(), strict=True))
        for i in self.prefilter(gray, keep):
            small = identify.aligned_small(gray, self.candidates[i], skew)
            if small is not None:
                found[i] = float(self.vectors[i] @ structure_vector(small))
        return sorted(found.items())  # candidate order, as the template list gives it


_BANKS: OrderedDict[int, tuple[tuple[int, ...], CandidateBank]] = OrderedDict()
_LOCK = Lock()
KEEP_BANKS = 4  # readers alive at once in one process (the worker's, a forced one, ...)


def bank_for(candidates: list[identify.StructureCandidate], remember: bool = True) -> CandidateBank:
    """The bank for this exact candidate list, built once and kept while it is in use."""
    if not remember:
        return CandidateBank.build(candidates)
    key = id(candidates)
    ids = tuple(id(c) for c in candidates)
    with _LOCK:
        hit = _BANKS.get(key)
        if hit is not None and hit[0] == ids:
            _BANKS.move_to_end(key)
            return hit[1]
    bank = CandidateBank.build(candidates)  # the bank holds the candidates: their ids stay theirs
    with _LOCK:
        _BANKS[key] = (ids, bank)
        _BANKS.move_to_end(key)
        while len(_BANKS) > KEEP_BANKS:
            _BANKS.popitem(last=False)
    return bank
