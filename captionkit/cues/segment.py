"""Timed words -> caption cues under a reading-rule profile.

:func:`build_track` is the entry point. It works in three steps:

1. **Grouping** (:func:`group_words`): a dynamic programme chooses where cues
   break, over every grouping that keeps the hard rules (at most ``max_lines``
   lines of ``max_chars_per_line``, at most ``max_duration`` of speech, at most
   ``max_words``; one speaker per cue, or two as a dual-speaker cue of one
   dashed line each; a sound event such as ``[laughs]`` alone in its cue; no
   cue across a silence of ``pause_break`` or more). Among those it picks the
   cheapest: each cue costs a little, breaking mid-sentence costs more than at
   a comma, which costs more than at a sentence end (the scores of
   :func:`captionkit.cues.linebreak.break_cost`), pauses make a break cheaper,
   and a cue that could not be shown long enough (minimum duration, reading
   speed) before the next one starts costs a lot, so short phrases join their
   neighbours.
2. **Line breaking** (:func:`captionkit.cues.linebreak.break_lines`).
3. **Timing** (:mod:`captionkit.cues.timing`) on whole frames.

Frame rate: ``fps=None`` uses the profile's ``default_fps`` (30 for netflix
and social, the rate of most AI avatar video; 25 for broadcast). Pass the
video's rate when captions go with a known video.

Guarantees: cues are in order and never overlap (at least ``min_gap_frames``
apart), every word is kept exactly once and in order, and a cue never starts
before its first word except when shot-change snapping moves its in-time back
onto a cut (less than half a second). Words of languages written without
spaces are joined without them, and a word longer than a line is split across
lines there (and overflows the last line if it is longer than the whole cue);
in other languages a word longer than a line gets a line of its own. Lint calls
both unavoidable.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

from ..model import Cue, Track, Word
from .linebreak import LineFiller, TokenLayout, break_cost, break_lines, join_tokens
from .profiles import WORD_TOKEN, Profile, load_profile
from .timing import Span, TimingRules, frame_ceil, frame_nearest, frame_time, seconds_to_frames_up, time_cues

#: Cost of one more cue: the grouping prefers fewer, fuller cues when breaks are equally good.
CUE_COST = 3.0
#: Extra cost of a dual-speaker cue over two single-speaker ones.
DUAL_SPEAKER_COST = 2.0
#: Cost of a cue that cannot be shown for as long as the rules need, plus a share scaled by the shortfall:
#: lint reports such a cue (as unavoidable), so any grouping that avoids one is preferred.
SHORTFALL_COST = 30.0
SHORTFALL_SCALE = 60.0
#: A cue break mid-sentence is worse than a line break at the same place by this factor.
CUE_BREAK_WEIGHT = 2.0
#: How much a pause of ``pause_break`` lowers the cost of breaking there.
PAUSE_BONUS = 8.0


@dataclass
class Group:
    """The words of one cue and its lines, before timing."""

    words: list[Word]
    lines: list[str]
    speaker: str | None


def build_track(
    words: list[Word],
    *,
    profile: "str | Profile" = "netflix",
    language: str = "en",
    fps: float | None = None,
    shot_changes: Sequence[float] = (),
) -> Track:
    """Cues for ``words`` that follow ``profile``'s reading rules (see the module docstring)."""
    rules_profile = load_profile(profile, language)
    rate = rules_profile.frame_rate(fps)
    rules = TimingRules.from_profile(rules_profile, rate)
    groups = group_words(words, rules_profile, rules)
    spans = [_span(group, rules_profile, rules) for group in groups]
    cuts = [frame_nearest(time, rate) for time in shot_changes]
    cues = [
        Cue(
            start=frame_time(in_frame, rate),
            end=frame_time(out_frame, rate),
            lines=group.lines,
            speaker=group.speaker,
            words=list(group.words),
        )
        for group, (in_frame, out_frame) in zip(groups, time_cues(spans, rules, cuts))
    ]
    return Track(cues=cues, language=language)


def _span(group: Group, profile: Profile, rules: TimingRules) -> Span:
    need = max(profile.min_duration, profile.min_reading_time(group.lines))
    return Span(
        speech_in=frame_ceil(group.words[0].start, rules.fps),
        speech_out=max(frame_ceil(word.end, rules.fps) for word in group.words),
        need=seconds_to_frames_up(need, rules.fps),
    )


def word_tokens(word: Word, profile: Profile) -> list[str]:
    """The pieces of a word that line breaking handles: the word, or in unspaced languages line-sized parts."""
    text = word.text.strip()
    if not text:
        return []
    if not profile.unspaced or profile.line_length(text) <= profile.max_chars_per_line:
        return [text]
    pieces, current = [], ""
    for char in text:
        starts_cluster = not (unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Mc"))
        if starts_cluster and current and profile.line_length(current + char) > profile.max_chars_per_line:
            pieces.append(current)
            current = ""
        current += char
    return pieces + [current]


def group_words(words: Sequence[Word], profile: Profile, rules: TimingRules) -> list[Group]:
    """The cheapest grouping of ``words`` into cues that keeps the hard rules (module docstring)."""
    words = list(words)
    n = len(words)
    if not n:
        return []
    tokens = [word_tokens(word, profile) for word in words]
    layout = TokenLayout([token for pieces in tokens for token in pieces], profile)
    token_starts = list(itertools.accumulate((len(pieces) for pieces in tokens), initial=0))
    ins = [frame_ceil(word.start, rules.fps) for word in words]
    outs = [frame_ceil(word.end, rules.fps) for word in words]
    best = [math.inf] * (n + 1)
    best[0] = 0.0
    choice: list[tuple[int, list[list[int]]]] = [(0, [])] * (n + 1)
    for i in range(n):
        candidate = _CueCandidate(profile, words, tokens, ins, outs, i, rules.max_frames)
        for j in range(i + 1, n + 1):
            if not candidate.extend(j - 1):
                break
            cost = best[i] + _group_cost(candidate, j, profile, rules)
            if len(candidate.runs) == 1 and token_starts[j] > token_starts[i]:
                cost += layout.best(token_starts[i], token_starts[j])[0]
            if cost < best[j]:
                best[j] = cost
                choice[j] = (i, [list(run) for run in candidate.runs])
            if candidate.must_end:
                break
    groups: list[Group] = []
    j = n
    while j > 0:
        i, runs = choice[j]
        groups.append(_make_group(runs, words, tokens, profile))
        j = i
    return groups[::-1]


def _make_group(runs: list[list[int]], words: list[Word], tokens: list[list[str]], profile: Profile) -> Group:
    cue_words = [words[index] for run in runs for index in run]
    run_tokens = [[token for index in run for token in tokens[index]] for run in runs]
    if len(runs) == 2:
        return Group(cue_words, [profile.dash + join_tokens(part, profile) for part in run_tokens], None)
    lines = break_lines(run_tokens[0], profile)
    if len(lines) > profile.max_lines:  # one unspaced word longer than the whole cue: overflow the last line
        lines[profile.max_lines - 1 :] = [join_tokens(lines[profile.max_lines - 1 :], profile)]
    return Group(cue_words, lines, cue_words[0].speaker)


@dataclass
class _CueCandidate:
    """The words i..j-1 as one cue, grown one word at a time while it keeps the hard rules."""

    profile: Profile
    words: list[Word]
    tokens: list[list[str]]
    ins: list[int]
    outs: list[int]
    first: int
    max_frames: int
    runs: list[list[int]] = field(default_factory=list)
    filler: LineFiller | None = None
    word_count: int = 0
    must_end: bool = False

    def extend(self, index: int) -> bool:
        """Add word ``index``; False when the cue cannot take it."""
        word = self.words[index]
        profile = self.profile
        if index == self.first:
            self.runs = [[index]]
            self.filler = LineFiller(profile)
            for token in self.tokens[index]:
                self.filler.add(token)
            self.word_count = len(WORD_TOKEN.findall(word.text))
            self.must_end = word.kind == "sound"
            return True
        previous = self.words[index - 1]
        if word.kind == "sound" or word.start - previous.end >= profile.pause_break:
            return False
        if self.outs[index] - self.ins[self.first] > self.max_frames:
            return False
        self.word_count += len(WORD_TOKEN.findall(word.text))
        if profile.max_words and self.word_count > profile.max_words:
            return False
        if word.speaker != previous.speaker:
            if len(self.runs) > 1 or not profile.dual_speakers or profile.max_lines < 2:
                return False
            if not self._run_fits_dashed_line(self.runs[0]):
                return False
            self.runs.append([])
        self.runs[-1].append(index)
        if len(self.runs) == 2:
            return self._run_fits_dashed_line(self.runs[1])
        for token in self.tokens[index]:
            if self.filler.add(token) > profile.max_lines:
                return False
        return True

    def _run_tokens(self, run: list[int]) -> list[str]:
        return [token for index in run for token in self.tokens[index]]

    def _run_fits_dashed_line(self, run: list[int]) -> bool:
        line = self.profile.dash + join_tokens(self._run_tokens(run), self.profile)
        return self.profile.line_length(line) <= self.profile.max_chars_per_line

    def reading_time(self) -> float:
        """The shortest time the cue's text can be read in (line breaks not counted, as lint counts)."""
        if len(self.runs) == 2:
            lines = [self.profile.dash + join_tokens(self._run_tokens(run), self.profile) for run in self.runs]
            return self.profile.min_reading_time(lines)
        text = join_tokens(self._run_tokens(self.runs[0]), self.profile)
        breaks = (self.filler.lines - 1) * self.filler.separator_length
        return self.profile.min_reading_time([text]) * (1 - breaks / max(1.0, self.profile.line_length(text)))


def _group_cost(candidate: _CueCandidate, end: int, profile: Profile, rules: TimingRules) -> float:
    """The cost of making words ``candidate.first`` .. ``end - 1`` one cue (module docstring)."""
    words, ins = candidate.words, candidate.ins
    cost = CUE_COST + (DUAL_SPEAKER_COST if len(candidate.runs) == 2 else 0.0)
    if end < len(words):
        left, right = words[end - 1], words[end]
        if left.kind == right.kind == "speech" and left.speaker == right.speaker:
            pause = max(0.0, right.start - left.end)
            bonus = PAUSE_BONUS * min(1.0, pause / profile.pause_break)
            before = words[end - 2].text if end - 2 >= candidate.first else ""
            cost += max(0.0, CUE_BREAK_WEIGHT * break_cost(left.text, right.text, profile.language, before) - bonus)
    start = ins[candidate.first]
    need = seconds_to_frames_up(max(profile.min_duration, candidate.reading_time()), rules.fps)
    room = rules.max_frames
    if end < len(words):
        room = min(room, ins[end] - rules.gap_frames - start)
    if need > room:
        cost += SHORTFALL_COST + SHORTFALL_SCALE * (need - max(room, 0)) / need
    return cost
