"""Measuring where each clip really landed in the stitched output.

The output's frame timestamps give where each clip's first frame is; cross-correlating the
output's audio with each clip's (or the master's) audio gives where its sound is.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..media import audio_head, audio_window, load_audio, open_media, packet_frame_times
from .plan import Plan
from .stitch_clips import Clip

#: Sample rate of the decoded audio used to measure where each clip's sound lies.
MEASURE_RATE = 16000
#: Seconds of a clip's audio matched against the output, and how far from the expected place to look.
MEASURE_WINDOW = 4.0
MEASURE_SEARCH = 0.5
#: Seconds of each clip's audio decoded to find a window with sound in it.
MEASURE_HEAD = 6.0
#: Normalised correlation below which a match is not trusted (a wrong place is never reported as measured).
MIN_MATCH = 0.5


@dataclass(slots=True)
class Placement:
    """Where one clip sits in the output, as measured from the written file."""

    clip: Path
    frames: int  # frames the clip fills in the output
    adjustment: int  # frames added (+, last frame held) or cut (-) to fit its piece or its own length
    start: float  # nominal start (seconds)
    video_start: float  # measured: time of the clip's first frame in the output
    audio_start: float | None  # measured: where the clip's (or its piece's) sound time 0 lies in the output

    @property
    def av_offset(self) -> float | None:
        return None if self.audio_start is None else self.audio_start - self.video_start

    def to_dict(self) -> dict:
        return {
            "clip": str(self.clip), "frames": self.frames, "adjusted_frames": self.adjustment,
            "start": round(self.start, 6), "first_frame": round(self.video_start, 6),
            "sound_start": None if self.audio_start is None else round(self.audio_start, 6),
        }


def locate(
    audio: np.ndarray, reference: np.ndarray, expected: float, *, audio_start: float = 0.0,
    search: float = MEASURE_SEARCH,
) -> float | None:
    """Where ``reference`` best matches ``audio`` (which starts at ``audio_start`` s) within ``search`` s of ``expected``.

    Both are 16 kHz samples. Normalised cross-correlation by FFT; None when the
    reference is silent or the match is poor.
    """
    if len(reference) == 0 or float(np.sqrt(np.mean(reference**2))) < 1e-4:
        return None
    reach = round(search * MEASURE_RATE)
    first = round((expected - audio_start) * MEASURE_RATE) - reach
    begin = max(0, first)
    segment = audio[begin : first + 2 * reach + len(reference)]
    if len(segment) < len(reference):
        return None
    size = 1 << int(np.ceil(np.log2(len(segment) + len(reference))))
    correlation = np.fft.irfft(np.fft.rfft(segment, size) * np.conj(np.fft.rfft(reference, size)), size)
    lags = len(segment) - len(reference) + 1
    cumulative = np.concatenate([[0.0], np.cumsum(segment.astype(np.float64) ** 2)])
    energy = (cumulative[len(reference):] - cumulative[: -len(reference)])[:lags]
    score = correlation[:lags] / (np.sqrt(np.maximum(energy, 1e-12)) * np.linalg.norm(reference))
    best = int(np.argmax(score))
    if score[best] < MIN_MATCH:
        return None
    return audio_start + (begin + best) / MEASURE_RATE


def speech_window(audio: np.ndarray, start: float, limit: float) -> tuple[float, np.ndarray]:
    """The first ``MEASURE_WINDOW`` seconds from ``start`` (before ``limit``) that hold sound."""
    window = round(MEASURE_WINDOW * MEASURE_RATE)
    position = start
    while position < limit:
        first = round(position * MEASURE_RATE)
        piece = audio[first : min(first + window, round(limit * MEASURE_RATE))]
        if len(piece) and float(np.sqrt(np.mean(piece**2))) >= 1e-3:
            return position, piece
        position += MEASURE_WINDOW
    return start, np.zeros(0, np.float32)


def measure_placements(
    output: Path, clips: list[Clip], targets: list[int], fps: Fraction, plan: Plan | None,
    master_sources: list[Path],
) -> tuple[list[Placement], list[str]]:
    """Each clip's first-frame time (from the output's frame timestamps) and sound start (by correlation),
    and warnings about what could not be measured or does not match."""
    notes: list[str] = []
    frame_times = packet_frame_times(output)
    if len(frame_times) != sum(targets):
        notes.append(f"the output has {len(frame_times)} frames where {sum(targets)} were expected; check the clips")
    master = load_audio(master_sources[0], MEASURE_RATE) if len(master_sources) == 1 else None
    placements: list[Placement] = []
    position = 0
    with open_media(output) as container:
        for index, (clip, frames) in enumerate(zip(clips, targets)):
            nominal = float(position / fps)
            video_start = float(frame_times[position]) if position < len(frame_times) else nominal
            # the reference sound, where its time `origin` should land in the output, and where it ends
            if plan is not None:
                piece = plan.pieces[index]
                if master is not None:
                    reference, origin, limit = master, piece.start, piece.end
                else:
                    reference, origin, limit = load_audio(master_sources[index], MEASURE_RATE), 0.0, piece.duration
                expected = piece.start
            else:
                has_sound = clip.info.has_audio
                reference = (audio_head(clip.path, MEASURE_HEAD, MEASURE_RATE, stream=clip.audio_index or 0) if has_sound
                             else np.zeros(0, np.float32))
                origin, expected, limit = 0.0, video_start, frames / float(fps)  # the part that is kept
            at, window = speech_window(reference, origin, limit)
            around = expected + (at - origin)
            heard_from, heard = audio_window(
                container, around - MEASURE_SEARCH, len(window) / MEASURE_RATE + 2 * MEASURE_SEARCH, MEASURE_RATE
            )
            found = locate(heard, window, around, audio_start=heard_from)
            audio_start = None if found is None else found - (at - origin)
            adjustment = frames - clip.frames_at(fps)
            placements.append(Placement(clip.path, frames, adjustment, nominal, video_start, audio_start))
            position += frames
    return placements, notes + sync_warnings(placements, float(1 / fps))


def sync_warnings(placements: list[Placement], frame: float) -> list[str]:
    """A warning for every clip whose first frame is more than a frame from its sound."""
    notes = []
    for index, placement in enumerate(placements, start=1):
        if placement.av_offset is None:
            notes.append(f"clip {index}: its sound could not be located in the output (silent?); timing not measured")
        elif abs(placement.av_offset) > frame:
            notes.append(
                f"clip {index}: its first frame is {placement.av_offset * 1000:+.0f} ms from its sound (more than a frame)"
            )
    return notes
