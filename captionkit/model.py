"""The central data model: timed words -> caption cues -> a track.

Every stage of captionkit takes and returns these three types. Times are
seconds (floats) from the start of the media; they are never negative and a
word's or cue's ``end`` is never before its ``start``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal

WordKind = Literal["speech", "sound"]

#: Languages written without spaces between words.
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "yue"})
#: Languages written right to left.
RIGHT_TO_LEFT_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"})


@dataclass(slots=True)
class Word:
    """One spoken word (or, with ``kind="sound"``, a non-verbal event such as ``[laughs]``).

    ``text`` is the word as it is displayed, punctuation included, with no
    surrounding white space.
    """

    text: str
    start: float
    end: float
    probability: float = 1.0
    speaker: str | None = None
    kind: WordKind = "speech"

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict:
        """The JSON shape of ``--words`` files."""
        data = {
            "word": self.text,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "probability": round(self.probability, 4),
            "speaker": self.speaker,
        }
        if self.kind != "speech":
            data["kind"] = self.kind
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Word":
        return cls(
            text=str(data["word"]).strip(),
            start=float(data["start"]),
            end=float(data["end"]),
            probability=float(data.get("probability", 1.0)),
            speaker=data.get("speaker"),
            kind=data.get("kind", "speech"),
        )


@dataclass(slots=True)
class Cue:
    """One caption event: up to a few lines of text shown from ``start`` to ``end``.

    ``words`` are the timed words the cue was built from (empty for cues read
    from a file that carries no word timing). ``speaker`` is ``None`` for a
    cue whose speaker is unknown or for a dual-speaker cue.
    """

    start: float
    end: float
    lines: list[str]
    speaker: str | None = None
    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def speakers(self) -> list[str]:
        """The distinct speakers of the cue's words, in order of appearance."""
        seen = distinct_speakers(self.words)
        if not seen and self.speaker is not None:
            seen.append(self.speaker)
        return seen


@dataclass(slots=True)
class Track:
    """A caption track: ordered, non-overlapping cues in one language."""

    cues: list[Cue]
    language: str = "en"

    @property
    def words(self) -> list[Word]:
        return [word for cue in self.cues for word in cue.words]

    def shifted(self, offset: float) -> "Track":
        """A copy of the track with every time moved by ``offset`` seconds."""
        return Track(
            cues=[
                Cue(
                    start=cue.start + offset,
                    end=cue.end + offset,
                    lines=list(cue.lines),
                    speaker=cue.speaker,
                    words=[
                        Word(w.text, w.start + offset, w.end + offset, w.probability, w.speaker, w.kind)
                        for w in cue.words
                    ],
                )
                for cue in self.cues
            ],
            language=self.language,
        )

    def ended_by(self, duration: float) -> "Track":
        """A copy in which nothing ends after ``duration`` (the media's length): later ends are moved
        to it, and cues or words that would start at or after it are dropped, as no player shows them."""
        cues = []
        for cue in self.cues:
            if cue.start >= duration:
                continue
            cues.append(Cue(cue.start, min(cue.end, duration), list(cue.lines), cue.speaker,
                            words_ended_by(cue.words, duration)))
        return Track(cues, self.language)


def words_ended_by(words: Iterable[Word], duration: float) -> list[Word]:
    """Copies of ``words`` ending by ``duration``; a word that starts at or after it is dropped."""
    return [
        Word(w.text, w.start, min(w.end, duration), w.probability, w.speaker, w.kind)
        for w in words
        if w.start < duration
    ]


def keep_in_order(items: list) -> list:
    """Clamp times (of anything with mutable ``start``/``end``) so none overlaps or goes backwards.

    Each item starts no earlier than the previous one ends and ends no earlier
    than it starts; the list is changed in place and returned.
    """
    previous_end = 0.0
    for item in items:
        item.start = float(max(item.start, previous_end))
        item.end = float(max(item.end, item.start))
        previous_end = item.end
    return items


def distinct_speakers(items: Iterable) -> list[str]:
    """The speakers of ``items`` (anything with a ``speaker``), each once, in order of appearance."""
    seen: list[str] = []
    for item in items:
        if item.speaker is not None and item.speaker not in seen:
            seen.append(item.speaker)
    return seen


def word_separator(language: str | None) -> str:
    """The string placed between two words when they are joined into a line."""
    base = (language or "en").split("-")[0].lower()
    return "" if base in UNSPACED_LANGUAGES else " "


def join_words(words: Iterable[Word], language: str | None = "en") -> str:
    """The words' display text joined the way the language writes them."""
    return word_separator(language).join(word.text for word in words)
