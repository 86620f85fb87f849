"""Cue timing rules as pure functions on whole frames.

Every time is converted to a frame number once (:func:`frame_ceil`,
:func:`frame_nearest`) and the rules work on integers, so "2 frames" and
"on a frame boundary" are exact at any frame rate. The passes, in order
(standards.md §1.3, Subtitle Edit's Netflix checks):

1. :func:`place_in_times`: a cue starts on the first frame at or after its
   first word, and at least ``gap + 1`` frames after the previous cue starts.
2. :func:`snap_in_times` (with shot changes): an in-time less than H frames
   (H = half a second) after a cut moves onto it; one 1 to 0.75·H-1 frames
   before a cut moves onto it; one 0.75·H to H-1 frames before a cut moves to
   H frames before it. This is the one case where a cue may start before its
   first word (by less than half a second), as the Netflix guidelines ask.
3. :func:`place_out_times`: a cue ends when its speech ends, extended to the
   minimum duration and to what the reading speed needs, but never later than
   the maximum duration or ``gap`` frames before the next cue.
4. :func:`chain_gaps`: a gap of ``chain`` frames or less (0.5 s) closes to
   exactly ``gap`` frames, so cues do not flicker.
5. :func:`snap_out_times` (with shot changes): an out-time less than H frames
   before or after a cut moves to the cut minus ``gap`` frames, or, when that
   would make the cue too short, clear of the cut (H frames after it, or
   chained to the next cue if that starts within ``chain`` frames of there).

A move that would break an earlier rule (order, gap, minimum duration,
reading speed, maximum duration) is not made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

#: Times within half a millisecond of a frame boundary count as on it (formats keep milliseconds).
TIME_TOLERANCE = 0.0005


@dataclass(frozen=True)
class TimingRules:
    """A profile's timing limits in frames at one frame rate."""

    fps: float
    min_frames: int
    max_frames: int
    gap_frames: int
    chain_frames: int

    @property
    def shot_frames(self) -> int:
        """H: half a second in frames, the shot-change snapping distance."""
        return max(1, round(self.fps / 2))

    @classmethod
    def from_profile(cls, profile, fps: float) -> "TimingRules":
        return cls(
            fps=fps,
            min_frames=seconds_to_frames_up(profile.min_duration, fps),
            max_frames=max(1, math.floor(profile.max_duration * fps + 1e-6)),
            gap_frames=profile.min_gap_frames,
            chain_frames=round(profile.chain_gap * fps),
        )


@dataclass(frozen=True)
class Span:
    """What timing needs to know about one cue, in frames."""

    speech_in: int   # first frame at or after the first word starts
    speech_out: int  # first frame at or after the last word ends
    need: int        # the shortest duration the rules allow (min duration, reading speed)


def frame_ceil(seconds: float, fps: float) -> int:
    """The first frame boundary at or after ``seconds`` (within half a millisecond)."""
    return max(0, math.ceil((seconds - TIME_TOLERANCE) * fps))


def frame_nearest(seconds: float, fps: float) -> int:
    return max(0, round(seconds * fps))


def frame_time(frame: int, fps: float) -> float:
    return frame / fps


def seconds_to_frames_up(seconds: float, fps: float) -> int:
    """Whole frames covering at least ``seconds`` (tolerating float noise)."""
    return max(0, math.ceil(seconds * fps - 1e-6))


def time_cues(spans: Sequence[Span], rules: TimingRules, shot_changes: Sequence[int] = ()) -> list[tuple[int, int]]:
    """In and out frames for each span, after all the passes in the module docstring."""
    cuts = sorted(set(shot_changes))
    ins = place_in_times(spans, rules)
    if cuts:
        ins = snap_in_times(ins, spans, cuts, rules)
    outs = place_out_times(ins, spans, rules)
    outs = chain_gaps(ins, outs, rules)
    if cuts:
        outs = snap_out_times(ins, outs, spans, cuts, rules)
    return list(zip(ins, outs))


def place_in_times(spans: Sequence[Span], rules: TimingRules) -> list[int]:
    ins: list[int] = []
    for span in spans:
        earliest = ins[-1] + rules.gap_frames + 1 if ins else 0
        ins.append(max(span.speech_in, earliest))
    return ins


def snap_in_times(ins: Sequence[int], spans: Sequence[Span], cuts: Sequence[int], rules: TimingRules) -> list[int]:
    h = rules.shot_frames
    red_zone = max(1, round(0.75 * h))
    result = list(ins)
    for i, in_frame in enumerate(ins):
        cut = _nearest(cuts, in_frame)
        if cut is None or cut == in_frame:
            continue
        if cut < in_frame < cut + h:
            target = cut
        elif 0 < cut - in_frame < red_zone:
            target = cut
        elif red_zone <= cut - in_frame < h:
            target = cut - h
        else:
            continue
        earliest = result[i - 1] + rules.gap_frames + 1 if i else 0
        if target < in_frame and i:
            earliest = max(earliest, min(in_frame, spans[i - 1].speech_out + rules.gap_frames))
        latest = ins[i + 1] - rules.gap_frames - 1 if i + 1 < len(ins) else math.inf
        if target > in_frame:
            latest = min(latest, spans[i].speech_out - 1)
        if earliest <= target <= latest:
            result[i] = target
    return result


def place_out_times(ins: Sequence[int], spans: Sequence[Span], rules: TimingRules) -> list[int]:
    outs = []
    for i, (in_frame, span) in enumerate(zip(ins, spans)):
        wanted = max(span.speech_out, in_frame + span.need)
        outs.append(max(in_frame + 1, min(wanted, _latest_out(i, ins, rules))))
    return outs


def chain_gaps(ins: Sequence[int], outs: Sequence[int], rules: TimingRules) -> list[int]:
    result = list(outs)
    for i in range(len(ins) - 1):
        chained = ins[i + 1] - rules.gap_frames
        gap = ins[i + 1] - outs[i]
        if rules.gap_frames < gap <= rules.chain_frames and chained - ins[i] <= rules.max_frames:
            result[i] = chained
    return result


def snap_out_times(
    ins: Sequence[int], outs: Sequence[int], spans: Sequence[Span], cuts: Sequence[int], rules: TimingRules
) -> list[int]:
    h = rules.shot_frames
    result = list(outs)
    for i, out in enumerate(outs):
        cut = _nearest(cuts, out)
        if cut is None or abs(out - cut) >= h or out == cut - rules.gap_frames:
            continue
        shortest = min(out, ins[i] + spans[i].need)
        latest = _latest_out(i, ins, rules)
        for target in (cut - rules.gap_frames, cut + h):
            if target == cut + h and i + 1 < len(ins) and ins[i + 1] - target <= rules.chain_frames:
                target = ins[i + 1] - rules.gap_frames  # clear of the cut, and chained to the next cue
            if max(shortest, ins[i] + 1) <= target <= latest:
                result[i] = target
                break
    return result


def _latest_out(i: int, ins: Sequence[int], rules: TimingRules) -> int:
    latest = ins[i] + rules.max_frames
    if i + 1 < len(ins):
        latest = min(latest, ins[i + 1] - rules.gap_frames)
    return latest


def _nearest(cuts: Sequence[int], frame: int) -> int | None:
    return min(cuts, key=lambda cut: abs(cut - frame), default=None)
