"""Speech with timing truth checked against the waveform, for the alignment tests.

The truth is ``benchmarks/truth.py``'s: sentences synthesised one at a time,
trimmed by energy and joined with known silences, so each sentence's audible
onset and offset in the joined audio are known (and re-measured there). Word
starts read from piper's phoneme durations are not truth: they sit about 55 ms
after the audible onset (issue 10).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks import truth
from captionkit.engines import piper_tts
from captionkit.model import Word


@dataclass(slots=True)
class Clip:
    """Mono 16 kHz audio, its text, and each sentence's (first word index, audible onset, audible offset)."""

    name: str
    audio: np.ndarray
    text: str
    onsets: list[tuple[int, float, float]]

    @property
    def duration(self) -> float:
        return len(self.audio) / truth.RATE


def make_clip(
    name: str, seconds: float, *, seed: int, length_scale: float = 1.0, deterministic: bool = False,
    held_out: bool = True,
) -> Clip:
    """About ``seconds`` of piper speech: random sentences of the held-out (or the tuning) bank of
    ``benchmarks/truth.py``, joined with known silences."""
    spec = truth.ClipSpec(f"test-{name}", "piper", "joe", "en", seconds, seed, speed=1.0 / length_scale,
                          held_out=held_out, deterministic=deterministic)
    clip = truth.load_clip(spec)
    return Clip(name, clip.audio, clip.text, clip.onsets)


def speak_pieces(
    pieces: list[str], path: Path, *, seed: int = 0, deterministic: bool = True, language: str = "en"
) -> Clip:
    """``pieces`` spoken one at a time by piper and joined with known silences, written to ``path`` (16 kHz).

    Another ``language`` is read with its own phonemes in piper's English voice (``spoken_language``).
    """
    spec = truth.ClipSpec(f"pieces-{path.stem}", "piper", "joe", language, 0, seed, deterministic=deterministic,
                          script=tuple(pieces))
    with spoken_language(language) if language != "en" else contextlib.nullcontext():
        clip = truth.load_clip(spec)
    piper_tts.Speech(clip.audio, truth.RATE, []).write_wav(path)
    return Clip(path.stem, clip.audio, clip.text, clip.onsets)


def onset_errors(words: list[Word], clip: Clip) -> np.ndarray:
    """Each sentence's first aligned word start minus its audible onset, in seconds."""
    return np.array([words[index].start - onset for index, onset, _ in clip.onsets])


def offset_errors(words: list[Word], clip: Clip) -> np.ndarray:
    """Each sentence's last aligned word end minus its audible offset, in seconds."""
    ends = [index - 1 for index, _, _ in clip.onsets[1:]] + [len(clip.text.split()) - 1]
    return np.array([words[end].end - offset for end, (_, _, offset) in zip(ends, clip.onsets)])


@contextlib.contextmanager
def spoken_language(language: str):
    """Make piper's (English) voice read text with espeak's phonemes for ``language`` (es, de ...).

    The accent is English, but the words are the language's: enough for the
    multilingual model to align.
    """
    voice = piper_tts._voice(True)
    original = voice.config.espeak_voice
    voice.config.espeak_voice = language
    try:
        yield
    finally:
        voice.config.espeak_voice = original


def speak_to_wav(text: str, path: Path, *, lead: float = 0.4, tail: float = 0.5, **options) -> piper_tts.Speech:
    """Synthesize ``text`` with silence around it and write it to ``path``.

    The Speech's word times are piper's phoneme durations: near the words, but not timing truth (word starts
    sit about 55 ms after the audible onset); tests of timing use ``speak_pieces`` or ``make_clip``.
    """
    speech = piper_tts.synthesize(text, **options)
    speech = piper_tts.concatenate([piper_tts.silence(lead), speech, piper_tts.silence(tail)])
    speech.write_wav(path)
    return speech
