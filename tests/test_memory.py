"""Memory that does not grow with the length of the audio (the figures are in benchmarks/memory.py)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from captionkit.assembly.narration import write_wav
from captionkit.media import MODEL_SAMPLE_RATE, decode_audio
from captionkit.speech import refine


def _speech_like(path, seconds: float, seed: int = 3):
    """Noise bursts of 0.1-0.6 s with pauses between them, as a 16 kHz 16-bit WAV."""
    rng = np.random.default_rng(seed)
    samples = np.zeros(int(seconds * MODEL_SAMPLE_RATE), np.float32)
    position = 0
    while position < len(samples):
        burst, pause = (int(rng.uniform(low, high) * MODEL_SAMPLE_RATE) for low, high in ((0.1, 0.6), (0.05, 0.5)))
        samples[position : position + burst] = rng.standard_normal(len(samples[position : position + burst])) * 0.2
        position += burst + pause
    samples += rng.standard_normal(len(samples)).astype(np.float32) * 0.001  # a noise floor
    return write_wav(samples, MODEL_SAMPLE_RATE, path)


def test_the_speech_mask_is_the_same_for_any_block_size(tmp_path, monkeypatch):
    with decode_audio(_speech_like(tmp_path / "a.wav", 30)) as audio:
        levels = refine.frame_levels(audio, MODEL_SAMPLE_RATE)
        mask = refine.speech_mask(audio, MODEL_SAMPLE_RATE)
        monkeypatch.setattr(refine, "LEVEL_BLOCK_FRAMES", 7)
        assert np.allclose(refine.frame_levels(audio, MODEL_SAMPLE_RATE), levels, rtol=0, atol=1e-6)
        assert np.array_equal(refine.speech_mask(audio, MODEL_SAMPLE_RATE), mask)
    assert 0.2 < mask.mean() < 0.9  # both speech and pauses were found
    assert len(mask) == 1 + (30 * MODEL_SAMPLE_RATE - 1) // 160


def test_the_speech_mask_of_six_minutes_takes_no_more_memory_than_of_one(tmp_path):
    peaks = []
    for minutes in (1, 6):
        with decode_audio(_speech_like(tmp_path / f"{minutes}.wav", minutes * 60)) as audio:
            tracemalloc.start()
            refine.speech_mask(audio, MODEL_SAMPLE_RATE)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    # one block of audio and one level per 10 ms frame (6 minutes of levels are 0.3 MB); the whole
    # six minutes as float32 alone would be 23 MB
    assert peaks[1] < peaks[0] * 1.2 + 1_000_000, peaks
    assert peaks[1] < 15_000_000
