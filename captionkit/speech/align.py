"""Forced alignment: the script's own words, timed against the audio.

The pipeline, one small step each:

1. ``_Units``: each script word becomes what is said for it
   (``spoken_forms.py``: "$49.99" is "forty nine dollars and ninety nine
   cents", "Wi-Fi" is "why fie"); the units are aligned, and each written word
   keeps the span of its units, so captions show the script as written.
2. ``_align_windows``: the audio is cut into the model's 30 s windows. Each
   window's features are made from its own audio (memory stays flat with
   length) and Whisper's cross-attention alignment (ctranslate2 ``align``,
   through ``whisper_adapter.py``) is run with the *script's* tokens, not a
   transcript. A window is fed more script than it can hold; only words that
   end well before the window's end are kept, and the next window starts
   just before the last kept word (which is fed again as an anchor and
   dropped), so no word at an edge is lost, doubled or squeezed.
3. ``find_mismatches``: words the audio does not contain are found from the
   alignment's own evidence: the probability the model gives the script's
   tokens, and words squeezed into almost no time; a quick transcription of
   only those places must agree (``_confirmed_by_transcript``: accents lower
   probabilities too). They are reported by sentence and kept short so their
   cues do not stretch over silence. A script that mostly does not match is
   refused.
4. ``refine_words`` (``refine.py``) moves the heard units onto the speech (lag,
   pauses, and an acoustic re-alignment for English).
5. Sound cues such as ``[laughs]`` are placed in the gap where they happen.

The tuning values are in :class:`AlignOptions`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CaptionkitError
from ..media import MODEL_SAMPLE_RATE, Samples
from ..model import UNSPACED_LANGUAGES, Word, keep_in_order
from ..progress import progress_bar
from ..script import Script, ScriptWord, read_script
from .models import DEFAULT_MODEL
from .units import refine_by_units, with_closing
from .spoken_forms import readings
from .transcribe import audio_of, check_language
from .whisper_adapter import (
    MEL_FRAMES_PER_SECOND,
    WINDOW_SECONDS,
    EncodedWindow,
    HeardWord,
    WhisperAdapter,
    adapter_for,
)


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """The tuning of forced alignment. Defaults measured on the verified-truth tuning corpora of
    ``benchmarks/truth.py`` (espeak-ng and piper voices; ``benchmarks/align_accuracy.py --set tuning``) and the
    mismatch tests (``tests/test_align.py``).

    **Windows.** Each 30 s window is fed more script than it can hold:
    ``feed_characters(window)`` = window seconds x ``fast_characters_per_second``
    x ``feed_overshoot`` + ``feed_extra_characters`` (a token counted as
    ``characters_per_token`` characters), capped at ``max_text_tokens``. Words
    ending within ``edge_guard_seconds`` of a window's end wait for the next
    window, which starts ``anchor_lead_seconds`` before the last kept word
    (fed again as an anchor) and at least ``min_seek_seconds`` after the
    previous start. Less than ``min_window_seconds`` of audio left means the
    rest of the script has nowhere to go.

    **Mismatches.** A word whose tokens get a mean probability under
    ``unheard_probability`` was probably not said; under
    ``doubtful_probability`` (or squeezed into less than ``squeezed_seconds``)
    it is doubtful. Doubted places are transcribed (``transcript_context_seconds``
    around them, at most ``transcript_tokens_per_second`` tokens a second) and
    a run is heard after all when the transcript, matched in order with the
    script, has in its place words for ``heard_share`` of the script's words
    there: spelled at least ``similar_spelling`` alike, or words the model is
    unsure of (under ``unsure_probability``). An unheard word
    keeps at most ``unheard_max_seconds``.
    """

    fast_characters_per_second: float = 22.0  # the fast end of normal speech
    feed_overshoot: float = 1.5
    feed_extra_characters: float = 40.0
    characters_per_token: float = 4.0
    max_text_tokens: int = 400  # the decoder holds 448 positions, prompt included
    edge_guard_seconds: float = 5.0
    anchor_lead_seconds: float = 0.5
    min_seek_seconds: float = 1.0
    min_window_seconds: float = 0.5
    unheard_probability: float = 0.15
    doubtful_probability: float = 0.4
    squeezed_seconds: float = 0.06
    unheard_max_seconds: float = 0.3
    transcript_context_seconds: float = 1.0
    transcript_tokens_per_second: int = 8  # fast speech is about 5
    similar_spelling: float = 0.6
    heard_share: float = 0.5
    #: A transcript word the model gives less than this probability is speech it could not make out: the doubted
    #: script word in its place was said. Measured (``base``): accented es/de espeak words it mishears 0.09-0.37
    #: (a few 0.7-0.8), clearly spoken words 0.77-1.0.
    unsure_probability: float = 0.5
    min_matched_share: float = 0.5
    #: Below this mean word probability (or share of heard words) the whole script is in doubt, and the audio
    #: is transcribed to check it: a right script scores about 0.9, a script of another recording about 0.3.
    suspicious_mean_probability: float = 0.5
    #: The script is refused when less than this share of what is said in the audio is in it, and the model
    #: finds the script's words less than ``min_probability_ratio`` times as likely as its own transcript's.
    #: Measured: a script of another recording 0.34 (tiny.en); accented speech with the right script
    #: 0.53 (es) and 0.93 (de) with base, whose transcript of it covers only 5-25 % of the script.
    min_covered_share: float = 0.5
    min_probability_ratio: float = 0.45
    #: A sound cue after the last word is given this long.
    trailing_sound_seconds: float = 1.0

    def feed_characters(self, window_seconds: float) -> float:
        """How many characters of script one window of ``window_seconds`` is fed (more than it can hold)."""
        return window_seconds * self.fast_characters_per_second * self.feed_overshoot + self.feed_extra_characters


_HAS_CONTENT = re.compile(r"\w", re.UNICODE)


@dataclass(slots=True)
class Mismatch:
    """A run of script words the audio does not seem to contain."""

    first: int  # index into the script's spoken words
    last: int
    text: str
    start: float
    end: float
    sentences: list[str]

    def describe(self) -> str:
        return f'{_clock(self.start)}-{_clock(self.end)}: "{self.text}" was not heard'

    def to_dict(self) -> dict:
        return {
            "words": [self.first, self.last],
            "text": self.text,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "sentences": self.sentences,
        }


@dataclass(slots=True)
class AlignmentReport:
    """How well the script matched the audio."""

    total_words: int
    unheard_words: int
    mismatches: list[Mismatch] = field(default_factory=list)
    mean_probability: float = 1.0

    @property
    def matched_share(self) -> float:
        return 1.0 - self.unheard_words / self.total_words if self.total_words else 1.0

    def unheard_indices(self) -> set[int]:
        return {i for mismatch in self.mismatches for i in range(mismatch.first, mismatch.last + 1)}

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        if self.ok:
            return f"all {self.total_words} script words aligned"
        lines = [
            f"{self.unheard_words} of {self.total_words} script words ({1 - self.matched_share:.0%}) "
            + "were not heard in the audio:"
        ]
        lines += [f"  {mismatch.describe()}" for mismatch in self.mismatches]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "total_words": self.total_words,
            "unheard_words": self.unheard_words,
            "matched_share": round(self.matched_share, 4),
            "mean_probability": round(self.mean_probability, 4),
            "mismatches": [mismatch.to_dict() for mismatch in self.mismatches],
        }


@dataclass(slots=True)
class Alignment:
    """The script's words with times (speech and, if asked, sound cues) and the report."""

    words: list[Word]
    report: AlignmentReport
    language: str
    duration: float


@dataclass(slots=True)
class _Timing:
    start: float
    end: float
    probability: float


@dataclass(frozen=True, slots=True)
class _Reading:
    """One way a script word is said: its spoken units ("forty", "nine", "dollars") and their tokens."""

    units: tuple[str, ...]
    tokens: tuple[tuple[int, ...], ...]

    @property
    def flat(self) -> list[int]:
        return [token for unit in self.tokens for token in unit]


@dataclass(slots=True)
class _Aligned:
    """A script word as aligned: the reading the audio supported and its units' timings."""

    reading: _Reading
    units: list[_Timing]

    @property
    def start(self) -> float:
        return self.units[0].start

    @property
    def end(self) -> float:
        return self.units[-1].end

    @property
    def probability(self) -> float:
        return float(np.mean([unit.probability for unit in self.units]))


def _readings(tokenizer, written: list[str], language: str) -> list[list[_Reading]]:
    """Each script word's readings, most usual first (the word itself when it is said as written).

    The word's closing punctuation stays on its last unit, so the refinement
    still sees where clauses end.
    """
    prefix = "" if language in UNSPACED_LANGUAGES else " "
    result: list[list[_Reading]] = []
    for word, spoken in zip(written, readings(written, language)):
        forms = [with_closing(reading, word) for reading in spoken] or [[word]]
        result.append([
            _Reading(tuple(form), tuple(tuple(tokenizer.encode(prefix + unit)) for unit in form)) for form in forms
        ])
    return result


def align_script(
    media: str | Path | Samples,
    script: Script | str | Path,
    *,
    model: str = DEFAULT_MODEL,
    language: str | None = None,
    sounds: bool = True,
    refine: bool = True,
    method: str = "best",
    progress_label: str | None = "aligning",
    options: AlignOptions = AlignOptions(),
) -> Alignment:
    """Time every word of ``script`` against the speech in ``media``.

    ``sounds`` keeps the script's sound cues (``[laughs]``) as words of
    ``kind="sound"``; ``refine`` applies the acoustic timing refinement
    (``method`` as in :func:`refine_words`). Numbers and symbols are aligned by
    their spoken forms and shown as written. Raises :class:`CaptionkitError`
    when the script does not match the audio.
    """
    if not isinstance(script, Script):
        script = read_script(script)
    check_language(model, language)
    audio = audio_of(media)
    duration = len(audio) / MODEL_SAMPLE_RATE
    if duration < 0.1:
        raise CaptionkitError("the audio is empty, so there is nothing to align the script with; check the media file")
    whisper = adapter_for(model)
    language = _language(whisper, audio, language)
    spoken = script.spoken
    tokenizer = whisper.tokenizer(language)
    choices = _readings(tokenizer, [word.text for word in spoken], language)
    aligned = _align_windows(whisper, tokenizer, audio, choices, progress_label, options)
    words = [
        Word(word.text, timing.start, timing.end, timing.probability, word.speaker)
        for word, timing in zip(spoken, aligned)
    ]
    report = find_mismatches(words, spoken, script.sentences, options)
    report = _confirmed_by_transcript(report, words, audio, whisper, language, options)
    if report.matched_share < options.min_matched_share or report.mean_probability < options.suspicious_mean_probability:
        _check_script_is_the_audios(words, report, audio, whisper, language, options)
    if refine and method != "none":
        words = _refine_heard(words, aligned, report, audio, language, model, method, options.squeezed_seconds)
    words = _shorten_unheard(words, report, duration, options)
    if sounds:
        words = _with_sounds(words, script.words, options)
    return Alignment(words, report, language, duration)


# -- model plumbing ---------------------------------------------------------------------------


def _language(whisper: WhisperAdapter, audio: Samples, language: str | None) -> str:
    if not whisper.multilingual:
        return "en"
    if language:
        return language.split("-")[0].lower()
    return whisper.detect_language(audio)


# -- windows ----------------------------------------------------------------------------------


def _align_windows(
    whisper: WhisperAdapter, tokenizer, audio: Samples, choices: list[list[_Reading]], progress_label,
    options: AlignOptions,
) -> list[_Aligned]:
    """Align all words window by window; see the module docstring.

    Features are made per window from that window's audio only, so memory
    does not grow with the length of the audio. A word's reading is settled
    in the window that keeps it.
    """
    duration = len(audio) / MODEL_SAMPLE_RATE
    window_samples = int(WINDOW_SECONDS * MODEL_SAMPLE_RATE)
    samples_per_frame = MODEL_SAMPLE_RATE // MEL_FRAMES_PER_SECOND
    aligned: list[_Aligned] = []
    seek = 0.0
    with progress_bar(total=round(duration, 1), label=progress_label, unit="s") as bar:
        while len(aligned) < len(choices):
            if duration - seek < options.min_window_seconds:
                # more script than audio: the rest has no place to go (it will be reported unheard)
                aligned += [_Aligned(c[0], [_Timing(duration, duration, 0.0)] * len(c[0].units))
                            for c in choices[len(aligned):]]
                break
            first_sample = round(seek * MEL_FRAMES_PER_SECOND) * samples_per_frame
            encoded = whisper.encode(whisper.mel(audio[first_sample : first_sample + window_samples]))
            window_seconds = encoded.frames / MEL_FRAMES_PER_SECOND
            is_last = first_sample + window_samples >= len(audio)
            anchor = aligned[-1].reading if aligned else None
            first_word = len(aligned)
            characters = float("inf") if is_last else options.feed_characters(window_seconds)
            last_word = _feed_until(choices, first_word, characters, anchor, options)
            window = _best_readings(whisper, tokenizer, encoded, anchor, choices[first_word:last_word], seek)
            accepted = window if is_last else _accepted(window, seek + window_seconds, options)
            if not accepted:
                seek = _skip_ahead(window, seek, window_seconds, options)
                continue
            aligned.extend(accepted)
            if len(aligned) < len(choices):
                seek = max(seek + options.min_seek_seconds, aligned[-1].start - options.anchor_lead_seconds)
            bar.update_to(min(round(seek, 1), duration))
        bar.update_to(round(duration, 1))
    keep_in_order([unit for word in aligned for unit in word.units])
    return aligned


def _feed_until(
    choices: list[list[_Reading]], first: int, characters: float, anchor: _Reading | None, options: AlignOptions
) -> int:
    """The end index of the script words fed to one window: about ``characters``, within the token limit."""
    count = len(anchor.flat) if anchor else 0
    spent = 0.0
    end = first
    while end < len(choices):
        size = max(len(reading.flat) for reading in choices[end])
        if count + size > options.max_text_tokens or spent > characters:
            break
        count += size
        spent += options.characters_per_token * len(choices[end][0].flat)
        end += 1
    return max(end, first + 1)


def _best_readings(
    whisper: WhisperAdapter, tokenizer, encoded: EncodedWindow, anchor: _Reading | None,
    choices: list[list[_Reading]], offset: float,
) -> list[_Aligned]:
    """The window's words aligned, each in the reading the model finds likeliest where it has several.

    Every alternative reading is tried in one more pass over the same encoded
    window (the usual reading elsewhere); each word keeps the reading whose
    tokens got the highest mean probability, and the window is aligned once
    more with the chosen readings if any changed.
    """
    chosen = [0] * len(choices)
    window = _align_window(whisper, tokenizer, encoded, anchor, [c[0] for c in choices], offset)
    scores = [word.probability for word in window]
    for variant in range(1, max(len(c) for c in choices)):
        trial = [c[variant] if variant < len(c) else c[0] for c in choices]
        tried = _align_window(whisper, tokenizer, encoded, anchor, trial, offset)
        for index, word in enumerate(tried):
            if variant < len(choices[index]) and word.probability > scores[index]:
                chosen[index], scores[index] = variant, word.probability
    if any(chosen):
        window = _align_window(whisper, tokenizer, encoded, anchor, [c[k] for c, k in zip(choices, chosen)], offset)
    return window


def _accepted(window: list[_Aligned], window_end: float, options: AlignOptions) -> list[_Aligned]:
    """The leading words of a window that end safely before its edge."""
    kept: list[_Aligned] = []
    for word in window:
        if word.end > window_end - options.edge_guard_seconds:
            break
        kept.append(word)
    return kept


def _skip_ahead(window: list[_Aligned], seek: float, window_seconds: float, options: AlignOptions) -> float:
    """Where to look next when a window kept no word: at its first word, or past the window."""
    if window and window[0].start > seek + options.min_seek_seconds:
        return min(window[0].start - options.anchor_lead_seconds, seek + window_seconds - options.edge_guard_seconds)
    return seek + max(options.min_seek_seconds, window_seconds - options.edge_guard_seconds)


def _align_window(
    whisper: WhisperAdapter, tokenizer, encoded: EncodedWindow, anchor: _Reading | None, words: list[_Reading],
    offset: float,
) -> list[_Aligned]:
    """Cross-attention alignment of ``words`` with one encoded window, after the ``anchor`` word (dropped)."""
    fed = ([anchor] if anchor else []) + words
    path = whisper.align(tokenizer, encoded, [token for reading in fed for token in reading.flat])
    starts = offset + path.token_starts
    end_of_audio = offset + encoded.frames / MEL_FRAMES_PER_SECOND
    result: list[_Aligned] = []
    boundary = 0
    for reading in fed:
        units: list[_Timing] = []
        for unit in reading.tokens:
            following = boundary + len(unit)
            start = float(starts[boundary]) if boundary < len(starts) else end_of_audio
            end = float(starts[following]) if following < len(starts) else end_of_audio
            probability = float(np.mean(path.probabilities[boundary:following])) if unit else 0.0
            units.append(_Timing(start, max(start, end), probability))
            boundary = following
        result.append(_Aligned(reading, units))
    return result[1:] if anchor else result


# -- mismatches -------------------------------------------------------------------------------


def find_mismatches(
    words: list[Word], spoken: list[ScriptWord], sentences: list[str], options: AlignOptions = AlignOptions()
) -> AlignmentReport:
    """Runs of words the audio does not contain, judged from the alignment's own evidence.

    ``words`` carry the raw alignment: a word's ``probability`` is the mean
    probability the model gives its script tokens, and text that is not in
    the audio is also squeezed into almost no time. A run of doubtful words is
    reported when it holds at least two words with strong evidence, or is a
    whole sentence with some.
    """
    unheard, doubtful_below = options.unheard_probability, options.doubtful_probability
    squeezed = [w.end - w.start < options.squeezed_seconds for w in words]
    strong = [
        _has_content(w) and (w.probability < unheard or (short and w.probability < doubtful_below))
        for w, short in zip(words, squeezed)
    ]
    doubtful = [
        _has_content(w) and (w.probability < doubtful_below or short) or not _has_content(w)
        for w, short in zip(words, squeezed)
    ]
    mismatches: list[Mismatch] = []
    index = 0
    while index < len(words):
        if not strong[index]:
            index += 1
            continue
        first, last = index, index
        floor = mismatches[-1].last + 1 if mismatches else 0
        while first > floor and doubtful[first - 1]:
            first -= 1
        while last + 1 < len(words) and doubtful[last + 1]:
            last += 1
        run_end = last
        # a doubtful word at the edge of the run, in a sentence without strong evidence, was heard
        strong_sentences = _sentences_with_evidence(range(first, last + 1), strong, spoken)
        if not strong_sentences:
            index = run_end + 1
            continue
        while spoken[first].sentence not in strong_sentences:
            first += 1
        while spoken[last].sentence not in strong_sentences:
            last -= 1
        evidence = sum(strong[first : last + 1])
        if evidence >= 2 or (evidence and _whole_sentence(first, last, spoken)):
            numbers = sorted({spoken[i].sentence for i in range(first, last + 1)})
            mismatches.append(
                Mismatch(
                    first=first,
                    last=last,
                    text=" ".join(word.text for word in words[first : last + 1]),
                    start=words[first].start,
                    end=words[last].end,
                    sentences=[sentences[n] for n in numbers if n < len(sentences)],
                )
            )
        index = run_end + 1  # always forward, whatever the trimming did
    counted = sum(mismatch.last - mismatch.first + 1 for mismatch in mismatches)
    mean = float(np.mean([word.probability for word in words])) if words else 1.0
    return AlignmentReport(len(words), counted, mismatches, mean)


def _sentences_with_evidence(indices: range, strong: list[bool], spoken: list[ScriptWord]) -> set[int]:
    """Sentences in which two words (or every word of a shorter sentence) show strong evidence."""
    counts: dict[int, int] = {}
    for i in indices:
        counts[spoken[i].sentence] = counts.get(spoken[i].sentence, 0) + strong[i]
    sizes = {n: sum(1 for word in spoken if word.sentence == n) for n in counts}
    return {n for n, count in counts.items() if count >= min(2, sizes[n])}


def _confirmed_by_transcript(
    report: AlignmentReport, words: list[Word], audio: Samples, whisper: WhisperAdapter, language: str,
    options: AlignOptions,
) -> AlignmentReport:
    """Keep only the mismatches that a quick transcription of their place agrees with.

    Low token probabilities also come from accents and odd spellings; text the
    audio really lacks is also missing from what the model hears there. Only
    the places already in doubt are transcribed (neighbouring ones together,
    up to one 30 s window per call), so a matching script costs nothing extra.
    """
    duration = len(audio) / MODEL_SAMPLE_RATE
    confirmed: list[Mismatch] = []
    for group, (start, end) in _transcript_spans(report.mismatches, duration, options):
        heard = _transcript_words(audio, start, end, whisper, language, options)
        confirmed += [m for m in group if not _heard(m, words, heard, (start, end), options)]
    if len(confirmed) == len(report.mismatches):
        return report
    counted = sum(m.last - m.first + 1 for m in confirmed)
    return AlignmentReport(report.total_words, counted, confirmed, report.mean_probability)


def _transcript_spans(
    mismatches: list[Mismatch], duration: float, options: AlignOptions
) -> list[tuple[list[Mismatch], tuple[float, float]]]:
    """Mismatches grouped into audio spans of at most one window, with context around each."""
    groups: list[tuple[list[Mismatch], tuple[float, float]]] = []
    for mismatch in mismatches:
        context = options.transcript_context_seconds
        start = max(0.0, mismatch.start - context)
        end = min(duration, max(mismatch.end, mismatch.start + 1.0) + context)
        if groups and end - groups[-1][1][0] <= WINDOW_SECONDS:
            groups[-1][0].append(mismatch)
            groups[-1] = (groups[-1][0], (groups[-1][1][0], end))
        else:
            groups.append(([mismatch], (start, min(end, start + WINDOW_SECONDS))))
    return groups


def _transcript_words(
    audio: Samples, start: float, end: float, whisper: WhisperAdapter, language: str, options: AlignOptions
) -> list[tuple[str, float]]:
    """The words heard in ``audio[start:end]`` (normalized), each with the probability the model gives it."""
    heard = whisper.transcribe_checked(
        audio[int(start * MODEL_SAMPLE_RATE) : int(end * MODEL_SAMPLE_RATE)],
        language,
        max_tokens=int(options.transcript_tokens_per_second * (end - start)) + 16,
    )
    return [(_normalized(word.text), word.probability) for word in heard if _normalized(word.text)]


def _heard(
    mismatch: Mismatch, words: list[Word], heard: list[tuple[str, float]], span: tuple[float, float],
    options: AlignOptions,
) -> bool:
    """Whether the doubted words were said after all.

    The script words placed in the transcribed ``span`` and the transcript
    are matched in order (``_word_pairs``); the nearest words alike on
    either side of the doubted run (anchors) mark the run's place in both.
    Where the audio lacks the run, the transcript goes straight from one
    anchor to the other. The run was said when the transcript there has, for
    ``heard_share`` of the script words there, a word alike to one of them or
    one the model was unsure of (under ``unsure_probability``: speech it could
    not make out, as an accent makes it); other words said clearly in the
    run's place are not the run. Where the model ran the run's speech into an
    anchor's word (``aufklare`` for "nachts klare"), the letters it added on
    the run's side are a word heard in the run's place. A transcript that does
    not have ``heard_share`` of the words around the run is no evidence either
    way, and the run is taken as said.
    """
    start, end = span
    placed = [i for i, word in enumerate(words) if word.start < end and word.end > start and _normalized(word.text)]
    if not any(mismatch.first <= i <= mismatch.last for i in placed):
        return False
    texts = [_normalized(words[i].text) for i in placed]
    anchors = {
        position: partner
        for position, partner in _word_pairs(texts, [text for text, _ in heard], options).items()
        if _similar(texts[position], heard[partner][0], options) and not mismatch.first <= placed[position] <= mismatch.last
    }
    around = [text for i, text in zip(placed, texts) if not mismatch.first <= i <= mismatch.last]
    found = sum(1 for text in around if any(_similar(text, other, options) for other, _ in heard))
    if found < options.heard_share * len(around):
        return True  # the transcript does not even hear the words around the run: it is no evidence against it
    before = max((p for p in anchors if placed[p] < mismatch.first), default=None)
    after = min((p for p in anchors if placed[p] > mismatch.last), default=None)
    script = texts[before + 1 if before is not None else 0 : after if after is not None else len(texts)]
    place = heard[anchors[before] + 1 if before is not None else 0 : anchors[after] if after is not None else len(heard)]
    if before is not None:
        place = _run_into(texts[before], heard[anchors[before]], after=False) + place
    if after is not None:  # "aufklare" for "klare": "auf" was heard in the run's place
        place = place + _run_into(texts[after], heard[anchors[after]], after=True)
    said = sum(
        1 for text, probability in place
        if probability < options.unsure_probability or any(_similar(text, other, options) for other in script)
    )
    return said >= options.heard_share * len(script)


def _run_into(anchor: str, heard: tuple[str, float], after: bool) -> list[tuple[str, float]]:
    """The letters the model ran into an anchor's word from the doubted run's side, as a word heard in the run's
    place with the word's probability: ``heard`` is the ``anchor`` word with more letters before it (an anchor
    ``after`` the run) or after it (one before the run); otherwise nothing."""
    text, probability = heard
    if len(text) > len(anchor) and (text.endswith(anchor) if after else text.startswith(anchor)):
        return [(text[: len(text) - len(anchor)] if after else text[len(anchor) :], probability)]
    return []


def _word_pairs(script: list[str], heard: list[str], options: AlignOptions) -> dict[int, int]:
    """The in-order matching of ``script`` and ``heard`` words with the fewest changes (a word alike costs
    nothing; a word in place of another, a word left out and a word put in cost one each): for each script
    word that meets a heard word, that word's index."""
    rows, columns = len(script) + 1, len(heard) + 1
    cost = np.zeros((rows, columns))
    cost[:, 0], cost[0, :] = np.arange(rows), np.arange(columns)
    for i in range(1, rows):
        for j in range(1, columns):
            change = 0.0 if _similar(script[i - 1], heard[j - 1], options) else 1.0
            cost[i, j] = min(cost[i - 1, j - 1] + change, cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    pairs: dict[int, int] = {}
    i, j = rows - 1, columns - 1
    while i and j:
        change = 0.0 if _similar(script[i - 1], heard[j - 1], options) else 1.0
        if cost[i, j] == cost[i - 1, j - 1] + change:
            pairs[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs


def _check_script_is_the_audios(
    words: list[Word], report: AlignmentReport, audio: Samples, whisper: WhisperAdapter, language: str,
    options: AlignOptions,
) -> None:
    """Refuse a script when what the audio says is mostly not in it.

    Called when the alignment's own evidence doubts the whole script. The
    audio the script's words were placed in is transcribed window by window,
    and the transcript is matched in order against the script: a script for
    another recording covers little of it, while a script that runs on past
    the audio, or skips a sentence, still covers nearly all of it (and is
    reported instead). Where the model cannot transcribe the speech well (a
    strong accent), its own transcript is hardly likelier to it than the
    script, and that is not taken as evidence against the script.
    """
    duration = len(audio) / MODEL_SAMPLE_RATE
    unheard = report.unheard_indices()
    placed = [w for i, w in enumerate(words) if i not in unheard and w.start < duration - options.min_window_seconds]
    start = min((w.start for w in placed), default=0.0)
    end = max((w.end for w in placed), default=duration)
    heard: list[HeardWord] = []
    window = start
    while window < end:
        stop = min(end, window + WINDOW_SECONDS)
        first = max(0.0, window - options.transcript_context_seconds)
        last = min(duration, stop + options.transcript_context_seconds)
        heard += whisper.transcribe_checked(
            audio[int(first * MODEL_SAMPLE_RATE) : int(last * MODEL_SAMPLE_RATE)], language,
            max_tokens=int(options.transcript_tokens_per_second * (last - first)) + 16,
        )
        window = stop
    heard_words = [_normalized(word.text) for word in heard if _normalized(word.text)]
    covered = _covered_share(heard_words, [_normalized(w.text) for w in words if _normalized(w.text)])
    own = float(np.mean([word.probability for word in heard])) if heard else 0.0
    if covered < options.min_covered_share and report.mean_probability < options.min_probability_ratio * own:
        raise CaptionkitError(
            f"the script does not match the audio: only {covered:.0%} of the speech heard in it is in the script, "
            f"and the model finds the script's words far less likely than what it hears ({report.mean_probability:.2f} "
            f"against {own:.2f}); check that this is the right script for this media"
        )


def _covered_share(heard: list[str], script: list[str]) -> float:
    """The share of the ``heard`` words that the script has in the same order."""
    from difflib import SequenceMatcher

    if not heard:
        return 0.0
    matcher = SequenceMatcher(None, heard, script, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(heard)


def _normalized(text: str) -> str:
    """Lower-case letters and digits only, accents removed: how a word is compared with a transcript."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def _similar(one: str, other: str, options: AlignOptions) -> bool:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, one, other).ratio() >= options.similar_spelling


def _has_content(word: Word) -> bool:
    return bool(_HAS_CONTENT.search(word.text))


def _whole_sentence(first: int, last: int, spoken: list[ScriptWord]) -> bool:
    sentence = spoken[first].sentence
    return sum(1 for word in spoken if word.sentence == sentence) == last - first + 1


def _refine_heard(
    words: list[Word], aligned: list[_Aligned], report: AlignmentReport, audio: Samples, language: str,
    model: str, method: str, squeezed_seconds: float,
) -> list[Word]:
    """Refine the heard words, by the units of their chosen readings; the words of an unheard run the attention
    mostly squeezed into almost no time keep their place between them. A run whose words the attention mostly
    gave time to is refined with the rest: the acoustic aligner hears the audio, and words left out of its text
    that are said after all (an accent can look unheard) would drag the words around them into their place."""
    unheard = {
        i
        for run in report.mismatches
        if np.mean([words[k].end - words[k].start < squeezed_seconds for k in range(run.first, run.last + 1)]) >= 0.5
        for i in range(run.first, run.last + 1)
    }
    heard = [index for index in range(len(words)) if index not in unheard]
    units = [
        [Word(text, span.start, span.end, span.probability, words[index].speaker)
         for text, span in zip(aligned[index].reading.units, aligned[index].units)]
        for index in heard
    ]
    refined = refine_by_units(units, audio, language=language, model=model, method=method)
    for index, (start, end) in zip(heard, refined):
        words[index].start, words[index].end = start, end
    _between_heard(words, unheard)
    return keep_in_order(words)


def _between_heard(words: list[Word], unheard: set[int]) -> None:
    """Keep each unheard word within the gap between the refined heard words around it (where the attention
    squeezed it does not push the next heard word off its speech)."""
    previous_end = 0.0
    for index, word in enumerate(words):
        if index not in unheard:
            previous_end = word.end
            continue
        following = next((words[i].start for i in range(index + 1, len(words)) if i not in unheard), None)
        low, high = previous_end, max(previous_end, following if following is not None else word.end)
        word.start = min(max(word.start, low), high)
        word.end = min(max(word.end, word.start), high)
        previous_end = word.end


def _shorten_unheard(words: list[Word], report: AlignmentReport, duration: float, options: AlignOptions) -> list[Word]:
    for mismatch in report.mismatches:
        for word in words[mismatch.first : mismatch.last + 1]:
            word.end = min(word.end, word.start + options.unheard_max_seconds, duration)
    return words


# -- sound cues -------------------------------------------------------------------------------


def _with_sounds(speech: list[Word], script_words: list[ScriptWord], options: AlignOptions) -> list[Word]:
    """Put each sound cue of the script between the spoken words around it."""
    result: list[Word] = []
    spoken = iter(speech)
    pending: list[ScriptWord] = []
    previous_end = 0.0
    for script_word in script_words:
        if script_word.kind == "sound":
            pending.append(script_word)
            continue
        word = next(spoken)
        result += _place_sounds(pending, previous_end, word.start)
        pending = []
        result.append(word)
        previous_end = word.end
    if pending:
        result += _place_sounds(pending, previous_end, previous_end + options.trailing_sound_seconds * len(pending))
    return result


def _place_sounds(sounds: list[ScriptWord], start: float, end: float) -> list[Word]:
    if not sounds:
        return []
    step = max(0.0, end - start) / len(sounds)
    return [
        Word(sound.text, start + i * step, start + (i + 1) * step, 1.0, sound.speaker, "sound")
        for i, sound in enumerate(sounds)
    ]


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes):02d}:{rest:06.3f}"
