"""The media edge: find ffmpeg, probe files with PyAV, decode audio, run ffmpeg.

Everything that touches a media file's bytes goes through here, so the rest
of captionkit deals only in seconds, sample arrays and paths.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import ExternalToolError, MediaError

#: The sample rate Whisper models expect.
MODEL_SAMPLE_RATE = 16000


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg binary: the system's if on PATH, else the one shipped in imageio-ffmpeg."""
    override = os.environ.get("CAPTIONKIT_FFMPEG")
    if override:
        return override
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise ExternalToolError("ffmpeg was not found: install it, or run 'pip install imageio-ffmpeg'") from error
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a probe of a media file found."""

    path: Path
    duration: float
    has_video: bool
    has_audio: bool
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    video_codec: str | None = None
    pixel_format: str | None = None
    video_time_base: Fraction | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    audio_layout: str | None = None

    @property
    def frame_duration(self) -> float | None:
        return float(1 / self.fps) if self.fps else None


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise MediaError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise MediaError(f"{path}: is a folder, not a media file; name a video or audio file")


def probe(path: str | os.PathLike) -> MediaInfo:
    """Probe ``path`` with PyAV; raise :class:`MediaError` if it is missing or not media."""
    import av

    media_path = Path(path)
    _check_exists(media_path)
    try:
        container = av.open(str(media_path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as error:
        raise MediaError(f"{media_path}: not a media file ffmpeg can read; give a video or audio file") from error
    with container:
        video = next((s for s in container.streams.video), None)
        audio = next((s for s in container.streams.audio), None)
        if video is None and audio is None:
            raise MediaError(f"{media_path}: contains no audio or video stream; give a video or audio file")
        fields: dict = {
            "path": media_path,
            "duration": _container_duration(container, video, audio),
            "has_video": video is not None,
            "has_audio": audio is not None,
        }
        if video is not None:
            ctx = video.codec_context
            fps = video.average_rate or video.guessed_rate or video.base_rate
            fields.update(
                width=ctx.width,
                height=ctx.height,
                fps=Fraction(fps) if fps else None,
                video_codec=ctx.name,
                pixel_format=ctx.pix_fmt,
                video_time_base=Fraction(video.time_base) if video.time_base else None,
            )
        if audio is not None:
            ctx = audio.codec_context
            fields.update(
                audio_codec=ctx.name,
                sample_rate=ctx.sample_rate,
                channels=ctx.channels,
                audio_layout=ctx.layout.name if ctx.layout else None,
            )
    return MediaInfo(**fields)


def _container_duration(container, video, audio) -> float:
    if container.duration is not None and container.duration > 0:
        return container.duration / 1_000_000
    for stream in (audio, video):
        if stream is not None and stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
    return 0.0


def load_audio(path: str | os.PathLike, sample_rate: int = MODEL_SAMPLE_RATE) -> np.ndarray:
    """Decode the first audio stream of ``path`` to mono float32 samples at ``sample_rate``."""
    import av

    info = probe(path)
    if not info.has_audio:
        raise MediaError(f"{info.path}: has no audio stream, so there is no speech to caption; give a file with sound")
    resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
    chunks: list[np.ndarray] = []
    try:
        with av.open(str(info.path)) as container:
            stream = container.streams.audio[0]
            for frame in container.decode(stream):
                for resampled in resampler.resample(frame):
                    chunks.append(resampled.to_ndarray().reshape(-1))
            for resampled in resampler.resample(None):
                chunks.append(resampled.to_ndarray().reshape(-1))
    except av.error.FFmpegError as error:
        raise MediaError(f"{info.path}: its audio could not be decoded ({error}); re-export the file") from error
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32) / 32768.0


_TIME_PATTERN = re.compile(r"out_time_us=(\d+)")


def run_ffmpeg(
    args: Sequence[str],
    *,
    what: str = "ffmpeg",
    duration: float | None = None,
    progress_label: str | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Run ffmpeg with ``args`` (an argv list, no shell); raise a one-line error if it fails.

    With ``duration`` and ``progress_label``, show a progress bar over the
    output time ffmpeg reports. ``env`` replaces the environment ffmpeg runs in.
    """
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *_thread_limit(args)]
    show_progress = bool(duration and progress_label)
    if show_progress:
        command[4:4] = ["-progress", "pipe:1", "-nostats"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE if show_progress else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        encoding="utf-8", errors="replace", env=env,
    )
    if show_progress:
        from .progress import progress_bar

        with progress_bar(total=round(duration, 1), label=progress_label, unit="s") as bar:
            assert process.stdout is not None
            for line in process.stdout:
                match = _TIME_PATTERN.match(line.strip())
                if match:
                    bar.update_to(min(int(match.group(1)) / 1e6, duration))
    _, stderr = process.communicate()
    if process.returncode != 0:
        raise ExternalToolError(f"{what} failed: {_last_error_line(stderr)}")


def _thread_limit(args: Sequence[str]) -> list[str]:
    """``args`` limited to ``CAPTIONKIT_THREADS`` threads (set by batch workers sharing a machine), if set:
    for every filtergraph, and for the encoder of the output (the last argument)."""
    threads = os.environ.get("CAPTIONKIT_THREADS")
    if not threads or not args or str(args[-1]).startswith("-"):
        return list(args)
    limit = ["-filter_threads", threads, "-filter_complex_threads", threads]
    return [*limit, *args[:-1], "-threads", threads, args[-1]]


def _last_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if "error" in line.lower() or "invalid" in line.lower() or "no such" in line.lower():
            return line
    return lines[-1] if lines else "no message"


def frame_times(path: str | os.PathLike) -> np.ndarray:
    """Presentation times (seconds) of every decoded video frame of ``path``."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(frame.pts * stream.time_base) for frame in container.decode(stream) if frame.pts is not None]
    return np.asarray(times)
