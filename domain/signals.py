"""Names of the evidence a field's decision sees besides its engine score (pure).

The reader records these on every :class:`~domain.model.FieldReading` (``signals``);
the calibration's per-kind model weighs them, and the page gate compares the
``page_*`` ones with the range the calibration covered. Keeping the names in one
place lets the reader, the calibration fit and the tests agree on them.
"""

from __future__ import annotations

# --- field: text recognition
SCORE = "score"  # the engine's confidence (product over characters), as FieldReading.confidence
MIN_CHAR = "min_char"  # lowest per-character confidence
MEAN_CHAR = "mean_char"  # mean per-character confidence
N_CHARS = "n_chars"  # characters read
OUTSIDE = "outside"  # largest probability mass outside the field's alphabet
EDGE_INK = "edge_ink"  # share of the field's new ink touching the box edge (cut-off writing)
# a second, independent reading of digit strings (ocr.digits): 1.0 same digits, else similarity
AGREE = "agree"
AGREE_EXACT = "agree_exact"  # 1.0 when the two readings give the same digit string
SECOND_CONF = "second_conf"  # lowest per-digit confidence of the second reading
# a third classifier (ocr.digit_check) on the second reading's cut: its least probability of
# the OCR's digits (absent when the cut holds another number of digits); not a model input
THIRD_CONF = "third_conf"
# --- field: calibration bookkeeping, never a model input
RULE_ISSUE = "rule_issue"  # 1.0 when a rule flagged the field: it goes to staff whatever it scores
# --- field: marks (OMR)
OMR_MARGIN = "omr_margin"  # best minus second-best option probability (checkbox: |p - 0.5| * 2)
# --- page (copied onto every field of the page)
ALIGN_QUALITY = "page_align"  # 0..1, how well the page was mapped onto its template
ALIGN_BY_MARKS = "page_marks"  # 1.0 aligned on corner marks, 0.0 on printed structure
SHARPNESS = "page_sharp"  # variance of the Laplacian over ink, scaled (blur lowers it)
CONTRAST = "page_contrast"  # paper level minus ink level, 0..1
BINARY = "page_binary"  # share of pixels at pure black or white (1-bit / fax-style pages → 1)
SHADING = "page_shading"  # spread of the paper level over the page (uneven light, photos)
COLOUR_INK = "page_colour"  # share of the page that was red ink (a seal) and was dropped

PAGE_SIGNALS = (ALIGN_QUALITY, ALIGN_BY_MARKS, SHARPNESS, CONTRAST, BINARY, SHADING, COLOUR_INK)

# Which page signals the gate checks, and in which direction a page can fall outside
# what the calibration covered: "low" = below the covered range is unsafe, "high" = above.
GATED: dict[str, str] = {
    ALIGN_QUALITY: "low",
    SHARPNESS: "low",
    CONTRAST: "low",
    SHADING: "high",
    COLOUR_INK: "high",
}


def kind_feature(kind: str) -> str:
    """The indicator feature naming a field kind inside a pooled model."""
    return f"kind={kind}"
