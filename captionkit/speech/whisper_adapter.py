"""The one place captionkit touches faster-whisper's API and internals.

Forced alignment needs more than ``WhisperModel.transcribe``: the feature
extractor, the encoder, the tokenizer and ctranslate2's cross-attention
``align``. They are wrapped here, so a faster-whisper upgrade that moves any
of them changes this file only. Everything else in ``speech/`` talks to a
:class:`WhisperAdapter`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import CaptionkitError
from ..media import MODEL_SAMPLE_RATE, Samples

#: Whisper's window, and its two time resolutions: mel frames and alignment (encoder) frames.
WINDOW_SECONDS = 30.0
MEL_FRAMES_PER_SECOND = 100
ALIGN_FRAMES_PER_SECOND = 50
#: ctranslate2's median filter over the attention weights (Whisper's own value).
MEDIAN_FILTER_WIDTH = 7


@dataclass(frozen=True, slots=True)
class AttentionPath:
    """Cross-attention alignment of text tokens with one window.

    ``token_starts[i]`` is the time (seconds from the window's start) at which
    token ``i`` begins, ``token_starts[len(tokens)]`` where the text ends (or
    ``None`` past the path); ``probabilities[i]`` is the probability the model
    gives token ``i`` after the ones before it.
    """

    token_starts: np.ndarray
    probabilities: np.ndarray


@dataclass(frozen=True, slots=True)
class HeardWord:
    """A word of a transcription, as Whisper wrote it (leading space included)."""

    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True, slots=True)
class HeardSegment:
    words: tuple[HeardWord, ...]
    end: float


@dataclass(frozen=True, slots=True)
class EncodedWindow:
    """One window's encoder output (opaque) and how many mel frames of it hold audio."""

    output: object
    frames: int


class WhisperAdapter:
    """A faster-whisper ``WhisperModel`` seen through the few operations captionkit uses."""

    def __init__(self, whisper) -> None:
        self._whisper = whisper

    @property
    def multilingual(self) -> bool:
        return bool(self._whisper.model.is_multilingual)

    def detect_language(self, audio: Samples) -> str:
        """The language spoken in the first window of ``audio``."""
        detected, _probability, _all = self._whisper.detect_language(
            audio[: int(WINDOW_SECONDS * MODEL_SAMPLE_RATE)]
        )
        return detected

    def tokenizer(self, language: str):
        """A transcription tokenizer for ``language`` (refused with a clear error if the model lacks it)."""
        from faster_whisper.tokenizer import Tokenizer

        try:
            return Tokenizer(self._whisper.hf_tokenizer, self.multilingual, task="transcribe", language=language)
        except ValueError as error:
            raise CaptionkitError(
                f"'{language}' is not a language the model knows; give a code such as en, es or de"
            ) from error

    def mel(self, audio: np.ndarray) -> np.ndarray:
        """Log-mel features of ``audio`` (``MEL_FRAMES_PER_SECOND`` frames a second; the trailing pad frame dropped)."""
        return self._whisper.feature_extractor(audio)[..., :-1]

    def encode(self, mel: np.ndarray) -> EncodedWindow:
        """Encode one window of features (at most one window of frames); it can then be aligned many times."""
        from faster_whisper.audio import pad_or_trim

        return EncodedWindow(self._whisper.encode(pad_or_trim(mel)), mel.shape[-1])

    def align(self, tokenizer, window: EncodedWindow, tokens: list[int]) -> AttentionPath:
        """Where each of ``tokens`` is said in the encoded ``window``."""
        result = self._whisper.model.align(
            window.output, tokenizer.sot_sequence, [tokens], window.frames, median_filter_width=MEDIAN_FILTER_WIDTH
        )[0]
        text_indices = np.array([pair[0] for pair in result.alignments], dtype=int)
        time_indices = np.array([pair[1] for pair in result.alignments], dtype=int)
        jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
        return AttentionPath(
            time_indices[jumps] / ALIGN_FRAMES_PER_SECOND,
            np.asarray(result.text_token_probs, dtype=float),
        )

    def transcribe_checked(self, audio: np.ndarray, language: str, max_tokens: int) -> list[HeardWord]:
        """One quick greedy pass over a short stretch of audio (a check, not a transcript), with each word's
        probability (the mean of its tokens')."""
        segments, _info = self._whisper.transcribe(
            audio,
            language=language,
            beam_size=1,
            temperature=0.0,
            max_new_tokens=max_tokens,  # no runaway repetition
            without_timestamps=True,
            word_timestamps=True,
            condition_on_previous_text=False,
        )
        return [
            HeardWord(word.word, float(word.start), float(word.end), float(word.probability))
            for segment in segments
            for word in segment.words or []
        ]

    def transcribe_words(self, audio: np.ndarray, language: str | None) -> tuple[Iterator[HeardSegment], str]:
        """Segments of words with Whisper's times (voice-activity filtered), lazily, and the language."""
        segments, info = self._whisper.transcribe(
            audio,
            language=language,
            word_timestamps=True,
            vad_filter=True,
            beam_size=5,
            condition_on_previous_text=False,
        )

        def heard() -> Iterator[HeardSegment]:
            for segment in segments:
                words = tuple(
                    HeardWord(word.word, float(word.start), float(word.end), float(word.probability))
                    for word in segment.words or []
                )
                yield HeardSegment(words, float(segment.end))

        return heard(), info.language


def adapter_for(model: str) -> WhisperAdapter:
    """The adapter of the (cached) model ``model`` names."""
    from .models import load_model

    return WhisperAdapter(load_model(model))
