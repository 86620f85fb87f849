"""Burn captions on inference.sh with the ``infsh/caption-videos`` app.

The app takes no caption file: it takes ``segments`` (``[{start, end, text}]``)
and a handful of text options (font from a fixed list, size, colour, stroke,
background, position, margins, alignment). The cues are laid out with the
style first (line length per aspect ratio, a few words at a time for
``social``, upper case, speaker names) so each segment is what one caption
shows; the style is then mapped onto the app's options as closely as they
allow, and what they cannot express is returned as warnings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import MediaError
from ..formats.ass import speaker_label
from ..media import probe
from ..model import Track
from ..render.burn import probe_video
from ..style import Style, load_style, resolve, script_of
from ..style.layout import layout_cues
from ..text import strip_inline_tags
from .client import DEFAULT_TIMEOUT, Client, InfshError, connect

APP = "infsh/caption-videos"
OUTPUT_FIELD = "captioned_video"
#: The fonts the app offers.
FONTS = (
    "Roboto", "Open Sans", "Lato", "Montserrat", "Oswald", "Source Sans Pro", "Raleway", "Ubuntu", "Merriweather",
    "Playfair Display", "Poppins", "Noto Sans", "Rubik", "Alef", "Work Sans", "Nunito", "Fira Sans", "Quicksand",
    "PT Sans",
)


@dataclass(slots=True)
class CaptionedVideo:
    path: Path
    task_id: str | None
    warnings: list[str] = field(default_factory=list)


def caption_video(
    video: str | os.PathLike,
    track: Track,
    out: str | os.PathLike,
    *,
    style: Style | str | Path = "clean",
    speaker_names: dict[str, str] | None = None,
    client: Client | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> CaptionedVideo:
    """Caption ``video`` with ``track`` on inference.sh and download the result to ``out`` atomically."""
    source = Path(video)
    info, size = probe_video(source, "caption")
    resolved = load_style(style)
    segment_list = segments(track, resolved, size, speaker_names=speaker_names)
    options, warnings = style_options(resolved, size, track)
    client = client or connect()
    result = client.run(APP, {"video_file": source, "segments": segment_list, **options}, timeout=timeout)
    output = result.output or {}
    if OUTPUT_FIELD not in output:
        raise InfshError(f"{APP} returned no {OUTPUT_FIELD} (fields: {', '.join(output) or 'none'}); "
                         "the app may have changed")
    path = client.download(output[OUTPUT_FIELD], out, what="captioned video")
    try:
        captioned = probe(path)
    except MediaError as error:
        path.unlink(missing_ok=True)
        raise InfshError(f"{APP} returned a file that is not a video ({error}); try again") from error
    if not captioned.has_video:
        path.unlink(missing_ok=True)
        raise InfshError(f"{APP} returned a file without video; try again")
    return CaptionedVideo(path=path, task_id=result.id, warnings=warnings)


def segments(
    track: Track, style: Style, size: tuple[int, int], *, speaker_names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The track laid out with ``style`` on a ``size`` frame, one ``{start, end, text}`` per caption shown."""
    metrics = resolve(style, size)
    blocks = layout_cues(track, max_chars=metrics.max_chars, max_lines=style.layout.max_lines,
                         max_words=style.layout.max_words, uppercase=style.font.uppercase)
    result = []
    for block in blocks:
        lines = [strip_inline_tags(" ".join(token.text for token in line)) for line in block.lines]
        if style.speakers.names == "turn" and block.turn_start:
            speaker = block.speaker or next(t.word.speaker for t in block.tokens if t.word and t.word.speaker)
            lines.insert(0, speaker_label(speaker, speaker_names or {}))
        result.append({"start": round(block.start, 3), "end": round(block.end, 3), "text": "\n".join(lines)})
    return result


def style_options(style: Style, size: tuple[int, int], track: Track | None = None) -> tuple[dict[str, Any], list[str]]:
    """The app's options closest to ``style`` on a ``size`` frame, and warnings naming what is lost."""
    metrics = resolve(style, size)
    warnings: list[str] = []
    text = " ".join(cue.text for cue in track.cues) if track else ""
    scripts = {script for char in text if (script := script_of(char))}
    font = style.font.family if style.font.family in FONTS else "Noto Sans"
    if "hebrew" in scripts:
        font = "Alef"
    if font != style.font.family:
        warnings.append(f"font '{style.font.family}' is not offered by {APP}; using '{font}'")
    if "arabic" in scripts:
        warnings.append(f"none of {APP}'s fonts is known to draw Arabic; check the result or use --engine ffmpeg")
    if style.font.bold or style.font.italic:
        warnings.append(f"{APP} has no bold or italic; the text is drawn in the regular face")
    options: dict[str, Any] = {
        "font": font,
        "font_size": max(1, round(metrics.font_size)),
        "font_color": _hex(style.colours.text),
        "stroke_color": _hex(style.colours.outline),
        "stroke_width": 0 if style.box.enabled or metrics.outline <= 0 else max(1, round(metrics.outline)),
        "bg_color": _hex(style.colours.box) if style.box.enabled else "transparent",
        "position": f"{style.layout.align}-{style.layout.position}".replace("middle", "center"),
        "margin_horizontal": metrics.margin_left,
        "margin_vertical": metrics.margin_v,
        "text_align": style.layout.align,
        "fix_whisper_30s_timestamps": False,
    }
    if style.highlight.mode != "none":
        warnings.append(f"{APP} cannot highlight the spoken word; captions are shown without the highlight")
    if style.box.enabled:
        warnings.append(f"{APP} draws the box as a plain opaque background: no translucency or padding")
    if style.border.shadow > 0 or style.border.blur > 0:
        warnings.append(f"{APP} has no shadow or soft edge; only the outline is kept")
    if style.speakers.colours and track is not None and len({c.speaker for c in track.cues if c.speaker}) > 1:
        warnings.append(f"{APP} has one text colour; speaker colours are lost")
    if style.speakers.names == "turn":
        warnings.append(f"{APP} draws speaker names in the caption's own font and colour")
    return options, warnings


def _hex(colour: str) -> str:
    """``#RRGGBBAA`` -> ``#RRGGBB`` (the app takes no opacity)."""
    return colour[:7].upper()
