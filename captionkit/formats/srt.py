"""SubRip (``.srt``) through pysrt.

Times are whole milliseconds; cue text is kept as written (tags such as
``<i>`` included), so SRT -> model -> SRT is lossless for text and times.
Cues are numbered from 1 when written; their order in the file is kept when
read (lint reports cues that are out of order).
"""

from __future__ import annotations

import os

import pysrt

from ..files import write_text_atomic
from ..model import Cue, Track


def milliseconds(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def timestamp(seconds: float) -> str:
    return str(pysrt.SubRipTime.from_ordinal(milliseconds(seconds)))


def dumps(track: Track) -> str:
    blocks = []
    for number, cue in enumerate(track.cues, start=1):
        text = "".join(f"{line}\n" for line in cue.lines if line.strip())
        blocks.append(f"{number}\n{timestamp(cue.start)} --> {timestamp(cue.end)}\n{text}")
    return "\n".join(blocks)


def parse(text: str, language: str | None = None) -> Track:
    cues = [
        Cue(
            start=item.start.ordinal / 1000,
            end=item.end.ordinal / 1000,
            lines=item.text.split("\n") if item.text.strip() else [],
        )
        for item in pysrt.SubRipFile.from_string(text)
    ]
    return Track(cues=cues, language=language or "en")


def write(track: Track, path: str | os.PathLike) -> None:
    write_text_atomic(path, dumps(track))


def read(path: str | os.PathLike, language: str | None = None) -> Track:
    from . import read_caption_text

    return parse(read_caption_text(path), language)
