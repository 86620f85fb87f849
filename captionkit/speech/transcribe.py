"""Speech to timed words with faster-whisper.

``transcribe`` decodes the media's audio, runs the model with word
timestamps and voice-activity filtering (so silence and music produce no
invented words), joins Whisper's pieces of one written word ("$12" ".50" is
"$12.50"), refines the words' times against the audio itself (Whisper's own
word times lag the speech; see ``refine.py``), and returns the words in the
central data model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import CaptionkitError
from ..media import MODEL_SAMPLE_RATE, Audio, Samples, decode_audio
from ..model import UNSPACED_LANGUAGES, Word, keep_in_order
from ..progress import progress_bar
from .models import DEFAULT_MODEL, is_multilingual
from .units import refine_by_units, units_of
from .whisper_adapter import HeardWord, adapter_for


@dataclass(slots=True)
class Transcription:
    """What the model heard: words with times, the language, and the audio's length."""

    words: list[Word]
    language: str
    duration: float


def audio_of(media: str | Path | Samples) -> Audio:
    """Mono 16 kHz float32 samples of ``media`` (a path, or samples already decoded), read by slices."""
    if isinstance(media, Audio):
        return media
    if isinstance(media, np.ndarray):
        return Audio(media)
    return decode_audio(media, MODEL_SAMPLE_RATE)


def check_language(model: str, language: str | None) -> None:
    """Refuse a non-English language with an English-only model, saying what to use."""
    if language and language.split("-")[0].lower() != "en" and not is_multilingual(model):
        raise CaptionkitError(
            f"model {model} is English-only but the language is '{language}'; add --model base "
            "(pip install 'captionkit[multilingual]')"
        )


#: Long audio is transcribed in blocks of about this length, cut at the quietest moment near each block's
#: end, so the model's features (and their spectrogram) never hold more than one block: memory stays flat
#: with length. Five minutes is long enough that a cut in a pause costs no accuracy.
BLOCK_SECONDS = 300.0
#: How far before a block's nominal end its quietest moment is looked for.
BLOCK_SEARCH_SECONDS = 20.0
#: The loudness of the audio is judged in frames of this length when looking for a quiet place to cut.
QUIET_FRAME_SECONDS = 0.1


def transcribe(
    media: str | Path | Samples,
    *,
    model: str = DEFAULT_MODEL,
    language: str | None = None,
    progress_label: str | None = "transcribing",
) -> Transcription:
    """Transcribe ``media`` into timed words (seconds from the start of the media)."""
    check_language(model, language)
    audio = audio_of(media)
    duration = len(audio) / MODEL_SAMPLE_RATE
    whisper = adapter_for(model)
    if duration == 0:
        return Transcription([], language or "en", 0.0)
    code = language.split("-")[0].lower() if language else None
    words: list[Word] = []
    with progress_bar(total=round(duration, 1), label=progress_label, unit="s") as bar:
        for first, last in block_bounds(audio, MODEL_SAMPLE_RATE):
            offset = first / MODEL_SAMPLE_RATE
            segments, code = whisper.transcribe_words(audio[first:last], code)  # later blocks keep the language
            for segment in segments:
                words += [replace(word, start=word.start + offset, end=word.end + offset)
                          for word in written_words(list(segment.words), code)]
                bar.update_to(min(offset + segment.end, duration))
    detected = code or "en"
    spans = refine_by_units(units_of(words, detected), audio, language=detected, model=model)
    for word, (start, end) in zip(words, spans):
        word.start, word.end = start, end
    return Transcription(keep_in_order(words), detected, duration)


def block_bounds(audio: Samples, sample_rate: int) -> list[tuple[int, int]]:
    """(first, last) sample of each block of about ``BLOCK_SECONDS``, cut at the quietest frame near its end."""
    block, search = int(BLOCK_SECONDS * sample_rate), int(BLOCK_SEARCH_SECONDS * sample_rate)
    frame = int(QUIET_FRAME_SECONDS * sample_rate)
    bounds: list[tuple[int, int]] = []
    first = 0
    while len(audio) - first > block + search:
        region = audio[first + block - search : first + block]
        frames = region[: len(region) // frame * frame].reshape(-1, frame).astype(np.float64)
        quietest = int(np.argmin(np.mean(frames * frames, axis=1)))
        cut = first + block - search + quietest * frame + frame // 2
        bounds.append((first, cut))
        first = cut
    bounds.append((first, len(audio)))
    return bounds


def written_words(heard: list[HeardWord], language: str | None) -> list[Word]:
    """Whisper's words of one segment as written words.

    Whisper splits what is written as one word into pieces without a space
    between them ("$12" ".50", "30" "-day", "50" "%", "Wi" "-Fi"); in a
    language written with spaces, a piece that does not start with one
    belongs to the word before it.
    """
    spaced = (language or "en").split("-")[0].lower() not in UNSPACED_LANGUAGES
    words: list[Word] = []
    pieces = 0
    for piece in heard:
        text = piece.text.strip()
        if not text:
            continue
        if spaced and words and not piece.text[:1].isspace():
            word = words[-1]
            pieces += 1
            word.text += text
            word.end = max(word.end, piece.end)
            word.probability += (piece.probability - word.probability) / pieces  # the mean of its pieces
        else:
            words.append(Word(text, piece.start, piece.end, piece.probability))
            pieces = 1
    return words
