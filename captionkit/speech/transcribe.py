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

#: The longest stretch of audio given to the model at once (seconds). The model's features and the
#: refinement's per-frame arrays are made per block, so memory does not grow with the media's length.
BLOCK_SECONDS = 120.0
#: How far before a block's nominal end the quietest 100 ms is looked for, to cut there (seconds).
CUT_SEARCH_SECONDS = 15.0


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
    code = language.split("-")[0].lower() if language else None
    refined: list[Word] = []
    with progress_bar(total=round(duration, 1), label=progress_label, unit="s") as bar:
        for first, last in block_bounds(audio, MODEL_SAMPLE_RATE, BLOCK_SECONDS, CUT_SEARCH_SECONDS):
            block, offset = audio[first:last], first / MODEL_SAMPLE_RATE  # a view: no copy
            segments, detected = whisper.transcribe_words(block, code)
            code = code or detected  # later blocks keep the language the first one found
            words: list[Word] = []
            for segment in segments:
                for word in segment.words:
                    text = word.text.strip()
                    if text:
                        words.append(Word(text, word.start, word.end, word.probability))
                bar.update_to(min(offset + segment.end, duration))
            for word in refine_words(words, block, MODEL_SAMPLE_RATE, language=code, model=model):
                word.start, word.end = word.start + offset, word.end + offset
                refined.append(word)
    return Transcription(refined, code or "en", duration)


def block_bounds(
    audio: np.ndarray, sample_rate: int, block: float = BLOCK_SECONDS, search: float = CUT_SEARCH_SECONDS,
) -> list[tuple[int, int]]:
    """Sample ranges that cover ``audio``, each at most ``block`` seconds, cut in the quietest 100 ms of the
    last ``search`` seconds before each nominal end (so no word is cut in two)."""
    size, reach, window = int(block * sample_rate), int(search * sample_rate), max(1, sample_rate // 10)
    bounds: list[tuple[int, int]] = []
    start = 0
    while len(audio) - start > size:
        stretch = audio[start + size - reach : start + size]
        frames = len(stretch) // window
        energy = np.square(stretch[: frames * window].reshape(frames, window)).mean(axis=1)
        cut = start + size - reach + int(np.argmin(energy)) * window + window // 2
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(audio)))
    return bounds
