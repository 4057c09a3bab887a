"""Is a page we could not identify a form, or positively something else?

A page with no QR code, no marks and a print that matches no template is not thereby
"not a form": a phone photo of one of our forms with its corners cut off looks just
like that. So ``non_form`` needs positive evidence, measured here on the page alone:

* **card copy**: one to four card-shaped rectangles (an ID card is 85.6 x 54 mm,
  aspect 1.59, often enlarged on the copier) holding nearly all the ink, with most
  of the page empty;
* **little ink and no form structure**: a short note, a stamp, a page with a few
  lines of text and no ruling.

A page with long ruled lines, many boxes, or a partial match of a template's print
looks like a form: it is ``unidentified`` and goes to a person, never dropped.

Everything is measured on a copy scaled to :data:`WORK_LONG_SIDE` px on its long
side, with the paper level divided out (shaded phone photos, grey copies).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

WORK_LONG_SIDE = 1000  # px: ~85 dpi for A4, enough for rules and card edges
SHEET_COVER = (0.4, 0.97)  # a photographed sheet covers this share of the image
DESK_LEVEL = 0.7  # a background at most this bright relative to the sheet's paper
INK_LEVEL = 0.72  # darker than this share of the local paper level is ink
LINE_LEVEL = 0.85  # thin printed rules go grey when scaled down: a lighter cut for structure
CARD_LEVEL = 0.95  # anything darker than this (a card's grey body too) is "not paper"
A4_LONG_MM = 297.0
SQUARE_MM = (2.5, 15.0)  # side of a printed checkbox / digit cell
MIN_LINE_FRAC = 0.12  # a ruled line spans at least this share of the page's width/height

# Card: ID-1 is 85.6 x 54 mm (aspect 1.585); a copy may be enlarged up to ~1.4x.
CARD_ASPECT = (1.35, 1.85)
CARD_LONG_SIDE = (0.25, 0.80)  # share of the page's short side (A4 width)
CARD_RECTANGULARITY = 0.85  # contour area / its rotated rectangle's area
CARD_MAX_COVER = 0.6  # the cards cover at most this share of the page
# A passport's data page (125 x 88 mm, aspect 1.42) copied at up to 1.5x spans up to 0.97 of
# the page's short side: beyond CARD_LONG_SIDE it counts only when shaped like one and holding
# a photo (a solid blob, as ocr.id_copy.text_lines tells a photo from print) and the page has
# no form ruling; a form's frame of that size holds print and rules, no photo.
PASSPORT_ASPECT = (1.35, 1.5)
PASSPORT_LONG_SIDE = 0.97
PHOTO_HEIGHT = (0.25, 0.75)  # a photo's height, as a share of the card's (passport: ~0.5)
PHOTO_WIDTH = (0.12, 0.4)  # its width, as a share of the card's (passport: ~0.28)
PHOTO_FILL = 0.6  # "not paper" over its bounding box (a photo is solid, print is not)
PHOTO_SIDE = 0.45  # it lies within this share of the card's width from the left (or right) edge
CARD_MIN_INK_INSIDE = 0.93  # share of the page's ink inside the cards

# Form-likeness. Measured on our four templates' pages with marks and QR painted out
# (clean, scanned, photographed at 4°): rules 0-14.8 page widths, ruled cells 0-15,
# checkbox squares 3-33 (a survey page with no ruling has 31-33); the SDAPS scans in
# the shared real data: rules 1.9-12 widths, squares 0-42; ID copies: rules 0.8-2.4
# widths (the card edges), cells 0-2, squares 0; notes and letters: 0 / 0 / 0.
FORM_RULE_WIDTHS = 2.0  # total horizontal rule length, in page widths
FORM_RULES_BOTH = 3.0  # horizontal plus vertical rules (page widths + page heights)
FORM_BOXES = 4  # closed ruled cells
FORM_SQUARES = 4  # printed checkboxes
PARTIAL_MATCH = 0.12  # print correlation with the best template page
LOW_INK = 0.02  # share of inked page area under which a page with no structure is "little ink"


@dataclass(frozen=True)
class PageKind:
    """What the page alone says about itself."""

    ink: float  # share of the page area that is ink
    rule_widths: float  # total length of horizontal ruled lines, in page widths
    rule_heights: float  # total length of vertical ruled lines, in page heights
    boxes: int  # closed rectangular cells formed by the ruling
    squares: int  # small empty printed squares (checkboxes, digit cells), 2.5-15 mm
    cards: int  # card-shaped rectangles that hold nearly all the ink (0: not a card copy)
    structure_score: float | None = None  # best template print correlation, when one was tried

    @property
    def card_copy(self) -> bool:
        return self.cards > 0

    @property
    def form_like(self) -> bool:
        """Long rules, many boxes, or a partial match of a template's print."""
        partial = self.structure_score is not None and self.structure_score >= PARTIAL_MATCH
        return (self.rule_widths >= FORM_RULE_WIDTHS or self.boxes >= FORM_BOXES
                or self.squares >= FORM_SQUARES
                or self.rule_widths + self.rule_heights >= FORM_RULES_BOTH or partial)

    @property
    def non_form(self) -> bool:
        """Positive evidence that this is not a form (else a person looks at it)."""
        if self.card_copy:
            return True
        return self.ink < LOW_INK and not self.form_like

    @property
    def reason(self) -> str:
        """English detail for the log and the page's reason (no content, only measures)."""
        what = ("card-shaped copy" if self.card_copy else
                "little ink and no form structure" if self.non_form else
                "looks like a form" if self.form_like else "no evidence it is not a form")
        score = "" if self.structure_score is None else f", print match {self.structure_score:.2f}"
        return (f"{what} (ink {self.ink:.3f}, rules {self.rule_widths:.1f}w/{self.rule_heights:.1f}h, "
                f"boxes {self.boxes}, squares {self.squares}, cards {self.cards}{score})")


def _work_copy(gray: np.ndarray) -> np.ndarray:
    """Scaled to WORK_LONG_SIDE and divided by the local paper level (0..1, paper = 1).

    A page photographed on a desk: everything outside the sheet counts as paper.
    """
    f = WORK_LONG_SIDE / max(gray.shape[:2])
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    k = 25  # wider than any stroke at this scale, narrower than a shading gradient
    paper = cv2.dilate(small, np.ones((k, k), np.uint8))
    sheet = _sheet(paper)
    if sheet is not None:
        paper = np.where(sheet, paper, np.uint8(np.median(paper[sheet]))).astype(np.uint8)
    paper = cv2.GaussianBlur(paper, (0, 0), k / 2).astype(np.float32)
    level = np.clip(small.astype(np.float32) / np.maximum(paper, 1.0), 0.0, 1.0)
    if sheet is not None:
        inner = cv2.erode(sheet.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
        level[~inner] = 1.0
    return level


def _sheet(paper: np.ndarray) -> np.ndarray | None:
    """The sheet of paper when it lies on a darker background (a photo on a desk), else None.

    The bright region of the paper level (ink already filtered out) must be one
    quadrilateral covering most of the image, not a blob cut off by shading.
    """
    _, bright = cv2.threshold(paper, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    c = max(contours, key=cv2.contourArea)
    area, total = cv2.contourArea(c), paper.shape[0] * paper.shape[1]
    if not SHEET_COVER[0] * total <= area <= SHEET_COVER[1] * total:
        return None
    quad = cv2.approxPolyDP(c, 0.02 * cv2.arcLength(c, True), True)
    if len(quad) != 4 or cv2.contourArea(quad) < 0.97 * area:
        return None
    inside = float(np.median(paper[bright > 0]))
    outside = float(np.median(paper[bright == 0]))
    if outside > DESK_LEVEL * inside:  # not a background, just darker paper
        return None
    mask = np.zeros(paper.shape, np.uint8)
    cv2.drawContours(mask, [quad], -1, (1,), thickness=-1)
    return mask > 0


def _deskew(level: np.ndarray) -> np.ndarray:
    from ocr.preprocess import deskew, estimate_skew

    img = (level * 255).astype(np.uint8)
    return deskew(img, estimate_skew(img)).astype(np.float32) / 255.0


def _rules(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Horizontal and vertical ruled-line masks, and their total lengths in page widths/heights."""
    h, w = ink.shape
    u8 = ink.astype(np.uint8)
    lh, lv = max(8, int(w * MIN_LINE_FRAC)), max(8, int(h * MIN_LINE_FRAC))
    horiz = cv2.morphologyEx(cv2.dilate(u8, np.ones((3, 1), np.uint8)), cv2.MORPH_OPEN,
                             np.ones((1, lh), np.uint8))
    vert = cv2.morphologyEx(cv2.dilate(u8, np.ones((1, 3), np.uint8)), cv2.MORPH_OPEN,
                            np.ones((lv, 1), np.uint8))
    h_len = _line_length(horiz, axis=1) / w
    v_len = _line_length(vert, axis=0) / h
    return horiz, vert, h_len, v_len


def _line_length(mask: np.ndarray, axis: int) -> float:
    """Total length of line segments (each component's extent along ``axis``)."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return 0.0
    col = cv2.CC_STAT_WIDTH if axis == 1 else cv2.CC_STAT_HEIGHT
    across = cv2.CC_STAT_HEIGHT if axis == 1 else cv2.CC_STAT_WIDTH
    ext = stats[1:, col].astype(np.float64)
    thick = stats[1:, across].astype(np.float64)
    lines = thick <= np.maximum(12.0, ext * 0.1)  # a filled block is not a line
    return float(ext[lines].sum())


def _boxes(horiz: np.ndarray, vert: np.ndarray) -> int:
    """Closed rectangular cells in the ruling (holes bounded by rules on four sides)."""
    grid = cv2.bitwise_or(horiz, vert)
    grid = cv2.dilate(grid, np.ones((3, 3), np.uint8))
    contours, hierarchy = cv2.findContours(grid, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return 0
    h, w = grid.shape
    n = 0
    for c, hier in zip(contours, hierarchy[0], strict=True):
        if hier[3] < 0:  # outer contour, not a hole
            continue
        _, _, bw, bh = cv2.boundingRect(c)
        if bw < 0.01 * w or bh < 0.008 * h or bw * bh > 0.8 * w * h:
            continue
        if cv2.contourArea(c) >= 0.8 * bw * bh:
            n += 1
    return n


def _squares(lines: np.ndarray) -> int:
    """Small empty printed squares (checkboxes, digit cells): square holes in the print."""
    contours, hierarchy = cv2.findContours(lines, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return 0
    mm = max(lines.shape) / A4_LONG_MM  # px per mm, taking the page for A4 (A3/B4: a bit smaller)
    n = 0
    for c, hier in zip(contours, hierarchy[0], strict=True):
        if hier[3] < 0:
            continue
        _, _, bw, bh = cv2.boundingRect(c)
        if not (SQUARE_MM[0] * mm <= min(bw, bh) and max(bw, bh) <= SQUARE_MM[1] * mm):
            continue
        if 0.75 <= bw / bh <= 1.33 and cv2.contourArea(c) >= 0.75 * bw * bh:
            n += 1
    return n


def _cards(level: np.ndarray, ink: np.ndarray) -> tuple[int, bool]:
    """Card-shaped rectangles holding nearly all of the page's ink (0 when not a card copy),
    and whether one of them is an enlarged passport page (:func:`_enlarged_passport`)."""
    h, w = level.shape
    body = cv2.morphologyEx((level < CARD_LEVEL).astype(np.uint8), cv2.MORPH_CLOSE,
                            np.ones((7, 7), np.uint8))
    contours, _ = cv2.findContours(body, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    short = min(h, w)
    cards = np.zeros((h, w), np.uint8)
    n = 0
    cover = 0.0
    passport = False
    for c in contours:
        (_, _), (rw, rh), _ = cv2.minAreaRect(c)
        long_side, short_side = max(rw, rh), min(rw, rh)
        if short_side <= 0 or not CARD_LONG_SIDE[0] * short <= long_side <= PASSPORT_LONG_SIDE * short:
            continue
        if not CARD_ASPECT[0] <= long_side / short_side <= CARD_ASPECT[1]:
            continue
        if cv2.contourArea(c) < CARD_RECTANGULARITY * rw * rh:
            continue
        if long_side > CARD_LONG_SIDE[1] * short:
            if not _enlarged_passport(c, level, long_side / short_side):
                continue
            passport = True
        cv2.drawContours(cards, [c], -1, (1,), thickness=-1)
        n += 1
        cover += rw * rh
    if n == 0 or n > 4 or cover > CARD_MAX_COVER * h * w:
        return 0, False
    total = float(ink.sum())
    if total == 0:
        return 0, False
    inside = float(ink[cv2.dilate(cards, np.ones((9, 9), np.uint8)) > 0].sum())
    return (n, passport) if inside / total >= CARD_MIN_INK_INSIDE else (0, False)


def _enlarged_passport(contour: np.ndarray, level: np.ndarray, aspect: float) -> bool:
    """A card too long for an ID-1 copy: a passport page only if shaped like one, with a photo."""
    if not PASSPORT_ASPECT[0] <= aspect <= PASSPORT_ASPECT[1]:
        return False
    x, y, w, h = cv2.boundingRect(contour)
    m = max(2, int(0.03 * min(w, h)))  # the card's own edge is not its content
    inner = level[y + m: y + h - m, x + m: x + w - m]
    if inner.size == 0:
        return False
    if inner.shape[0] > inner.shape[1]:  # the photo sits at the page's left edge, as the page reads
        inner = np.ascontiguousarray(np.rot90(inner))
    ih, iw = inner.shape
    # the photo (its grey box or the silhouette in it) is "not paper" like the card body's print
    _, _, stats, _ = cv2.connectedComponentsWithStats((inner < CARD_LEVEL).astype(np.uint8), connectivity=8)
    x0, bw, bh, area = (stats[1:, k] for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT,
                                                cv2.CC_STAT_AREA))
    portrait = (bh >= PHOTO_HEIGHT[0] * ih) & (bh <= PHOTO_HEIGHT[1] * ih) & (bw >= PHOTO_WIDTH[0] * iw) \
        & (bw <= PHOTO_WIDTH[1] * iw) & (bh >= bw) & (area >= PHOTO_FILL * bw * bh)
    side = (x0 + bw <= PHOTO_SIDE * iw) | (x0 >= (1 - PHOTO_SIDE) * iw)  # left, or right when turned
    return bool(np.any(portrait & side))


def _despeckle(ink: np.ndarray, min_area: int = 4) -> np.ndarray:
    """Ink without specks (dust, JPEG and scanner noise)."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep[labels].astype(np.uint8)


def assess(gray: np.ndarray, structure_score: float | None = None) -> PageKind:
    """Measure how form-like (or card-like) an unidentified page is (gray, any resolution)."""
    level = _deskew(_work_copy(gray))
    h, w = level.shape
    mh, mw = int(h * 0.03), int(w * 0.03)  # scanner edges and photo borders are not content
    level = level[mh: h - mh, mw: w - mw]
    lines = (level < LINE_LEVEL).astype(np.uint8)  # thin rules are one grey pixel wide here
    horiz, vert, h_len, v_len = _rules(lines)
    ink = _despeckle((level < INK_LEVEL).astype(np.uint8))
    cards, passport = _cards(level, ink)
    kind = PageKind(ink=round(float(ink.mean()), 4), rule_widths=round(h_len, 2),
                    rule_heights=round(v_len, 2), boxes=_boxes(horiz, vert),
                    squares=_squares(_despeckle(lines)), cards=cards, structure_score=structure_score)
    if passport and kind.form_like:  # a frame that large with a form's ruling is a form's, not a card
        return replace(kind, cards=0)
    return kind
