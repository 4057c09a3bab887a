"""Charts of the survey tables (matplotlib ``Figure`` objects, Agg canvas, no pyplot state).

Japanese text needs a Japanese font taken from a font *file*: :func:`japanese_font`
registers it with matplotlib's font manager and every chart is drawn with it (no
tofu boxes). No usable font file is an :class:`~domain.errors.ApplicationError`, not a
silent fallback to a Latin font.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from domain.errors import ApplicationError
from reports.survey import COUNT, MULTIPLE, NO_ANSWER, PERCENT, SCALE, Table

FONT_FILES: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
GRID_COLORS = ("#2c7bb6", "#abd9e9", "#e0e0e0", "#fdae61", "#d7191c", "#7f7f7f", "#bdbdbd")
BAR_COLOR, OTHER_COLOR = "#2c7bb6", "#9e9e9e"
_DARK = {GRID_COLORS[0], GRID_COLORS[4], GRID_COLORS[5]}
_NOT_OPTIONS = {"合計", "回答者数（n）"}


class FontNotFound(ApplicationError):
    """No Japanese font file: charts would show boxes instead of text."""


def japanese_font(path: Path | None = None) -> str:
    """Register a Japanese font file with matplotlib; return its family name."""
    for candidate in [path] if path is not None else list(FONT_FILES):
        if candidate is not None and candidate.is_file():
            font_manager.fontManager.addfont(str(candidate))
            return str(font_manager.FontProperties(fname=str(candidate)).get_name())
    raise FontNotFound(f"no Japanese font file found (tried {', '.join(map(str, FONT_FILES))}); "
                       "install fonts-ipaexfont or fonts-noto-cjk")


@contextmanager
def _style(font: str) -> Iterator[None]:
    with mpl.rc_context({"font.family": [font], "font.size": 10, "axes.unicode_minus": False,
                         "pdf.fonttype": 42, "ps.fonttype": 42}):
        yield


def bar_figure(table: Table, font: str) -> Figure:
    """Horizontal bars of one question (single or multiple choice): count and % per answer."""
    rows = table.frame[~table.frame.iloc[:, 0].isin(_NOT_OPTIONS)]
    labels = [str(x) for x in rows.iloc[:, 0]]
    counts = [int(x) for x in rows[COUNT]]
    pcts = [float(x) for x in rows[PERCENT]]
    with _style(font):
        fig = Figure(figsize=(7.5, 0.42 * len(labels) + 1.3), layout="constrained")
        ax = fig.subplots()
        colors = [OTHER_COLOR if lab in (MULTIPLE, NO_ANSWER) else BAR_COLOR for lab in labels]
        y = list(range(len(labels)))
        ax.barh(y, counts, color=colors)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        top = max(counts, default=0) or 1
        ax.set_xlim(0, top * 1.25)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for yi, c, p in zip(y, counts, pcts, strict=True):
            ax.text(c + top * 0.01, yi, f"{c}件（{p:.1f}%）", va="center", fontsize=9)
        ax.set_title(table.title, loc="left", fontsize=12)
        ax.set_xlabel("件数")
        ax.spines[["top", "right"]].set_visible(False)
    return fig


def grid_figure(table: Table, font: str) -> Figure:
    """100 % stacked bars of the 満足度 grid, one bar per item, labels on segments ≥ 5 %."""
    frame = table.frame
    parts = [*SCALE, MULTIPLE, NO_ANSWER]
    items = [str(x) for x in frame.iloc[:, 0]]
    totals = frame[parts].sum(axis=1).replace(0, 1)
    with _style(font):
        fig = Figure(figsize=(8.5, 0.55 * len(items) + 1.9), layout="constrained")
        ax = fig.subplots()
        y = list(range(len(items)))
        left = [0.0] * len(items)
        for part, color in zip(parts, GRID_COLORS, strict=True):
            share = (frame[part] / totals * 100).tolist()
            ax.barh(y, share, left=left, color=color, label=part, edgecolor="white", linewidth=0.5)
            ink = "white" if color in _DARK else "black"
            for yi, x0, s in zip(y, left, share, strict=True):
                if s >= 5:
                    ax.text(x0 + s / 2, yi, f"{s:.0f}%", ha="center", va="center", fontsize=8, color=ink)
            left = [a + b for a, b in zip(left, share, strict=True)]
        ax.set_yticks(y, items)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("割合（%）")
        ax.set_title(table.title, loc="left", fontsize=12)
        ax.legend(ncols=len(parts), loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=8,
                  frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    return fig


def figure_for(table: Table, font: str) -> Figure | None:
    if table.kind in ("single", "multi"):
        return bar_figure(table, font)
    if table.kind == "grid":
        return grid_figure(table, font)
    return None


def save_png(fig: Figure, path: Path, font: str, dpi: int = 110) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with _style(font):
        fig.savefig(path, format="png", dpi=dpi)
    return path


def render_charts(tables: Iterable[Table], out_dir: Path, font: str | None = None) -> dict[str, Path]:
    """A PNG per question and one for the 満足度 grid; ``{table key: path}``."""
    font = font or japanese_font()
    out: dict[str, Path] = {}
    for table in tables:
        fig = figure_for(table, font)
        if fig is not None:
            out[table.key] = save_png(fig, out_dir / f"{table.key}.png", font)
    return out


def write_pdf(tables: Iterable[Table], path: Path, font: str | None = None) -> Path:
    """Every chart on its own page of one PDF (fonts embedded as TrueType)."""
    from matplotlib.backends.backend_pdf import PdfPages

    font = font or japanese_font()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _style(font), PdfPages(path) as pdf:
        for table in tables:
            fig = figure_for(table, font)
            if fig is not None:
                pdf.savefig(fig)
    return path
