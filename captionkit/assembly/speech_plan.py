"""Plan the text-to-speech calls for a script: pure text logic, no audio.

One TTS call cannot take a long script: Dia's own guidance is 5–20 s of speech
per call (longer input comes out unnaturally fast). The script is therefore cut
into segments at sentence ends, never inside a sentence, each inside the
engine's range by an estimate of its spoken length from the text. Among the
cuts that keep every segment in range, the fewest segments are taken, then the
most even lengths. A single sentence longer than the range cannot be cut and
is reported.

The estimate counts letters and digits (14 a second, measured on piper's
voice for the sample script, which Dia's pace is close to) and adds a short
pause for each clause mark and sound cue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import CaptionkitError
from ..script import Script, ScriptWord

#: The speaker a script without speaker tags is voiced as.
DEFAULT_SPEAKER = "S1"


@dataclass(frozen=True, slots=True)
class SpeechPlanOptions:
    """The TTS engine's range per call and how spoken length is estimated from text."""

    min_seconds: float = 5.0  # Dia: at least 5 s per call
    max_seconds: float = 20.0  # Dia: at most 20 s per call, else speech comes out rushed
    letters_per_second: float = 14.0  # measured on piper's joe voice; Dia's pace is similar
    clause_pause: float = 0.15  # seconds added for each , ; : or dash
    sentence_pause: float = 0.35  # seconds between sentences (piper's sentence pause)
    sound_seconds: float = 0.8  # a non-verbal cue such as (laughs)

    def __post_init__(self) -> None:
        if not 0 < self.min_seconds <= self.max_seconds:
            raise CaptionkitError(
                f"the speech range {self.min_seconds}-{self.max_seconds} s is not a range; give 0 < min <= max"
            )


@dataclass(frozen=True, slots=True)
class Turn:
    """A run of one speaker's tokens inside a segment: spoken words and sound cues, in order."""

    speaker: str
    tokens: tuple[ScriptWord, ...]

    @property
    def spoken_text(self) -> str:
        """What a voice reads aloud: the words only, sound cues left out."""
        return " ".join(token.text for token in self.tokens if token.kind == "speech")

    @property
    def dia_text(self) -> str:
        """The turn in Dia's markup: ``[S1] Hello there. (laughs)``."""
        parts = [f"[{self.speaker}]"]
        for token in self.tokens:
            parts.append(f"({token.text.strip('[]')})" if token.kind == "sound" else token.text)
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    """One TTS call: whole sentences of the script, with an estimate of how long they take to say."""

    index: int
    turns: tuple[Turn, ...]
    sentences: tuple[int, ...]
    estimate: float

    @property
    def name(self) -> str:
        """The file stem of the segment's audio: ``segment-01``."""
        return f"segment-{self.index:02d}"

    @property
    def dia_text(self) -> str:
        return " ".join(turn.dia_text for turn in self.turns)

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(turn.speaker for turn in self.turns))

    def to_dict(self) -> dict:
        return {
            "segment": self.index,
            "sentences": [self.sentences[0] + 1, self.sentences[-1] + 1],
            "estimated_seconds": round(self.estimate, 1),
            "speakers": self.speakers,
            "text": self.dia_text,
        }


@dataclass(slots=True)
class SpeechPlan:
    """The segments, in order, and what could not be kept inside the engine's range."""

    segments: list[SpeechSegment]
    options: SpeechPlanOptions
    warnings: list[str] = field(default_factory=list)

    @property
    def estimate(self) -> float:
        """Estimated seconds of speech, pauses between sentences included."""
        return sum(segment.estimate for segment in self.segments)


def estimate_seconds(tokens: list[ScriptWord] | tuple[ScriptWord, ...], options: SpeechPlanOptions) -> float:
    """Estimated spoken length of ``tokens`` (one or more sentences, without the pauses between them)."""
    seconds = 0.0
    for token in tokens:
        if token.kind == "sound":
            seconds += options.sound_seconds
            continue
        seconds += sum(ch.isalnum() for ch in token.text) / options.letters_per_second
        if token.text[-1:] in ",;:—–":
            seconds += options.clause_pause
    return seconds


def sentence_units(script: Script) -> list[list[ScriptWord]]:
    """The script's tokens grouped by sentence, in order (a sound cue goes with the sentence it is in)."""
    units: list[list[ScriptWord]] = []
    current: int | None = None
    for token in script.words:
        if token.sentence != current or not units:
            units.append([])
            current = token.sentence
        units[-1].append(token)
    return units


def plan_speech(script: Script, options: SpeechPlanOptions = SpeechPlanOptions()) -> SpeechPlan:
    """Cut ``script`` into TTS segments at sentence ends, each within the options' range where possible."""
    units = sentence_units(script)
    if not units:
        raise CaptionkitError("the script has no sentences to speak; check that it is the right file and not empty")
    lengths = [estimate_seconds(unit, options) for unit in units]
    bounds = _best_bounds(lengths, options)
    plan = SpeechPlan([], options)
    for index, (first, last) in enumerate(zip(bounds, bounds[1:]), start=1):
        tokens = [token for unit in units[first:last] for token in unit]
        estimate = _span_seconds(lengths, first, last, options)
        plan.segments.append(SpeechSegment(index, _turns(tokens), tuple(range(first, last)), estimate))
        if estimate > options.max_seconds:
            plan.warnings.append(
                f"sentence {first + 1} alone takes about {estimate:.0f} s, over the {options.max_seconds:g} s a "
                "TTS call takes well; split it into shorter sentences"
            )
    return plan


def _span_seconds(lengths: list[float], first: int, last: int, options: SpeechPlanOptions) -> float:
    return sum(lengths[first:last]) + options.sentence_pause * (last - first - 1)


def _best_bounds(lengths: list[float], options: SpeechPlanOptions) -> list[int]:
    """Segment boundaries (unit indices, 0 ... n): no multi-sentence segment over the maximum; then the
    fewest segments under the minimum, the fewest segments, and the most even lengths (least sum of squares)."""
    count = len(lengths)
    total = _span_seconds(lengths, 0, count, options)
    short_allowed = total < options.min_seconds  # the whole script is short: one short call is fine
    best: list[tuple[int, int, float] | None] = [None] * (count + 1)
    back = [0] * (count + 1)
    best[0] = (0, 0, 0.0)
    for last in range(1, count + 1):
        for first in range(last - 1, -1, -1):
            seconds = _span_seconds(lengths, first, last, options)
            if seconds > options.max_seconds and last - first > 1:
                break  # adding earlier sentences only makes it longer
            previous = best[first]
            if previous is None:
                continue
            short = 0 if short_allowed or seconds >= options.min_seconds else 1
            score = (previous[0] + short, previous[1] + 1, previous[2] + seconds * seconds)
            current = best[last]
            if current is None or score < current:
                best[last], back[last] = score, first
    bounds = [count]
    while bounds[-1] > 0:
        bounds.append(back[bounds[-1]])
    return bounds[::-1]


def _turns(tokens: list[ScriptWord]) -> tuple[Turn, ...]:
    turns: list[Turn] = []
    for token in tokens:
        speaker = token.speaker or DEFAULT_SPEAKER
        if turns and turns[-1].speaker == speaker:
            turns[-1] = Turn(speaker, (*turns[-1].tokens, token))
        else:
            turns.append(Turn(speaker, (token,)))
    return tuple(turns)


def avatar_piece_estimate(seconds: float, max_clip: float, margin: float) -> int:
    """How many avatar pieces ``seconds`` of speech needs at most ``max_clip - margin`` seconds each."""
    return max(1, math.ceil(seconds / (max_clip - margin)))
