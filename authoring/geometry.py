"""Pixel rectangles and the page-size guess used while drafting a template (pure)."""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4
WORK_DPI = 200  # drafting normalises every page to this resolution

# Paper sizes in mm (portrait). A and B series share one aspect ratio (√2), so the
# size is told apart by the resolution it implies (see :func:`guess_page_size`).
PAPER_MM: dict[str, tuple[float, float]] = {
    "A4": (210.0, 297.0),
    "A3": (297.0, 420.0),
    "A5": (148.0, 210.0),
    "B5": (182.0, 257.0),
    "B4": (257.0, 364.0),
    "Letter": (215.9, 279.4),
}
SCAN_DPIS = (150, 200, 240, 300, 400, 600)
ASPECT_TOLERANCE = 0.03


@dataclass(frozen=True)
class Rect:
    """Pixel rectangle: x0/y0 inclusive, x1/y1 exclusive (numpy slice style)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def area(self) -> int:
        return max(0, self.w) * max(0, self.h)

    def grow(self, d: int) -> Rect:
        return Rect(self.x0 - d, self.y0 - d, self.x1 + d, self.y1 + d)

    def clip(self, width: int, height: int) -> Rect:
        return Rect(max(0, self.x0), max(0, self.y0), min(width, self.x1), min(height, self.y1))

    def union(self, other: Rect) -> Rect:
        return Rect(min(self.x0, other.x0), min(self.y0, other.y0),
                    max(self.x1, other.x1), max(self.y1, other.y1))

    def intersection(self, other: Rect) -> int:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(0, w) * max(0, h)

    def iou(self, other: Rect) -> float:
        inter = self.intersection(other)
        total = self.area + other.area - inter
        return inter / total if total > 0 else 0.0

    def contains_point(self, x: float, y: float) -> bool:
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1

    def v_overlap(self, other: Rect) -> int:
        return max(0, min(self.y1, other.y1) - max(self.y0, other.y0))

    def h_overlap(self, other: Rect) -> int:
        return max(0, min(self.x1, other.x1) - max(self.x0, other.x0))


def union_all(rects: list[Rect]) -> Rect:
    out = rects[0]
    for r in rects[1:]:
        out = out.union(r)
    return out


@dataclass(frozen=True)
class PageSize:
    name: str  # "A4", "B5 landscape", "custom"
    width_mm: float
    height_mm: float
    dpi: float  # resolution the scan turned out to have


def guess_page_size(width_px: int, height_px: int, dpi_hint: float | None = None) -> PageSize:
    """The paper size of a scan from its aspect ratio and (hinted or plausible) resolution.

    With a resolution hint (file metadata, PDF render), the size whose dimensions fit
    it best wins. Without one, the size implying the most common scanner resolution
    wins (A4 at 200 dpi rather than B5 at 231 dpi). A scan whose aspect matches no
    paper size is taken as A4 wide ("custom").
    """
    landscape = width_px > height_px
    short_px, long_px = sorted((width_px, height_px))
    aspect = long_px / short_px
    best: tuple[float, str, float, float, float] | None = None
    for name, (w_mm, h_mm) in PAPER_MM.items():
        if abs(aspect / (h_mm / w_mm) - 1) > ASPECT_TOLERANCE:
            continue
        dpi = short_px / w_mm * MM_PER_INCH
        if dpi_hint:
            cost = abs(dpi / dpi_hint - 1)
        else:
            cost = min(abs(dpi / d - 1) for d in SCAN_DPIS) + (0.001 if name != "A4" else 0.0)
        if best is None or cost < best[0]:
            best = (cost, name, w_mm, h_mm, dpi)
    if best is None:
        w_mm = PAPER_MM["A4"][0]
        dpi = short_px / w_mm * MM_PER_INCH
        h_mm = round(long_px / short_px * w_mm, 1)
        name, w, h = "custom", w_mm, h_mm
    else:
        _, name, w, h, dpi = best
    if landscape:
        return PageSize(f"{name} landscape", h, w, dpi)
    return PageSize(name, w, h, dpi)
