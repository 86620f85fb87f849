"""Speech to timed words with faster-whisper.

``transcribe`` decodes the media's audio, runs the model with word
timestamps and voice-activity filtering (so silence and music produce no
invented words), joins Whisper's pieces of one written word ("$12" ".50" is
"$12.50"), refines the words' times against the audio itself (Whisper's own
word times lag the speech; see ``refine.py``), and returns the words in the
central data model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CaptionkitError
from ..media import MODEL_SAMPLE_RATE, load_audio
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


def audio_of(media: str | Path | np.ndarray) -> np.ndarray:
    """Mono 16 kHz float32 samples of ``media`` (a path, or samples already decoded)."""
    if isinstance(media, np.ndarray):
        return media.astype(np.float32, copy=False)
    return load_audio(media, MODEL_SAMPLE_RATE)


def check_language(model: str, language: str | None) -> None:
    """Refuse a non-English language with an English-only model, saying what to use."""
    if language and language.split("-")[0].lower() != "en" and not is_multilingual(model):
        raise CaptionkitError(
            f"model {model} is English-only but the language is '{language}'; add --model base "
            "(pip install 'captionkit[multilingual]')"
        )


def transcribe(
    media: str | Path | np.ndarray,
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
    segments, detected = whisper.transcribe_words(audio, language.split("-")[0].lower() if language else None)
    words: list[Word] = []
    with progress_bar(total=round(duration, 1), label=progress_label, unit="s") as bar:
        for segment in segments:
            words += written_words(list(segment.words), detected)
            bar.update_to(min(segment.end, duration))
    spans = refine_by_units(units_of(words, detected), audio, language=detected, model=model)
    for word, (start, end) in zip(words, spans):
        word.start, word.end = start, end
    return Transcription(keep_in_order(words), detected, duration)


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
