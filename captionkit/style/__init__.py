"""Caption styles and layout, below formats and render.

- :mod:`.presets`: the :class:`Style` dataclasses, loading TOML presets and style files, and
  :func:`resolve`, which lays a style out in pixels on one frame size;
- :mod:`.fonts`: the bundled fonts, where they are and which one draws a character;
- :mod:`.layout`: re-cutting a track's cues into what one caption event shows (pure functions).
"""

from .fonts import LINE_HEIGHT_EM, SCRIPT_FONTS, fonts_dir, script_of, styles_dir
from .layout import Block, Token, layout_cues
from .presets import (
    ASPECTS,
    DEFAULT_SAFE_AREAS,
    Aspect,
    Border,
    Box,
    Colours,
    Font,
    Highlight,
    Layout,
    Metrics,
    SafeArea,
    Speakers,
    Style,
    aspect_of,
    for_language,
    list_styles,
    load_style,
    parse_colour,
    resolve,
)

__all__ = [
    "ASPECTS", "DEFAULT_SAFE_AREAS", "LINE_HEIGHT_EM", "SCRIPT_FONTS", "Aspect", "Block", "Border", "Box", "Colours",
    "Font", "Highlight", "Layout", "Metrics", "SafeArea", "Speakers", "Style", "Token", "aspect_of", "fonts_dir", "for_language", "layout_cues", "list_styles", "load_style", "parse_colour",
    "resolve", "script_of", "styles_dir",
]
