"""WebVTT (``.vtt``).

Written with a ``WEBVTT`` header (``Language:`` and ``Kind: captions`` header
lines, as YouTube reads them), numbered cues, and a speaker's name as a
``<v Name>`` voice span on single-speaker cues, one per line on dual-speaker
cues (``speakers=False`` leaves them out). Text is escaped (``&amp; &lt; &gt;``). Reading keeps cue order,
takes the speaker from the voice span, drops cue settings, ``NOTE``/``STYLE``/
``REGION`` blocks and markup, and unescapes entities, so the model holds plain
text.
"""

from __future__ import annotations

import html
import re

from ..errors import CaptionkitError
from ..model import Cue, Track
from ..text import INLINE_TAG
from .base import file_reader, file_writer

_TIMESTAMP = r"(?:(\d+):)?(\d{2}):(\d{2})[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIMESTAMP}\s+-->\s+{_TIMESTAMP}")
_VOICE = re.compile(r"<v(?:\.[^ \t>]+)*[ \t]+([^>]+)>")
_TAG = re.compile(r"<[^>]*>")
_STYLING = re.compile(r"<(/?)([ibu])(?:\.[^ \t>]*)?>")  # <i>, </i>, <b.loud>: kept as <i>...


def timestamp(seconds: float) -> str:
    total = max(0, round(seconds * 1000))
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_keeping_styling(text: str) -> str:
    pieces = INLINE_TAG.split(text)  # text, closing slash, tag, text, ...
    out = [_escape(pieces[0])]
    for slash, tag, rest in zip(pieces[1::3], pieces[2::3], pieces[3::3]):
        out.append(f"<{slash}{tag}>{_escape(rest)}")
    return "".join(out)


def _plain_with_styling(line: str) -> str:
    """A cue payload line: styling kept as ``<i>``..., other tags dropped, entities decoded."""
    kept = _STYLING.sub(lambda match: f"\x00{match.group(1)}{match.group(2)}\x01", line)
    text = html.unescape(_TAG.sub("", kept))
    return text.replace("\x00", "<").replace("\x01", ">")


def dump(track: Track, speakers: bool = True) -> str:
    parts = [f"WEBVTT\nKind: captions\nLanguage: {track.language}\n"]
    for number, cue in enumerate(track.cues, start=1):
        lines = [_escape_keeping_styling(line) for line in cue.lines if line.strip()]
        if speakers and cue.speaker and lines:
            lines[0] = f"<v {_escape(cue.speaker)}>{lines[0]}"
        elif speakers and len(cue.speakers) == len(lines) == 2:  # a dual-speaker cue: one voice per line
            lines = [f"<v {_escape(name)}>{line}</v>" for name, line in zip(cue.speakers, lines)]
        text = "".join(f"{line}\n" for line in lines)
        parts.append(f"{number}\n{timestamp(cue.start)} --> {timestamp(cue.end)}\n{text}")
    return "\n".join(parts)


def _seconds(hours: str | None, minutes: str, secs: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def parse(text: str, language: str | None = None) -> Track:
    blocks = re.split(r"\n[ \t]*\n", text.strip("\n"))
    header = blocks[0]
    if not header.lstrip("\ufeff").startswith("WEBVTT"):
        raise CaptionkitError("not a WebVTT file: the first line must start with WEBVTT")
    header_language = re.search(r"^Language:\s*(\S+)", header, re.MULTILINE)
    cues = []
    for block in blocks[1:]:
        lines = block.split("\n")
        if lines and not _TIMING.match(lines[0]):
            lines = lines[1:]  # a cue identifier (or a NOTE/STYLE/REGION block, which has no timing)
        match = _TIMING.match(lines[0]) if lines else None
        if not match:
            continue
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        payload = "\n".join(lines[1:])
        voices = {name.strip() for name in _VOICE.findall(payload)}
        plain = [_plain_with_styling(line) for line in payload.split("\n")]
        cues.append(
            Cue(
                start=start,
                end=end,
                lines=[line for line in plain if line.strip()],
                speaker=html.unescape(voices.pop()) if len(voices) == 1 else None,
            )
        )
    return Track(cues=cues, language=language or (header_language.group(1) if header_language else "en"))


read = file_reader(parse)
write = file_writer(dump)
