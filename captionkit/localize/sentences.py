"""A caption track -> the source sentences translators work on, each with a stable id and its time span.

Translating cue by cue breaks meaning ("the report | was late" becomes two half-sentences in German), so
localisation works on whole sentences, rebuilt from the track's timed words: a sentence ends at
sentence-final punctuation, at a change of speaker, or at a long silence (a transcript without
punctuation still splits). A track read from SRT/VTT carries no word times; its words are then
spread over each cue by length, as players estimate them.

Each sentence keeps the pauses inside it (silences of at least ``SentenceOptions.min_pause``) as the
share of its text spoken before them, so the target sentence can be cut at the same places.
Ids are ``s0001``, ``s0002``... in time order: the same track gives the same ids on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Track, Word, join_words, word_separator
from ..text import ends_sentence


@dataclass(frozen=True)
class SentenceOptions:
    """Where sentences are cut besides punctuation and speaker changes."""

    #: A silence this long (s) ends a sentence even without punctuation.
    max_pause: float = 1.5
    #: A sentence longer than this many words is cut at its longest pause (transcripts without punctuation).
    max_words: int = 60
    #: A silence this long (s) inside a sentence is kept as a place where the target may cut a cue.
    min_pause: float = 0.25


@dataclass(frozen=True)
class Pause:
    """A silence inside a sentence: ``share`` of the sentence's characters come before it."""

    share: float
    start: float
    end: float


@dataclass(frozen=True)
class Sentence:
    """One source sentence: its id, text, speaker, time span and inner pauses."""

    id: str
    text: str
    start: float
    end: float
    speaker: str | None = None
    pauses: tuple[Pause, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"id": self.id, "text": self.text, "start": round(self.start, 3), "end": round(self.end, 3),
                "speaker": self.speaker}


def track_words(track: Track) -> list[Word]:
    """The track's timed speech words; for cues without words, words estimated from the text by length."""
    from ..style.layout import cue_words

    separator = word_separator(track.language)
    words: list[Word] = []
    for cue in track.cues:
        words.extend(cue_words(cue, separator)[0])
    return [word for word in words if word.kind == "speech" and word.text.strip()]


def source_sentences(track: Track, options: SentenceOptions = SentenceOptions()) -> list[Sentence]:
    """The track's sentences in time order, with ids ``s0001``... (see the module docstring)."""
    runs: list[list[Word]] = []
    current: list[Word] = []
    for word in track_words(track):
        if current and (word.speaker != current[-1].speaker or word.start - current[-1].end >= options.max_pause):
            runs.append(current)
            current = []
        current.append(word)
        if ends_sentence(word.text):
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    pieces = [piece for run in runs for piece in _cut_long(run, options.max_words)]
    return [_sentence(index, piece, track.language, options) for index, piece in enumerate(pieces, start=1)]


def _cut_long(words: list[Word], max_words: int) -> list[list[Word]]:
    if len(words) <= max_words:
        return [words]
    middle = range(max_words // 4, len(words) - max_words // 4)
    cut = max(middle, key=lambda i: (words[i].start - words[i - 1].end, -abs(i - len(words) / 2)))
    return _cut_long(words[:cut], max_words) + _cut_long(words[cut:], max_words)


def _sentence(index: int, words: list[Word], language: str, options: SentenceOptions) -> Sentence:
    text = join_words(words, language)
    total = max(len(text), 1)
    pauses = []
    spoken = 0
    for previous, word in zip(words, words[1:]):
        spoken += len(previous.text) + (1 if " " in text else 0)
        if word.start - previous.end >= options.min_pause:
            pauses.append(Pause(min(spoken / total, 1.0), previous.end, word.start))
    return Sentence(
        id=f"s{index:04d}", text=text, start=words[0].start, end=max(word.end for word in words),
        speaker=words[0].speaker, pauses=tuple(pauses),
    )
