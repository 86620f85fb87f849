"""A ground-truth corpus for alignment accuracy: piper speech with true word times, varied.

Used by ``tests/test_align_accuracy.py`` (a few clips) and
``benchmarks/align_accuracy.py`` (the full table). Each clip varies the
speaking rate (piper's length_scale), the pauses between sentences, and the
audio itself (pitch shift, tempo change, noise, low-pass), so the refinement is
not tuned to one clean voice.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from captionkit.engines import piper_tts
from captionkit.media import MODEL_SAMPLE_RATE, load_audio, run_ffmpeg
from captionkit.model import Word

SENTENCES = [
    "Welcome to the product tour.",
    "Today I will show you three features that save time.",
    "First, captions follow the script exactly.",
    "Second, they land exactly where they should.",
    "We tested every clip twice before lunch.",
    "The weather turned cold, so we stayed inside and worked.",
    "Please remember to save your work often.",
    "Nobody expected the small team to finish early.",
    "Our customers asked for faster exports and better fonts.",
    "She opened the window and listened to the rain.",
    "Good morning, and thank you all for coming.",
    "This camera records clear video even at night.",
    "My brother plays guitar in a jazz band.",
    "Could you send me the report by Friday?",
    "The train was late again, so I walked home.",
    "Every caption must be easy to read.",
    "Honestly, I did not think it would work.",
    "We will meet again next week to review the plan.",
    "Fresh bread smells wonderful in the morning.",
    "Keep your answers short and simple.",
    "The river was wide and very quiet.",
    "Why does the printer always jam on Mondays?",
    "Mountains covered in snow looked beautiful from the plane.",
    "Great work, everyone!",
]


SENTENCES_ES = [
    "Buenos días a todos.",
    "Hoy hablamos de los subtítulos del vídeo.",
    "La reunión empieza a las nueve.",
    "Mi hermana vive cerca del mar.",
    "Necesitamos más tiempo para terminar el trabajo.",
    "El tren llegó tarde otra vez.",
    "Gracias por venir esta mañana.",
    "Las noticias fueron muy buenas.",
]
SENTENCES_DE = [
    "Guten Morgen zusammen.",
    "Heute sprechen wir über Untertitel.",
    "Das Treffen beginnt um neun Uhr.",
    "Meine Schwester wohnt in der Nähe vom Meer.",
    "Wir brauchen mehr Zeit für diese Arbeit.",
    "Der Zug kam wieder zu spät.",
    "Vielen Dank, dass ihr heute gekommen seid.",
    "Die Nachrichten waren sehr gut.",
]
SENTENCES_BY_LANGUAGE = {"en": SENTENCES, "es": SENTENCES_ES, "de": SENTENCES_DE}


@dataclass(slots=True)
class Clip:
    """Mono 16 kHz audio, its text and its true word times."""

    name: str
    audio: np.ndarray
    text: str
    truth: list[Word]

    @property
    def duration(self) -> float:
        return len(self.audio) / MODEL_SAMPLE_RATE


def make_clip(
    name: str,
    seconds: float,
    *,
    seed: int,
    length_scale: float = 1.0,
    sentence_pause: float = 0.35,
    effect: str = "clean",
    language: str = "en",
    deterministic: bool = False,
) -> Clip:
    """About ``seconds`` of speech from random corpus sentences, with ``effect`` applied to the audio."""
    with spoken_language(language) if language != "en" else contextlib.nullcontext():
        speech = _sentences_speech(seconds, seed, length_scale, sentence_pause, SENTENCES_BY_LANGUAGE[language],
                                   deterministic)
    audio, scale = _apply(effect, speech)
    truth = [Word(w.text, w.start * scale, w.end * scale) for w in speech.words or []]
    return Clip(name, audio, " ".join(w.text for w in truth), truth)


def _sentences_speech(
    seconds: float, seed: int, length_scale: float, sentence_pause: float, sentences: list[str],
    deterministic: bool = False,
) -> piper_tts.Speech:
    rng = random.Random(seed)
    parts: list[piper_tts.Speech] = [piper_tts.silence(0.3 + rng.random() * 0.5)]
    spoken = 0.0
    while spoken < seconds - 1.0:
        sentence = rng.choice(sentences)
        speech = piper_tts.synthesize(sentence, length_scale=length_scale, deterministic=deterministic)
        if speech.words is None:
            continue
        parts += [speech, piper_tts.silence(sentence_pause * (0.5 + rng.random()))]
        spoken += speech.duration + sentence_pause
    parts.append(piper_tts.silence(0.5))
    return piper_tts.concatenate(parts)


EFFECTS = ("clean", "pitch-up", "pitch-down", "faster", "slower", "noise", "lowpass", "rubberband")


def _apply(effect: str, speech: piper_tts.Speech) -> tuple[np.ndarray, float]:
    """The 16 kHz audio after ``effect``, and the factor that maps original times to new ones."""
    filters = {
        "clean": ("", 1.0),
        "pitch-up": (f"asetrate={speech.sample_rate * 1.12:.0f},atempo={1 / 1.12:.6f}", 1.0),
        "pitch-down": (f"asetrate={speech.sample_rate * 0.88:.0f},atempo={1 / 0.88:.6f}", 1.0),
        "faster": ("atempo=1.15", 1 / 1.15),
        "slower": ("atempo=0.87", 1 / 0.87),
        "noise": ("", 1.0),
        "lowpass": ("lowpass=f=2800,highpass=f=120", 1.0),
        "rubberband": ("rubberband=pitch=1.15", 1.0),
    }
    chain, scale = filters[effect]
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.wav"
        target = Path(folder) / "out.wav"
        speech.write_wav(source)
        arguments = ["-i", str(source), *(["-af", chain] if chain else [])]
        run_ffmpeg([*arguments, "-ar", str(MODEL_SAMPLE_RATE), "-ac", "1", str(target)], what="applying a test effect")
        audio = load_audio(target)
    if effect == "noise":
        rng = np.random.default_rng(7)
        level = np.sqrt(np.mean(audio**2)) / (10 ** (20 / 20))  # 20 dB SNR
        audio = (audio + rng.normal(0, level, len(audio))).astype(np.float32)
    return audio, scale


def start_errors(words: list[Word], truth: list[Word]) -> np.ndarray:
    """Absolute word-start errors in seconds (the words must match the truth one to one)."""
    assert [w.text for w in words] == [t.text for t in truth], "the aligned words differ from the script"
    return np.abs(np.array([w.start - t.start for w, t in zip(words, truth)]))


def error_figures(errors: np.ndarray) -> dict[str, float]:
    """Median, 90th percentile and maximum in milliseconds."""
    return {
        "median_ms": float(np.median(errors) * 1000),
        "p90_ms": float(np.percentile(errors, 90) * 1000),
        "max_ms": float(np.max(errors) * 1000),
    }


@contextlib.contextmanager
def spoken_language(language: str):
    """Make piper's (English) voice read text with espeak's phonemes for ``language`` (es, de ...).

    The accent is English, but the words are the language's: enough for the
    multilingual model to align, with true word times as usual.
    """
    voice = piper_tts._voice(True)
    original = voice.config.espeak_voice
    voice.config.espeak_voice = language
    try:
        yield
    finally:
        voice.config.espeak_voice = original


def speak_to_wav(text: str, path: Path, *, lead: float = 0.4, tail: float = 0.5, **options) -> piper_tts.Speech:
    """Synthesize ``text`` with silence around it, write it to ``path``; the Speech has the true word times."""
    speech = piper_tts.synthesize(text, **options)
    speech = piper_tts.concatenate([piper_tts.silence(lead), speech, piper_tts.silence(tail)])
    speech.write_wav(path)
    return speech
