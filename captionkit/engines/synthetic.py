"""Small synthetic media made with ffmpeg's lavfi sources, for tests, benchmarks and demos."""

from __future__ import annotations

from pathlib import Path

from ..files import atomic_output
from ..media import run_ffmpeg


def make_video(
    path: str | Path,
    duration: float,
    *,
    size: tuple[int, int] = (640, 360),
    fps: float = 30,
    audio: str | Path | None = None,
    source: str = "testsrc2",
    audio_codec: str = "aac",
    sample_rate: int = 48000,
) -> Path:
    """An H.264 MP4 of ``duration`` seconds from a lavfi ``source``.

    With ``audio`` (a file), its first audio stream is muxed in, cut or padded
    with silence to ``duration``; without it the video has a sine tone at low
    level so it always has an audio stream. ``source="black"`` gives a flat
    picture whose every changed pixel is easy to find.
    """
    width, height = size
    video_source = (
        f"color=c=black:s={width}x{height}:r={fps}:d={duration}"
        if source == "black"
        else f"{source}=s={width}x{height}:r={fps}:d={duration}"
    )
    args = ["-f", "lavfi", "-i", video_source]
    if audio is not None:
        args += ["-i", str(audio)]
        audio_filter = ["-af", f"apad,atrim=0:{duration}"]
    else:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={sample_rate}:duration={duration}"]
        audio_filter = ["-af", "volume=0.05"]
    with atomic_output(path) as temporary:
        run_ffmpeg(
            [
                *args, "-map", "0:v", "-map", "1:a", *audio_filter,
                "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-r", str(fps),
                "-c:a", audio_codec, "-ar", str(sample_rate), "-t", str(duration), str(temporary),
            ],
            what="making a test video",
        )
    return Path(path)


def make_silent_audio(path: str | Path, duration: float, sample_rate: int = 16000) -> Path:
    """A WAV of digital silence."""
    with atomic_output(path) as temporary:
        run_ffmpeg(
            ["-f", "lavfi", "-i", f"anullsrc=r={sample_rate}:cl=mono", "-t", str(duration), str(temporary)],
            what="making silence",
        )
    return Path(path)
