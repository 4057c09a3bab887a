"""A printed □ under a pen's mark: find the square frame inside a bigger blob of ink.

On a filled form (or a scan standing in for a blank) a cross or a tick often runs past
its box, and handwriting inside a box touches its sides: the box and the mark are then
one connected blob, bigger than the box and no longer a clean ring, so the plain square
test in :mod:`authoring.structure` loses it. Knowing the size of the page's clean
boxes, the frame is searched for inside the blob: the placement of a w x h square
whose four sides are each covered by ink along most of their length. Ink inside the
frame is the mark, not a reason to lose the box.
"""

from __future__ import annotations

import numpy as np

FRAME_COVER = 0.85  # each side of the frame is inked along this share of its length
SOLID = 0.85  # a frame this full of ink inside is a solid block (a registration mark), not a box


def side_band(size: int) -> int:
    """Thickness of the band each side is looked for in (a printed side of 1-3 px, a little off)."""
    return max(2, round(0.15 * size))


def _sliding_any(mask: np.ndarray, t: int, axis: int) -> np.ndarray:
    """any() over every run of t pixels along ``axis`` (length shrinks by t - 1)."""
    c = np.cumsum(mask.astype(np.int32), axis=axis)
    c = np.concatenate([np.zeros_like(np.take(c, [0], axis=axis)), c], axis=axis)
    n = mask.shape[axis]
    hi = np.take(c, np.arange(t, n + 1), axis=axis)
    lo = np.take(c, np.arange(0, n - t + 1), axis=axis)
    return np.asarray((hi - lo) > 0)


def _window_mean(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Mean over every run of k values along ``axis``."""
    c = np.cumsum(a.astype(np.float64), axis=axis)
    c = np.concatenate([np.zeros_like(np.take(c, [0], axis=axis)), c], axis=axis)
    n = a.shape[axis]
    return np.asarray((np.take(c, np.arange(k, n + 1), axis=axis)
                       - np.take(c, np.arange(0, n - k + 1), axis=axis)) / k)


def find_frame(blob: np.ndarray, w: int, h: int) -> tuple[int, int, float] | None:
    """The best placement (dx, dy, cover) of a w x h square frame on the bool ink ``blob``.

    ``cover`` is the least covered side's share; None when the blob is smaller than the
    frame or no placement reaches :data:`FRAME_COVER`, or the frame is solid inside."""
    bh, bw = blob.shape
    if bh < h or bw < w or w < 4 or h < 4:
        return None
    t = side_band(min(w, h))
    rows = _sliding_any(blob, t, axis=0)  # (bh - t + 1, bw): a horizontal side's band has ink
    cols = _sliding_any(blob, t, axis=1)  # (bh, bw - t + 1): a vertical side's band has ink
    row_cover = _window_mean(rows, w, axis=1)  # (bh - t + 1, bw - w + 1)
    col_cover = _window_mean(cols, h, axis=0)  # (bh - h + 1, bw - t + 1)
    ny, nx = bh - h + 1, bw - w + 1
    top = row_cover[:ny, :nx]
    bottom = row_cover[h - t:h - t + ny, :nx]
    left = col_cover[:ny, :nx]
    right = col_cover[:ny, w - t:w - t + nx]
    cover = np.minimum(np.minimum(top, bottom), np.minimum(left, right))
    dy, dx = np.unravel_index(int(np.argmax(cover)), cover.shape)
    best = float(cover[dy, dx])
    if best < FRAME_COVER:
        return None
    inner = blob[dy + t:dy + h - t, dx + t:dx + w - t]
    if inner.size and inner.mean() > SOLID:
        return None
    return int(dx), int(dy), best


def find_frames(blob: np.ndarray, w: int, h: int, most: int = 4) -> list[tuple[int, int, float]]:
    """Every w x h frame in the blob (a cross can run from one box into the next and join
    them): the best placement, then the best with that frame's area wiped, and so on."""
    rest = blob.copy()
    out: list[tuple[int, int, float]] = []
    for _ in range(most):
        hit = find_frame(rest, w, h)
        if hit is None:
            break
        out.append(hit)
        rest[hit[1]:hit[1] + h, hit[0]:hit[0] + w] = False
    return out
