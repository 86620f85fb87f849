"""Reading the caption file a render command was given (.srt .vtt .ass .ssa .json)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import CaptionkitError
from ..model import Track

CAPTION_SUFFIXES = (".srt", ".vtt", ".ass", ".ssa", ".json")


def read_captions(path: str | os.PathLike) -> Track:
    """The track in ``path``, read by ``captionkit.formats.load`` (.ass/.ssa by :func:`read_ass`)."""
    source = Path(path)
    if not source.is_file():
        raise CaptionkitError(f"{source}: no such caption file; check the path")
    suffix = source.suffix.lower()
    if suffix not in CAPTION_SUFFIXES:
        raise CaptionkitError(f"{source}: unknown caption format '{suffix}'; give {' '.join(CAPTION_SUFFIXES)}")
    if suffix in (".ass", ".ssa"):
        from ..formats.ass import read_ass

        return read_ass(source)
    try:
        from ..formats import load
    except ImportError as error:  # the format registry is another module's job
        raise CaptionkitError(f"{source}: reading {suffix} files needs captionkit.formats.load, "
                              "which this installation lacks; reinstall captionkit") from error
    return load(source)


def is_ass(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in (".ass", ".ssa")
