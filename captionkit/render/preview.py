"""Contact sheets: frames at cue midpoints with the captions burned in, to judge a style at a glance.

Each frame is rendered by ffmpeg and libass exactly as :func:`burn` would
draw it (same ASS, same fonts), seeking straight to the cue's middle frame,
so a sheet of a long video costs a dozen single-frame decodes. The frames
are laid out in a grid with the cue number and time under each.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from ..errors import CaptionkitError
from ..files import atomic_output, guard_outputs, work_folder
from ..formats.ass import ass_to_track, to_ass
from ..media import ffmpeg_path, run_ffmpeg
from ..model import Track
from ..style import aspect_of, fonts_dir, load_style
from .burn import ass_filter, fonts_folder, isolated_font_environment, probe_video

#: Width of one tile in the sheet, by the video's aspect (smaller videos keep their own width).
TILE_WIDTH = {"landscape": 480, "square": 360, "portrait": 270}
COLUMNS = {"landscape": 3, "square": 4, "portrait": 6}
_BACKGROUND = (24, 24, 28)
_LABEL = (210, 210, 215)


def preview(
    video: str | os.PathLike,
    captions: Track | str | os.PathLike,
    out: str | os.PathLike,
    *,
    style="clean",
    max_frames: int = 12,
    columns: int | None = None,
    tile_width: int | None = None,
    speaker_names: dict[str, str] | None = None,
    title: str | None = None,
) -> Path:
    """Write a PNG contact sheet of ``video`` at its cues' midpoints with ``captions`` burned in."""
    from PIL import Image

    source = Path(video)
    guard_outputs([source, None if isinstance(captions, Track) else captions], [("-o", out)])
    info, size = probe_video(source, "preview captions on")
    resolved = load_style(style)
    with work_folder("preview") as work_dir:
        if isinstance(captions, Track):
            track = captions
            subtitles = work_dir / "captions.ass"
            document = to_ass(track, size=size, style=resolved, fps=info.fps,
                              speaker_names=speaker_names)
            subtitles.write_text(document.to_string("ass"), encoding="utf-8")
        else:
            import pysubs2

            subtitles = Path(captions)
            track = ass_to_track(pysubs2.load(str(subtitles), encoding="utf-8"))
        times = sample_times([(cue.start, cue.end) for cue in track.cues], max_frames, info.fps, info.duration)
        if not times:
            raise CaptionkitError("the captions have no cue inside the video, so there is nothing to preview")
        environment = isolated_font_environment(work_dir)
        fonts = fonts_folder(work_dir, resolved.fonts_dir)
        tiles = []
        half_frame = 0.5 / float(info.fps) if info.fps else 0.0
        for index, (cue_number, seconds) in enumerate(times):
            frame = work_dir / f"frame{index:03d}.png"
            # -copyts keeps the frame's own time, so libass draws what is shown at that moment
            run_ffmpeg(
                ["-ss", f"{max(seconds - half_frame, 0):.6f}", "-copyts", "-i", ffmpeg_path(source),
                 "-vf", ass_filter(subtitles, fonts), "-frames:v", "1", ffmpeg_path(frame)],
                what="rendering a preview frame", env=environment,
            )
            tiles.append((cue_number, seconds, Image.open(frame).convert("RGB")))
        sheet = contact_sheet(tiles, aspect_of(size), columns=columns, tile_width=tile_width,
                              title=title or f"{source.name}  ·  style: {resolved.name}  ·  {size[0]}x{size[1]}")
        with atomic_output(out) as temporary:
            sheet.save(temporary, format="PNG", optimize=True)
    return Path(out)


def sample_times(
    cues: list[tuple[float, float]], max_frames: int, fps=None, duration: float | None = None
) -> list[tuple[int, float]]:
    """(cue number from 1, time of its middle frame) for up to ``max_frames`` cues spread over the track.

    With ``fps`` the time is that of the frame nearest the cue's middle.
    """
    inside = [(n, start, end) for n, (start, end) in enumerate(cues, 1) if not duration or start < duration]
    if len(inside) > max_frames:
        step = (len(inside) - 1) / max(max_frames - 1, 1)
        inside = [inside[round(i * step)] for i in range(max_frames)]
    times = []
    for number, start, end in inside:
        middle = (start + min(end, duration or end)) / 2
        if fps:
            middle = round(middle * fps) / float(fps)
        times.append((number, middle))
    return times


def contact_sheet(tiles, aspect: str, *, columns: int | None = None, tile_width: int | None = None, title: str = ""):
    """A grid of (cue number, seconds, image) tiles, each labelled, under a title line."""
    from PIL import Image, ImageDraw, ImageFont

    first = tiles[0][2]
    width = tile_width or min(TILE_WIDTH[aspect], first.width)
    columns = max(1, min(columns or COLUMNS[aspect], len(tiles)))
    rows = math.ceil(len(tiles) / columns)
    height = round(first.height * width / first.width)
    gap, label_height, title_height = 8, 22, 34
    sheet = Image.new("RGB", (columns * width + (columns + 1) * gap,
                              title_height + rows * (height + label_height + gap) + gap), _BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    label_font = ImageFont.truetype(str(fonts_dir() / "NotoSans-Regular.ttf"), 13)
    title_font = ImageFont.truetype(str(fonts_dir() / "NotoSans-Bold.ttf"), 16)
    draw.text((gap, 8), title, font=title_font, fill=_LABEL)
    for index, (number, seconds, image) in enumerate(tiles):
        row, column = divmod(index, columns)
        x = gap + column * (width + gap)
        y = title_height + row * (height + label_height + gap)
        sheet.paste(image.resize((width, height), Image.LANCZOS), (x, y))  # type: ignore[attr-defined]  # Pillow 9.0 has no Image.Resampling
        draw.text((x + 2, y + height + 3), f"#{number}  {_timecode(seconds)}", font=label_font, fill=_LABEL)
    return sheet


def _timecode(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:05.2f}"
