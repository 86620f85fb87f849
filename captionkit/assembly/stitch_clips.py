"""The clips ``stitch`` merges: what each one is, counted from its packets rather than estimated."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import MediaError
from ..media import MediaInfo, choose_audio_stream, open_media, probe


@dataclass(slots=True)
class Clip:
    """An input clip: its probe, its video frame count (counted, not estimated) and the audio stream it is heard by."""

    path: Path
    info: MediaInfo
    frames: int
    video_start: float
    audio_start: float | None
    extradata: bytes | None
    audio_extradata: bytes | None
    #: The audio stream (0-based among the clip's audio streams) stitched and listened to; None without sound.
    audio_index: int | None = None

    @property
    def video_duration(self) -> float:
        return float(self.frames / self.info.fps) if self.info.fps else self.info.duration

    def frames_at(self, fps: Fraction) -> int:
        """The clip's length in frames at the output's frame rate."""
        return self.frames if self.info.fps == fps else round(self.video_duration * fps)


def read_clip(path: Path, audio_stream: int | str | None = None) -> Clip:
    """Probe ``path`` and count its video frames; a clip without a usable picture is a one-line error.

    ``audio_stream`` picks the clip's sound as ``--audio-stream`` does (see :func:`choose_audio_stream`)."""
    import av

    info = probe(path)
    if not info.has_video:
        raise MediaError(f"{path}: has no video stream; stitch avatar video clips")
    if not info.fps:
        raise MediaError(f"{path}: its frame rate is unknown; re-export the clip with a constant frame rate")
    audio_index = choose_audio_stream(path, audio_stream) if info.has_audio else None
    try:
        with open_media(path) as container:
            video = container.streams.video[0]
            audio = container.streams.audio[audio_index] if audio_index is not None else None
            frames = sum(1 for packet in container.demux(video) if packet.pts is not None and packet.size)
            extradata = bytes(video.codec_context.extradata) if video.codec_context.extradata else None
            audio_extradata = bytes(audio.codec_context.extradata or b"") if audio is not None else None
            video_start = float(video.start_time * video.time_base) if video.start_time is not None else 0.0
            audio_start = (
                float(audio.start_time * audio.time_base) if audio is not None and audio.start_time is not None
                else (0.0 if audio is not None else None)
            )
    except av.error.FFmpegError as error:
        raise MediaError(f"{path}: the clip could not be read to the end ({error}); re-export it") from error
    if frames == 0:
        raise MediaError(f"{path}: its video has no frames; check the clip")
    return Clip(path, info, frames, video_start, audio_start, extradata, audio_extradata, audio_index)
