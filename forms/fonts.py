"""Registry of the Debian font files used to print forms and to imitate handwriting.

Nothing is opened at import time; :func:`pil_font` loads (and caches) a face on demand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont

from domain.errors import ApplicationError

log = logging.getLogger(__name__)

FontStyle = Literal["printed", "handwriting"]


@dataclass(frozen=True)
class FontSpec:
    """One font face: a file (and face index inside a .ttc) plus its Debian package."""

    name: str
    path: Path
    index: int = 0
    style: FontStyle = "printed"
    package: str = ""

    def exists(self) -> bool:
        return self.path.is_file()


PRINTED: tuple[FontSpec, ...] = (
    FontSpec(
        "IPAexGothic",
        Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
        package="fonts-ipaexfont-gothic",
    ),
    FontSpec(
        "IPAexMincho",
        Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
        package="fonts-ipaexfont-mincho",
    ),
    # Face 0 of the collection is 'Noto Sans CJK JP' (1 KR, 2 SC, 3 TC, 4 HK).
    FontSpec(
        "NotoSansCJKJP",
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        index=0,
        package="fonts-noto-cjk",
    ),
    FontSpec(
        "BIZUDGothic",
        Path("/usr/share/fonts/truetype/bizud-gothic/BIZUDGothic-Regular.ttf"),
        package="fonts-morisawa-bizud-gothic",
    ),
)

HANDWRITING: tuple[FontSpec, ...] = (
    FontSpec(
        "Kiloji",
        Path("/usr/share/fonts/truetype/kiloji/kiloji.ttf"),
        style="handwriting",
        package="fonts-kiloji",
    ),
    FontSpec(
        "KleeOne",
        Path("/usr/share/fonts/truetype/klee/KleeOne-Regular.ttf"),
        style="handwriting",
        package="fonts-klee",
    ),
    # YOzRN_ = YOzFont, regular weight, plain (N) pen style.
    FontSpec(
        "YOzFont",
        Path("/usr/share/fonts/truetype/yozvox-yozfont/YOzRN_.ttf"),
        style="handwriting",
        package="fonts-yozvox-yozfont",
    ),
    FontSpec(
        "SetoFont",
        Path("/usr/share/fonts/truetype/seto/setofont.ttf"),
        style="handwriting",
        package="fonts-seto",
    ),
)

ALL_FONTS: tuple[FontSpec, ...] = PRINTED + HANDWRITING


class FontMissingError(ApplicationError):
    """A font file the engine needs is not installed."""


def _missing_message(specs: tuple[FontSpec, ...] | list[FontSpec]) -> str:
    packages = " ".join(sorted({s.package for s in specs if s.package}))
    names = ", ".join(s.name for s in specs)
    return f"font(s) not installed: {names}; install with: apt-get install -y {packages}"


def available_fonts(style: FontStyle) -> list[FontSpec]:
    """Installed fonts of one style, in registry order (missing files are logged and skipped)."""
    specs = [s for s in ALL_FONTS if s.style == style]
    found = [s for s in specs if s.exists()]
    missing = [s for s in specs if not s.exists()]
    if missing:
        log.warning(_missing_message(missing))
    if not found:
        raise FontMissingError(_missing_message(specs))
    return found


def font_by_name(name: str) -> FontSpec:
    """The registered font called ``name`` (KeyError if unknown)."""
    for spec in ALL_FONTS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def form_font() -> FontSpec:
    """The font used to print the blank form: IPAexGothic, else Noto Sans CJK JP."""
    candidates = (font_by_name("IPAexGothic"), font_by_name("NotoSansCJKJP"))
    for spec in candidates:
        if spec.exists():
            return spec
    raise FontMissingError(_missing_message(candidates))


@lru_cache(maxsize=256)
def pil_font(spec: FontSpec, size_px: int) -> ImageFont.FreeTypeFont:
    """A Pillow font for ``spec`` at ``size_px`` pixels (cached)."""
    if not spec.exists():
        raise FontMissingError(_missing_message([spec]))
    return ImageFont.truetype(str(spec.path), max(1, int(size_px)), index=spec.index)
