"""Burn captions into a video with ffmpeg and libass.

The captions are written as ASS at the video's own resolution (see
:mod:`captionkit.formats.ass`) and drawn by ffmpeg's ``ass`` filter with the
bundled fonts passed as ``fontsdir``; fontconfig is pointed at an empty
configuration so the system's fonts are never used and the result is the same
on every machine. Only the picture is re-encoded (x264, same frame rate,
size, pixel format and colour metadata); the audio packets are copied as they
are.
"""

from __future__ import annotations

import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from ..errors import CaptionkitError, CaptionkitWarning, MediaError
from ..files import atomic_output, guard_outputs, work_folder
from ..formats import EXTENSIONS, format_of
from ..formats.ass import to_ass
from ..media import MediaInfo, ffmpeg_path, open_media, probe, run_ffmpeg
from ..model import Track
from ..style import Style, fonts_dir, for_language, load_style
from ..style.fonts import font_dirs, glyph_warning

#: x264 quality: 18 is visually lossless for most material.
DEFAULT_CRF = 18
DEFAULT_PRESET = "medium"
X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo",
)
#: Pixel formats x264 encodes as they are; others are converted to yuv420p.
_X264_PIXEL_FORMATS = {
    "yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p",
    "yuv420p10le", "yuv422p10le", "yuv444p10le", "nv12", "nv16", "gray", "gray10le",
}
#: Pixel formats whose chroma is halved across (and, for 4:2:0, down): the frame's size must be even there.
_HALF_WIDTH_CHROMA = {"yuv420p", "yuvj420p", "yuv420p10le", "nv12", "yuv422p", "yuvj422p", "yuv422p10le", "nv16"}
_HALF_HEIGHT_CHROMA = {"yuv420p", "yuvj420p", "yuv420p10le", "nv12"}
#: Containers burn writes (x264 video with the source's audio copied).
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv")


@dataclass(frozen=True, slots=True)
class VideoColour:
    """The colour description of a video stream, carried over to the output."""

    pixel_format: str
    colour_range: str | None = None
    colour_space: str | None = None
    primaries: str | None = None
    transfer: str | None = None
    time_scale: int | None = None


def burn(
    video: str | os.PathLike,
    captions: Track | str | os.PathLike,
    out: str | os.PathLike,
    *,
    style: Style | str | os.PathLike = "clean",
    crf: int = DEFAULT_CRF,
    preset: str = DEFAULT_PRESET,
    speaker_names: dict[str, str] | None = None,
    progress: bool = True,
) -> Path:
    """Burn ``captions`` into ``video`` and write ``out`` atomically; return ``out``.

    ``captions`` is a :class:`Track` (styled with ``style`` at the video's
    resolution) or the path of an .ass file made elsewhere, burned as it is.
    """
    source = Path(video)
    destination = Path(out)
    if destination.suffix.lower() not in VIDEO_SUFFIXES:
        raise CaptionkitError(f"{destination}: burn writes a video; name the output .mp4, .mov, .m4v or .mkv")
    guard_outputs([source, None if isinstance(captions, Track) else captions], [("-o", destination)])
    info, size = probe_video(source, "burn captions into")
    _check_encoder_options(crf, preset)
    with work_folder("burn") as work_dir:
        subtitle_file = work_dir / "captions.ass"
        extra_fonts: Path | None = None
        if isinstance(captions, Track):
            resolved_style = for_language(
                load_style(style if isinstance(style, (Style, str, Path)) else Path(os.fspath(style))),
                captions.language)
            document = to_ass(captions, size=size, style=resolved_style, fps=info.fps,
                              speaker_names=speaker_names)
            missing = glyph_warning((cue.text for cue in captions.cues), resolved_style.font.family,
                                    resolved_style.fonts_dir)
            if missing:
                warnings.warn(missing, stacklevel=2)
            subtitle_file.write_text(document.to_string("ass"), encoding="utf-8")
            extra_fonts = resolved_style.fonts_dir
        else:
            given = Path(captions)
            if given.suffix.lower() not in EXTENSIONS or not format_of(given).styled:
                raise CaptionkitError(f"{given}: burn() takes a Track or a styled caption file (.ass/.ssa); "
                                      "load other formats first")
            if not given.is_file():
                raise CaptionkitError(f"{given}: no such subtitle file; check the path")
            subtitle_file = given
        fonts = fonts_folder(work_dir, extra_fonts)
        colour = video_colour(source)
        padding = even_size_padding(size, colour.pixel_format)
        if padding:
            warnings.warn(f"{source.name} is {size[0]}x{size[1]}, which {colour.pixel_format} cannot hold; "
                          f"padded to {padding[0]}x{padding[1]} with black at the right/bottom", CaptionkitWarning,
                          stacklevel=2)
        with atomic_output(destination) as temporary:
            run_ffmpeg(
                burn_arguments(source, subtitle_file, fonts, temporary, colour, crf=crf, preset=preset,
                               pad_to=padding),
                what="burning captions",
                duration=info.duration,
                progress_label="burning captions" if progress else None,
                env=isolated_font_environment(work_dir),
            )
    return destination


def burn_arguments(
    source: Path, subtitles: Path, fonts: Path, out: Path, colour: VideoColour, *, crf: int, preset: str,
    video_filter: str | None = None, pad_to: tuple[int, int] | None = None,
) -> list[str]:
    """The ffmpeg arguments that burn ``subtitles`` into ``source``, built with ffmpeg-python.

    ``video_filter`` names a filter without options to use instead of ``ass`` (``null`` times the
    encode alone); ``pad_to`` pads the frame to an even size after the captions are drawn.
    """
    import ffmpeg

    given = ffmpeg.input(ffmpeg_path(source))
    picture = given["v:0"].filter(video_filter) if video_filter is not None else _ass(given["v:0"], subtitles, fonts)
    if pad_to:
        picture = picture.filter("pad", pad_to[0], pad_to[1], 0, 0)
    options = _as_options(encoder_arguments(colour, crf=crf, preset=preset))
    options.update({"map_metadata": "0", "c:a": "copy"})
    if out.suffix.lower() in (".mp4", ".m4v", ".mov"):
        options["movflags"] = "+faststart"
    return ffmpeg.output(picture, given["a?"], ffmpeg_path(out), **options).get_args()


def even_size_padding(size: tuple[int, int], pixel_format: str) -> tuple[int, int] | None:
    """The size to pad to when ``pixel_format`` (as x264 will encode it) needs an even width or height that
    ``size`` lacks; None when it fits."""
    encoded = pixel_format if pixel_format in _X264_PIXEL_FORMATS else "yuv420p"
    width, height = size
    even_width = width + width % 2 if encoded in _HALF_WIDTH_CHROMA else width
    even_height = height + height % 2 if encoded in _HALF_HEIGHT_CHROMA else height
    return (even_width, even_height) if (even_width, even_height) != (width, height) else None


def _as_options(arguments: list[str]) -> dict[str, str]:
    """``["-crf", "18", ...]`` -> ``{"crf": "18", ...}``, the form ffmpeg-python takes output options in."""
    return {flag.lstrip("-"): value for flag, value in zip(arguments[::2], arguments[1::2])}


def _ass(picture, subtitles: Path, fonts: Path):
    """``picture`` with the ``ass`` filter applied. The paths go as keyword options: ffmpeg-python escapes those
    once per parser level, as ffmpeg needs (its positional arguments are escaped twice, which breaks paths)."""
    return picture.filter("ass", filename=_filter_path(subtitles), fontsdir=_filter_path(fonts))


def _filter_path(path: Path) -> str:
    return str(path).replace("\\", "/") if os.name == "nt" else str(path)


def ass_filter(subtitles: Path, fonts: Path) -> str:
    """The ``ass`` filter for ``subtitles`` with ``fonts`` as its fonts folder, escaped for a filtergraph
    (for ``-vf``), as ffmpeg-python writes it."""
    import ffmpeg

    node = _ass(ffmpeg.input("unused")["v:0"], subtitles, fonts).node
    return node._get_filter([])  # ffmpeg-python has no public call for one filter's text


def encoder_arguments(colour: VideoColour, *, crf: int, preset: str) -> list[str]:
    """x264 settings that keep the source's frame timing, pixel format and colour description."""
    pixel_format = colour.pixel_format if colour.pixel_format in _X264_PIXEL_FORMATS else "yuv420p"
    arguments = [
        "-c:v", "libx264", "-crf", str(crf), "-preset", preset, "-pix_fmt", pixel_format,
        "-fps_mode", "passthrough",
    ]
    if colour.colour_range:
        arguments += ["-color_range", colour.colour_range]
    for option, value in (("-colorspace", colour.colour_space), ("-color_primaries", colour.primaries),
                          ("-color_trc", colour.transfer)):
        if value:
            arguments += [option, value]
    if colour.time_scale:
        arguments += ["-video_track_timescale", str(colour.time_scale)]
    return arguments


def video_colour(path: Path) -> VideoColour:
    """The first video stream's pixel format, colour range, matrix, primaries, transfer and time scale."""
    with open_media(path) as container:
        stream = container.streams.video[0]
        context = stream.codec_context
        names = {
            "colour_range": _colour_name(getattr(context, "color_range", None), {1: "tv", 2: "pc"}),
            "colour_space": _colour_name(getattr(context, "colorspace", None),
                                         {1: "bt709", 5: "bt470bg", 6: "smpte170m", 9: "bt2020nc"}),
            "primaries": _colour_name(getattr(context, "color_primaries", None),
                                      {1: "bt709", 5: "bt470bg", 6: "smpte170m", 9: "bt2020"}),
            "transfer": _colour_name(getattr(context, "color_trc", None),
                                     {1: "bt709", 6: "smpte170m", 13: "iec61966-2-1", 16: "smpte2084", 18: "arib-std-b67"}),
        }
        time_scale = stream.time_base.denominator if stream.time_base else None
        return VideoColour(pixel_format=context.pix_fmt or "yuv420p", time_scale=time_scale, **names)


def probe_video(path: Path, purpose: str) -> tuple[MediaInfo, tuple[int, int]]:
    """Probe ``path`` and its displayed frame size; a file without a picture is a one-line error."""
    info = probe(path)
    if not info.has_video or not info.width or not info.height:
        raise MediaError(f"{path}: has no video stream to {purpose}; give a video file")
    return info, displayed_size(path, info.width, info.height)


def displayed_size(path: Path, width: int, height: int) -> tuple[int, int]:
    """The frame size as shown (and as ffmpeg filters see it): swapped for a video rotated by 90 or 270 degrees."""
    with open_media(path) as container:
        for frame in container.decode(video=0):
            if round(getattr(frame, "rotation", 0) or 0) % 180 == 90:
                return height, width
            break
    return width, height


def _colour_name(value, names: dict[int, str]) -> str | None:
    try:
        return names.get(int(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def fonts_folder(work_dir: Path, extra: Path | None) -> Path:
    """The bundled fonts, plus a style's own fonts folder (``extra``), as one folder for libass."""
    bundled = fonts_dir()
    if extra is None:
        return bundled
    merged = work_dir / "fonts"
    merged.mkdir()
    for folder in (bundled, extra):
        for font in folder.iterdir():
            if font.suffix.lower() in (".ttf", ".otf", ".ttc", ".otc"):
                target = merged / font.name
                try:
                    os.link(font, target)
                except OSError:
                    shutil.copyfile(font, target)
    return merged


def isolated_font_environment(work_dir: Path) -> dict[str, str]:
    """Environment for ffmpeg in which fontconfig knows only the bundled fonts, and any family it lacks
    (an .ass made elsewhere may ask for Arial) falls back to Noto Sans: the system's fonts are never used."""
    config = work_dir / "fonts.conf"
    cache = work_dir / "fontconfig-cache"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        + "".join(f"  <dir>{xml_escape(str(folder))}</dir>\n" for folder in font_dirs())
        + f"  <cachedir>{xml_escape(str(cache))}</cachedir>\n"
        '  <match target="pattern"><edit name="family" mode="append_last"><string>Noto Sans</string></edit></match>\n'
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config), "FONTCONFIG_PATH": str(work_dir)}


def _check_encoder_options(crf: int, preset: str) -> None:
    if not 0 <= int(crf) <= 51:
        raise CaptionkitError(f"--crf {crf} is out of range; give 0 (lossless) to 51 (worst), e.g. 18")
    if preset not in X264_PRESETS:
        raise CaptionkitError(f"--preset {preset!r} is not an x264 preset; choose one of {', '.join(X264_PRESETS)}")
