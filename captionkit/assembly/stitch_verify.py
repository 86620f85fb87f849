"""``stitch --verify``: re-align the merged audio with the captions and report the offset after each join."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files import written_path
from ..model import Track, Word
from .plan import script_text
from .stitch_measure import Placement

#: Words at the end of the video whose median offset ``--verify`` reports.
VERIFY_WORDS = 9


@dataclass(slots=True)
class JoinCheck:
    """A ``--verify`` result: how far the captions are from the re-aligned speech after one join."""

    name: str  # "join 1" (the start of clip 2) ... or "end"
    time: float
    offset: float | None  # captions minus speech, seconds (median over the words of the clip after the join)
    words: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.time:.2f} s)"

    def to_dict(self) -> dict:
        return {"at": self.name, "time": round(self.time, 3),
                "offset": None if self.offset is None else round(self.offset, 4), "words": self.words}


def verify_joins(output: Path, track: Track, placements: list[Placement], *, model: str | None = None) -> list[JoinCheck]:
    """Re-align the merged audio with the captions' text; the caption offset just after each join and at the end.

    A join's offset is the median, over the words of the clip after it (the
    last few words for the end), of caption time minus re-aligned speech time:
    a stitching error moves a whole clip, while the aligner's own error
    (~25 ms a word) averages out. Captions without word times are checked by
    each cue's start against its first word.
    """
    import difflib

    from ..speech.align import align_script

    anchors = _caption_anchors(track)
    if not anchors:
        return []
    script = script_text([word for word, _ in anchors], track.language)
    model_option: dict[str, Any] = {"model": model} if model else {}  # no model: align_script's default
    alignment = align_script(written_path(output), script, sounds=False, progress_label="verifying", **model_option)
    spoken = [word for word in alignment.words if word.kind == "speech"]
    matcher = difflib.SequenceMatcher(
        a=[_token(word.text) for word, _ in anchors], b=[_token(word.text) for word in spoken], autojunk=False
    )
    pairs: list[tuple[float, float]] = []  # (caption time, speech time) of matched words with a caption time
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            caption_time = anchors[block.a + k][1]
            if caption_time is not None and spoken[block.b + k].probability > 0:
                pairs.append((caption_time, spoken[block.b + k].start))
    starts = [p.video_start for p in placements]
    checks = []
    for join in range(1, len(placements) + 1):
        if join < len(placements):  # every word of the clip after the join: a stitching error shifts them all
            name, time = f"join {join}", starts[join]
            following = starts[join + 1] if join + 1 < len(starts) else math.inf
            near = [pair for pair in pairs if time - 0.001 <= pair[0] < following - 0.001]
        else:
            near = pairs[-VERIFY_WORDS:]
            name, time = "end", near[0][0] if near else starts[-1]
        offsets = [caption - speech for caption, speech in near]
        checks.append(JoinCheck(name, time, statistics.median(offsets) if offsets else None, len(offsets)))
    return checks


def _token(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _caption_anchors(track: Track) -> list[tuple[Word, float | None]]:
    """Every caption word with the time the captions give it (None for a cue's later words without times)."""
    anchors: list[tuple[Word, float | None]] = []
    for cue in track.cues:
        if cue.words:
            anchors += [(word, word.start) for word in cue.words if word.kind == "speech"]
        else:
            tokens = " ".join(cue.lines).split()
            anchors += [(Word(token, cue.start, cue.end), cue.start if i == 0 else None) for i, token in enumerate(tokens)]
    return anchors
