"""Media and measurements for the split/stitch tests and benchmarks.

- :func:`narration` builds long master speech with TRUE word times from a
  small bank of piper sentences (synthesised once), so 10 minutes of speech
  cost seconds.
- :func:`avatar_clips` fakes an avatar model: per piece, a solid-colour
  160x90 video a few frames longer or shorter than the piece, with the
  piece's audio muxed as AAC.
- :func:`first_frames` finds each clip's first frame in a stitched video by
  its colour; :func:`onset` finds where speech starts after a pause, so the
  tests measure where each piece's speech really is without using the code
  under test.
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from captionkit.engines import piper_tts
from captionkit.media import ffmpeg_exe, load_audio
from captionkit.model import Word

SENTENCES = [
    "Welcome back to the channel, where we build useful things together.",
    "Today we look at captions for long videos made by avatar models.",
    "The model accepts about thirty seconds of audio for every clip.",
    "So the narration is cut into pieces, and each piece becomes a clip.",
    "Then the clips are merged, and the captions must stay on the words.",
    "A single frame of drift is easy to see when lips and text disagree.",
    "First, we find the pauses between sentences in the master audio.",
    "Second, every cut lands on a frame boundary of the output video.",
    "Third, the master audio is added once, after the clips are joined.",
    "That way, no extra priming samples creep in at any join.",
    "Let me show you how the pieces line up on the timeline.",
    "Notice that each clip starts exactly where its piece begins.",
    "If a clip is one frame too long, it is trimmed by one frame.",
    "If it is short, its last frame is held a little longer.",
    "The result plays smoothly from the first word to the last.",
    "Thanks for watching, and see you in the next episode.",
]

PALETTE = [
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 190),
    (0, 128, 128), (230, 190, 255), (170, 110, 40), (255, 250, 200), (128, 0, 0),
    (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128),
]


@dataclass
class Narration:
    path: Path
    speech: piper_tts.Speech

    @property
    def words(self) -> list[Word]:
        return list(self.speech.words or [])


def sentence_bank(speaker_cycle: tuple[str | None, ...] = (None,)) -> list[piper_tts.Speech]:
    """Every bank sentence spoken once (cached for the process)."""
    key = speaker_cycle
    if key not in _BANK:
        _BANK[key] = [
            piper_tts.synthesize(text, speaker=speaker_cycle[i % len(speaker_cycle)])
            for i, text in enumerate(SENTENCES)
        ]
    return _BANK[key]


_BANK: dict = {}


def narration(path: Path, seconds: float, *, seed: int = 7, speakers: tuple[str | None, ...] = (None,)) -> Narration:
    """About ``seconds`` of speech: bank sentences in a shuffled order with pauses of 0.3-0.8 s."""
    rng = random.Random(seed)
    bank = sentence_bank(speakers)
    rate = bank[0].sample_rate
    parts = [piper_tts.silence(0.4, rate)]
    total = 0.4
    while total < seconds - 1.0:
        sentence = bank[rng.randrange(len(bank))]
        pause = piper_tts.silence(rng.uniform(0.3, 0.8), rate)
        parts += [sentence, pause]
        total += sentence.duration + pause.duration
    speech = piper_tts.concatenate(parts)
    speech.write_wav(path)
    return Narration(path, speech)


def run(args: list[str]) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)


def avatar_clip(path: Path, frames: int, audio: Path | None, colour: tuple[int, int, int], *,
                size: tuple[int, int] = (160, 90), fps: str = "30") -> Path:
    """A solid-colour H.264 clip of exactly ``frames`` frames, with ``audio`` (whole) muxed as 48 kHz AAC."""
    hex_colour = "0x{:02x}{:02x}{:02x}".format(*colour)
    args = ["-f", "lavfi", "-i", f"color=c={hex_colour}:s={size[0]}x{size[1]}:r={fps}"]
    if audio is not None:
        args += ["-i", str(audio), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-ar", "48000", "-b:a", "128k"]
    run([*args, "-frames:v", str(frames), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)])
    return path


def avatar_clips(plan, directory: Path, *, seed: int = 3, spread: int = 2) -> tuple[list[Path], list[int]]:
    """One clip per piece, each ``piece.frames`` +- up to ``spread`` frames, with its piece's audio."""
    rng = random.Random(seed)
    deltas = [rng.randint(-spread, spread) for _ in plan.pieces]
    if spread and len(deltas) > 1:  # make sure both a longer and a shorter clip are present
        deltas[0], deltas[1] = spread, -spread
    clips = [
        avatar_clip(directory / f"clip {piece.index:02d}.mp4", piece.frames + delta,
                    directory / f"{piece.name}.wav", PALETTE[i % len(PALETTE)])
        for i, (piece, delta) in enumerate(zip(plan.pieces, deltas))
    ]
    return clips, deltas


def first_frames(video: Path, clip_count: int) -> list[float]:
    """Time of the first frame of each clip in ``video``, found by each clip's palette colour."""
    import av

    palette = np.asarray(PALETTE[:clip_count], dtype=float)
    times: list[float | None] = [None] * clip_count
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            colour = frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)
            index = int(np.argmin(((palette - colour) ** 2).sum(axis=1)))
            if times[index] is None:
                times[index] = float(frame.pts * stream.time_base)
    assert all(t is not None for t in times), f"some clips were not found in {video}: {times}"
    return times  # type: ignore[return-value]


def onset(audio: np.ndarray, around: float, *, rate: int = 16000, reach: float = 0.25, threshold: float = 0.02) -> float:
    """Where sound starts near ``around`` (s): the first 2 ms window above ``threshold`` RMS after 80 ms of quiet."""
    first = max(0, round((around - reach) * rate))
    segment = audio[first : round((around + reach) * rate)]
    hop = rate // 500
    loud = np.sqrt(np.convolve(segment**2, np.ones(hop) / hop, mode="same")) > threshold
    quiet = round(0.08 * rate)
    for index in np.nonzero(loud)[0]:
        if index >= quiet and not loud[index - quiet : index].any():
            return (first + int(index)) / rate
    raise AssertionError(f"no speech onset after a pause near {around:.3f} s")


def speech_position(audio: np.ndarray, reference: np.ndarray, word: Word, expected: float) -> float:
    """Where ``word`` (true time in ``reference``) really is in ``audio``, expected near ``expected``.

    The onset detector's own bias is removed by running it on the reference
    at the word's true time.
    """
    bias = onset(reference, word.start) - word.start
    return onset(audio, expected) - bias


def decoded(path: Path) -> np.ndarray:
    return load_audio(path, 16000)
