"""SubRip (``.srt``).

Read as players read it: a timing line (``00:00:01,000 --> 00:00:02,500``) starts a cue even with no
blank line before it (a number just above it is the cue's number, not text); a blank line ends the cue's
text; cue numbers may be missing or wrong. Cues keep their file order here (``formats.load`` sorts them;
``lint`` reports the order).

Markup, on purpose:

- ``<i>``, ``<b>``, ``<u>`` (any case) are styling: kept in the cue text and written out as each format
  writes it (ASS ``{\\i1}``, VTT ``<i>``);
- ``<font ...>`` is dropped, keeping its text: colours and faces come from the caption style;
- ASS override blocks in SRT text (``{\\an8}``, ``{\\pos(x,y)}``, ``{\\i1}``) are dropped, keeping the
  text: placement comes from the style, and one warning per file says how many cues had them.

Written with cues numbered from 1 and times in whole milliseconds; text and times of captionkit's own
SRT (and of any SRT without font or override tags) round-trip exactly.
"""

from __future__ import annotations

import re
import warnings

from ..model import Cue, Track
from .base import file_reader, file_writer

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.:](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_INLINE = re.compile(r"<\s*(/?)\s*([ibu])\s*>", re.IGNORECASE)
_FONT = re.compile(r"<\s*/?\s*font\b[^>]*>", re.IGNORECASE)
_OVERRIDE = re.compile(r"\{\\[^}]*\}")


def milliseconds(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def timestamp(seconds: float) -> str:
    """``HH:MM:SS,mmm``."""
    total = milliseconds(seconds)
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d},{rest % 1000:03d}"


def dump(track: Track) -> str:
    blocks = []
    for number, cue in enumerate(track.cues, start=1):
        text = "".join(f"{line}\n" for line in cue.lines if line.strip())
        blocks.append(f"{number}\n{timestamp(cue.start)} --> {timestamp(cue.end)}\n{text}")
    return "\n".join(blocks)


def parse(text: str, language: str | None = None) -> Track:
    cues: list[Cue] = []
    lines: list[str] = []
    in_text = False
    overridden = 0
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n"):
        timing = _TIMING.match(raw)
        if timing:
            if lines and in_text and lines[-1].strip().isdigit():
                lines.pop()  # the next cue's number, written with no blank line before it
            if cues:
                overridden += _finish(cues[-1], lines)
            groups = timing.groups()
            cues.append(Cue(_seconds(*groups[:4]), _seconds(*groups[4:]), []))
            lines, in_text = [], True
        elif not raw.strip():
            in_text = False
        elif in_text:
            lines.append(raw)
    if cues:
        overridden += _finish(cues[-1], lines)
    if overridden:
        warnings.warn(f"{overridden} SRT cue(s) hold ASS override tags such as {{\\an8}}; they are dropped "
                      "(placement comes from the caption style)", stacklevel=2)
    return Track(cues=cues, language=language or "en")


def _finish(cue: Cue, lines: list[str]) -> int:
    """Set ``cue``'s lines from its raw text lines; 1 if override tags were dropped, else 0."""
    had_overrides = any(_OVERRIDE.search(line) for line in lines)
    cleaned = [_clean(line) for line in lines]
    cue.lines = [line for line in cleaned if line.strip()]
    return int(had_overrides)


def _clean(line: str) -> str:
    line = _OVERRIDE.sub("", _FONT.sub("", line))
    return _INLINE.sub(lambda match: f"<{match.group(1)}{match.group(2).lower()}>", line).rstrip()


def _seconds(hours: str | None, minutes: str, secs: str, fraction: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(fraction.ljust(3, "0")) / 1000


read = file_reader(parse)
write = file_writer(dump)
