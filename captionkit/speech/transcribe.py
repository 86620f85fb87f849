"""Speech to timed words with faster-whisper.

``transcribe`` decodes the media's audio, runs the model with word
timestamps and voice-activity filtering (so silence and music produce no
invented words), refines the words' times against the audio itself (Whisper's
own word times lag the speech; see ``refine.py``), and returns the words in
the central data model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CaptionkitError
from ..media import MODEL_SAMPLE_RATE, load_audio
from ..model import Word
from ..progress import progress_bar
from .models import DEFAULT_MODEL, is_multilingual
from .refine import refine_words
from .whisper_adapter import adapter_for


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
            for word in segment.words:
                text = word.text.strip()
                if text:
                    words.append(Word(text, word.start, word.end, word.probability))
            bar.update_to(min(segment.end, duration))
    refined = refine_words(words, audio, MODEL_SAMPLE_RATE, language=detected, model=model)
    return Transcription(refined, detected, duration)
