"""Media and measurements for the split/stitch tests and benchmarks.

- :func:`narration` builds long master speech with TRUE word times from a
  small bank of piper sentences (synthesised once), so 10 minutes of speech
  cost seconds.
- :func:`avatar_clips` fakes an avatar model: per piece, a solid-colour
  160x90 video a few frames longer or shorter than the piece, with the
  piece's audio muxed as AAC.
- :func:`first_frames` finds each clip's first frame in a stitched video by
  its colour; :func:`speech_position` finds where a word's sound really is in
  the merged audio, so the tests measure joins without using the code under
  test.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from captionkit.engines import piper_tts
from captionkit.media import load_audio, run_ffmpeg
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


def avatar_clip(path: Path, frames: int, audio: Path | None, colour: tuple[int, int, int], *,
                size: tuple[int, int] = (160, 90), fps: str = "30") -> Path:
    """A solid-colour H.264 clip of exactly ``frames`` frames, with ``audio`` (whole) muxed as 48 kHz AAC."""
    hex_colour = "0x{:02x}{:02x}{:02x}".format(*colour)
    args = ["-f", "lavfi", "-i", f"color=c={hex_colour}:s={size[0]}x{size[1]}:r={fps}"]
    if audio is not None:
        args += ["-i", str(audio), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-ar", "48000", "-b:a", "128k"]
    run_ffmpeg([*args, "-frames:v", str(frames), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)])
    return path


def avatar_clips(plan, pieces: Path, directory: Path, *, seed: int = 3, spread: int = 2,
                 size: tuple[int, int] = (160, 90)) -> tuple[list[Path], list[int]]:
    """One clip per piece (WAVs in ``pieces``), each ``piece.frames`` +- up to ``spread`` frames, with its audio."""
    rng = random.Random(seed)
    deltas = [rng.randint(-spread, spread) for _ in plan.pieces]
    if spread and len(deltas) > 1:  # make sure both a longer and a shorter clip are present
        deltas[0], deltas[1] = spread, -spread
    clips = [
        avatar_clip(directory / f"clip {piece.index:02d}.mp4", piece.frames + delta,
                    pieces / f"{piece.name}.wav", PALETTE[i % len(PALETTE)], size=size)
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


def speech_position(audio: np.ndarray, reference: np.ndarray, word: Word, expected: float,
                    *, rate: int = 16000, reach: float = 0.3) -> float:
    """Where ``word`` (true time in ``reference``) really is in ``audio``, searched within ``reach`` of ``expected``.

    The word's own sound (from 50 ms before it to 350 ms into it) is matched
    against ``audio`` by normalised cross-correlation, sample by sample.
    """
    first = round((word.start - 0.05) * rate)
    template = reference[first : first + round(0.4 * rate)].astype(np.float64)
    begin = max(0, round((expected - 0.05 - reach) * rate))
    segment = audio[begin : begin + round(2 * reach * rate) + len(template)].astype(np.float64)
    scores = np.correlate(segment, template, mode="valid")
    energy = np.sqrt(np.convolve(segment**2, np.ones(len(template)), mode="valid"))
    scores = scores / (np.maximum(energy, 1e-9) * np.linalg.norm(template))
    best = int(np.argmax(scores))
    assert scores[best] > 0.8, f"{word.text!r} not found near {expected:.3f} s (best match {scores[best]:.2f})"
    return (begin + best) / rate + 0.05


def decoded(path: Path) -> np.ndarray:
    return load_audio(path, 16000)


@dataclass
class JoinErrors:
    """Measured errors of a stitched video against where each piece's speech really is (seconds)."""

    first_frame: list[float]  # per clip: its first frame minus its piece's real start in the audio
    captions: list[float]  # per clip: its first caption minus where that caption belongs on the real speech
    end: float  # the same for the last caption of the video that follows a pause

    @property
    def worst(self) -> float:
        return max(abs(e) for e in [*self.first_frame, *self.captions, self.end])


def measure_joins(output: Path, plan, track, master_audio: np.ndarray) -> JoinErrors:
    """Compare ``output`` (video + its captions ``track``) with where each piece's speech really is.

    A piece's speech is found by matching the sound of its first word in the
    output's decoded audio, so this never relies on the code under test. The expected place of each caption is the master
    caption moved by exactly as much as its piece's speech moved.
    """
    from captionkit.assembly.plan import plan_tracks

    out_audio = decoded(output)
    firsts = first_frames(output, len(plan.pieces))
    master_cues = plan_tracks(plan)[0].cues
    assert [c.lines for c in track.cues] == [c.lines for c in master_cues]
    residual = 0.0  # how far the speech sits from its clip's first frame, carried to the next join's search
    frame_errors, caption_errors, shifts = [], [], []
    for index, piece in enumerate(plan.pieces):
        word = piece.words[0]
        into = word.start - piece.start
        real = speech_position(out_audio, master_audio, word, firsts[index] + into + residual)
        residual = real - (firsts[index] + into)
        shifts.append(real - word.start)
        frame_errors.append(firsts[index] - (real - into))
        cue = _cue_starting_with(master_cues, word)
        caption_errors.append(track.cues[cue].start - (master_cues[cue].start + shifts[-1]))
    last = max(
        i for i, cue in enumerate(master_cues)
        if cue.words and _pause_before(plan.words, cue.words[0]) >= 0.25
    )
    word = master_cues[last].words[0]
    index = max(i for i, piece in enumerate(plan.pieces) if piece.start <= word.start)
    real = speech_position(out_audio, master_audio, word, word.start + shifts[index])
    end_error = track.cues[last].start - (master_cues[last].start + real - word.start)
    return JoinErrors(frame_errors, caption_errors, end_error)


def _cue_starting_with(cues, word: Word) -> int:
    return next(i for i, cue in enumerate(cues) if cue.words and cue.words[0].start == word.start)


def _pause_before(words: list[Word], word: Word) -> float:
    earlier = [w.end for w in words if w.end <= word.start + 1e-9 and w is not word]
    return word.start - max(earlier) if earlier else word.start
