"""A portrait presenter clip: the offline stand-in for an avatar model such as OmniHuman.

It composes the portrait on a plain backdrop and lays the speech under it,
producing an MP4 like an avatar model's (H.264, AAC, 30 fps).
:func:`render_presenter` makes a still one with moviepy (the sample video);
:func:`render_avatar_clip` makes one clip of a longer video with ffmpeg alone,
exactly a given number of frames long, with a gentle sway of the portrait so it
does not look frozen. The sway follows the whole video's clock, so consecutive
clips join without a jump.
"""

from __future__ import annotations

from pathlib import Path

from dataclasses import dataclass
from fractions import Fraction

from ..files import atomic_output
from ..media import ffmpeg_exe, run_ffmpeg

BACKDROP_RGB = (24, 28, 38)


@dataclass(frozen=True, slots=True)
class Motion:
    """The portrait's gentle sway: amplitudes as fractions of the frame, periods in seconds (0 amplitude: still)."""

    sway: float = 0.006  # side to side, of the width
    sway_period: float = 7.3
    bob: float = 0.004  # up and down, of the height
    bob_period: float = 5.1
    portrait_share: float = 0.9  # the portrait's size as a share of the frame it fits in


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


def render_avatar_clip(
    portrait: str | Path,
    audio: str | Path,
    out: str | Path,
    *,
    frames: int,
    size: tuple[int, int] = (1280, 720),
    fps: Fraction = Fraction(30),
    clock_start: float = 0.0,
    motion: Motion = Motion(),
    crf: int = 17,
    preset: str = "ultrafast",
) -> Path:
    """Write ``out``: exactly ``frames`` frames of ``portrait`` swaying on a backdrop of ``size``, over ``audio``.

    ``clock_start`` is where the clip starts in the whole video (seconds), so the
    sway continues across clips. The portrait is composed once on a canvas a
    little larger than the frame, and each frame is a moving crop of it (cheap:
    no scaling or blending per frame). The defaults suit an intermediate clip
    that is encoded again (fast, nearly lossless).
    """
    import tempfile

    width, height = size
    reach_x, reach_y = round(motion.sway * width), round(motion.bob * height)
    clock = f"(t+{clock_start:.6f})"
    x = f"{reach_x}+{reach_x}*sin(2*PI*{clock}/{motion.sway_period})"
    y = f"{reach_y}+{reach_y}*sin(2*PI*{clock}/{motion.bob_period})"
    graph = (
        f"[0:v]format=yuv420p,loop=loop=-1:size=1:start=0,setpts=N/({fps})/TB,"
        f"crop={width}:{height}:x='{x}':y='{y}',setsar=1[video]"
    )
    with tempfile.TemporaryDirectory(prefix="captionkit-presenter-") as work:
        canvas = compose_canvas(portrait, (width + 2 * reach_x, height + 2 * reach_y), size, motion, Path(work))
        with atomic_output(out) as temporary:
            run_ffmpeg(
                [
                    "-i", str(canvas), "-i", str(audio),
                    "-filter_complex", graph, "-map", "[video]", "-map", "1:a:0", "-frames:v", str(frames),
                    "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-r", str(fps),
                    "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(temporary),
                ],
                what="making the presenter clip",
            )
    return Path(out)


def compose_canvas(portrait: str | Path, canvas: tuple[int, int], frame: tuple[int, int], motion: Motion,
                   work: Path) -> Path:
    """The portrait, fitted to ``motion.portrait_share`` of ``frame``, centred on a backdrop of ``canvas``; a PNG."""
    from PIL import Image

    with Image.open(portrait) as image:
        face = image.convert("RGBA")
    scale = min(frame[0] / face.width, frame[1] / face.height) * motion.portrait_share
    face = face.resize((max(1, round(face.width * scale)), max(1, round(face.height * scale))), Image.Resampling.LANCZOS)
    backdrop = Image.new("RGBA", canvas, (*BACKDROP_RGB, 255))
    backdrop.alpha_composite(face, ((canvas[0] - face.width) // 2, (canvas[1] - face.height) // 2))
    path = work / "canvas.png"
    backdrop.convert("RGB").save(path)
    return path
