"""The bundled fonts and which of them draws a character: where they are, and how libass sizes them.

Besides the project's Noto Sans, Noto Sans Arabic and Noto Sans Hebrew (``styles/fonts``), Noto Sans CJK JP
comes from a PyPI package (:data:`CJK_FONT_PACKAGE`) and draws Japanese, Chinese and Korean; the Noto Sans
CJK collection (:data:`CJK_COLLECTION_PACKAGE`) adds the faces that draw Chinese and Korean in their own
glyph forms (:func:`language_family`: Simplified Chinese with Noto Sans CJK SC). The system's fonts are
never used. :func:`font_runs` picks, character by character, the font that has a glyph (read
from the fonts' cmaps with fontTools), so text the style's font cannot draw falls back to a bundled font
that can; :func:`missing_characters` names what no font draws (emoji, for one), so callers can warn
instead of burning empty boxes.
"""

from __future__ import annotations

import functools
import importlib.resources
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

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


# --------------------------------------------------------------------------- glyph coverage and fallback


@dataclass(frozen=True)
class FontFile:
    """One font captionkit may draw with: its family, its file (and face in a collection), its libass scale.

    ``scale`` (percent) gives the font the main font's em: libass sizes a font by its line height
    (OS/2 win ascent + descent), which differs between fonts.
    """

    family: str
    path: Path
    scale: int
    index: int = 0  # the face in a font collection (.ttc)


#: The PyPI package (a dependency) that carries Noto Sans CJK JP, which draws Japanese, Chinese and Korean.
CJK_FONT_PACKAGE = "noto_cjk_sans_jp_regular"
#: The order fallback fonts are tried in for a character the main font lacks.
FALLBACK_FAMILIES = ("Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans CJK JP")


#: The PyPI package (a dependency) with the Noto Sans CJK collection, whose faces draw Chinese and Korean
#: in their own glyph forms (Noto Sans CJK JP draws them, but with Japanese forms: 直, 骨, 说 differ).
CJK_COLLECTION_PACKAGE = "noto_cjk_sans_otc"
#: The collection's face for each language (or language and script or region) whose glyph forms differ
#: from Japanese; other languages (and a bare ``zh``'s fallback order) keep :data:`FALLBACK_FAMILIES`.
LANGUAGE_FAMILIES = {
    "zh": "Noto Sans CJK SC", "zh-hans": "Noto Sans CJK SC", "zh-cn": "Noto Sans CJK SC",
    "zh-sg": "Noto Sans CJK SC", "zh-hant": "Noto Sans CJK TC", "zh-tw": "Noto Sans CJK TC",
    "zh-hk": "Noto Sans CJK HK", "zh-mo": "Noto Sans CJK HK", "ko": "Noto Sans CJK KR",
}


def cjk_font() -> Path | None:
    """Noto Sans CJK JP from its PyPI package, or None when the package is missing."""
    return _package_font(CJK_FONT_PACKAGE, "NotoSansCJKjp-Regular.otf")


def cjk_collection() -> Path | None:
    """The Noto Sans CJK collection (.ttc) from its PyPI package, or None when the package is missing."""
    return _package_font(CJK_COLLECTION_PACKAGE, "NotoSansCJK-Regular.ttc")


def _package_font(package_name: str, file_name: str) -> Path | None:
    try:
        package = importlib.resources.files(package_name)
    except ModuleNotFoundError:
        return None
    path = Path(str(package)) / file_name
    return path if path.is_file() else None


def language_family(language: str | None) -> str | None:
    """The bundled family that draws ``language`` in its own glyph forms when Noto Sans CJK JP would not
    (``zh``, ``zh-Hans``, ``zh-CN``: Noto Sans CJK SC; ``zh-Hant``, ``zh-TW``: TC; ``ko``: KR), or None."""
    code = (language or "").replace("_", "-").lower()
    while code:
        if code in LANGUAGE_FAMILIES:
            return LANGUAGE_FAMILIES[code]
        code = code.rpartition("-")[0]  # zh-Hans-CN -> zh-Hans -> zh
    return None


def font_dirs() -> list[Path]:
    """Every folder of bundled fonts, for libass's font configuration (the project's, and the CJK packages')."""
    folders = [fonts_dir()]
    for path in (cjk_font(), cjk_collection()):
        if path is not None and path.parent not in folders:
            folders.append(path.parent)
    return folders


@functools.cache
def font_files(extra: Path | None = None) -> tuple[FontFile, ...]:
    """The bundled fonts (and those in ``extra``, a style's own fonts folder), regular weights first; of
    the CJK collection, the faces :data:`LANGUAGE_FAMILIES` names."""
    paths = sorted(fonts_dir().glob("*.[ot]tf"), key=lambda p: ("Bold" in p.name, p.name))
    cjk = cjk_font()
    if cjk is not None:
        paths.append(cjk)
    if extra is not None:
        paths += sorted(p for p in Path(extra).iterdir() if p.suffix.lower() in (".ttf", ".otf"))
    fonts = [font for path in paths if (font := _font_file(path)) is not None]
    collection = cjk_collection()
    if collection is not None:
        faces = [_font_file(collection, index) for index in range(_face_count(collection))]
        fonts += [face for face in faces if face is not None and face.family in LANGUAGE_FAMILIES.values()]
    return tuple(fonts)


def _face_count(path: Path) -> int:
    from fontTools.ttLib import TTCollection, TTLibError

    try:
        with TTCollection(str(path), lazy=True) as collection:
            return len(collection.fonts)
    except (OSError, TTLibError):
        return 0


def _font_file(path: Path, index: int = 0) -> FontFile | None:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True, fontNumber=index) as font:
            names = font["name"]
            family = str(names.getDebugName(16) or names.getDebugName(1))
            os2 = font["OS/2"]
            line_height = (os2.usWinAscent + os2.usWinDescent) / font["head"].unitsPerEm
    except (OSError, TTLibError, KeyError):
        return None
    return FontFile(family, path, round(100 * line_height / LINE_HEIGHT_EM), index)


@functools.cache
def coverage(path: Path, index: int = 0) -> frozenset[int]:
    """The code points the font in ``path`` (face ``index`` of a collection) has a glyph for."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True, fontNumber=index) as font:
        return frozenset(font.getBestCmap())


def family_coverage(family: str, extra: Path | None = None) -> frozenset[int] | None:
    """The code points a family draws (None when no bundled or style font has that family name)."""
    sets = [coverage(font.path, font.index) for font in font_files(extra) if font.family.lower() == family.lower()]
    return frozenset().union(*sets) if sets else None


def family_font(family: str, extra: Path | None = None) -> FontFile | None:
    """The bundled (or style) font of ``family``, the regular weight when there are several."""
    return next((font for font in font_files(extra) if font.family.lower() == family.lower()), None)


def _drawable(char: str) -> bool:
    """Characters that need a glyph: not white space, not an invisible format mark (RLM, ZWJ...)."""
    return not char.isspace() and unicodedata.category(char) not in ("Cf", "Cc")


def fallback_for(char: str, extra: Path | None = None) -> FontFile | None:
    """The first bundled font (in :data:`FALLBACK_FAMILIES` order) that draws ``char``."""
    fonts = font_files(extra)
    for family in FALLBACK_FAMILIES:
        for font in fonts:
            if font.family == family and ord(char) in coverage(font.path, font.index):
                return font
    return None


def font_runs(text: str, family: str, extra: Path | None = None) -> list[tuple[FontFile | None, str]]:
    """``text`` cut into runs drawn by one font: ``None`` for the main ``family``, else the fallback font.

    A character the main font lacks is drawn by the first bundled font that has it; punctuation,
    digits and spaces stay in the font of the run they are in (so a right-to-left run shapes as one).
    A character no font has stays in the main font (see :func:`missing_characters`).
    """
    main = family_coverage(family, extra)
    runs: list[tuple[FontFile | None, str]] = []
    current: FontFile | None = None
    for char in text:
        chosen = current
        if _drawable(char) and (char.isalnum() or current is None
                                or ord(char) not in coverage(current.path, current.index)):
            if main is None or ord(char) in main:
                chosen = None
            else:
                chosen = fallback_for(char, extra)
        if runs and chosen == current:
            runs[-1] = (current, runs[-1][1] + char)
        else:
            runs.append((chosen, char))
            current = chosen
    return runs


def missing_characters(text: str, family: str, extra: Path | None = None) -> list[str]:
    """The characters of ``text`` that neither ``family`` nor any bundled font can draw, each once."""
    main = family_coverage(family, extra)
    missing: list[str] = []
    for char in text:
        if (_drawable(char) and char not in missing and (main is None or ord(char) not in main)
                and fallback_for(char, extra) is None):
            missing.append(char)
    return missing


def describe_characters(chars: list[str]) -> str:
    """``'😀' (U+1F600), '★' (U+2605)`` for a warning."""
    return ", ".join(f"'{char}' (U+{ord(char):04X})" for char in chars)


def glyph_warning(texts: Iterable[str], family: str, extra: Path | None = None) -> str | None:
    """A one-line warning naming the characters of ``texts`` no font can draw, or None when all can be drawn."""
    missing: list[str] = []
    for text in texts:
        missing += [char for char in missing_characters(text, family, extra) if char not in missing]
    if not missing:
        return None
    return (f"{len(missing)} character{'s' if len(missing) > 1 else ''} cannot be drawn by {family} or any bundled "
            f"font and would show as empty boxes: {describe_characters(missing)}; change the text or add a font "
            "that has them to the style's fonts_dir")
