"""Caption styles: TOML presets (``styles/*.toml``) loaded into a :class:`Style`.

A style is written in units that hold on every frame size: the font size is
a fraction of the video height, outline, shadow and box padding are
fractions of the font size, and margins are fractions of the picture measured
from the edge of the title-safe area. :func:`resolve` turns a style and a
frame size into pixels (:class:`Metrics`) for the ASS writer.

A user's style file may start from a preset with ``extends = "clean"`` and set
only what differs. Every key is checked: a misspelt key is an error naming it.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import CaptionkitError
from .fonts import LINE_HEIGHT_EM, styles_dir

Aspect = Literal["landscape", "portrait", "square"]
ASPECTS: tuple[Aspect, ...] = ("landscape", "portrait", "square")

#: How far libass's ``\\blur`` softens an edge, in multiples of the blur radius (a Gaussian is faint past 3).
BLUR_REACH = 3.0

#: Average advance of a character, in ems, used to fit a line of ``max_chars`` in the safe width.
_CHAR_WIDTH_EM = {"regular": 0.53, "bold": 0.57, "upper": 0.68}


# --------------------------------------------------------------------------- the style


@dataclass(frozen=True, slots=True)
class Font:
    family: str = "Noto Sans"
    bold: bool = False
    italic: bool = False
    #: Font size (as ASS and libass measure it: the height of a line) as a fraction of the
    #: video height; a table gives one per aspect.
    size: float | dict[str, float] = 0.055
    uppercase: bool = False
    #: Extra space between letters, as a fraction of the font size.
    spacing: float = 0.0


@dataclass(frozen=True, slots=True)
class Colours:
    """Colours as ``#RRGGBB`` or ``#RRGGBBAA`` (AA is the opacity, FF opaque)."""

    text: str = "#FFFFFF"
    outline: str = "#000000"
    shadow: str = "#00000080"
    box: str = "#000000A0"
    highlight: str = "#FFD400"


@dataclass(frozen=True, slots=True)
class Border:
    #: Outline width as a fraction of the font size.
    outline: float = 0.06
    #: Shadow offset as a fraction of the font size.
    shadow: float = 0.03
    #: Edge softness (libass ``\\blur``) as a fraction of the font size.
    blur: float = 0.0


@dataclass(frozen=True, slots=True)
class Box:
    enabled: bool = False
    #: Space between text and box edge, as a fraction of the font size.
    padding: float = 0.25


@dataclass(frozen=True, slots=True)
class Layout:
    align: Literal["left", "center", "right"] = "center"
    position: Literal["bottom", "middle", "top"] = "bottom"
    #: Extra distance from the title-safe edge, as a fraction of the video height.
    margin_v: float = 0.0
    #: Extra distance from the title-safe sides, as a fraction of the video width.
    margin_h: float = 0.0
    #: Longest line, in characters, per aspect; longer lines are broken again.
    max_chars: dict[str, int] = field(default_factory=lambda: {"landscape": 42, "portrait": 26, "square": 32})
    max_lines: int = 2
    #: Show at most this many words at a time (0 keeps the cues as they are).
    max_words: int = 0


@dataclass(frozen=True, slots=True)
class Highlight:
    #: ``none``; ``karaoke``: words turn to the highlight colour as they are spoken and stay so;
    #: ``word``: only the word being spoken is in the highlight colour.
    mode: Literal["none", "karaoke", "word"] = "none"
    #: With ``karaoke``: sweep the colour across each word (``\\kf``) instead of switching.
    sweep: bool = False


@dataclass(frozen=True, slots=True)
class Speakers:
    #: Text colour per speaker, given in order of first appearance; empty keeps ``colours.text``.
    colours: tuple[str, ...] = ()
    #: ``never`` or ``turn``: the speaker's name above the first cue of each turn.
    names: Literal["never", "turn"] = "never"
    name_colour: str = "#FFD400"
    #: Size of the name label as a fraction of the caption font size.
    name_size: float = 0.75


@dataclass(frozen=True, slots=True)
class SafeArea:
    """Title-safe insets as fractions of the picture (SMPTE ST 2046-1 title safe is 5 % a side)."""

    top: float = 0.05
    bottom: float = 0.05
    left: float = 0.05
    right: float = 0.05


#: Title-safe areas by aspect. 9:16 keeps clear of the caption, button and
#: progress-bar overlays of the social apps (bottom fifth, right edge).
DEFAULT_SAFE_AREAS: dict[str, SafeArea] = {
    "landscape": SafeArea(),
    "square": SafeArea(top=0.06, bottom=0.08, left=0.06, right=0.06),
    "portrait": SafeArea(top=0.10, bottom=0.20, left=0.07, right=0.09),
}


@dataclass(frozen=True, slots=True)
class Style:
    name: str
    description: str = ""
    font: Font = Font()
    colours: Colours = Colours()
    border: Border = Border()
    box: Box = Box()
    layout: Layout = Layout()
    highlight: Highlight = Highlight()
    speakers: Speakers = Speakers()
    safe_area: dict[str, SafeArea] = field(default_factory=lambda: dict(DEFAULT_SAFE_AREAS))
    #: Extra folder of font files the style needs besides the bundled ones.
    fonts_dir: Path | None = None


# --------------------------------------------------------------------------- loading

_SECTIONS = {
    "font": Font, "colours": Colours, "border": Border, "box": Box,
    "layout": Layout, "highlight": Highlight, "speakers": Speakers,
}
_TOP_KEYS = {"description", "extends", "safe_area", "fonts_dir", *_SECTIONS}


def list_styles() -> dict[str, str]:
    """The presets' names and one-line descriptions, sorted by name."""
    found = {}
    for path in sorted(styles_dir().glob("*.toml")):
        found[path.stem] = load_style(path).description
    return found


def load_style(name_or_path: str | Path | Style | None = None) -> Style:
    """A preset by name (``"clean"``), a style file by path, or a :class:`Style` as it is."""
    if isinstance(name_or_path, Style):
        return name_or_path
    return _load(name_or_path or "clean", chain=())


def for_language(style: Style, language: str | None) -> Style:
    """``style`` for text in ``language``: for Chinese and Korean, when the style's font has no CJK
    glyphs of its own, the bundled CJK face with the language's glyph forms becomes the style's font
    (:func:`~captionkit.style.fonts.language_family`), at the size that keeps the main font's em.
    Otherwise, as the fallback to Noto Sans CJK JP would, Chinese would take Japanese forms."""
    from .fonts import family_coverage, family_font, language_family

    family = language_family(language)
    face = family_font(family, style.fonts_dir) if family else None
    own = family_coverage(style.font.family, style.fonts_dir) or frozenset()
    if face is None or ord("\u4e00") in own:  # no such face installed, or the style's font draws Han itself
        return style
    ratio = face.scale / 100
    size = ({aspect: value * ratio for aspect, value in style.font.size.items()}
            if isinstance(style.font.size, Mapping) else style.font.size * ratio)
    return dataclasses.replace(style, font=dataclasses.replace(style.font, family=face.family, size=size))


def _load(name_or_path: str | Path, chain: tuple[str, ...]) -> Style:
    path = _locate(name_or_path)
    if str(path) in chain:
        raise CaptionkitError(f"{path}: 'extends' goes round in a circle; make one style stand on its own")
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CaptionkitError(f"{path}: not valid TOML ({error}); fix the style file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise CaptionkitError(f"{path}: cannot be read ({error}); check the style file") from error
    base = _load(table["extends"], chain + (str(path),)) if "extends" in table else None
    return _build(path, table, base)


def _locate(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    candidate = Path(text).expanduser()
    if candidate.suffix.lower() == ".toml" or candidate.is_file() or "/" in text or "\\" in text:
        if not candidate.is_file():
            raise CaptionkitError(f"{candidate}: no such style file; give a .toml style or a preset name")
        return candidate
    preset = styles_dir() / f"{text}.toml"
    if not preset.is_file():
        names = sorted(p.stem for p in styles_dir().glob("*.toml"))
        hint = difflib.get_close_matches(text, names, n=1)
        suggestion = f"did you mean '{hint[0]}'? " if hint else ""
        raise CaptionkitError(f"no style named '{text}': {suggestion}presets are {', '.join(names)}, or give a .toml path")
    return preset


def _build(path: Path, table: dict[str, Any], base: Style | None) -> Style:
    _check_keys(path, "", table, _TOP_KEYS)
    base = base or Style(name=path.stem)
    changes: dict[str, Any] = {"name": path.stem}
    if "description" in table:
        changes["description"] = str(table["description"])
    for section, cls in _SECTIONS.items():
        if section in table:
            changes[section] = _section(path, section, cls, table[section], getattr(base, section))
    if "safe_area" in table:
        areas = dict(base.safe_area)
        _check_keys(path, "safe_area", table["safe_area"], set(ASPECTS))
        for aspect, values in table["safe_area"].items():
            areas[aspect] = _section(path, f"safe_area.{aspect}", SafeArea, values, areas[aspect])
        changes["safe_area"] = areas
    if "fonts_dir" in table:
        folder = (path.parent / str(table["fonts_dir"])).resolve()
        if not folder.is_dir():
            raise CaptionkitError(f"{path}: fonts_dir {folder} is not a folder; fix the path (relative to the style file)")
        changes["fonts_dir"] = folder
    style = dataclasses.replace(base, **changes)
    _validate(path, style)
    return style


def _section(path: Path, name: str, cls: type, values: Any, base: Any) -> Any:
    if not isinstance(values, dict):
        raise CaptionkitError(f"{path}: [{name}] must be a table of settings")
    names = {f.name for f in dataclasses.fields(cls)}
    _check_keys(path, name, values, names)
    merged = {}
    for key, value in values.items():
        current = getattr(base, key)
        if isinstance(current, dict) and isinstance(value, dict):
            value = {**current, **value}
        elif isinstance(current, tuple) and isinstance(value, list):
            value = tuple(value)
        merged[key] = value
    return dataclasses.replace(base, **merged)


def _check_keys(path: Path, section: str, table: dict, allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, sorted(allowed), n=1)
            where = f"[{section}] " if section else ""
            suggestion = f"; did you mean '{hint[0]}'?" if hint else f"; known keys: {', '.join(sorted(allowed))}"
            raise CaptionkitError(f"{path}: unknown setting {where}'{key}'{suggestion}")


_COLOUR = re.compile(r"^#([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def _validate(path: Path, style: Style) -> None:
    colours = [*dataclasses.astuple(style.colours), *style.speakers.colours, style.speakers.name_colour]
    for colour in colours:
        if not isinstance(colour, str) or not _COLOUR.match(colour):
            raise CaptionkitError(f"{path}: colour {colour!r} is not #RRGGBB or #RRGGBBAA; fix the style file")
    sizes = style.font.size.values() if isinstance(style.font.size, dict) else [style.font.size]
    for size in sizes:
        if not 0.005 <= float(size) <= 0.5:
            raise CaptionkitError(f"{path}: font size {size} must be a fraction of the video height (e.g. 0.055)")
    choices = {
        "layout.align": (style.layout.align, ("left", "center", "right")),
        "layout.position": (style.layout.position, ("bottom", "middle", "top")),
        "highlight.mode": (style.highlight.mode, ("none", "karaoke", "word")),
        "speakers.names": (style.speakers.names, ("never", "turn")),
    }
    for key, (value, allowed) in choices.items():
        if value not in allowed:
            raise CaptionkitError(f"{path}: {key} = {value!r}; choose one of {', '.join(allowed)}")
    if style.layout.max_lines < 1 or style.layout.max_words < 0:
        raise CaptionkitError(f"{path}: layout.max_lines must be at least 1 and layout.max_words at least 0")


# --------------------------------------------------------------------------- pixels


def aspect_of(size: tuple[int, int]) -> Aspect:
    """``landscape`` (wider than 5:4), ``portrait`` (taller than 4:5) or ``square``."""
    width, height = size
    ratio = width / height
    if ratio > 1.25:
        return "landscape"
    if ratio < 0.8:
        return "portrait"
    return "square"


def parse_colour(colour: str) -> tuple[int, int, int, int]:
    """``#RRGGBB[AA]`` -> (r, g, b, opacity 0-255)."""
    digits = colour.lstrip("#")
    r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    opacity = int(digits[6:8], 16) if len(digits) == 8 else 255
    return r, g, b, opacity


@dataclass(frozen=True, slots=True)
class Metrics:
    """A style laid out on one frame size, in pixels (``font_size`` is the ASS size: a line height)."""

    width: int
    height: int
    aspect: Aspect
    font_size: float
    outline: float
    shadow: float
    blur: float
    margin_left: int
    margin_right: int
    margin_v: int
    max_chars: int
    safe: SafeArea


def resolve(style: Style, size: tuple[int, int]) -> Metrics:
    """Lay ``style`` out on a ``size`` frame: font size, borders, margins and line length in pixels.

    The margins keep all the ink inside the title-safe area: libass places the text box at the margin and
    draws the outline (or the box), the shadow and the blur outside it, so each margin is the safe inset
    plus what the style draws beyond the text on that side. The font is made smaller when a line of
    ``max_chars`` would not fit between the margins, so text is never clipped on narrow frames.
    """
    width, height = size
    aspect = aspect_of(size)
    safe = style.safe_area.get(aspect, DEFAULT_SAFE_AREAS[aspect])
    max_chars = int(_per_aspect(style.layout.max_chars, aspect))
    kind = "upper" if style.font.uppercase else ("bold" if style.font.bold else "regular")
    em = _CHAR_WIDTH_EM[kind] + style.font.spacing
    font_size = _per_aspect(style.font.size, aspect) * height
    left, right, _, _ = _ink_margins(style, safe, size, font_size)
    font_size = min(font_size, (width - left - right) / (max_chars * em) * LINE_HEIGHT_EM)
    left, right, top, bottom = _ink_margins(style, safe, size, font_size)
    return Metrics(
        width=width,
        height=height,
        aspect=aspect,
        font_size=font_size,
        outline=(style.box.padding if style.box.enabled else style.border.outline) * font_size,
        shadow=style.border.shadow * font_size,
        blur=style.border.blur * font_size,
        margin_left=left,
        margin_right=right,
        margin_v={"bottom": bottom, "top": top, "middle": 0}[style.layout.position],
        max_chars=max_chars,
        safe=safe,
    )


def _ink_margins(style: Style, safe: SafeArea, size: tuple[int, int], font_size: float) -> tuple[int, int, int, int]:
    """Left, right, top and bottom margins (pixels) that keep the ink of ``font_size`` text inside ``safe``."""
    width, height = size
    edge = (style.box.padding if style.box.enabled else style.border.outline) * font_size
    soft = BLUR_REACH * style.border.blur * font_size
    shadow = max(style.border.shadow * font_size, 0.0)
    return (
        math.ceil(width * (safe.left + style.layout.margin_h) + edge + soft),
        math.ceil(width * (safe.right + style.layout.margin_h) + edge + shadow + soft),
        math.ceil(height * (safe.top + style.layout.margin_v) + edge + soft),
        math.ceil(height * (safe.bottom + style.layout.margin_v) + edge + shadow + soft),
    )


def _per_aspect(value: float | Mapping[str, float], aspect: Aspect) -> float:
    if isinstance(value, Mapping):
        if aspect in value:
            return float(value[aspect])
        return float(value.get("landscape", next(iter(value.values()))))
    return float(value)
