"""Timed words -> caption cues under a reading-rule profile.

:func:`build_track` is the entry point. It works in three steps:

1. **Grouping** (:func:`group_words`): a dynamic programme chooses where cues
   break, over every grouping that keeps the hard rules (at most ``max_lines``
   lines of ``max_chars_per_line``, at most ``max_duration`` of speech, at most
   ``max_words``; one speaker per cue, or two as a dual-speaker cue of one
   dashed line each, holding whole utterances (from a sentence start or turn
   to a sentence end or turn); a sound event such as ``[laughs]`` alone in its cue; no
   cue across a silence of ``pause_break`` or more). Among those it picks the
   cheapest: each cue costs a little, breaking mid-sentence costs more than at
   a comma or before a conjunction, which costs more than at a sentence end
   (the scores of :func:`captionkit.cues.linebreak.break_cost`), pauses make a
   break cheaper, and a cue that could not be shown long enough (minimum
   duration, reading speed) before the next one starts costs a lot, so short
   phrases join their neighbours. A cue holding the end of one sentence and
   the start of the next (same speaker) costs most of all, unless one of the
   two is a whole sentence too short to stand alone as a cue (a quick "Yes."
   before more speech): professional subtitlers break cues at sentence ends
   whenever the rules allow it.
2. **Line breaking** (:func:`captionkit.cues.linebreak.break_lines`).
3. **Timing** (:mod:`captionkit.cues.timing`) on whole frames.

Frame rate: ``fps=None`` uses the profile's ``default_fps`` (30 for netflix
and social, the rate of most AI avatar video; 25 for broadcast). Pass the
video's rate when captions go with a known video.

Guarantees: cues are in order and never overlap (at least ``min_gap_frames``
apart), every word is kept exactly once and in order (a word whose text is
blank has nothing to show and is left out), and a cue never starts
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
from dataclasses import dataclass
from typing import Sequence

from ..model import Cue, Track, Word
from ..text import ends_sentence
from .linebreak import LineFiller, TokenLayout, break_cost, break_lines, join_tokens
from .profiles import WORD_TOKEN, Profile, load_profile
from .timing import Span, TimingRules, frame_ceil, frame_nearest, frame_time, seconds_to_frames_up, time_cues

#: Cost of one more cue: the grouping prefers fewer, fuller cues when breaks are equally good.
CUE_COST = 3.0
#: Extra cost of a dual-speaker cue over two single-speaker ones.
DUAL_SPEAKER_COST = 2.0
#: Cost of a cue that cannot be shown for as long as the rules need, plus a share scaled by the shortfall:
#: a grouping that avoids one is preferred unless it needs clumsy breaks ("from | the length") or a cue
#: holding two sentences for a shortfall of a frame or two (a frame of a 3.5 s cue costs 1.4).
SHORTFALL_COST = 10.0
SHORTFALL_SCALE = 150.0
#: A cue break mid-sentence is worse than a line break at the same place by this factor.
CUE_BREAK_WEIGHT = 2.0
#: How much a pause of ``pause_break`` lowers the cost of breaking there.
PAUSE_BONUS = 8.0
#: Cost of a sentence end inside a cue, the same speaker going on with the next sentence: more than an
#: extra cue, a clumsy cue break elsewhere in the sentence, or a shortfall of a few frames (a cue at 20.2
#: CPS rather than 20), as subtitlers keep sentences apart (benchmarks/cues_segment.py measures it).
SENTENCE_INSIDE_CUE_COST = 20.0
#: The same when one of the two is a whole sentence that could not be shown long enough alone: less than
#: a shortfall, so a short sentence shares a cue with its neighbour rather than flash by.
SHORT_SENTENCE_SHARING_COST = 3.0


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
    groups = group_words([word for word in words if word.text.strip()], rules_profile, rules)
    spans = [span_of(group, rules_profile, rules) for group in groups]
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


def span_of(group: Group, profile: Profile, rules: TimingRules) -> Span:
    need = max(profile.min_duration, profile.min_reading_time(group.lines))
    return Span(
        speech_in=frame_ceil(group.words[0].start, rules.fps),
        speech_out=max(frame_ceil(word.end, rules.fps) for word in group.words),
        need=seconds_to_frames_up(need, rules.fps),
    )


def word_tokens(word: Word, profile: Profile) -> list[str]:
    """The pieces of a word that line breaking handles: the word, or in unspaced languages line-sized parts.

    White space inside a word (a line break from a transcript, say) becomes one space.
    """
    text = " ".join(word.text.split())
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
    stream = _WordStream(words, profile, rules)
    best = [math.inf] * (n + 1)
    best[0] = 0.0
    choice: list[tuple[int, list[list[int]]]] = [(0, [])] * (n + 1)
    for i in range(n):
        candidate = _CueCandidate(stream, i)
        for j in range(i + 1, n + 1):
            if not candidate.extend(j - 1):
                break
            if len(candidate.runs) == 2 and not stream.utterance_bounds[j]:
                continue  # ... nor the start of one
            cost = best[i] + _group_cost(candidate, j)
            if cost < best[j]:
                best[j] = cost
                choice[j] = (i, [list(run) for run in candidate.runs])
            if candidate.must_end:
                break
    groups: list[Group] = []
    j = n
    while j > 0:
        i, runs = choice[j]
        groups.append(_make_group(runs, stream))
        j = i
    return groups[::-1]


class _WordStream:
    """What grouping needs of every word, computed once: tokens, widths, frames, word counts."""

    def __init__(self, words: list[Word], profile: Profile, rules: TimingRules) -> None:
        self.words = words
        self.profile = profile
        self.rules = rules
        self.tokens = [word_tokens(word, profile) for word in words]
        self.layout = TokenLayout([token for pieces in self.tokens for token in pieces], profile)
        self.token_starts = list(itertools.accumulate((len(pieces) for pieces in self.tokens), initial=0))
        self.separator = self.layout.separator_length
        self.widths = [
            self.layout.width(a, b) if b > a else 0.0 for a, b in itertools.pairwise(self.token_starts)
        ]
        self.word_counts = [len(WORD_TOKEN.findall(word.text)) for word in words]
        self.word_count_sums = list(itertools.accumulate(self.word_counts, initial=0))
        self.ins = [frame_ceil(word.start, rules.fps) for word in words]
        self.outs = [frame_ceil(word.end, rules.fps) for word in words]
        self.dash_length = profile.line_length(profile.dash)
        # Where an utterance starts or ends: a sentence end, a change of speaker, a sound, a long pause.
        self.utterance_bounds = [True] + [
            ends_sentence(words[k - 1].text)
            or words[k - 1].speaker != words[k].speaker
            or "sound" in (words[k - 1].kind, words[k].kind)
            or words[k].start - words[k - 1].end >= profile.pause_break
            for k in range(1, len(words))
        ] + [True]
        # Where the same speaker goes on with a new sentence: a boundary a cue should not hold inside it.
        self.new_sentence = [False] + [
            ends_sentence(words[k - 1].text) and words[k - 1].speaker == words[k].speaker
            for k in range(1, len(words))
        ] + [False]
        self._fits_alone: dict[tuple[int, int], bool] = {}
        # The cost of a cue break before word k (k >= 1), judged with the two words before it.
        self.break_costs = [0.0] + [
            break_cost(words[k - 1].text, words[k].text, profile.language, words[k - 2].text if k > 1 else "")
            for k in range(1, len(words))
        ]

    def could_stand_alone(self, a: int, b: int) -> bool:
        """Whether words ``a`` .. ``b - 1`` as a cue of their own could be shown long enough before word ``b``."""
        key = (a, b)
        if key not in self._fits_alone:
            profile, rules = self.profile, self.rules
            first, last = self.token_starts[a], self.token_starts[b]
            chars = 0.0
            if last > first:
                chars = self.layout.width(first, last) - (self.layout.line_count(first, last) - 1) * self.separator
            reading = profile.reading_time(chars, self.word_count_sums[b] - self.word_count_sums[a])
            need = seconds_to_frames_up(max(profile.min_duration, reading), rules.fps)
            room = rules.max_frames
            if b < len(self.words):
                room = min(room, self.ins[b] - rules.gap_frames - self.ins[a])
            self._fits_alone[key] = need <= room
        return self._fits_alone[key]


def _make_group(runs: list[list[int]], stream: _WordStream) -> Group:
    profile = stream.profile
    cue_words = [stream.words[index] for run in runs for index in run]
    run_tokens = [[token for index in run for token in stream.tokens[index]] for run in runs]
    if len(runs) == 2:
        return Group(cue_words, [profile.dash + join_tokens(part, profile) for part in run_tokens], None)
    lines = break_lines(run_tokens[0], profile)
    if len(lines) > profile.max_lines:  # one unspaced word longer than the whole cue: overflow the last line
        lines[profile.max_lines - 1 :] = [join_tokens(lines[profile.max_lines - 1 :], profile)]
    return Group(cue_words, lines, cue_words[0].speaker)


class _Run:
    """One speaker's words in a candidate cue: their width on one line and their line count."""

    def __init__(self, stream: _WordStream) -> None:
        self.stream = stream
        self.indices: list[int] = []
        self.width = 0.0
        self.filler = LineFiller(stream.profile)

    def add(self, index: int) -> None:
        stream = self.stream
        if stream.widths[index]:
            self.width += (stream.separator if self.width else 0.0) + stream.widths[index]
        for token in range(stream.token_starts[index], stream.token_starts[index + 1]):
            self.filler.add(stream.layout.lengths[token])
        self.indices.append(index)

    @property
    def dashed_width(self) -> float:
        return self.stream.dash_length + self.width


class _CueCandidate:
    """The words ``first``.. as one cue, grown one word at a time while it keeps the hard rules."""

    def __init__(self, stream: _WordStream, first: int) -> None:
        self.stream = stream
        self.first = first
        self.runs: list[list[int]] = []
        self.parts: list[_Run] = []
        self.word_count = 0
        self.must_end = False
        #: Where a sentence or a speaker's turn starts after the first word.
        self.utterance_starts: list[int] = []

    def extend(self, index: int) -> bool:
        """Add word ``index``; False when the cue cannot take it."""
        stream, profile = self.stream, self.stream.profile
        word = stream.words[index]
        if index > self.first:
            previous = stream.words[index - 1]
            if word.kind == "sound" or word.start - previous.end >= profile.pause_break:
                return False
            if stream.outs[index] - stream.ins[self.first] > stream.rules.max_frames:
                return False
            if profile.max_words and self.word_count + stream.word_counts[index] > profile.max_words:
                return False
            if word.speaker != previous.speaker:
                if len(self.parts) > 1 or not profile.dual_speakers or profile.max_lines < 2:
                    return False
                if self.parts[0].dashed_width > profile.max_chars_per_line:
                    return False
                if not stream.utterance_bounds[self.first]:
                    return False  # a dual-speaker cue holds whole utterances, not the tail of a sentence
                self.parts.append(_Run(stream))
                self.runs.append(self.parts[-1].indices)
        else:
            self.parts.append(_Run(stream))
            self.runs.append(self.parts[-1].indices)
            self.must_end = word.kind == "sound"
        self.word_count += stream.word_counts[index]
        self.parts[-1].add(index)
        if index > self.first and stream.utterance_bounds[index]:
            self.utterance_starts.append(index)
        if index == self.first:
            return True
        if len(self.parts) == 2:
            return self.parts[1].dashed_width <= profile.max_chars_per_line
        return self.parts[0].filler.lines <= profile.max_lines

    def reading_time(self) -> float:
        """The shortest time the cue's text can be read in (line breaks not counted, as lint counts)."""
        stream = self.stream
        if len(self.parts) == 2:
            chars = sum(part.dashed_width for part in self.parts)
        else:
            chars = self.parts[0].width - (self.parts[0].filler.lines - 1) * stream.separator
        return stream.profile.reading_time(chars, self.word_count)

    def layout_cost(self) -> float:
        if len(self.parts) == 2:
            return 0.0
        stream = self.stream
        a, b = stream.token_starts[self.first], stream.token_starts[self.runs[0][-1] + 1]
        return stream.layout.best(a, b, self.parts[0].filler.lines)[0] if b > a else 0.0

    def sentence_sharing_cost(self, end: int) -> float:
        """The cost of the sentences that end inside the cue ``first`` .. ``end - 1`` (module docstring)."""
        cost = 0.0
        bounds = [self.first, *self.utterance_starts, end]
        for position, start in enumerate(bounds[1:-1], 1):
            if not self.stream.new_sentence[start]:
                continue
            before, after = bounds[position - 1], bounds[position + 1]
            if self._too_short_alone(before, start) or self._too_short_alone(start, after):
                cost += SHORT_SENTENCE_SHARING_COST
            else:
                cost += SENTENCE_INSIDE_CUE_COST
        return cost

    def _too_short_alone(self, a: int, b: int) -> bool:
        """Whether words ``a`` .. ``b - 1`` are a whole utterance that could not be a cue of its own."""
        stream = self.stream
        whole = stream.utterance_bounds[a] and stream.utterance_bounds[b]
        return whole and not stream.could_stand_alone(a, b)


def _group_cost(candidate: _CueCandidate, end: int) -> float:
    """The cost of making words ``candidate.first`` .. ``end - 1`` one cue (module docstring)."""
    stream = candidate.stream
    words, profile, rules = stream.words, stream.profile, stream.rules
    cost = CUE_COST + (DUAL_SPEAKER_COST if len(candidate.runs) == 2 else 0.0) + candidate.layout_cost()
    cost += candidate.sentence_sharing_cost(end)
    if end < len(words):
        left, right = words[end - 1], words[end]
        if left.kind == right.kind == "speech" and left.speaker == right.speaker:
            pause = max(0.0, right.start - left.end)
            bonus = PAUSE_BONUS * min(1.0, pause / profile.pause_break)
            cost += max(0.0, CUE_BREAK_WEIGHT * stream.break_costs[end] - bonus)
    start = stream.ins[candidate.first]
    need = seconds_to_frames_up(max(profile.min_duration, candidate.reading_time()), rules.fps)
    room = rules.max_frames
    if end < len(words):
        room = min(room, stream.ins[end] - rules.gap_frames - start)
    if need > room:
        cost += SHORTFALL_COST + SHORTFALL_SCALE * (need - max(room, 0)) / need
    return cost
