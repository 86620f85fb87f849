"""Audio checks: what a narration needs before it drives an avatar (and what ``render`` will make of it).

Loudness is ITU-R BS.1770 (pyloudnorm): integrated, and how much the short-term
loudness (3 s windows, gated as EBU R 128's loudness range) varies over time.
Clipping counts runs of samples at full scale; the noise floor is the level of
the quietest 50 ms frames; mains hum is a narrow peak at 50 or 60 Hz (or its
harmonics) standing well above the spectrum around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MediaError
from ..infsh.apps import Avatar
from ..media import load_audio, probe
from .report import SubjectReport


@dataclass(frozen=True, slots=True)
class AudioLimits:
    """Where a recording stops being good enough (dB, LUFS, LU, seconds)."""

    sample_rates: tuple[int, ...] = (44100, 48000)  # what TTS and the avatar expect (warn otherwise)
    min_sample_rate: int = 16000  # below it speech loses its consonants (fail)
    loudness: tuple[float, float] = (-24.0, -10.0)  # integrated LUFS outside this band warns (target -16)
    silent: float = -50.0  # integrated LUFS below it: no usable speech (fail)
    loudness_range: float = 12.0  # LU of short-term loudness spread above which it warns
    clipped_warn: float = 0.0001  # fraction of samples in clipped runs: warn above
    clipped_fail: float = 0.001  # fail above
    noise_warn: float = -55.0  # noise floor dBFS above which it warns
    noise_fail: float = -35.0  # fails (speech barely above the noise)
    hum_prominence: float = 15.0  # dB a mains peak must stand above its neighbourhood to count as hum
    hum_warn: float = -55.0  # hum level dBFS above which it warns
    hum_fail: float = -35.0  # and fails
    long_silence: float = 2.0  # a pause inside the speech longer than this warns (the avatar freezes)
    edge_silence: float = 1.5  # leading or trailing silence longer than this warns


def check_audio(path: Path, avatar: Avatar, limits: AudioLimits = AudioLimits()) -> SubjectReport:
    """Measure the recording and list its problems."""
    report = SubjectReport("audio", str(path))
    try:
        info = probe(path)
        if not info.has_audio:
            raise MediaError(f"{path.name} has no audio stream")
        rate = info.sample_rate or 48000
        samples = load_audio(path, sample_rate=rate).astype(np.float64)
    except MediaError as error:
        report.fail(str(error), "give a WAV, MP3 or M4A recording of the narration")
        report.summary = "unreadable"
        return report
    duration = len(samples) / rate
    if duration < 0.5:
        report.fail(f"the recording is only {duration:.2f} s long", "give the whole narration")
        report.summary = f"{duration:.2f} s"
        return report
    loudness, loudness_range = _loudness(samples, rate)
    clipped = clipped_fraction(samples)
    hum_frequency, hum_level = mains_hum(samples, rate, limits.hum_prominence)
    noise = noise_floor(without_hum(samples, rate, hum_frequency) if hum_frequency else samples, rate)
    silences = silent_stretches(samples, rate, silence_threshold(samples, rate, noise))
    report.measured.update(duration=round(duration, 3), sample_rate=rate, channels=info.channels,
                           loudness_lufs=_rounded(loudness), loudness_range_lu=_rounded(loudness_range),
                           clipped_fraction=round(clipped, 6), noise_floor_dbfs=round(noise, 1),
                           hum_hz=hum_frequency, hum_dbfs=_rounded(hum_level),
                           silences=[[round(start, 2), round(end, 2)] for start, end in silences])
    report.summary = (f"{duration:.1f} s, {rate / 1000:g} kHz, {_lufs(loudness)} LUFS (range {_lufs(loudness_range)} "
                      f"LU), " + ("digital silence between words" if noise <= -100 else f"noise floor {noise:.0f} dBFS")
                      + (f", {hum_frequency} Hz hum at {hum_level:.0f} dBFS" if hum_frequency else "")
                      + (f", {clipped:.2%} clipped" if clipped else ""))
    _check_format(report, rate, limits)
    _check_level(report, loudness, loudness_range, clipped, limits)
    _check_noise(report, noise, hum_frequency, hum_level, limits)
    _check_timing(report, duration, silences, avatar, limits)
    return report


def _check_format(report: SubjectReport, rate: int, limits: AudioLimits) -> None:
    wanted = " or ".join(f"{r / 1000:g} kHz" for r in limits.sample_rates)
    if rate < limits.min_sample_rate:
        report.fail(f"the sample rate is {rate / 1000:g} kHz, too low for clear speech",
                    f"record or export at {wanted}")
    elif rate not in limits.sample_rates:
        report.warn(f"the sample rate is {rate / 1000:g} kHz, not {wanted}: high frequencies are missing",
                    f"record or export at {wanted} (resampling a {rate / 1000:g} kHz file does not bring them back)")


def _check_level(report: SubjectReport, loudness: float | None, loudness_range: float | None, clipped: float,
                 limits: AudioLimits) -> None:
    if loudness is None or loudness < limits.silent:
        report.fail(f"the recording is nearly silent ({_lufs(loudness)} LUFS)",
                    "check the microphone and the file: there is no usable speech")
    elif not limits.loudness[0] <= loudness <= limits.loudness[1]:
        report.warn(f"the loudness is {loudness:.1f} LUFS; speech for video sits near -16 LUFS",
                    "normalise to -16 LUFS integrated, true peak -1 dBTP (ffmpeg -af loudnorm=I=-16:TP=-1)")
    if loudness_range is not None and loudness_range > limits.loudness_range:
        report.warn(f"the loudness varies a lot over time (range {loudness_range:.1f} LU)",
                    "keep a steady distance from the microphone, or apply gentle compression")
    if clipped > limits.clipped_fail:
        report.fail(f"{clipped:.2%} of the samples are clipped (flat at full scale): the speech is distorted",
                    "record again with the input gain lower (peaks around -6 dBFS); clipping cannot be undone")
    elif clipped > limits.clipped_warn:
        report.warn(f"{clipped:.3%} of the samples are clipped", "lower the input gain and record again if audible")


def _check_noise(report: SubjectReport, noise: float, hum_frequency: int | None, hum_level: float | None,
                 limits: AudioLimits) -> None:
    if noise > limits.noise_fail:
        report.fail(f"the background noise is loud ({noise:.0f} dBFS between words)",
                    "record in a quieter room, closer to the microphone, or denoise (ffmpeg -af afftdn)")
    elif noise > limits.noise_warn:
        report.warn(f"the background noise is audible ({noise:.0f} dBFS between words)",
                    "denoise the recording (ffmpeg -af afftdn) or record in a quieter room")
    if hum_frequency and hum_level is not None and hum_level > limits.hum_warn:
        notch = ",".join(f"bandreject=f={hum_frequency * k}:width_type=h:w=4" for k in (1, 2, 3))
        fix = (f"filter out the hum (ffmpeg -af {notch}), or record again away from power cables "
               "with a balanced cable or a ground-loop isolator")
        message = f"mains hum at {hum_frequency} Hz ({hum_level:.0f} dBFS)"
        if hum_level > limits.hum_fail:
            report.fail(f"loud {message}", fix)
        else:
            report.warn(message, fix)


def _check_timing(report: SubjectReport, duration: float, silences: list[tuple[float, float]], avatar: Avatar,
                  limits: AudioLimits) -> None:
    for start, end in silences:
        at_edge = start <= 0.0 or end >= duration - 1e-6
        if end - start > (limits.edge_silence if at_edge else limits.long_silence):
            where = "at the start" if start <= 0.0 else "at the end" if at_edge else f"at {start:.1f} s"
            report.warn(f"{end - start:.1f} s of silence {where}: the avatar stands still",
                        "trim the silence, or keep pauses under 1 s")
    if duration > avatar.limit_seconds:
        pieces = int(np.ceil(duration / (avatar.recommended_seconds - 0.5)))
        report.warn(f"{duration:.1f} s is longer than one {avatar.name} clip takes ({avatar.limit_seconds:g} s; "
                    f"under {avatar.recommended_seconds:g} s is best)",
                    f"let render split it (about {pieces} pieces), or cut it with 'captionkit split'")
    elif duration > avatar.recommended_seconds:
        report.warn(f"{duration:.1f} s is longer than {avatar.name} animates best "
                    f"(under {avatar.recommended_seconds:g} s)",
                    "let render split it, or cut it with 'captionkit split --max 15'")


# --------------------------------------------------------------------------- measurements


def _loudness(samples: np.ndarray, rate: int) -> tuple[float | None, float | None]:
    """Integrated loudness (LUFS, BS.1770) and loudness range (LU), or None where there is nothing to measure.

    The range is EBU Tech 3342's: short-term loudness of 3 s windows every second, gated at -70 LUFS and
    20 LU under their mean, from the 10th to the 95th percentile.
    """
    import pyloudnorm
    from pyloudnorm.iirfilter import IIRfilter

    if len(samples) < rate * 0.4:
        return None, None
    integrated = float(pyloudnorm.Meter(rate).integrated_loudness(samples))
    weighted = samples
    for stage in (IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, rate, "high_shelf"),  # the K-weighting filters
                  IIRfilter(0.0, 0.5, 38.0, rate, "high_pass")):
        weighted = stage.apply_filter(weighted)
    energy = np.concatenate([[0.0], np.cumsum(weighted**2)])
    window = 3 * rate
    starts = np.arange(0, len(samples) - window + 1, rate)
    mean_square = (energy[starts + window] - energy[starts]) / window
    levels = -0.691 + 10 * np.log10(mean_square + 1e-20)
    gated = levels[levels > -70.0]
    if len(gated):
        gated = gated[gated > 10 * np.log10(np.mean(10 ** (gated / 10))) - 20.0]
    spread = float(np.percentile(gated, 95) - np.percentile(gated, 10)) if len(gated) >= 2 else None
    return (integrated if np.isfinite(integrated) else None), spread


def clipped_fraction(samples: np.ndarray, level: float = 0.999) -> float:
    """The fraction of samples in runs of two or more at full scale (one peak sample is not clipping)."""
    at_top = np.abs(samples) >= level * np.abs(samples).max() if len(samples) and np.abs(samples).max() >= 0.98 \
        else np.zeros(len(samples), dtype=bool)
    runs = at_top[1:] & at_top[:-1]
    in_runs = np.zeros(len(samples), dtype=bool)
    in_runs[1:] |= runs
    in_runs[:-1] |= runs
    return float(in_runs.mean()) if len(samples) else 0.0


def _frame_levels(samples: np.ndarray, rate: int, frame: float = 0.05) -> np.ndarray:
    size = max(1, round(rate * frame))
    count = len(samples) // size
    frames = samples[: count * size].reshape(count, size)
    return 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-6)


def noise_floor(samples: np.ndarray, rate: int) -> float:
    """dBFS of the quietest tenth of 50 ms frames (the level between words)."""
    levels = _frame_levels(samples, rate)
    return float(np.percentile(levels, 10)) if len(levels) else -120.0


def mains_hum(samples: np.ndarray, rate: int, prominence: float) -> tuple[int | None, float | None]:
    """The mains frequency (50 or 60) whose peaks stand out most, and the hum's level in dBFS; else (None, None)."""
    from scipy.signal import welch

    frequencies, power = welch(samples, fs=rate, nperseg=min(len(samples), rate * 2), scaling="spectrum")
    best: tuple[int | None, float | None, float] = (None, None, 0.0)
    for mains in (50, 60):
        total, stands_out = 0.0, 0.0
        for harmonic in (1, 2, 3):
            centre = mains * harmonic
            peak = (frequencies >= centre - 1.5) & (frequencies <= centre + 1.5)
            around = (np.abs(frequencies - centre) > 4) & (np.abs(frequencies - centre) <= 15)
            if not peak.any() or not around.any():
                continue
            height = 10 * np.log10(power[peak].max() + 1e-20) - 10 * np.log10(np.median(power[around]) + 1e-20)
            if height >= prominence:
                total += float(power[peak].sum())
                stands_out = max(stands_out, float(height))
        if total > 0 and stands_out > best[2]:
            best = (mains, 10 * np.log10(total + 1e-20), stands_out)
    return best[0], best[1]


def without_hum(samples: np.ndarray, rate: int, mains: int) -> np.ndarray:
    """``samples`` with notches at the mains frequency and its first harmonics (so hum is not counted as noise)."""
    from scipy.signal import filtfilt, iirnotch

    for harmonic in (1, 2, 3):
        if mains * harmonic < rate / 2:
            b, a = iirnotch(mains * harmonic, Q=mains * harmonic / 4, fs=rate)
            samples = filtfilt(b, a, samples)
    return samples


def silence_threshold(samples: np.ndarray, rate: int, noise: float) -> float:
    """dBFS under which a 50 ms frame is silence: just over the noise floor, well under the speech."""
    speech = float(np.percentile(_frame_levels(samples, rate), 90))
    return min(max(noise + 6.0, -60.0), speech - 10.0)


def silent_stretches(samples: np.ndarray, rate: int, threshold: float, frame: float = 0.05) -> list[tuple[float, float]]:
    """(start, end) seconds of stretches quieter than ``threshold`` dBFS for at least half a second."""
    quiet = _frame_levels(samples, rate, frame) < threshold
    stretches, start = [], None
    for index, is_quiet in enumerate([*quiet, False]):
        if is_quiet and start is None:
            start = index
        elif not is_quiet and start is not None:
            if (index - start) * frame >= 0.5:
                end = min(index * frame, len(samples) / rate) if index < len(quiet) else len(samples) / rate
                stretches.append((start * frame, end))
            start = None
    return stretches


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _lufs(value: float | None) -> str:
    return "-inf" if value is None else f"{value:.1f}"
