"""The bundled fonts and which of them draws a character: where they are, and how libass sizes them."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from ..errors import CaptionkitError

#: Bundled fonts for scripts the main font lacks, and the scale that gives them the main font's em:
#: libass sizes a font by its line height (win ascent + descent), 1.362 em for Noto Sans and Noto Sans
#: Hebrew but 2.112 em for Noto Sans Arabic, whose letters would otherwise come out a third smaller.
SCRIPT_FONTS = {"arabic": ("Noto Sans Arabic", 155), "hebrew": ("Noto Sans Hebrew", 100)}

#: The bundled Noto Sans's line height in ems; an ASS font size is a line height, not an em.
LINE_HEIGHT_EM = 1.362


def styles_dir() -> Path:
    """The folder of the style presets and the bundled fonts (installed package or checkout)."""
    try:
        folder = Path(str(importlib.resources.files("captionkit.styles")))
    except ModuleNotFoundError:  # a checkout run without installing: styles/ sits beside the package
        folder = Path(__file__).resolve().parents[2] / "styles"
    if not folder.is_dir():
        raise CaptionkitError(f"the style presets folder {folder} is missing; reinstall captionkit")
    return folder


def fonts_dir() -> Path:
    """The bundled fonts (Noto Sans, Noto Sans Arabic, Noto Sans Hebrew; SIL OFL 1.1)."""
    return styles_dir() / "fonts"


def script_of(char: str) -> str | None:
    """``arabic`` or ``hebrew`` for letters the Latin font lacks; ``None`` otherwise."""
    code = ord(char)
    if 0x0600 <= code <= 0x08FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        return "arabic"
    if 0x0590 <= code <= 0x05FF or 0xFB1D <= code <= 0xFB4F:
        return "hebrew"
    return None
