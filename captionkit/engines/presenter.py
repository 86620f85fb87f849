"""A still-portrait presenter clip: the offline stand-in for an avatar model such as OmniHuman.

It composes the portrait on a plain backdrop with moviepy and lays the speech
under it, producing an MP4 like an avatar model's (H.264, AAC, 30 fps).
"""

from __future__ import annotations

from pathlib import Path

from ..files import atomic_output
from ..media import ffmpeg_exe

BACKDROP_RGB = (24, 28, 38)


def render_presenter(
    portrait: str | Path,
    audio: str | Path,
    out: str | Path,
    *,
    size: tuple[int, int] = (1280, 720),
    fps: int = 30,
) -> Path:
    """Write ``out``: ``portrait`` centred on a backdrop of ``size``, as long as ``audio``."""
    import os

    os.environ.setdefault("IMAGEIO_FFMPEG_EXE", ffmpeg_exe())
    from moviepy import AudioFileClip, ColorClip, CompositeVideoClip, ImageClip

    width, height = size
    with AudioFileClip(str(audio)) as sound:
        face = ImageClip(str(portrait))
        scale = min(width / face.w, height / face.h) * 0.9
        face = face.resized(scale).with_position("center").with_duration(sound.duration)
        backdrop = ColorClip(size, color=BACKDROP_RGB).with_duration(sound.duration)
        clip = CompositeVideoClip([backdrop, face], size=size).with_audio(sound)
        with atomic_output(out) as temporary:
            clip.write_videofile(
                str(temporary), fps=fps, codec="libx264", audio_codec="aac", audio_bitrate="96k",
                preset="medium", ffmpeg_params=["-crf", "26", "-pix_fmt", "yuv420p", "-tune", "stillimage"],
                logger=None,
            )
        clip.close()
    return Path(out)
