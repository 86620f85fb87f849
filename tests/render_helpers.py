"""Helpers for the rendering tests: word-timed tracks, decoded frames, demuxed audio packets."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from captionkit.model import Cue, Word


def timed_cue(text: str, start: float, *, word: float = 0.3, gap: float = 0.05, speaker: str | None = None,
              pauses: dict[int, float] | None = None, lines: list[str] | None = None) -> Cue:
    """A cue whose words are spoken one after another from ``start`` (extra pause before word index i)."""
    words, clock = [], start
    for index, piece in enumerate(text.split()):
        clock += (pauses or {}).get(index, 0.0)
        words.append(Word(piece, clock, clock + word, speaker=speaker))
        clock += word + gap
    return Cue(start, words[-1].end + 0.2, lines or [text], speaker=speaker, words=words)


def frames(path: str | Path) -> list[tuple[float, np.ndarray]]:
    """Every decoded frame as (time in seconds, RGB array)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [(float(f.pts * stream.time_base), f.to_ndarray(format="rgb24")) for f in container.decode(stream)]


def audio_packets(path: str | Path) -> list[tuple[int | None, bytes]]:
    """The first audio stream's demuxed packets as (pts, payload), without decoding."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return [(p.pts, bytes(p)) for p in container.demux(stream) if p.size]


def changed_box(a: np.ndarray, b: np.ndarray, threshold: int = 0) -> tuple[int, int, int, int] | None:
    """The bounding box (x0, y0, x1, y1) of pixels that differ by more than ``threshold``, or None."""
    diff = np.abs(a.astype(int) - b.astype(int)).max(axis=2) > threshold
    if not diff.any():
        return None
    ys, xs = np.nonzero(diff)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
