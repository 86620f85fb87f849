"""Transcription with the real bundled model: known speech comes back as its words."""

from __future__ import annotations

import pytest

from captionkit.engines import synthetic
from captionkit.errors import CaptionkitError
from captionkit.speech.transcribe import transcribe
from helpers import PANGRAM_TEXT, word_error_rate


def test_piper_speech_is_transcribed_back(spoken_sample):
    wav, speech = spoken_sample
    result = transcribe(wav)
    assert result.language == "en"
    assert result.duration == pytest.approx(speech.duration, abs=0.05)
    heard = " ".join(word.text for word in result.words)
    assert word_error_rate(PANGRAM_TEXT, heard) < 0.10, heard


def test_word_times_are_ordered_and_near_the_truth(spoken_sample):
    wav, speech = spoken_sample
    words = transcribe(wav).words
    assert all(a.end <= b.start for a, b in zip(words, words[1:]))
    assert all(w.start <= w.end for w in words)
    # Whisper's own times are coarse; the first and last words still sit near the truth.
    assert words[0].start == pytest.approx(speech.words[0].start, abs=0.3)
    assert words[-1].end == pytest.approx(speech.words[-1].end, abs=0.5)


def test_silence_gives_no_words(tmp_path):
    quiet = synthetic.make_silent_audio(tmp_path / "quiet.wav", 3.0)
    assert transcribe(quiet).words == []


def test_english_only_model_refuses_another_language(spoken_sample):
    with pytest.raises(CaptionkitError, match="English-only.*--model base"):
        transcribe(spoken_sample[0], language="es")
