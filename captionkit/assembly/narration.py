"""Join TTS segments into one master narration: 48 kHz, natural pauses, broadcast loudness.

Pure signal logic on sample arrays. Each segment's own leading and trailing
silence is trimmed (engines pad differently) and replaced by pauses of set
lengths, so the pacing does not depend on the engine. Each segment, with
its pauses, is normalised on its own to an integrated loudness (ITU-R BS.1770 with
pyloudnorm), its true peak, measured on a 4x oversampled signal, held under a
ceiling by a look-ahead limiter that only acts on the few peaks above it; the
master, all of whose parts are at the target, is at the target too.

The master is laid out in **blocks**, one per segment: half the pause before
it (the lead-in for the first), the speech, half the pause after it (the tail
for the last), padded to a whole number of avatar frames. A block depends on
its own segment only and starts on a frame, so when one segment is edited
every other block keeps its exact samples: the avatar clips made from them are
reused instead of paid for again.
"""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import CaptionkitError
from ..files import atomic_output


@dataclass(frozen=True, slots=True)
class NarrationOptions:
    """The master's format, its pauses, and its loudness targets."""

    sample_rate: int = 48000
    lead_in: float = 0.3  # silence before the first word (s)
    segment_pause: float = 0.5  # between two TTS segments: a sentence-end pause, cut in its middle (s)
    tail: float = 0.6  # silence after the last word (s)
    silence_threshold_db: float = -45.0  # below this (dBFS, 10 ms windows) a segment edge counts as silence
    loudness: float = -16.0  # integrated LUFS (EBU R128 / streaming speech)
    true_peak: float = -1.0  # dBTP ceiling
    limiter_lookahead: float = 0.005  # seconds the limiter sees ahead (and releases over)


#: Gain-and-limit passes of :func:`normalise`, and how close to the target loudness it stops.
LIMITER_PASSES = 8
LOUDNESS_TOLERANCE = 0.05


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """``samples`` at ``rate`` converted to ``target`` Hz with a polyphase filter."""
    from scipy.signal import resample_poly

    if rate == target:
        return samples.astype(np.float32)
    ratio = Fraction(target, rate)
    return resample_poly(samples, ratio.numerator, ratio.denominator).astype(np.float32)


def trim_silence(samples: np.ndarray, rate: int, threshold_db: float) -> np.ndarray:
    """``samples`` without the silence before the first and after the last 10 ms window above ``threshold_db``."""
    window = max(1, rate // 100)
    count = len(samples) // window
    if count == 0:
        return samples[:0]
    levels = np.sqrt(np.mean(samples[: count * window].reshape(count, window) ** 2, axis=1))
    loud = np.flatnonzero(levels > 10 ** (threshold_db / 20))
    if len(loud) == 0:
        return samples[:0]
    return samples[loud[0] * window : (loud[-1] + 1) * window]


@dataclass(slots=True)
class Master:
    """The master narration: samples, block boundaries (frames at ``fps``, ``0 ... total``) and where each
    block's speech starts and ends (seconds; by construction, to the 10 ms of the silence trim)."""

    samples: np.ndarray
    blocks: list[int]
    speech: list[tuple[float, float]]


def join_segments(
    segments: list[tuple[np.ndarray, int]], options: NarrationOptions = NarrationOptions(), fps: Fraction = Fraction(30),
) -> Master:
    """The master of ``segments`` (samples, rate), each resampled, trimmed, normalised and set in its block
    (see the module docstring)."""
    rate = options.sample_rate
    blocks: list[np.ndarray] = []
    bounds = [0]
    spans: list[tuple[float, float]] = []
    for index, (samples, segment_rate) in enumerate(segments):
        speech = trim_silence(resample(np.asarray(samples, np.float32), segment_rate, rate), rate,
                              options.silence_threshold_db)
        if len(speech) == 0:
            raise CaptionkitError(f"TTS segment {index + 1} came back silent; check its text or try again")
        before = options.lead_in if index == 0 else options.segment_pause / 2
        after = options.tail if index == len(segments) - 1 else options.segment_pause / 2
        # normalised with its pauses, as the meter will hear it in the master
        block = normalise(np.concatenate([np.zeros(round(before * rate), np.float32), speech,
                                          np.zeros(round(after * rate), np.float32)]), rate, options)
        onset = float(bounds[-1] / fps) + round(before * rate) / rate
        spans.append((onset, onset + len(speech) / rate))
        frames = math.ceil(Fraction(len(block), rate) * fps)
        bounds.append(bounds[-1] + frames)
        length = round(Fraction(bounds[-1], 1) / fps * rate) - round(Fraction(bounds[-2], 1) / fps * rate)
        blocks.append(np.concatenate([block, np.zeros(length - len(block), np.float32)]))
    return Master(np.concatenate(blocks), bounds, spans)


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4, gated; a sound shorter than the meter's 0.4 s block is
    measured with silence after it, which the gate leaves out)."""
    import pyloudnorm

    shortest = round(0.5 * rate)
    if len(samples) < shortest:
        samples = np.concatenate([samples, np.zeros(shortest - len(samples), samples.dtype)])
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def true_peak(samples: np.ndarray) -> float:
    """The true peak in dBTP: the highest absolute value of the signal oversampled 4x (BS.1770 Annex 2)."""
    peak = float(np.max(np.abs(_oversampled(samples)))) if len(samples) else 0.0
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def _oversampled(samples: np.ndarray) -> np.ndarray:
    from scipy.signal import resample_poly

    return resample_poly(samples.astype(np.float64), 4, 1)


def normalise(samples: np.ndarray, rate: int, options: NarrationOptions = NarrationOptions()) -> np.ndarray:
    """``samples`` at the options' integrated loudness, true peak at most the ceiling.

    Gain to the target, then a look-ahead limiter on the peaks above the
    ceiling (a little under it, for the error of the peak estimate); the few
    tenths of a dB the limiter takes off the loudness are given back and the
    peaks limited again, until the loudness is within 0.05 LU (at most
    :data:`LIMITER_PASSES` times). If the limiter cannot keep the loudness,
    the ceiling wins and the result comes out slightly quieter.
    """
    ceiling = 10 ** ((options.true_peak - 0.1) / 20)
    result = samples.astype(np.float64)
    for _ in range(LIMITER_PASSES):
        loudness = integrated_loudness(result, rate)
        if not np.isfinite(loudness):
            raise CaptionkitError("the narration is silent, so it cannot be normalised; check the TTS output")
        if abs(loudness - options.loudness) < LOUDNESS_TOLERANCE:
            break
        result = _limit(result * 10 ** ((options.loudness - loudness) / 20), ceiling,
                        round(options.limiter_lookahead * rate))
    peak = np.max(np.abs(_oversampled(result)))
    if peak > ceiling:
        result = result * (ceiling / peak)
    return result.astype(np.float32)


def _limit(samples: np.ndarray, ceiling: float, lookahead: int) -> np.ndarray:
    """A look-ahead limiter: a smooth gain under 1 only around the samples whose true peak tops ``ceiling``."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    envelope = np.abs(_oversampled(samples))[: len(samples) * 4].reshape(len(samples), 4).max(axis=1)
    needed = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    if needed.min() >= 1.0:
        return samples
    width = max(1, lookahead)
    # each held gain is the lowest needed within `width` of it, and the average spans no more than that,
    # so the smoothed gain is never above what any sample needs
    held = minimum_filter1d(needed, size=2 * width + 1, mode="nearest")
    return samples * uniform_filter1d(held, size=2 * width + 1, mode="nearest")


def write_wav(samples: np.ndarray, rate: int, path: str | Path) -> Path:
    """Write mono 16-bit PCM WAV atomically."""
    pcm = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    with atomic_output(path) as temporary:
        with wave.open(str(temporary), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(pcm.tobytes())
    return Path(path)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and the rate of a 16-bit PCM WAV written by :func:`write_wav`."""
    with wave.open(str(path), "rb") as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
        rate, channels = wav.getframerate(), wav.getnchannels()
    return (data.reshape(-1, channels).mean(axis=1) / 32768).astype(np.float32), rate
