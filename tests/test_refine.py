"""Timing refinement: lag removal, snapping to pauses, the English acoustic re-alignment, its fallback."""

from __future__ import annotations

import numpy as np
import pytest

from captionkit.media import load_audio
from captionkit.model import Word
from captionkit.speech import refine
from captionkit.speech.refine import refine_words, speech_mask

RATE = 16000


def _bursts(spans: list[tuple[float, float]], total: float) -> np.ndarray:
    """Noise bursts (stand-ins for words) at ``spans`` in silence."""
    rng = np.random.default_rng(0)
    audio = np.zeros(int(total * RATE), dtype=np.float32)
    for start, end in spans:
        audio[int(start * RATE) : int(end * RATE)] = rng.normal(0, 0.2, int(end * RATE) - int(start * RATE))
    return audio


def _ordered_without_overlap(words: list[Word]) -> bool:
    return all(a.start <= a.end <= b.start + 1e-9 for a, b in zip(words, words[1:]))


def test_speech_mask_finds_the_bursts():
    mask = speech_mask(_bursts([(0.5, 1.0), (1.6, 2.0)], 2.5), RATE)
    assert not mask[:45].any() and mask[52:98].all() and not mask[103:158].any() and mask[162:198].all()


def test_words_after_a_pause_start_on_the_speech_not_in_the_silence():
    audio = _bursts([(0.5, 1.0), (1.6, 2.0)], 2.5)
    late = [Word("Hello.", 0.3, 1.4, speaker="S1"), Word("World", 1.4, 2.2, speaker="S1")]
    refined = refine_words(late, audio, RATE, language="es")
    assert refined[0].start == pytest.approx(0.5, abs=0.03) and refined[0].end == pytest.approx(1.0, abs=0.03)
    assert refined[1].start == pytest.approx(1.6, abs=0.03)
    assert [(w.text, w.speaker) for w in refined] == [("Hello.", "S1"), ("World", "S1")]
    assert late[0].start == 0.3  # the input is not changed


def test_sound_cues_and_punctuation_are_carried_in_order():
    audio = _bursts([(0.5, 1.0), (2.0, 2.4)], 3.0)
    words = [
        Word("Yes", 0.5, 1.05),
        Word("—", 1.05, 1.05),
        Word("[laughs]", 1.05, 2.0, kind="sound"),
        Word("no.", 2.05, 2.5),
    ]
    refined = refine_words(words, audio, RATE, language="de")
    assert [(w.text, w.kind) for w in refined] == [(w.text, w.kind) for w in words]
    assert _ordered_without_overlap(refined)
    assert refined[-1].end - refined[-1].start >= refine.MIN_WORD_SECONDS


def test_nothing_to_refine():
    assert refine_words([], np.zeros(RATE, dtype=np.float32), RATE) == []


@pytest.mark.slow
def test_refinement_corrects_transcription_timing(spoken_sample, monkeypatch):
    from captionkit.speech import transcribe as transcription
    from captionkit.speech import units

    wav, speech = spoken_sample
    audio = load_audio(wav)
    monkeypatch.setattr(units, "refine_words", lambda words, *args, **options: words)  # Whisper's own times
    heard = transcription.transcribe(audio, progress_label=None).words
    assert [w.text.lower() for w in heard] == [w.text.lower() for w in speech.words]
    raw = np.abs([w.start - t.start for w, t in zip(heard, speech.words)])
    refined = refine_words(heard, audio, RATE, language="en")
    errors = np.abs([w.start - t.start for w, t in zip(refined, speech.words)])
    assert _ordered_without_overlap(refined)
    assert np.median(errors) <= 0.03 and np.median(errors) < np.median(raw)
    assert errors.max() <= 0.3


@pytest.mark.slow
def test_without_pocketsphinx_the_language_independent_refinement_is_used(spoken_sample, monkeypatch):
    wav, speech = spoken_sample
    audio = load_audio(wav)
    shifted = [Word(w.text, w.start + 0.08, w.end + 0.08) for w in speech.words]  # a late aligner
    monkeypatch.setattr(refine, "sphinx_available", lambda: False)
    refined = refine_words(shifted, audio, RATE, language="en")
    errors = np.abs([w.start - t.start for w, t in zip(refined, speech.words)])
    assert np.median(errors) < 0.08 and _ordered_without_overlap(refined)
