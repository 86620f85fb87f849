"""Translated sentences -> a caption track cut and timed for the target language.

Each target sentence becomes timed pieces that :func:`captionkit.cues.segment.build_track` groups into
cues under the target language's profile limits (line length, lines, reading speed; the ``[languages.xx]``
tables of ``cues/profiles``), so translated captions follow the same reading rules as the source:

* **Pieces**: words in spaced languages; in Japanese and Chinese short unbreakable pieces that keep the
  line-break rules (:func:`captionkit.cues.scripts.unspaced_tokens`: no line starts with closing
  punctuation or a small kana). Once cut, every right-to-left line is embedded right to left
  (:func:`captionkit.cues.scripts.rtl_line`), so punctuation, numbers and Latin words sit where an Arabic
  or Hebrew reader expects them in any player.
* **Timing**: a target sentence takes its source sentence's time span. Where the source sentence has a
  pause, the target is cut at the piece boundary nearest the same share of its text (a comma close by is
  preferred), and each part takes the source's time on its side of the pause; within a part, time is
  shared in proportion to length. Cue breaks then fall in the source's pauses, and the grouping never
  joins two sentences across a pause the rules forbid.
"""

from __future__ import annotations

import itertools
import math
from typing import Mapping, Sequence

from ..cues.profiles import Profile, load_profile
from ..cues.scripts import is_right_to_left, rtl_line, unspaced_tokens
from ..cues.segment import build_track
from ..cues.timing import frame_time
from ..model import Track, Word
from ..text import ends_clause
from .sentences import Sentence

#: How much closer (as a share of the sentence) a cut at a piece boundary must be than a cut after
#: punctuation to be chosen over it.
PUNCTUATION_PULL = 0.12


def target_track(
    sentences: Sequence[Sentence],
    translations: Mapping[str, str],
    language: str,
    *,
    profile: "str | Profile" = "netflix",
    fps: float | None = None,
    duration: float | None = None,
) -> Track:
    """The captions of ``translations`` (target text by sentence id) in ``language``, timed by ``sentences``.

    With ``duration`` (the media's), no cue lasts past the end of the media.
    """
    rules = load_profile(profile, language)
    words = [word for sentence in sentences for word in sentence_words(sentence, translations[sentence.id], rules)]
    track = build_track(words, profile=rules, language=language, fps=fps)
    if duration is not None:
        rate = rules.frame_rate(fps)
        last = frame_time(math.floor(duration * rate + 1e-6), rate)  # the media's last frame boundary
        for cue in track.cues:
            cue.end = max(min(cue.end, last), min(cue.start, last))
            cue.start = min(cue.start, cue.end)
    if is_right_to_left(language):
        for cue in track.cues:
            cue.lines = [rtl_line(line) for line in cue.lines]
    return track


def pieces(text: str, profile: Profile) -> list[str]:
    """``text`` as the pieces line breaking may break between (see the module docstring)."""
    if profile.unspaced:
        return unspaced_tokens(text, profile.language, profile.max_chars_per_line)
    return text.split()


def sentence_words(sentence: Sentence, text: str, profile: Profile) -> list[Word]:
    """The target sentence as timed pieces over the source sentence's span, cut at its pauses."""
    tokens = pieces(text, profile)
    if not tokens:
        return []
    weights = [max(profile.line_length(token), 0.5) + (0 if profile.unspaced else 1) for token in tokens]
    cuts, spans = _cuts_at_pauses(sentence, tokens, weights)
    words: list[Word] = []
    for (first, last), (start, end) in zip(itertools.pairwise(cuts), spans):
        total = sum(weights[first:last])
        clock = start
        for token, weight in zip(tokens[first:last], weights[first:last]):
            step = (end - start) * weight / total
            words.append(Word(token, clock, clock + step, speaker=sentence.speaker))
            clock += step
        words[-1].end = end
    return words


def _cuts_at_pauses(sentence: Sentence, tokens: list[str], weights: list[float]):
    """Token indices where the target is cut (first 0, last len) and the time span of each part."""
    total = sum(weights)
    shares = list(itertools.accumulate(weight / total for weight in weights))  # share spoken after token i
    cuts = [0]
    kept = []
    for pause in sentence.pauses:
        choices = range(cuts[-1] + 1, len(tokens))
        if not choices:
            break
        best = min(choices, key=lambda b: abs(shares[b - 1] - pause.share)
                   + (0.0 if ends_clause(tokens[b - 1]) else PUNCTUATION_PULL))
        cuts.append(best)
        kept.append(pause)
    cuts.append(len(tokens))
    bounds = [sentence.start] + [edge for pause in kept for edge in (pause.start, pause.end)] + [sentence.end]
    spans = [(bounds[2 * i], bounds[2 * i + 1]) for i in range(len(kept) + 1)]
    return cuts, spans


def length_note(sentence: Sentence, profile: Profile) -> str:
    """What a translator needs to know about length: the line limit and what the sentence's time allows."""
    limit = f"max {profile.max_chars_per_line:g} characters per line, {profile.max_lines} lines per caption"
    if profile.max_cps:
        budget = round((sentence.end - sentence.start) * profile.max_cps)
        limit += f"; about {budget} characters fit in {sentence.end - sentence.start:.1f} s at {profile.max_cps:g} CPS"
    return limit
