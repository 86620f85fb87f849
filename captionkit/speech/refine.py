"""Timing refinement: move Whisper's word times onto the speech itself.

Whisper's cross-attention times (from forced alignment, or from transcription
with word timestamps) are offset and smeared: tiny.en's are about 35 ms late
at the median, base's about 120 ms early, and both can be several hundred ms
off after pauses. The stages, chosen by measurement
(``benchmarks/align_accuracy.py`` prints the table for each):

1. ``remove_lag``: the model's measured systematic offset is taken off.
2. ``snap_to_energy`` (any language): each pause in the audio is given to
   the word boundary the attention put nearest to it (after punctuation
   preferred), and the words on either side end and start at the pause; no
   word starts in, or stretches over, a pause.
3. ``sphinx_realign`` (English, when the ``pocketsphinx`` package is installed):
   an HMM forced aligner with an acoustic model re-times each stretch of
   words between unambiguous pauses; a stretch it cannot align keeps the
   times of step 2.

Measured on the piper corpus (tiny.en): raw 49/119/846 ms (median/p90/max
word-start error), 1+2: 32/93/788 ms, 1+3 (default for English): 23/55/201 ms.

The result always has every word, in order, with ``start <= end``, no
overlaps, and each word at least ``MIN_WORD_SECONDS`` where the gaps allow.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

import numpy as np

from ..model import Word, keep_in_order
from ..text import ends_clause

_HAS_CONTENT = re.compile(r"\w", re.UNICODE)

#: Energy frames.
FRAME_SECONDS = 0.01
WINDOW_SECONDS = 0.025
#: How late each model's cross-attention puts word starts and ends (measured on the benchmark
#: corpus; negative is early). Other models are taken as they are.
ATTENTION_LAG_SECONDS = {"tiny.en": (0.03, 0.03), "base": (-0.12, -0.06)}
#: A silence this long is a pause between words (shorter ones are stop consonants).
PAUSE_SECONDS = 0.15
#: How far from a pause the attention may have put the word boundary that belongs there.
PAUSE_REACH_SECONDS = 0.8
#: The attention is late, so a boundary placed before a pause counts this many times farther from it.
EARLY_PENALTY = 2.0
#: A boundary after punctuation counts as this much nearer to a pause.
PUNCTUATION_BONUS_SECONDS = 0.25
#: Below the speech level by this much is silence.
SILENCE_BELOW_SPEECH_DB = 35.0
#: A pause long enough to cut the audio for the second aligner.
STRETCH_PAUSE_SECONDS = 0.25
#: Words per stretch at most (a longer one is cut between two words).
STRETCH_MAX_WORDS = 40
#: pocketsphinx starts words this much before the first phoneme's true onset (measured).
SPHINX_START_BIAS_SECONDS = 0.06
SPHINX_END_BIAS_SECONDS = 0.015
#: A spoken word lasts at least this long (taken from the gaps around it where there are any).
MIN_WORD_SECONDS = 0.06
#: How far outside two words' Whisper times a pause between them may be.
STRETCH_SMEAR_SECONDS = 0.15


def refine_words(
    words: list[Word],
    audio: np.ndarray,
    sample_rate: int = 16000,
    *,
    language: str | None = "en",
    model: str | None = "tiny.en",
    method: str = "best",
) -> list[Word]:
    """Refined copies of ``words`` (Whisper-timed, in order) against ``audio`` (mono float32).

    ``method`` is ``"best"`` (the English acoustic aligner where available,
    energy snapping elsewhere), ``"energy"`` (language-independent only) or
    ``"none"``. ``language`` is the words' language code; ``model`` names the
    Whisper model that timed them (its attention lag differs).
    Sound cues (``kind="sound"``) and punctuation-only words are carried along.
    """
    if method == "none" or not words:
        return [replace(word) for word in words]
    lagged = remove_lag(words, model)
    speech = speech_mask(audio, sample_rate)
    snapped = snap_to_energy([replace(word) for word in lagged], speech)  # snapping moves its words in place
    if method == "best" and _is_english(language) and sphinx_available():
        return _ordered(sphinx_realign(lagged, snapped, audio, sample_rate, speech))
    return _ordered(snapped)


# -- language-independent: lag and energy -----------------------------------------------------


def speech_mask(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """One boolean per 10 ms frame: is there sound above the silence level."""
    hop = int(round(FRAME_SECONDS * sample_rate))
    width = int(round(WINDOW_SECONDS * sample_rate))
    if len(audio) < width:
        return np.zeros(0, dtype=bool)
    padded = np.pad(audio.astype(np.float64), (width // 2, width))
    count = 1 + (len(audio) - 1) // hop
    squares = np.concatenate([[0.0], np.cumsum(padded * padded)])
    starts = np.arange(count) * hop
    energy = (squares[starts + width] - squares[starts]) / width
    level = 10 * np.log10(energy + 1e-12)
    speech_level = np.percentile(level, 95)
    noise_floor = np.percentile(level, 5)
    threshold = max(speech_level - SILENCE_BELOW_SPEECH_DB, noise_floor + 0.5 * (speech_level - noise_floor) - 10)
    return level > threshold


def remove_lag(words: list[Word], model: str | None = None) -> list[Word]:
    """Copies of ``words`` moved by ``model``'s measured attention lag."""
    start_lag, end_lag = ATTENTION_LAG_SECONDS.get(_model_key(model), (0.0, 0.0))
    moved = []
    for word in words:
        start = max(0.0, word.start - start_lag)
        moved.append(replace(word, start=start, end=max(start, word.end - end_lag)))
    return moved


def _model_key(model: str | None) -> str:
    return "tiny.en" if model in (None, "tiny.en", "tiny-en") else str(model)


def snap_to_energy(words: list[Word], speech: np.ndarray) -> list[Word]:
    """Put the word boundaries at the audio's pauses onto the pauses.

    Each pause is given to the word boundary the attention placed nearest to
    it (a boundary after punctuation is preferred: sentences and clauses are
    where speakers pause), in order; the word before it then ends where the
    pause begins and the word after it starts where the pause ends. A word
    that still starts or ends inside a pause is moved onto the speech.
    """
    spoken = [i for i, word in enumerate(words) if word.kind == "speech" and _HAS_CONTENT.search(word.text)]
    if not spoken or len(speech) == 0:
        return words
    pauses = _silences(speech, PAUSE_SECONDS)
    next_boundary = 0
    audio_end = len(speech) * FRAME_SECONDS
    for begin, end in pauses:
        if begin <= 0.0 or end >= audio_end:
            continue  # lead-in or tail silence: no boundary between two words there
        centre = (begin + end) / 2
        best, best_cost = None, PAUSE_REACH_SECONDS
        for k in range(next_boundary, len(spoken) - 1):
            before, after = words[spoken[k]], words[spoken[k + 1]]
            boundary = (before.end + after.start) / 2
            if boundary - centre > PAUSE_REACH_SECONDS + PUNCTUATION_BONUS_SECONDS:
                break
            distance = boundary - centre if boundary >= centre else EARLY_PENALTY * (centre - boundary)
            cost = distance - (PUNCTUATION_BONUS_SECONDS if ends_clause(before.text) else 0.0)
            if cost < best_cost:
                best, best_cost = k, cost
        if best is None:
            continue
        before, after = words[spoken[best]], words[spoken[best + 1]]
        before.end = begin
        before.start = min(before.start, max(0.0, begin - MIN_WORD_SECONDS))
        after.start = end
        after.end = max(after.end, end + MIN_WORD_SECONDS)
        next_boundary = best + 1
    return _off_pauses(words, spoken, pauses)


def _off_pauses(words: list[Word], spoken: list[int], pauses: list[tuple[float, float]]) -> list[Word]:
    """Keep words off pauses.

    A word that starts inside a pause belongs after it, unless it ends a
    clause and the next word is after the pause: then the attention placed it
    late and it belongs before the pause (ending where the pause begins). An
    end inside a pause moves to the pause's start.
    """
    for position, index in enumerate(spoken):
        word = words[index]
        following = words[spoken[position + 1]] if position + 1 < len(spoken) else None
        previous_end = words[spoken[position - 1]].end if position > 0 else 0.0
        for begin, end in pauses:
            if begin <= word.start < end and word.end > begin:
                if ends_clause(word.text) and begin > previous_end and (following is None or following.start >= end - FRAME_SECONDS):
                    word.end = begin
                    word.start = max(previous_end, begin - _spoken_length(word.text))
                elif word.end > end:
                    word.start = end
            if begin < word.end <= end and word.start < begin:
                word.end = begin
    return words


def _spoken_length(text: str) -> float:
    """A rough time to say ``text``: normal speech runs about 14 letters a second."""
    return max(MIN_WORD_SECONDS, sum(ch.isalnum() for ch in text) / 14.0)


# -- English: a second, acoustic aligner --------------------------------------------------------

_SPHINX_WORD = re.compile(r"[^a-z']")
_LETTER_PHONES = [
    ("tch", "CH"), ("sch", "S K"), ("th", "TH"), ("sh", "SH"), ("ch", "CH"), ("ph", "F"), ("ng", "NG"),
    ("ck", "K"), ("qu", "K W"), ("wh", "W"), ("gh", "G"), ("ee", "IY"), ("ea", "IY"), ("oo", "UW"),
    ("ou", "AW"), ("ow", "OW"), ("ai", "EY"), ("ay", "EY"), ("oi", "OY"), ("oy", "OY"), ("au", "AO"),
    ("a", "AE"), ("b", "B"), ("c", "K"), ("d", "D"), ("e", "EH"), ("f", "F"), ("g", "G"), ("h", "HH"),
    ("i", "IH"), ("j", "JH"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("o", "AA"), ("p", "P"),
    ("q", "K"), ("r", "R"), ("s", "S"), ("t", "T"), ("u", "AH"), ("v", "V"), ("w", "W"), ("x", "K S"),
    ("y", "IY"), ("z", "Z"),
]


def _is_english(language: str | None) -> bool:
    return (language or "en").split("-")[0].lower() == "en"


@functools.cache
def sphinx_available() -> bool:
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _sphinx_decoder():
    from pocketsphinx import Decoder

    return Decoder(lm=None, loglevel="FATAL")


def sphinx_realign(
    planned: list[Word], fallback: list[Word], audio: np.ndarray, sample_rate: int, speech: np.ndarray
) -> list[Word]:
    """Re-time each stretch of spoken words with pocketsphinx.

    The stretches are cut using ``planned`` (the lag-corrected attention
    times); a stretch pocketsphinx cannot align keeps its ``fallback`` times.
    Returns ``fallback`` with the re-timed words written into it.
    """
    words = fallback
    duration = len(audio) / sample_rate
    spoken = [i for i, word in enumerate(planned) if word.kind == "speech" and _HAS_CONTENT.search(word.text)]
    stretches = _stretches(planned, spoken, _silences(speech, STRETCH_PAUSE_SECONDS), duration)
    position = 0
    while position < len(stretches):
        stretch, begin, finish = stretches[position]
        times = _sphinx_times([words[i].text for i in stretch], audio, sample_rate, begin, finish)
        if times is None and position + 1 < len(stretches):
            # a cut may have fallen inside a word: try again together with the next stretch
            following, _, next_finish = stretches[position + 1]
            merged = _sphinx_times([words[i].text for i in stretch + following], audio, sample_rate, begin, next_finish)
            if merged is not None:
                stretch, finish, times = stretch + following, next_finish, merged
                position += 1
        position += 1
        if times is None:
            continue
        for index, (start, end) in zip(stretch, times):
            words[index].start = min(finish, max(begin, start + SPHINX_START_BIAS_SECONDS))
            words[index].end = min(finish, max(words[index].start, end + SPHINX_END_BIAS_SECONDS))
    return words


def _silences(speech: np.ndarray, shortest: float = 0.25) -> list[tuple[float, float]]:
    """(start, end) of every pause of at least ``shortest`` seconds."""
    runs: list[tuple[float, float]] = []
    padded = np.concatenate([[True], speech, [True]])
    changes = np.flatnonzero(np.diff(padded.astype(np.int8)))
    for begin, end in zip(changes[::2], changes[1::2]):
        if (end - begin) * FRAME_SECONDS >= shortest:
            runs.append((begin * FRAME_SECONDS, end * FRAME_SECONDS))
    return runs


def _stretches(
    words: list[Word], spoken: list[int], silences: list[tuple[float, float]], duration: float
) -> list[tuple[list[int], float, float]]:
    """Groups of spoken words with the audio span to align them in, cut in the middle of real pauses.

    Two neighbouring words are cut apart only where exactly one pause of the
    audio lies near and between their Whisper starts: with two candidates the
    first aligner's smear could put the cut on the wrong side of a word.
    """
    stretches: list[tuple[list[int], float, float]] = []
    current: list[int] = []
    begin = 0.0
    centres = [(a + b) / 2 for a, b in silences if a > 0.0 and b < duration]  # not lead-in or tail
    for position, index in enumerate(spoken):
        current.append(index)
        following = spoken[position + 1] if position + 1 < len(spoken) else None
        if following is None:
            break
        low, high = words[index].start, words[following].start + STRETCH_SMEAR_SECONDS
        between = [c for c in centres if low < c <= high]
        nearby = [c for c in centres if low - 2 * STRETCH_SMEAR_SECONDS < c <= high + STRETCH_SMEAR_SECONDS]
        if (len(between) == 1 and len(nearby) == 1) or len(current) >= STRETCH_MAX_WORDS:
            cut = between[0] if len(between) == 1 else (words[index].end + words[following].start) / 2
            stretches.append((current, begin, cut))
            current, begin = [], cut
    if current:
        stretches.append((current, begin, duration))
    return stretches


def _sphinx_times(
    texts: list[str], audio: np.ndarray, sample_rate: int, begin: float, finish: float
) -> list[tuple[float, float]] | None:
    """pocketsphinx's (start, end) of each word in ``audio[begin:finish]``, or ``None`` if it cannot say."""
    decoder = _sphinx_decoder()
    names: list[str] = []
    for text in texts:
        name = _SPHINX_WORD.sub("", text.lower().replace("’", "'")).strip("'")
        if not name or any(ch.isdigit() for ch in text):
            return None
        if decoder.lookup_word(name) is None:
            decoder.add_word(name, _letter_phones(name), True)
        names.append(name)
    clip = audio[int(begin * sample_rate) : int(finish * sample_rate)]
    if sample_rate != 16000 or len(clip) < 1600:
        return None
    pcm = (np.clip(clip, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    try:
        decoder.set_align_text(" ".join(names))
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        found = decoder.seg()
    except RuntimeError:
        return None
    segments = [s for s in found or () if not s.word.startswith(("<", "["))]
    if len(segments) != len(names):
        return None
    frame = 0.01
    return [(begin + s.start_frame * frame, begin + (s.end_frame + 1) * frame) for s in segments]


def _letter_phones(name: str) -> str:
    """A rough pronunciation for a word pocketsphinx's dictionary lacks."""
    phones: list[str] = []
    position = 0
    letters = name.replace("'", "")
    while position < len(letters):
        for spelling, sound in _LETTER_PHONES:
            if letters.startswith(spelling, position):
                phones.append(sound)
                position += len(spelling)
                break
        else:
            position += 1
    return " ".join(phones) or "AH"


def _ordered(words: list[Word]) -> list[Word]:
    """No overlaps, ``start <= end``, and every word at least ``MIN_WORD_SECONDS`` where the gaps allow."""
    keep_in_order(words)
    for index, word in enumerate(words):
        if word.end - word.start >= MIN_WORD_SECONDS:
            continue
        following = words[index + 1].start if index + 1 < len(words) else word.start + MIN_WORD_SECONDS
        word.end = max(word.end, min(word.start + MIN_WORD_SECONDS, following))
        preceding = words[index - 1].end if index > 0 else 0.0
        word.start = min(word.start, max(word.end - MIN_WORD_SECONDS, preceding))
    return words
