"""Offline voices: [S2] is clearly another voice, each speaker sounds the same every time."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from captionkit.assembly.speech_plan import plan_speech
from captionkit.engines.local_speech import LocalVoices, speak, speak_turns
from captionkit.script import read_script

TEXT = "Every word and every number stays exactly as you wrote it."
RATE = 22050


def _pitch(samples: np.ndarray, rate: int) -> float:
    """Median fundamental frequency of the voiced 40 ms frames, by autocorrelation (60-400 Hz)."""
    frame = round(0.04 * rate)
    values = []
    for start in range(0, len(samples) - frame, frame):
        chunk = samples[start : start + frame] - np.mean(samples[start : start + frame])
        if np.sqrt(np.mean(chunk**2)) < 0.02:
            continue
        corr = np.correlate(chunk, chunk, "full")[frame - 1 :]
        low, high = rate // 400, rate // 60
        lag = low + int(np.argmax(corr[low:high]))
        if corr[lag] > 0.5 * corr[0]:
            values.append(rate / lag)
    return float(np.median(values))


def test_second_speaker_is_higher_at_the_same_pace():
    first, second = speak(TEXT, "S1"), speak(TEXT, "S2")
    ratio = _pitch(second, RATE) / _pitch(first, RATE)
    assert 1.15 < ratio < 1.35  # pitch (and formants) raised by 5/4: a different, lighter voice
    assert 0.85 < len(second) / len(first) < 1.1  # about the same pace


def test_same_speaker_sounds_the_same_in_every_segment():
    assert np.array_equal(speak(TEXT, "S1"), speak(TEXT, "S1"))
    assert np.array_equal(speak(TEXT, "S2"), speak(TEXT, "S2"))


def test_turns_with_sound_cue_and_speaker_change():
    voices = LocalVoices()
    [segment] = plan_speech(read_script("[S1] Hello there. [S2] (laughs) Hi.")).segments
    samples, rate = speak_turns(segment.turns, voices)
    hello, hi = speak("Hello there.", "S1", voices), speak("Hi.", "S2", voices)
    pauses = round(voices.turn_pause * rate) + round(voices.sound_pause * rate)
    assert len(samples) == len(hello) + len(hi) + pauses
    assert voices.factor("S2") == Fraction(5, 4)
