"""Forced alignment: the script's own words, timed against the audio.

The pipeline, one small step each:

1. ``_align_windows``: the audio is cut into the model's 30 s
   windows. Each window is encoded once and Whisper's cross-attention
   alignment (``find_alignment``'s engine, ctranslate2 ``align``) is run with
   the *script's* tokens, not a transcript. A window is fed more script than
   it can hold; only words that end well before the window's end are kept,
   and the next window starts just before the last kept word (which is fed
   again as an anchor and dropped), so no word at an edge is lost, doubled or
   squeezed.
2. ``find_mismatches``: words the audio does not contain are found from the
   alignment's own evidence: the probability the model gives the script's
   tokens, and words squeezed into almost no time; a quick transcription of
   only those places must agree (``_confirmed_by_transcript``: accents lower
   probabilities too). They are reported by sentence and kept short so their
   cues do not stretch over silence. A script that mostly does not match is
   refused.
3. ``refine_words`` (``refine.py``) moves the heard words onto the speech (lag, pauses,
   and an acoustic re-alignment for English).
4. Sound cues such as ``[laughs]`` are placed in the gap where they happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CaptionkitError
from ..media import MODEL_SAMPLE_RATE
from ..model import UNSPACED_LANGUAGES, Word, keep_in_order
from ..progress import progress_bar
from ..script import Script, ScriptWord, read_script
from .models import DEFAULT_MODEL, load_model
from .refine import refine_words
from .transcribe import audio_of, check_language

#: Whisper's window, and its resolutions.
WINDOW_SECONDS = 30.0
MEL_FRAMES_PER_SECOND = 100
ALIGN_FRAMES_PER_SECOND = 50
#: Script words ending this close to a window's end wait for the next window.
EDGE_GUARD_SECONDS = 5.0
#: The next window starts this long before its anchor word.
ANCHOR_LEAD_SECONDS = 0.5
#: Text tokens one alignment call may take (the decoder holds 448 positions).
MAX_TEXT_TOKENS = 400
#: Script characters spoken per second, fast end of normal speech; feeding a
#: window this much script means it gets more than it can hold.
FAST_CHARACTERS_PER_SECOND = 22.0

#: A word whose tokens the model finds this unlikely was probably not said.
UNHEARD_PROBABILITY = 0.15
#: Below this a word is doubtful: it joins a run of unheard words next to it.
DOUBTFUL_PROBABILITY = 0.4
#: Shorter than this and the alignment squeezed the word into nothing.
SQUEEZED_SECONDS = 0.06
#: An unheard word keeps at most this much time, so its cue cannot stretch over silence.
UNHEARD_MAX_SECONDS = 0.3
#: Audio around a doubted run that is transcribed to check it.
TRANSCRIPT_CONTEXT_SECONDS = 1.0
#: Tokens per second of speech the check transcribes at most (fast speech is about 5).
TRANSCRIPT_TOKENS_PER_SECOND = 8
#: Spellings this similar count as the same word (accents, inflections, numbers as digits).
SIMILAR_SPELLING = 0.6
#: A doubted run is heard after all when this share of its words is in the transcript.
HEARD_SHARE = 0.5
#: Below this share of heard words, the script is not the audio's script.
MIN_MATCHED_SHARE = 0.5

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
            "were not heard in the audio:"
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


def align_script(
    media: str | Path | np.ndarray,
    script: Script | str | Path,
    *,
    model: str = DEFAULT_MODEL,
    language: str | None = None,
    sounds: bool = True,
    refine: bool = True,
    progress_label: str | None = "aligning",
) -> Alignment:
    """Time every word of ``script`` against the speech in ``media``.

    ``sounds`` keeps the script's sound cues (``[laughs]``) as words of
    ``kind="sound"``; ``refine`` applies the acoustic timing refinement.
    Raises :class:`CaptionkitError` when the script does not match the audio.
    """
    if not isinstance(script, Script):
        script = read_script(script)
    check_language(model, language)
    audio = audio_of(media)
    duration = len(audio) / MODEL_SAMPLE_RATE
    if duration < 0.1:
        raise CaptionkitError("the audio is empty, so there is nothing to align the script with; check the media file")
    whisper = load_model(model)
    language = _language(whisper, audio, language)
    spoken = script.spoken
    tokenizer = _tokenizer(whisper, language)
    tokens = _word_tokens(tokenizer, [word.text for word in spoken], language)
    timings = _align_windows(whisper, tokenizer, audio, tokens, progress_label)
    words = [
        Word(word.text, timing.start, timing.end, timing.probability, word.speaker)
        for word, timing in zip(spoken, timings)
    ]
    report = find_mismatches(words, spoken, script.sentences)
    report = _confirmed_by_transcript(report, words, audio, whisper, language)
    if report.matched_share < MIN_MATCHED_SHARE:
        raise CaptionkitError(
            f"the script does not match the audio: only {report.matched_share:.0%} of its words were heard; "
            "check that this is the right script for this media"
        )
    if refine:
        words = _refine_heard(words, report, audio, language, model)
    words = _shorten_unheard(words, report, duration)
    if sounds:
        words = _with_sounds(words, script.words)
    return Alignment(words, report, language, duration)


# -- model plumbing ---------------------------------------------------------------------------


def _language(whisper, audio: np.ndarray, language: str | None) -> str:
    if not whisper.model.is_multilingual:
        return "en"
    if language:
        return language.split("-")[0].lower()
    detected, _probability, _all = whisper.detect_language(audio[: int(WINDOW_SECONDS * MODEL_SAMPLE_RATE)])
    return detected


def _tokenizer(whisper, language: str):
    from faster_whisper.tokenizer import Tokenizer

    try:
        return Tokenizer(whisper.hf_tokenizer, whisper.model.is_multilingual, task="transcribe", language=language)
    except ValueError as error:
        raise CaptionkitError(f"'{language}' is not a language the model knows; give a code such as en, es or de") from error


def _word_tokens(tokenizer, texts: list[str], language: str) -> list[list[int]]:
    """Each script word's text tokens (with its leading space where the language uses spaces)."""
    prefix = "" if language in UNSPACED_LANGUAGES else " "
    return [tokenizer.encode(prefix + text) for text in texts]


# -- windows ----------------------------------------------------------------------------------


def _align_windows(whisper, tokenizer, audio: np.ndarray, tokens: list[list[int]], progress_label) -> list[_Timing]:
    """Align all words window by window; see the module docstring."""
    features = whisper.feature_extractor(audio)[..., :-1]
    total_frames = features.shape[-1]
    duration = total_frames / MEL_FRAMES_PER_SECOND
    timings: list[_Timing] = []
    seek = 0.0
    with progress_bar(total=round(duration, 1), label=progress_label, unit="s") as bar:
        while len(timings) < len(tokens):
            first_frame = int(round(seek * MEL_FRAMES_PER_SECOND))
            if total_frames - first_frame < MEL_FRAMES_PER_SECOND // 2:
                # more script than audio: the rest has no place to go (it will be reported unheard)
                timings += [_Timing(duration, duration, 0.0) for _ in range(len(tokens) - len(timings))]
                break
            frames = min(int(WINDOW_SECONDS * MEL_FRAMES_PER_SECOND), total_frames - first_frame)
            is_last = first_frame + frames >= total_frames
            anchor = len(timings) - 1 if timings else None
            first_word = anchor if anchor is not None else 0
            last_word = _feed_until(tokens, first_word, frames / MEL_FRAMES_PER_SECOND * FAST_CHARACTERS_PER_SECOND, is_last)
            window = _align_window(
                whisper, tokenizer, features[:, first_frame : first_frame + frames], tokens[first_word:last_word], seek
            )
            if anchor is not None:
                window = window[1:]
            accepted = window if is_last else _accepted(window, seek + frames / MEL_FRAMES_PER_SECOND)
            if not accepted:
                seek = _skip_ahead(window, seek, frames)
                continue
            timings.extend(accepted)
            if len(timings) < len(tokens):
                seek = max(seek + 1.0, timings[-1].start - ANCHOR_LEAD_SECONDS)
            bar.update_to(min(round(seek, 1), duration))
        bar.update_to(round(duration, 1))
    return keep_in_order(timings)


def _feed_until(tokens: list[list[int]], first: int, characters: float, is_last: bool) -> int:
    """The end index of the script words fed to one window: more than it can hold, within the token limit."""
    count = 0
    budget = float("inf") if is_last else characters * 1.5 + 40
    spent = 0.0
    end = first
    while end < len(tokens) and count + len(tokens[end]) <= MAX_TEXT_TOKENS and spent <= budget:
        count += len(tokens[end])
        spent += 4.0 * len(tokens[end])  # a token is about four characters
        end += 1
    return max(end, first + 1)


def _accepted(window: list[_Timing], window_end: float) -> list[_Timing]:
    """The leading words of a window that end safely before its edge."""
    kept: list[_Timing] = []
    for timing in window:
        if timing.end > window_end - EDGE_GUARD_SECONDS:
            break
        kept.append(timing)
    return kept


def _skip_ahead(window: list[_Timing], seek: float, frames: int) -> float:
    """Where to look next when a window kept no word: at its first word, or past the window."""
    window_seconds = frames / MEL_FRAMES_PER_SECOND
    if window and window[0].start > seek + 1.0:
        return min(window[0].start - ANCHOR_LEAD_SECONDS, seek + window_seconds - EDGE_GUARD_SECONDS)
    return seek + max(1.0, window_seconds - EDGE_GUARD_SECONDS)


def _align_window(whisper, tokenizer, features: np.ndarray, words: list[list[int]], offset: float) -> list[_Timing]:
    """Cross-attention alignment of ``words`` (token lists) with one window of features."""
    from faster_whisper.audio import pad_or_trim

    frames = features.shape[-1]
    encoder_output = whisper.encode(pad_or_trim(features))
    text_tokens = [token for word in words for token in word]
    result = whisper.model.align(
        encoder_output, tokenizer.sot_sequence, [text_tokens], frames, median_filter_width=7
    )[0]
    text_indices = np.array([pair[0] for pair in result.alignments])
    time_indices = np.array([pair[1] for pair in result.alignments])
    jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
    jump_times = offset + time_indices[jumps] / ALIGN_FRAMES_PER_SECOND
    probabilities = np.asarray(result.text_token_probs, dtype=float)
    end_of_audio = offset + frames / MEL_FRAMES_PER_SECOND
    timings: list[_Timing] = []
    boundary = 0
    for word in words:
        following = boundary + len(word)
        start = float(jump_times[boundary]) if boundary < len(jump_times) else end_of_audio
        end = float(jump_times[following]) if following < len(jump_times) else end_of_audio
        probability = float(np.mean(probabilities[boundary:following])) if len(word) else 0.0
        timings.append(_Timing(start, max(start, end), probability))
        boundary = following
    return timings


# -- mismatches -------------------------------------------------------------------------------


def find_mismatches(words: list[Word], spoken: list[ScriptWord], sentences: list[str]) -> AlignmentReport:
    """Runs of words the audio does not contain, judged from the alignment's own evidence.

    ``words`` carry the raw alignment: a word's ``probability`` is the mean
    probability the model gives its script tokens, and text that is not in
    the audio is also squeezed into almost no time. A run of doubtful words is
    reported when it holds at least two words with strong evidence, or is a
    whole sentence with some.
    """
    strong = [_has_content(w) and (w.probability < UNHEARD_PROBABILITY or (_squeezed(w) and w.probability < DOUBTFUL_PROBABILITY)) for w in words]
    doubtful = [
        _has_content(w) and (w.probability < DOUBTFUL_PROBABILITY or _squeezed(w)) or not _has_content(w)
        for w in words
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
    report: AlignmentReport, words: list[Word], audio: np.ndarray, whisper, language: str
) -> AlignmentReport:
    """Keep only the mismatches that a quick transcription of their place agrees with.

    Low token probabilities also come from accents and odd spellings; text the
    audio really lacks is also missing from what the model hears there. Only
    the places already in doubt are transcribed (neighbouring ones together,
    up to one 30 s window per call), so a matching script costs nothing extra.
    """
    duration = len(audio) / MODEL_SAMPLE_RATE
    confirmed: list[Mismatch] = []
    for group, (start, end) in _transcript_spans(report.mismatches, duration):
        heard = _transcript_words(audio, start, end, whisper, language)
        confirmed += [m for m in group if not _heard(m, words, heard, end)]
    if len(confirmed) == len(report.mismatches):
        return report
    counted = sum(m.last - m.first + 1 for m in confirmed)
    return AlignmentReport(report.total_words, counted, confirmed, report.mean_probability)


def _transcript_spans(mismatches: list[Mismatch], duration: float) -> list[tuple[list[Mismatch], tuple[float, float]]]:
    """Mismatches grouped into audio spans of at most one window, with context around each."""
    groups: list[tuple[list[Mismatch], tuple[float, float]]] = []
    for mismatch in mismatches:
        start = max(0.0, mismatch.start - TRANSCRIPT_CONTEXT_SECONDS)
        end = min(duration, max(mismatch.end, mismatch.start + 1.0) + TRANSCRIPT_CONTEXT_SECONDS)
        if groups and end - groups[-1][1][0] <= WINDOW_SECONDS:
            groups[-1][0].append(mismatch)
            groups[-1] = (groups[-1][0], (groups[-1][1][0], end))
        else:
            groups.append(([mismatch], (start, min(end, start + WINDOW_SECONDS))))
    return groups


def _transcript_words(audio: np.ndarray, start: float, end: float, whisper, language: str) -> list[str]:
    segments, _info = whisper.transcribe(
        audio[int(start * MODEL_SAMPLE_RATE) : int(end * MODEL_SAMPLE_RATE)],
        language=language,
        beam_size=1,
        temperature=0.0,  # one greedy pass: this is a check, not a transcript
        max_new_tokens=int(TRANSCRIPT_TOKENS_PER_SECOND * (end - start)) + 16,  # no runaway repetition
        without_timestamps=True,
        condition_on_previous_text=False,
    )
    heard = [_normalized(token) for segment in segments for token in segment.text.split()]
    return [token for token in heard if token]


def _heard(mismatch: Mismatch, words: list[Word], heard: list[str], end: float) -> bool:
    """Whether most of the doubted words are in the transcript after all."""
    doubted = [
        _normalized(word.text)
        for word in words[mismatch.first : mismatch.last + 1]
        if word.start <= end and _normalized(word.text)
    ]
    if not doubted:
        return False
    found = sum(1 for token in doubted if any(_similar(token, other) for other in heard))
    return found / len(doubted) >= HEARD_SHARE


def _normalized(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _similar(one: str, other: str) -> bool:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, one, other).ratio() >= SIMILAR_SPELLING


def _has_content(word: Word) -> bool:
    return bool(_HAS_CONTENT.search(word.text))


def _squeezed(word: Word) -> bool:
    return word.end - word.start < SQUEEZED_SECONDS


def _whole_sentence(first: int, last: int, spoken: list[ScriptWord]) -> bool:
    sentence = spoken[first].sentence
    return sum(1 for word in spoken if word.sentence == sentence) == last - first + 1


def _refine_heard(
    words: list[Word], report: AlignmentReport, audio: np.ndarray, language: str, model: str
) -> list[Word]:
    """Refine the heard words only; unheard ones keep their (squeezed) place between them."""
    unheard = report.unheard_indices()
    heard = [word for index, word in enumerate(words) if index not in unheard]
    refined = iter(refine_words(heard, audio, MODEL_SAMPLE_RATE, language=language, model=model))
    return keep_in_order([word if index in unheard else next(refined) for index, word in enumerate(words)])


def _shorten_unheard(words: list[Word], report: AlignmentReport, duration: float) -> list[Word]:
    for mismatch in report.mismatches:
        for word in words[mismatch.first : mismatch.last + 1]:
            word.end = min(word.end, word.start + UNHEARD_MAX_SECONDS, duration)
    return words


# -- sound cues -------------------------------------------------------------------------------


def _with_sounds(speech: list[Word], script_words: list[ScriptWord]) -> list[Word]:
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
        result += _place_sounds(pending, previous_end, previous_end + 1.0 * len(pending))
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
