"""The master narration: segments joined at 48 kHz with set pauses, -16 LUFS, true peak at most -1 dBTP."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from captionkit.assembly.narration import (NarrationOptions, integrated_loudness, join_segments, normalise,
                                           read_wav, trim_silence, true_peak, write_wav)
from captionkit.engines.local_speech import speak


def _tone_bursts(rate: int, seconds: float, *, lead: float, tail: float, seed: int) -> np.ndarray:
    """Speech-like test signal: noisy harmonic bursts with silence before and after."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * rate)) / rate
    envelope = (np.sin(2 * np.pi * 3 * t) > -0.3).astype(float)
    signal = (0.3 * np.sin(2 * np.pi * 140 * t) + 0.2 * np.sin(2 * np.pi * 280 * t) + 0.05 * rng.normal(size=len(t)))
    return np.concatenate([np.zeros(round(lead * rate)), signal * envelope, np.zeros(round(tail * rate))]).astype(np.float32)


def test_trim_silence_keeps_the_sound_only():
    rate = 22050
    sound = _tone_bursts(rate, 1.0, lead=0.7, tail=0.4, seed=1)
    trimmed = trim_silence(sound, rate, -45)
    assert len(trimmed) / rate == pytest.approx(1.0, abs=0.03)


def test_join_places_pauses_in_frame_aligned_blocks_at_48k():
    options = NarrationOptions()
    a = _tone_bursts(22050, 2.0, lead=0.5, tail=0.5, seed=2)
    b = _tone_bursts(24000, 1.5, lead=0.2, tail=0.9, seed=3)
    joined = join_segments([(a, 22050), (b, 24000)], options, Fraction(30))
    master, bounds = joined.samples, joined.blocks
    assert len(master) == bounds[-1] * 1600  # whole frames of 1/30 s at 48 kHz
    first = options.lead_in + 2.0 + options.segment_pause / 2
    assert bounds[1] == math.ceil(first * 30 - 1e-9)
    expected = bounds[1] / 30 + options.segment_pause / 2 + 1.5 + options.tail
    assert bounds[-1] == math.ceil(expected * 30 - 1e-6)
    # silence from the end of the first segment to the start of the second, which starts half a pause into its block
    end_of_first = round((options.lead_in + 2.0 + 0.01) * 48000)
    start_of_second = bounds[1] * 1600 + round(options.segment_pause / 2 * 48000)
    assert np.max(np.abs(master[end_of_first : start_of_second - 480])) < 1e-3
    assert np.max(np.abs(master[start_of_second : start_of_second + 4800])) > 0.05
    assert joined.speech[1][0] == pytest.approx(start_of_second / 48000)
    assert joined.speech[0] == pytest.approx((options.lead_in, options.lead_in + 2.0), abs=0.02)


def test_an_edited_segment_leaves_every_other_block_unchanged():
    rate = 22050
    parts = [_tone_bursts(rate, seconds, lead=0.1, tail=0.1, seed=seed) for seconds, seed in ((2.0, 6), (1.2, 7), (1.7, 8))]
    edited = [parts[0], _tone_bursts(rate, 2.3, lead=0.1, tail=0.1, seed=9), parts[2]]
    before, after = join_segments([(p, rate) for p in parts]), join_segments([(p, rate) for p in edited])
    master, bounds, changed, new_bounds = before.samples, before.blocks, after.samples, after.blocks
    samples = 1600  # per frame
    assert np.array_equal(master[: bounds[1] * samples], changed[: new_bounds[1] * samples])
    assert np.array_equal(master[bounds[2] * samples :], changed[new_bounds[2] * samples :])
    assert new_bounds[2] - new_bounds[1] > bounds[2] - bounds[1]


@pytest.mark.parametrize("level", [0.02, 0.9])
def test_normalise_hits_loudness_and_true_peak_targets(level):
    rate = 48000
    rng = np.random.default_rng(4)
    signal = _tone_bursts(rate, 6.0, lead=0.3, tail=0.3, seed=5) * level
    signal[rng.integers(0, len(signal), 20)] = level * 3  # sharp peaks the limiter must catch
    result = normalise(signal, rate)
    assert integrated_loudness(result, rate) == pytest.approx(-16.0, abs=0.5)
    assert true_peak(result) <= -1.0


def test_true_peak_sees_inter_sample_peaks():
    n = np.arange(4800)
    # a sine at a quarter of the rate, sampled 45 degrees off its crests: samples reach 0.707, the wave 1.0
    wave = np.sin(2 * np.pi * n / 4 + np.pi / 4).astype(np.float32)
    assert 20 * np.log10(np.max(np.abs(wave))) == pytest.approx(-3.0, abs=0.1)
    assert true_peak(wave) == pytest.approx(0.0, abs=0.2)


def test_piper_master_meets_targets(tmp_path):
    options = NarrationOptions()
    first = speak("The first segment is spoken by the first voice.", "S1")
    second = speak("And the second voice answers it.", "S2")
    master = join_segments([(first, 22050), (second, 22050)], options).samples
    path = write_wav(master, options.sample_rate, tmp_path / "master.wav")
    samples, rate = read_wav(path)
    assert rate == 48000
    assert integrated_loudness(samples, rate) == pytest.approx(-16.0, abs=0.5)
    assert true_peak(samples) <= -1.0
