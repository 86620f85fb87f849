"""Check caption files against a reading-rule profile, the way a broadcaster's QC does.

:func:`lint_track` checks a :class:`~captionkit.model.Track`; :func:`lint_file`
reads SRT, WebVTT, ASS/SSA (from any source) or captionkit JSON through
:mod:`captionkit.formats` (as every command reads it, but with the cues in file
order) and also reports a file that is not UTF-8. Each problem is a :class:`Violation`
with the cue number (1-based, in file order; 0 for the whole file), the cue's
start time, a kind (see :data:`KINDS`), a message and a severity.

**Severity.** ``error`` means the cue breaks a rule a better segmentation or
timing would keep. ``unavoidable`` means no segmentation or timing could keep
it, and it does not fail lint. Lint decides that per cue, from the file alone:

* ``line-length``: the line is a single word (no space to break at) longer
  than a line. In languages written without spaces lint can only tell that
  when the cue carries its words (captionkit JSON, or a track in memory) and
  holds just one.
* ``reading-speed`` / ``words-per-minute``: even the latest end time the rules
  allow (the maximum duration, and ``min_gap_frames`` before the next cue, on
  whole frames) leaves the cue too fast. A cue never starts before its speech,
  so only its end can move; this is exactly how far segmentation extends cues.
* ``min-duration``: the next cue starts too soon for this one to last the
  minimum duration (speech that changes speaker or stops and restarts faster
  than the rules can show).
* ``unchained-gap``: closing the gap would make the cue longer than the
  maximum, or the gap holds a shot change (cues keep clear of cuts).

Measurement follows :mod:`captionkit.cues.profiles` (the same functions
segmentation uses): every visible character counts, spaces and dual-speaker
dashes included; CPS leaves out line breaks. Times are compared to the
millisecond, so rounding to a format's precision is not a violation. A format
that keeps only centiseconds (ASS) has its times first moved to the frame a
player shows first (the first frame boundary at or after them).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import asdict, dataclass, field
from typing import Sequence

from .. import formats
from ..formats.vtt import timestamp as _clock
from ..model import Cue, Track
from .profiles import WORD_TOKEN, Profile, load_profile, visible_text
from .timing import TimingRules

#: Every kind of violation, with what it means.
KINDS = {
    "encoding": "the file is not UTF-8 (it is read in the encoding found, but delivery wants UTF-8)",
    "empty": "a cue has no text",
    "out-of-order": "a cue starts before the one before it in the file",
    "overlap": "a cue starts before the previous one ends",
    "gap": "fewer than min_gap_frames between two cues",
    "unchained-gap": "a gap of chain_gap or less that should close to min_gap_frames",
    "line-count": "more lines than max_lines",
    "line-length": "a line longer than max_chars_per_line",
    "reading-speed": "more characters per second than max_cps",
    "words-per-minute": "more words per minute than max_wpm",
    "word-count": "more words than max_words",
    "dialogue-dash": "a dual-speaker cue without one dashed line per speaker, or the wrong dash style",
    "min-duration": "shorter than min_duration",
    "max-duration": "longer than max_duration",
    "off-frame": "a time not on a frame boundary",
}

#: Times within a millisecond count as equal (SRT and VTT keep milliseconds).
TOLERANCE = 0.001

#: A line that opens with a hyphen (not "--" or a negative number) is a speaker's line in a dialogue.
DIALOGUE_DASH = re.compile(r"-(?![-\d])")

ERROR = "error"
UNAVOIDABLE = "unavoidable"


@dataclass(frozen=True)
class Violation:
    cue: int
    start: float | None
    kind: str
    message: str
    severity: str = ERROR

    def to_dict(self) -> dict:
        data = asdict(self)
        data["start"] = None if self.start is None else round(self.start, 3)
        return data


@dataclass
class LintReport:
    """The outcome of linting one file."""

    path: str
    profile: Profile
    fps: float
    cue_count: int
    violations: list[Violation] = field(default_factory=list)

    @property
    def errors(self) -> list[Violation]:
        return [violation for violation in self.violations if violation.severity == ERROR]

    @property
    def unavoidable(self) -> list[Violation]:
        return [violation for violation in self.violations if violation.severity == UNAVOIDABLE]

    @property
    def passed(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "file": self.path,
            "profile": self.profile.name,
            "language": self.profile.language,
            "fps": round(self.fps, 3),
            "cues": self.cue_count,
            "passed": self.passed,
            "errors": len(self.errors),
            "unavoidable": len(self.unavoidable),
            "violations": [violation.to_dict() for violation in self.violations],
        }


def lint_track(
    track: Track,
    profile: "str | Profile" = "netflix",
    fps: float | None = None,
    *,
    shot_changes: Sequence[float] = (),
) -> list[Violation]:
    """Every rule ``track`` breaks under ``profile`` at ``fps`` (the profile's default when None)."""
    rules_profile = load_profile(profile, track.language)
    checker = _Checker(rules_profile, rules_profile.frame_rate(fps), sorted(shot_changes))
    return checker.check(track.cues)


def lint_file(
    path: str | os.PathLike,
    profile: "str | Profile" = "netflix",
    fps: float | None = None,
    *,
    language: str | None = None,
    shot_changes: Sequence[float] = (),
) -> LintReport:
    """Read ``path`` (SRT, VTT, ASS/SSA, captionkit JSON) and lint it, cues numbered in file order."""
    caption_file = formats.read_file(path, language)
    track = caption_file.track
    rules_profile = load_profile(profile, track.language)
    rate = rules_profile.frame_rate(fps)
    if caption_file.format.time_step > TOLERANCE:
        track = _shown_frames(track, rate)
    violations = []
    decoded = caption_file.decoded
    if not decoded.is_utf8:
        where = f" ({decoded.not_utf8_at})" if decoded.not_utf8_at else ""
        violations.append(Violation(0, None, "encoding", f"the file is {decoded.encoding}, not UTF-8{where}; "
                                    "re-save it as UTF-8 for delivery"))
    violations += lint_track(track, rules_profile, rate, shot_changes=shot_changes)
    return LintReport(os.fspath(path), rules_profile, rate, len(track.cues), violations)


def _shown_frames(track: Track, fps: float) -> Track:
    """The track with each time moved to the first frame boundary at or after it: the frames a player shows.

    A format that keeps centiseconds cannot hold frame times (captionkit writes ASS at the centisecond half
    a frame before the frame), so such files are judged by the frames shown.
    """
    for cue in track.cues:
        cue.start = math.ceil(cue.start * fps - 1e-6) / fps
        cue.end = math.ceil(cue.end * fps - 1e-6) / fps
    return track


class _Checker:
    def __init__(self, profile: Profile, fps: float, cuts: list[float]) -> None:
        self.profile = profile
        self.fps = fps
        self.cuts = cuts
        self.tolerance = TOLERANCE
        self.rules = TimingRules.from_profile(profile, fps)
        self.gap = self.rules.gap_frames / fps
        self.max_duration = self.rules.max_frames / fps
        self.violations: list[Violation] = []

    def add(self, number: int, cue: Cue, kind: str, message: str, unavoidable: bool = False) -> None:
        self.violations.append(Violation(number, cue.start, kind, message, UNAVOIDABLE if unavoidable else ERROR))

    def check(self, cues: list[Cue]) -> list[Violation]:
        for index, cue in enumerate(cues):
            number = index + 1
            previous = cues[index - 1] if index else None
            following = cues[index + 1] if index + 1 < len(cues) else None
            if following is not None and following.start < cue.start:
                following = None  # an out-of-order neighbour says nothing about this cue's room
            self.check_order(number, cue, previous)
            self.check_text(number, cue)
            self.check_duration(number, cue, following)
            self.check_frames(number, cue)
        return self.violations

    # -- order and gaps -------------------------------------------------------------------------

    def check_order(self, number: int, cue: Cue, previous: Cue | None) -> None:
        if previous is None:
            return
        if cue.start < previous.start - self.tolerance:
            self.add(number, cue, "out-of-order", f"starts at {_clock(cue.start)}, before cue {number - 1} "
                     f"({_clock(previous.start)})")
            return
        gap = cue.start - previous.end
        if gap < -self.tolerance:
            self.add(number, cue, "overlap", f"starts {-gap:.3f} s before cue {number - 1} ends ({_clock(previous.end)})")
        elif gap < self.gap - self.tolerance:
            self.add(number, cue, "gap", f"{gap * self.fps:.1f} frames after cue {number - 1}, under "
                     f"{self.rules.gap_frames} frames")
        elif gap <= self.rules.chain_frames / self.fps + self.tolerance and gap > self.gap + self.tolerance:
            cannot_extend = cue.start - self.gap - previous.start > self.max_duration + self.tolerance
            holds_cut = any(previous.end - self.tolerance <= cut <= cue.start + self.tolerance for cut in self.cuts)
            self.add(number, cue, "unchained-gap", f"{gap:.3f} s after cue {number - 1}: gaps up to "
                     f"{self.profile.chain_gap:g} s close to {self.rules.gap_frames} frames", cannot_extend or holds_cut)

    # -- text ----------------------------------------------------------------------------------

    def check_text(self, number: int, cue: Cue) -> None:
        profile = self.profile
        lines = [visible_text(line) for line in cue.lines]
        lines = [part for line in lines for part in line.split("\n") if part.strip()]
        if not lines:
            self.add(number, cue, "empty", "no text")
            return
        if len(lines) > profile.max_lines:
            self.add(number, cue, "line-count", f"{len(lines)} lines, over {profile.max_lines}")
        for line_number, line in enumerate(lines, start=1):
            length = profile.line_length(line)
            if length > profile.max_chars_per_line:
                single_word = len(line.split()) == 1 and (not profile.unspaced or len(cue.words) == 1)
                self.add(number, cue, "line-length", f"line {line_number} is {length:g} characters, over "
                         f"{profile.max_chars_per_line:g}: {line!r}", single_word)
        self.check_dialogue_dashes(number, cue, lines)
        if profile.max_words and not profile.unspaced:
            words = sum(len(WORD_TOKEN.findall(line)) for line in lines)
            if words > profile.max_words:
                self.add(number, cue, "word-count", f"{words} words, over {profile.max_words}")

    def check_dialogue_dashes(self, number: int, cue: Cue, lines: list[str]) -> None:
        """Dual-speaker cues: exactly two lines, each starting with the language's dash (en "-Text", fr "- Text")."""
        dashed = [line for line in lines if DIALOGUE_DASH.match(line)]
        if not dashed:
            return
        if len(dashed) != len(lines) or len(lines) != 2:
            self.add(number, cue, "dialogue-dash", f"{len(dashed)} of {len(lines)} lines start with a dash: a "
                     "dual-speaker cue has two lines, one per speaker, each with a dash")
        wanted = self.profile.dash
        wrong = [line for line in dashed if not line.startswith(wanted) or line.startswith(wanted + " ")]
        if wrong:
            self.add(number, cue, "dialogue-dash", f"dialogue lines start {wanted + 'Text'!r} in "
                     f"{self.profile.language}, not {wrong[0][:12]!r}")

    # -- duration and reading speed ------------------------------------------------------------------

    def latest_end(self, cue: Cue, following: Cue | None) -> float:
        """The latest end the rules allow: the maximum duration, and the gap before the next cue."""
        latest = cue.start + self.max_duration
        if following is not None:
            latest = min(latest, following.start - self.gap)
        return latest

    def check_duration(self, number: int, cue: Cue, following: Cue | None) -> None:
        profile, tol = self.profile, self.tolerance
        duration = cue.end - cue.start
        latest = self.latest_end(cue, following)
        if duration > profile.max_duration + tol:
            self.add(number, cue, "max-duration", f"{duration:.3f} s, over {profile.max_duration:g} s")
        min_duration = self.rules.min_frames / self.fps
        if duration < profile.min_duration - tol:
            too_close = cue.start + min_duration > latest + tol and duration > 0
            reason = f"; the next cue starts at {_clock(following.start)}" if too_close and following else ""
            self.add(number, cue, "min-duration", f"{duration:.3f} s, under {profile.min_duration:.3f} s{reason}",
                     too_close)
        lines = [visible_text(line) for line in cue.lines if line.strip()]
        if not lines or duration <= 0:
            return
        reading_duration = duration + tol
        needed = math.ceil(profile.min_reading_time(lines) * self.fps - 1e-6) / self.fps
        cannot_extend = cue.start + needed > latest + tol
        why = f"; it cannot end later than {_clock(latest)}" if cannot_extend else ""
        if profile.max_cps:
            cps = profile.reading_chars(lines) / reading_duration
            if cps > profile.max_cps:
                self.add(number, cue, "reading-speed", f"{cps:.1f} characters per second, over {profile.max_cps:g} "
                         f"(needs {needed:.3f} s, has {duration:.3f} s){why}", cannot_extend)
        if profile.max_wpm and not profile.unspaced:
            wpm = profile.word_count(lines) * 60 / reading_duration
            if wpm > profile.max_wpm:
                self.add(number, cue, "words-per-minute", f"{wpm:.0f} words per minute, over {profile.max_wpm:g} "
                         f"(needs {needed:.3f} s, has {duration:.3f} s){why}", cannot_extend)

    def check_frames(self, number: int, cue: Cue) -> None:
        for name, time in (("start", cue.start), ("end", cue.end)):
            frames = time * self.fps
            if abs(frames - round(frames)) / self.fps > self.tolerance / 2 + 1e-9:
                self.add(number, cue, "off-frame", f"{name} {_clock(time)} is not on a frame boundary at "
                         f"{self.fps:.3f} fps (frame {frames:.2f})")
