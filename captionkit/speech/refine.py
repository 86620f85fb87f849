"""Timing refinement: move Whisper's word times onto the speech itself.

Whisper's cross-attention times (from forced alignment, or from transcription
with word timestamps) are offset and smeared. The stages, each measured on
verified truth (``benchmarks/truth.py``: espeak-ng word events and piper
sentence onsets, both checked against the waveform's energy;
``benchmarks/calibrate_refine.py`` re-measures every value below, and
``benchmarks/align_accuracy.py`` prints each stage's figures):

1. ``remove_lag``: the model's measured offset (``models.calibration``:
   tiny.en about 80 ms late, base about 70 ms early) is taken off.
2. ``snap_to_energy`` (any language): each pause in the audio is given to
   the word boundary the attention put nearest to it (after punctuation
   preferred), and the words on either side end and start at the pause; no
   word starts in, or stretches over, a pause, nor before the first sound.
3. ``sphinx_realign`` (English, Spanish, German; when ``pocketsphinx`` is
   installed): an HMM forced aligner with an acoustic model re-times each
   stretch of words between unambiguous pauses (Spanish and German words are
   spelled in its phones by rule). It hears each stretch with a faint fixed
   noise floor and the stretch's own cepstral mean, so a stretch comes out the
   same whatever was aligned before. Where it leaves sound in a stretch to no
   word, the attention put the next word after the pause: the stretch is
   aligned again with it. A word it makes far longer than usual, by moving
   a boundary further from the attention's than the attention smears, gives
   the time back to the next word, and a clause's pause it put inside a word
   (the attention's boundary near it) parts the two words there. A stretch it
   cannot align is tried with the next one, then in halves cut at its longest
   inner silence; what still
   fails, or strays from the attention further than the attention ever errs,
   keeps the times of step 2, but where a stretch was halved at a clause's
   pause (a comma's, often too short for step 2) the words on either side
   still end and start at it.
4. ``snap_to_energy`` again, now from the acoustic times (and only near
   them): where pocketsphinx let a silence or a word swallow the start of the
   word after a pause, the pause puts it back (on the English tuning corpus
   this took the worst sentence onset from 26 to 12 ms).

The result always has every word, in order, with ``start <= end``, no
overlaps, and each word at least ``RefineOptions.min_word_seconds`` long where
the gaps allow (``give_minimum_length``). Every tuning value is a field of
``RefineOptions``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

import numpy as np

from ..media import Samples
from ..model import Word, keep_in_order
from ..text import ends_clause, ends_sentence
from .models import calibration

_HAS_CONTENT = re.compile(r"\w", re.UNICODE)

#: pocketsphinx's frame: its acoustic model works on 100 frames a second (fixed by the model).
SPHINX_FRAME_SECONDS = 0.01


@dataclass(frozen=True, slots=True)
class RefineOptions:
    """Every tuning value of the refinement, with its meaning and where it was measured.

    "Measured" means by ``benchmarks/calibrate_refine.py`` on the tuning half of
    the verified truth corpora (``benchmarks/truth.py``); the held-out half
    (other voices, speeds and sentences) is only ever reported.
    """

    #: Energy analysis: a level every ``frame_seconds`` over a ``window_seconds`` window.
    frame_seconds: float = 0.01
    window_seconds: float = 0.025
    #: The speech level and the noise floor are these percentiles of the frame levels.
    speech_percentile: float = 95.0
    noise_percentile: float = 5.0
    #: Silence is below the speech level by ``silence_below_speech_db``, or, in noise, below the point
    #: ``silence_share`` of the way from the noise floor to the speech level less ``silence_margin_db``.
    silence_below_speech_db: float = 35.0
    silence_share: float = 0.5
    silence_margin_db: float = 10.0
    #: A silence this long is a pause between words (shorter ones are stop consonants).
    pause_seconds: float = 0.15
    #: How far from a pause the attention may have put the word boundary that belongs there.
    pause_reach_seconds: float = 0.8
    #: A boundary the attention put before a pause counts this many times farther from it.
    early_penalty: float = 2.0
    #: A boundary after a clause's punctuation counts as this much nearer to a pause; after a sentence's, as
    #: ``sentence_bonus_seconds`` nearer (the attention can put a whole sentence-final word after the pause).
    punctuation_bonus_seconds: float = 0.25
    sentence_bonus_seconds: float = 0.5
    #: After the acoustic aligner, pauses are snapped again from its times, which are near the speech: a pause is
    #: given only to a boundary this near it, without the punctuation bonuses (a laugh between two sentences is
    #: sound, and the words around it keep their places). 0.2-0.8 s measured the same on the tuning corpora; at
    #: 0.3 s, a sentence's first word that pocketsphinx started 0.3 s into its sound (a soft "F" and the vowel
    #: left to silence) kept that start; at 0.5 s it starts where its sound does.
    acoustic_pause_reach_seconds: float = 0.5
    #: A pause long enough to cut the audio into stretches for the acoustic aligner.
    stretch_pause_seconds: float = 0.25
    #: A stretch pocketsphinx cannot align is cut in two at its longest inner silence, if that is this long (a
    #: comma's pause, too short to cut stretches by).
    split_silence_seconds: float = 0.05
    #: For those cuts and for a clause's pause inside a word (both only where punctuation or a failed stretch
    #: asks for a pause), a frame this far below the loudest frame within ``clause_pause_context_seconds`` either
    #: side of it is quiet even when it is above the silence level: a comma's pause need not be silent (espeak
    #: en-029: 28-32 dB below the words around it, 20 dB above the silence level). Tuning corpora: 20 dB put an
    #: English word 259 ms off; 25 dB, 30 dB and none measure the same; 30 dB is the most cautious of them.
    #: 0.25-1 s of context measure the same.
    clause_pause_below_db: float = 30.0
    clause_pause_context_seconds: float = 0.5
    #: A half's answer is refused when pocketsphinx gave more than this much sound to no word, just before a word
    #: it put further than ``sphinx_retry_max_shift_seconds`` from the attention (a half cut inside a word); a
    #: stretch that leaves this much sound to no word is aligned again with the next stretch's first word (and
    #: kept so if that word then accounts for this much more of it).
    sphinx_max_unworded_seconds: float = 0.15
    #: Words per stretch at most (a longer one is cut between two words).
    stretch_max_words: int = 40
    #: How far outside two words' attention times a pause between them may be.
    stretch_smear_seconds: float = 0.15
    #: pocketsphinx puts word starts and ends this much early (measured on the tuning corpora, with
    #: ``sphinx_dither``: -15 / -15 ms median in English, Spanish and German alike); added back.
    sphinx_start_bias_seconds: float = 0.015
    sphinx_end_bias_seconds: float = 0.015
    #: Where pocketsphinx with its silence model loses its way, align again without it.
    sphinx_retry_without_fillers: bool = True
    #: ... and refuses an answer that makes a word longer than this many times its usual length.
    sphinx_retry_length_factor: float = 3.0
    #: ... and one that puts a word start farther than this outside the attention's span of the word: the
    #: lag-corrected attention is rarely this far off, a lost alignment without the silence model often is.
    sphinx_retry_max_shift_seconds: float = 0.3
    #: A word pocketsphinx makes longer than this many times its usual length, by moving its boundary with the next
    #: word further from the attention's than ``stretch_smear_seconds``, gives the time back (measured on the tuning
    #: corpora: no word of two letters or more that pocketsphinx timed right is longer than 2x).
    sphinx_long_word_factor: float = 2.0
    #: Gaussians pocketsphinx scores per frame (its default, 4, loses its way on unusual voices).
    sphinx_top_gaussians: int = 8
    #: Noise (standard deviation, in 16-bit steps) added to what pocketsphinx hears, the same on every run: in digital
    #: silence (exact zeros) its features degenerate and it loses its way (English tuning corpus: 16 of 41 espeak
    #: stretches failed its first pass without, 5 with).
    sphinx_dither: float = 1.0
    #: A spoken word lasts at least this long, where the gaps around it allow.
    min_word_seconds: float = 0.06
    #: Normal speech runs about this many letters a second (to place a word that has no times).
    letters_per_second: float = 14.0


DEFAULT_OPTIONS = RefineOptions()


def refine_words(
    words: list[Word],
    audio: Samples,
    sample_rate: int = 16000,
    *,
    language: str | None = "en",
    model: str | None = "tiny.en",
    method: str = "best",
    options: RefineOptions = DEFAULT_OPTIONS,
) -> list[Word]:
    """Refined copies of ``words`` (Whisper-timed, in order) against ``audio`` (mono float32).

    ``method`` is ``"best"`` (the acoustic aligner where available, energy
    snapping elsewhere), ``"energy"`` (language-independent only) or
    ``"none"``. ``language`` is the words' language code; ``model`` names the
    Whisper model that timed them (its calibration differs).
    Sound cues (``kind="sound"``) and punctuation-only words are carried along.
    """
    if method == "none" or not words:
        return [replace(word) for word in words]
    lagged = remove_lag(words, model)
    level = frame_levels(audio, sample_rate, options)
    speech = speech_from_levels(level, options)
    snapped = snap_to_energy([replace(word) for word in lagged], speech, options)
    if method == "best" and _base_language(language) in SPHINX_LANGUAGES and sphinx_available():
        clause_sound = clause_sound_mask(level, speech, options)
        realigned = sphinx_realign(lagged, snapped, audio, sample_rate, speech, clause_sound, options,
                                   _base_language(language))
        near = replace(options, pause_reach_seconds=options.acoustic_pause_reach_seconds, punctuation_bonus_seconds=0.0,
                       sentence_bonus_seconds=0.0)
        snapped = snap_to_energy(keep_in_order(realigned), speech, near)
    return give_minimum_length(keep_in_order(snapped), options.min_word_seconds, len(audio) / sample_rate)


# -- language-independent: lag and energy -----------------------------------------------------


#: The speech mask's frame levels are computed this many frames at a time, so memory does not grow with the
#: audio's length (not a tuning value: the levels are the same for any block size).
LEVEL_BLOCK_FRAMES = 1500


def speech_mask(audio: Samples, sample_rate: int, options: RefineOptions = DEFAULT_OPTIONS) -> np.ndarray:
    """One boolean per ``options.frame_seconds`` frame: is there sound above the silence level."""
    return speech_from_levels(frame_levels(audio, sample_rate, options), options)


def speech_from_levels(level: np.ndarray, options: RefineOptions = DEFAULT_OPTIONS) -> np.ndarray:
    """The speech mask of audio whose ``frame_levels`` are ``level``."""
    if len(level) == 0:
        return np.zeros(0, dtype=bool)
    speech_level = np.percentile(level, options.speech_percentile)
    noise_floor = np.percentile(level, options.noise_percentile)
    threshold = max(
        speech_level - options.silence_below_speech_db,
        noise_floor + options.silence_share * (speech_level - noise_floor) - options.silence_margin_db,
    )
    return level > threshold


def clause_sound_mask(level: np.ndarray, speech: np.ndarray, options: RefineOptions = DEFAULT_OPTIONS) -> np.ndarray:
    """``speech`` (the speech mask of the frame levels ``level``), less the frames ``clause_pause_below_db`` below the
    loudest frame within ``clause_pause_context_seconds`` around them: sound in which a clause's pause can be found."""
    reach = round(options.clause_pause_context_seconds / options.frame_seconds)
    padded = np.pad(level, reach, constant_values=-np.inf)
    loudest = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1).max(axis=1)
    return speech & (level > loudest - options.clause_pause_below_db)


def frame_levels(audio: Samples, sample_rate: int, options: RefineOptions = DEFAULT_OPTIONS) -> np.ndarray:
    """The level (dB) of each ``frame_seconds`` frame, over a ``window_seconds`` window centred on it.

    Read ``LEVEL_BLOCK_FRAMES`` frames of audio at a time: memory holds one block, however long the audio.
    """
    hop = round(options.frame_seconds * sample_rate)
    width = round(options.window_seconds * sample_rate)
    if len(audio) < width:
        return np.zeros(0)
    count = 1 + (len(audio) - 1) // hop
    level = np.empty(count)
    for first in range(0, count, LEVEL_BLOCK_FRAMES):
        last = min(count, first + LEVEL_BLOCK_FRAMES)
        low = first * hop - width // 2  # the audio under these frames' windows; zeros outside the audio
        high = (last - 1) * hop + width - width // 2
        block = audio[max(0, low) : min(len(audio), high)].astype(np.float64)
        block = np.pad(block, (max(0, -low), max(0, high - len(audio))))
        squares = np.concatenate([[0.0], np.cumsum(block * block)])
        starts = np.arange(last - first) * hop
        level[first:last] = 10 * np.log10((squares[starts + width] - squares[starts]) / width + 1e-12)
    return level


def remove_lag(words: list[Word], model: str | None = None) -> list[Word]:
    """Copies of ``words`` moved by ``model``'s measured attention lag (``models.calibration``)."""
    lag = calibration(model)
    moved = []
    for word in words:
        start = max(0.0, word.start - lag.start_lag_seconds)
        moved.append(replace(word, start=start, end=max(start, word.end - lag.end_lag_seconds)))
    return moved


def snap_to_energy(words: list[Word], speech: np.ndarray, options: RefineOptions = DEFAULT_OPTIONS) -> list[Word]:
    """Put the word boundaries at the audio's pauses onto the pauses (``words`` are changed in place).

    Each pause is given to the word boundary the attention placed nearest to
    it (a boundary after punctuation is preferred: sentences and clauses are
    where speakers pause), in order; the word before it then ends where the
    pause begins and the word after it starts where the pause ends. A word
    that still starts or ends inside a pause is moved onto the speech.
    """
    spoken = _spoken(words)
    if not spoken or len(speech) == 0:
        return words
    pauses = _silences(speech, options.pause_seconds, options.frame_seconds)
    next_boundary = 0
    audio_end = len(speech) * options.frame_seconds
    for begin, end in pauses:
        if begin <= 0.0 or end >= audio_end:
            continue  # lead-in or tail silence: no boundary between two words there
        centre = (begin + end) / 2
        best, best_cost = None, options.pause_reach_seconds
        for k in range(next_boundary, len(spoken) - 1):
            before, after = words[spoken[k]], words[spoken[k + 1]]
            boundary = (before.end + after.start) / 2
            if boundary - centre > options.pause_reach_seconds + options.sentence_bonus_seconds:
                break
            distance = boundary - centre if boundary >= centre else options.early_penalty * (centre - boundary)
            cost = distance - _punctuation_bonus(before.text, options)
            if cost < best_cost:
                best, best_cost = k, cost
        if best is None:
            continue
        before, after = words[spoken[best]], words[spoken[best + 1]]
        before.end = begin
        before.start = min(before.start, max(0.0, begin - options.min_word_seconds))
        after.start = end
        after.end = max(after.end, end + options.min_word_seconds)
        next_boundary = best + 1
    _onto_the_speech(words, spoken, speech, options)
    return _off_pauses(words, spoken, pauses, options)


def _punctuation_bonus(text: str, options: RefineOptions) -> float:
    if ends_sentence(text):
        return options.sentence_bonus_seconds
    return options.punctuation_bonus_seconds if ends_clause(text) else 0.0


def _onto_the_speech(words: list[Word], spoken: list[int], speech: np.ndarray, options: RefineOptions) -> None:
    """The lead-in and the tail are pauses too: the first word starts at the first sound and the last
    ends at the last, when the attention put them within reach of it (and no sound cue comes first or last)."""
    sounding = np.flatnonzero(speech)
    if len(sounding) == 0:
        return
    first, last = sounding[0] * options.frame_seconds, (sounding[-1] + 1) * options.frame_seconds
    opening, closing = words[spoken[0]], words[spoken[-1]]
    reach = options.pause_reach_seconds
    if opening.start < first + reach and all(w.kind == "speech" for w in words[: spoken[0]]):
        opening.start = first
        opening.end = max(opening.end, first + options.min_word_seconds)
    if closing.end > last - reach and all(w.kind == "speech" for w in words[spoken[-1] + 1 :]):
        closing.end = last
        closing.start = min(closing.start, max(first, last - options.min_word_seconds))


def _spoken(words: list[Word]) -> list[int]:
    """Indexes of the words that are spoken (not sound cues or punctuation)."""
    return [i for i, word in enumerate(words) if word.kind == "speech" and _HAS_CONTENT.search(word.text)]


def _off_pauses(
    words: list[Word], spoken: list[int], pauses: list[tuple[float, float]], options: RefineOptions
) -> list[Word]:
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
                after_pause = following is None or following.start >= end - options.frame_seconds
                if ends_clause(word.text) and begin > previous_end and after_pause:
                    word.end = begin
                    word.start = max(previous_end, begin - _spoken_length(word.text, options))
                elif word.end > end:
                    word.start = end
            if begin < word.end <= end and word.start < begin:
                word.end = begin
    return words


def _spoken_length(text: str, options: RefineOptions) -> float:
    """A rough time to say ``text``."""
    return max(options.min_word_seconds, sum(ch.isalnum() for ch in text) / options.letters_per_second)


def _silences(speech: np.ndarray, shortest: float, frame_seconds: float) -> list[tuple[float, float]]:
    """(start, end) of every pause of at least ``shortest`` seconds in a speech mask."""
    runs: list[tuple[float, float]] = []
    padded = np.concatenate([[True], speech, [True]])
    changes = np.flatnonzero(np.diff(padded.astype(np.int8)))
    for begin, end in zip(changes[::2], changes[1::2]):
        if (end - begin) * frame_seconds >= shortest:
            runs.append((begin * frame_seconds, end * frame_seconds))
    return runs


def give_minimum_length(items: list, minimum: float, limit: float | None = None) -> list:
    """Lengthen every item (anything with ``start``/``end``, in order) to ``minimum`` where the gaps allow.

    A run of too-short items takes the free time around it, centred where it
    was; if that is not enough, its neighbours lend what they have over
    ``minimum``; if even that is not enough (or ``limit``, the end of the audio,
    is near), the run shares what there is equally. Nothing overlaps and the
    order is kept. ``items`` are changed in place and returned.
    """
    index = 0
    while index < len(items):
        if items[index].end - items[index].start >= minimum - 1e-9:
            index += 1
            continue
        last = index
        while last + 1 < len(items) and items[last + 1].end - items[last + 1].start < minimum - 1e-9:
            last += 1
        previous = items[index - 1] if index > 0 else None
        following = items[last + 1] if last + 1 < len(items) else None
        low = previous.end if previous else 0.0
        high = following.start if following else max(items[last].end, limit if limit is not None else items[last].end + minimum * (last - index + 1))
        need = minimum * (last - index + 1)
        if high - low < need and previous is not None:
            low = max(previous.start + minimum, high - need) if previous.end - previous.start > minimum else low
            low = min(low, previous.end)
        if high - low < need and following is not None and following.end - following.start > minimum:
            high = max(high, min(following.end - minimum, low + need))
        share = min(minimum, (high - low) / (last - index + 1))
        centre = (items[index].start + items[last].end) / 2
        begin = min(max(low, centre - share * (last - index + 1) / 2), high - share * (last - index + 1))
        for position in range(index, last + 1):
            items[position].start = begin
            items[position].end = begin = begin + share
        if previous is not None:
            previous.end = min(previous.end, items[index].start)
        if following is not None:
            following.start = max(following.start, items[last].end)
        index = last + 1
    return items


# -- the acoustic aligner ----------------------------------------------------------------------
# pocketsphinx's English acoustic model; Spanish and German words are spelled in its phones by rule
# (both languages write nearly as they sound), which aligns them better than any language-independent
# stage measured (benchmarks/align_accuracy.py --language es|de prints each).

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
#: Spelling rules (a pattern matched at the current letter, and its phones), tried in order.
_SPELLING_RULES = {
    "es": [
        ("ch", "CH"), ("ll", "Y"), ("rr", "R"), ("qu(?=[eéií])", "K"), ("gu(?=[eéií])", "G"), ("gü", "G W"),
        ("c(?=[eéií])", "S"), ("g(?=[eéií])", "HH"), ("ñ", "N Y"), ("h", ""), ("i(?=[aáeéoóuú])", "Y"),
        ("u(?=[aáeéoó])", "W"), ("y$", "IY"), ("y", "Y"), ("[aá]", "AA"), ("[eé]", "EH"), ("[ií]", "IY"),
        ("[oó]", "OW"), ("[uúü]", "UW"), ("[bv]", "B"), ("[ckq]", "K"), ("d", "D"), ("f", "F"), ("g", "G"),
        ("j", "HH"), ("l", "L"), ("m", "M"), ("n", "N"), ("p", "P"), ("r", "R"), ("s", "S"), ("t", "T"),
        ("w", "W"), ("x", "K S"), ("z", "S"),
    ],
    "de": [
        ("tsch", "CH"), ("sch", "SH"), ("^sp", "SH P"), ("^st", "SH T"), ("chs", "K S"), ("ch", "HH"),
        ("ck", "K"), ("tz", "T S"), ("z", "T S"), ("ph", "F"), ("pf", "P F"), ("qu", "K V"), ("th", "T"),
        ("ng", "NG"), ("nk", "NG K"), ("ei|ai|ey|ay", "AY"), ("ie", "IY"), ("eu|äu", "OY"), ("au", "AW"),
        ("ah|aa", "AA"), ("eh|ee", "EY"), ("ih", "IY"), ("oh|oo", "OW"), ("uh", "UW"), ("äh", "EH"),
        ("öh", "ER"), ("üh", "UW"), ("er$", "ER"), ("en$", "AH N"), ("el$", "AH L"), ("e$", "AH"),
        ("ä", "EH"), ("ö", "ER"), ("ü", "UW"), ("ß", "S"), ("a", "AA"), ("e", "EH"), ("i", "IH"), ("o", "AO"),
        ("u", "UH"), ("y", "IY"), ("b$", "P"), ("d$", "T"), ("g$", "K"), ("b", "B"), ("c", "K"), ("d", "D"),
        ("f", "F"), ("g", "G"), ("h", "HH"), ("j", "Y"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"),
        ("p", "P"), ("r", "R"), ("s(?=[aeiouäöü])", "Z"), ("s", "S"), ("t", "T"), ("v", "F"), ("w", "V"),
        ("x", "K S"),
    ],
}
_COMPILED_RULES = {
    language: [(re.compile(pattern), phones) for pattern, phones in rules] for language, rules in _SPELLING_RULES.items()
}
#: Languages the acoustic aligner re-times: English by its dictionary, the others by spelling rules.
SPHINX_LANGUAGES = ("en", *_SPELLING_RULES)


def _base_language(language: str | None) -> str:
    return (language or "en").split("-")[0].lower()


@functools.cache
def sphinx_available() -> bool:
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _sphinx_decoder(top_gaussians: int, fillers: bool = True):
    from pocketsphinx import Decoder

    return Decoder(lm=None, loglevel="FATAL", topn=top_gaussians, fsgusefiller=fillers)


def sphinx_realign(
    planned: list[Word],
    fallback: list[Word],
    audio: Samples,
    sample_rate: int,
    speech: np.ndarray,
    clause_sound: np.ndarray,
    options: RefineOptions = DEFAULT_OPTIONS,
    language: str = "en",
) -> list[Word]:
    """Re-time each stretch of spoken words (in ``language``, one of ``SPHINX_LANGUAGES``) with pocketsphinx.

    The stretches are cut using ``planned`` (the lag-corrected attention
    times) at the pauses of ``speech`` (the speech mask); a stretch pocketsphinx
    cannot align is halved at a quiet of ``clause_sound`` (``clause_sound_mask``),
    and a half it cannot align keeps its ``fallback`` times.
    Returns ``fallback`` with the re-timed words written into it.
    """
    words = fallback
    duration = len(audio) / sample_rate
    spoken = _spoken(planned)
    pauses = _silences(speech, options.stretch_pause_seconds, options.frame_seconds)
    stretches = _stretches(planned, spoken, pauses, duration, options)
    position = 0
    while position < len(stretches):
        stretch, begin, finish = stretches[position]
        times = _sphinx_times([words[i].text for i in stretch], audio, sample_rate, speech, begin, finish, options,
                              language, _only_speech(planned, stretch), [planned[i] for i in stretch])
        if times is None and position + 1 < len(stretches):
            # a cut may have fallen inside a word: try again together with the next stretch
            following, _, next_finish = stretches[position + 1]
            both = stretch + following
            merged = _sphinx_times([words[i].text for i in both], audio, sample_rate, speech, begin, next_finish,
                                   options, language, _only_speech(planned, both), [planned[i] for i in both])
            if merged is not None:
                stretch, finish, times = stretch + following, next_finish, merged
                position += 1
        unworded = _unworded(times, begin, finish, speech, options) if times is not None else 0.0
        if unworded > options.sphinx_max_unworded_seconds and position + 1 < len(stretches):
            # the attention put a word of this stretch after the pause: take the next stretch's first word back
            following, next_begin, next_finish = stretches[position + 1]
            taken = _sphinx_times([words[i].text for i in stretch + following[:1]], audio, sample_rate, speech, begin,
                                  finish, options, language, _only_speech(planned, stretch + following[:1]),
                                  [planned[i] for i in stretch + following[:1]])
            if taken is not None and _unworded(taken, begin, finish, speech, options) < unworded - options.sphinx_max_unworded_seconds:
                stretch, times = stretch + following[:1], taken
                stretches[position + 1 : position + 2] = [(following[1:], next_begin, next_finish)] if following[1:] else []
        position += 1
        if times is not None:
            _write_times(words, stretch, times, begin, finish, options)
            _unstretched(words, planned, stretch, options)
            _at_clause_pauses(words, planned, stretch, clause_sound, options)
            continue
        # or the stretch is too long for it to keep its way: its halves, cut at silences inside
        _realign_halves(words, planned, stretch, begin, finish, audio, sample_rate, speech, clause_sound, options,
                        language)
    return words


def _realign_halves(
    words: list[Word], planned: list[Word], stretch: list[int], begin: float, finish: float, audio: Samples,
    sample_rate: int, speech: np.ndarray, clause_sound: np.ndarray, options: RefineOptions, language: str,
) -> None:
    """Align each half of a stretch pocketsphinx could not align whole, and the halves of a half that fails.

    A half it cannot align either keeps the times of step 2, but where the cut is a clause's pause (the word
    before it ends a clause) the words on either side end and start at that pause: a comma's pause is often
    too short for step 2, and the attention can put the next word a third of a second late.
    """
    halves, pause = _halves(planned, stretch, begin, finish, clause_sound, options)
    if halves and ends_clause(words[halves[0][0][-1]].text):
        _meet_at_pause(words, halves[0][0][-1], halves[1][0][0], pause, options)
    for half, low, high in halves:
        times = _sphinx_times([words[i].text for i in half], audio, sample_rate, speech, low, high, options,
                              language, _only_speech(planned, half), [planned[i] for i in half])
        if times is not None and _swallowed(times, [planned[i] for i in half], low, speech, options):
            continue  # the cut fell inside a word, and its silence model took the rest: keep the times of step 2
        if times is not None:
            _write_times(words, half, times, low, high, options)
            _unstretched(words, planned, half, options)
            _at_clause_pauses(words, planned, half, clause_sound, options)
        else:
            _realign_halves(words, planned, half, low, high, audio, sample_rate, speech, clause_sound, options,
                            language)


def _write_times(
    words: list[Word], stretch: list[int], times: list[tuple[float, float]], begin: float, finish: float,
    options: RefineOptions,
) -> None:
    """Write pocketsphinx's times (bias added back) into the words of a stretch, within its span."""
    for index, (start, end) in zip(stretch, times):
        words[index].start = min(finish, max(begin, start + options.sphinx_start_bias_seconds))
        words[index].end = min(finish, max(words[index].start, end + options.sphinx_end_bias_seconds))


def _unworded(
    times: list[tuple[float, float]], begin: float, finish: float, speech: np.ndarray, options: RefineOptions
) -> float:
    """How much sound (by the speech mask) between ``begin`` and ``finish`` pocketsphinx gave to no word of a
    stretch: speech no word of it accounts for."""
    frame = options.frame_seconds
    ends = [begin, *(end for _, end in times)]
    starts = [*(start for start, _ in times), finish]
    sound = sum(float(np.sum(speech[int(round(low / frame)) : int(round(high / frame))])) for low, high in zip(ends, starts))
    return sound * frame


def _unstretched(words: list[Word], planned: list[Word], stretch: list[int], options: RefineOptions) -> None:
    """Where pocketsphinx moved the boundary between two words of ``stretch`` further from the attention's than
    the attention smears (``stretch_smear_seconds``), and so made the word that gained the time longer than
    ``sphinx_long_word_factor`` times its usual length, the boundary goes back to the attention's start of the
    second word: the word it squeezed is where the attention heard it."""
    for before, after in zip(stretch, stretch[1:]):
        first, second, heard = words[before], words[after], planned[after].start
        if not first.start + options.min_word_seconds <= heard <= second.end - options.min_word_seconds:
            continue
        late = second.start - heard > options.stretch_smear_seconds
        early = heard - second.start > options.stretch_smear_seconds
        gainer = first if late else second
        if (late or early) and gainer.end - gainer.start > options.sphinx_long_word_factor * _spoken_length(gainer.text, options):
            second.start = heard
            first.end = min(first.end, heard) if early else heard


def _at_clause_pauses(
    words: list[Word], planned: list[Word], stretch: list[int], sound: np.ndarray, options: RefineOptions
) -> None:
    """Where pocketsphinx put a clause's pause (a quiet of ``sound``, ``clause_sound_mask``, at least
    ``split_silence_seconds`` long, after a word that ends a clause) inside one of the two words around it, with at least ``min_word_seconds`` of that word on the far side,
    and the attention put their boundary within ``stretch_smear_seconds`` of it, the first word ends where the pause
    begins and the second starts where it ends."""
    for before, after in zip(stretch, stretch[1:]):
        first, second = words[before], words[after]
        if not ends_clause(first.text):
            continue
        for pause in _silences(_within(sound, first.start, second.end, options), options.split_silence_seconds,
                               options.frame_seconds):
            begin, end = first.start + pause[0], first.start + pause[1]
            shortest = options.min_word_seconds  # a word's worth of sound on the pause's other side, not jitter
            inside = second.start < begin - shortest and end < second.end or first.start < begin and end + shortest < first.end
            if inside and begin - options.stretch_smear_seconds <= planned[after].start <= end + options.stretch_smear_seconds:
                _meet_at_pause(words, before, after, (begin, end), options)
                first.end = begin  # the sound up to the pause is the first word's
                break


def _within(speech: np.ndarray, start: float, end: float, options: RefineOptions) -> np.ndarray:
    """The speech mask from ``start`` to ``end``, with sound at both edges (so a silence there is not inside)."""
    frame = options.frame_seconds
    return np.concatenate([[True], speech[int(round(start / frame)) + 1 : int(round(end / frame))], [True]])


def _meet_at_pause(words: list[Word], before: int, after: int, pause: tuple[float, float], options: RefineOptions) -> None:
    """Word ``before`` ends where ``pause`` begins (if it ran into it) and word ``after`` starts where it ends."""
    begin, end = pause
    words[before].end = min(words[before].end, begin)
    words[before].start = min(words[before].start, max(0.0, begin - options.min_word_seconds))
    words[after].start = end
    words[after].end = max(words[after].end, end + options.min_word_seconds)


def _swallowed(
    times: list[tuple[float, float]], planned: list[Word], begin: float, speech: np.ndarray, options: RefineOptions
) -> bool:
    """Whether pocketsphinx gave more than ``sphinx_max_unworded_seconds`` of sound (by the speech mask) to no
    word just before a word it put further than ``sphinx_retry_max_shift_seconds`` from the attention's start."""
    frame = options.frame_seconds
    ends = [begin, *(end for _, end in times[:-1])]
    for (start, _), previous_end, word in zip(times, ends, planned):
        sound = float(np.sum(speech[int(round(previous_end / frame)) : int(round(start / frame))])) * frame
        if sound > options.sphinx_max_unworded_seconds and abs(start - word.start) > options.sphinx_retry_max_shift_seconds:
            return True
    return False


def _halves(
    planned: list[Word], stretch: list[int], begin: float, finish: float, sound: np.ndarray, options: RefineOptions
) -> tuple[list[tuple[list[int], float, float]], tuple[float, float]]:
    """The stretch cut in two in the middle of its longest inner quiet of ``sound`` (``clause_sound_mask``; at
    least ``split_silence_seconds``), the words going by their attention starts (or the cut after a clause's end
    one word away), and that quiet's (start, end); no halves when there is no such quiet or a half would be empty."""
    frame = options.frame_seconds
    first = int(round(begin / frame))
    sounding = np.flatnonzero(sound[first : int(round(finish / frame))])
    if len(sounding) < 2:
        return [], (0.0, 0.0)
    quiet = np.flatnonzero(~sound[first + sounding[0] : first + sounding[-1]])
    runs = np.split(quiet, np.flatnonzero(np.diff(quiet) > 1) + 1) if len(quiet) else []
    longest = max(runs, key=len, default=np.zeros(0, int))
    if len(longest) * frame < options.split_silence_seconds:
        return [], (0.0, 0.0)
    pause = ((first + sounding[0] + longest[0]) * frame, (first + sounding[0] + longest[-1] + 1) * frame)
    cut = (pause[0] + pause[1]) / 2
    left = [i for i in stretch if planned[i].start < cut]
    right = [i for i in stretch if planned[i].start >= cut]
    if not left or not right or left + right != stretch:
        return [], (0.0, 0.0)
    split = len(left)
    if not ends_clause(planned[stretch[split - 1]].text):  # the attention smears a word across a clause's pause:
        near = [k for k in (split - 1, split + 1) if 0 < k < len(stretch) and ends_clause(planned[stretch[k - 1]].text)]
        split = near[0] if len(near) == 1 else split  # a clause's end one word from the cut takes it
    return [(stretch[:split], begin, cut), (stretch[split:], cut, finish)], pause


def _only_speech(words: list[Word], stretch: list[int]) -> bool:
    """No sound cue (laugh, applause) inside the stretch or next to it."""
    return all(words[i].kind == "speech" for i in range(max(0, stretch[0] - 1), min(len(words), stretch[-1] + 2)))


def _stretches(
    words: list[Word], spoken: list[int], silences: list[tuple[float, float]], duration: float, options: RefineOptions
) -> list[tuple[list[int], float, float]]:
    """Groups of spoken words with the audio span to align them in, cut in the middle of real pauses.

    Two neighbouring words are cut apart only where exactly one pause of the
    audio lies near and between their Whisper starts: with two candidates the
    first aligner's smear could put the cut on the wrong side of a word.
    """
    smear = options.stretch_smear_seconds
    stretches: list[tuple[list[int], float, float]] = []
    current: list[int] = []
    begin = 0.0
    centres = [(a + b) / 2 for a, b in silences if a > 0.0 and b < duration]  # not lead-in or tail
    for position, index in enumerate(spoken):
        current.append(index)
        following = spoken[position + 1] if position + 1 < len(spoken) else None
        if following is None:
            break
        if any(words[i].kind == "sound" for i in range(index + 1, following)):
            # a sound cue (a laugh) between them: it belongs to no word, so it is left out of both stretches
            around = [c for c in centres if words[index].start < c <= words[following].end]
            if around:
                stretches.append((current, begin, around[0]))
                current, begin = [], around[-1]
                continue
        low, high = words[index].start, words[following].start + smear
        between = [c for c in centres if low < c <= high]
        nearby = [c for c in centres if low - 2 * smear < c <= high + smear]
        if (len(between) == 1 and len(nearby) == 1) or len(current) >= options.stretch_max_words:
            cut = between[0] if len(between) == 1 else (words[index].end + words[following].start) / 2
            stretches.append((current, begin, cut))
            current, begin = [], cut
    if current:
        stretches.append((current, begin, duration))
    return stretches


def _sphinx_times(
    texts: list[str],
    audio: Samples,
    sample_rate: int,
    speech: np.ndarray,
    begin: float,
    finish: float,
    options: RefineOptions,
    language: str = "en",
    only_speech: bool = True,
    planned: list[Word] | None = None,
) -> list[tuple[float, float]] | None:
    """pocketsphinx's (start, end) of each word in ``audio[begin:finish]``, or ``None`` if it cannot say.

    ``only_speech`` says that no sound cue (a laugh, applause) lies in the span; ``planned`` are the words'
    lag-corrected attention times (without them, no second try without the silence model).
    """
    times = _sphinx_pass(_sphinx_decoder(options.sphinx_top_gaussians), texts, audio, sample_rate, begin, finish, language,
                         options.sphinx_dither)
    if times is not None or not options.sphinx_retry_without_fillers or not only_speech or planned is None:
        return times
    # without its silence model it cannot stop early, but every sound in the span then belongs to some word: trim
    # the span to the speech, and refuse an answer that stretches a word over a pause, far past its length, or far
    # from where the attention heard it
    frames = np.flatnonzero(speech[int(begin / options.frame_seconds) : int(np.ceil(finish / options.frame_seconds))])
    if len(frames) == 0:
        return None
    first = int(begin / options.frame_seconds)
    begin, finish = (first + frames[0]) * options.frame_seconds, min(finish, (first + frames[-1] + 1) * options.frame_seconds)
    times = _sphinx_pass(_sphinx_decoder(options.sphinx_top_gaussians, False), texts, audio, sample_rate, begin, finish,
                         language, options.sphinx_dither)
    if times is None:
        return None
    pauses = _silences(speech, options.stretch_pause_seconds, options.frame_seconds)
    shift = options.sphinx_retry_max_shift_seconds
    for (start, end), word in zip(times, planned):
        too_long = end - start > options.sphinx_retry_length_factor * _spoken_length(word.text, options)
        astray = not word.start - shift <= start <= word.end + shift
        if too_long or astray or any(start < low and high < end for low, high in pauses):
            return None
    return times


def _sphinx_pass(
    decoder, texts: list[str], audio: Samples, sample_rate: int, begin: float, finish: float, language: str,
    dither: float = 0.0,
) -> list[tuple[float, float]] | None:
    names: list[str] = []
    for text in texts:
        name = _sphinx_name(decoder, text, language)
        if name is None:
            return None
        names.append(name)
    clip = audio[int(begin * sample_rate) : int(finish * sample_rate)]
    if sample_rate != 16000 or len(clip) < 1600:
        return None
    samples = np.clip(clip, -1.0, 1.0) * 32767
    if dither:
        samples = samples + np.random.default_rng(0).normal(0.0, dither, len(samples))
    pcm = np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()
    try:
        decoder.set_align_text(" ".join(names))
        # the cepstral mean is taken from this stretch first: left to itself, the decoder carries it over from
        # whatever it heard before, and the same stretch could come out differently in another run
        decoder.reinit_feat()
        decoder.start_utt()
        decoder.process_raw(pcm, no_search=True, full_utt=True)
        decoder.end_utt()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        found = decoder.seg()
    except RuntimeError:
        return None
    segments = [s for s in found or () if not s.word.startswith(("<", "["))]
    if len(segments) != len(names):
        return None
    return [(begin + s.start_frame * SPHINX_FRAME_SECONDS, begin + (s.end_frame + 1) * SPHINX_FRAME_SECONDS)
            for s in segments]


def _sphinx_name(decoder, text: str, language: str) -> str | None:
    """The decoder's dictionary entry for ``text`` (added if missing), or ``None`` for a word it cannot say."""
    if any(ch.isdigit() for ch in text):
        return None
    if language == "en":
        name = _SPHINX_WORD.sub("", text.lower().replace("’", "'")).strip("'")
        if name and decoder.lookup_word(name) is None:
            decoder.add_word(name, _letter_phones(name), True)
        return name or None
    phones = _spelled_phones(text.lower(), language)
    if not phones:
        return None
    name = f"{language}_{phones.replace(' ', '_').lower()}"  # one entry per pronunciation, apart from English words
    if decoder.lookup_word(name) is None:
        decoder.add_word(name, phones, True)
    return name


def _spelled_phones(word: str, language: str) -> str:
    """``word``'s phones by ``language``'s spelling rules (letters no rule knows are skipped)."""
    rules = _COMPILED_RULES[language]
    phones: list[str] = []
    position = 0
    while position < len(word):
        if position and word[position] == word[position - 1] and word[position] not in "aeiouäöüáéíóú":
            position += 1  # a doubled consonant is one sound
            continue
        for pattern, sound in rules:
            match = pattern.match(word, position)
            if match and match.end() > position:
                phones += sound.split()
                position = match.end()
                break
        else:
            position += 1
    return " ".join(phones)


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
