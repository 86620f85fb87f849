"""Soft subtitles: add caption tracks to a video without re-encoding anything.

MP4/MOV take ``mov_text`` (the only text codec players read there; ASS
styling is dropped). MKV keeps SRT as SRT and ASS as ASS, styles and all.
Each track gets an ISO 639-2 language tag, a title naming the language, and
one track (the first, unless told otherwise) is marked default. The video's
own streams, subtitles included, are copied as they are.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import formats
from ..cues.segment import build_track
from ..errors import CaptionkitError, MediaError
from ..files import atomic_output, guard_outputs, work_folder
from ..media import LANGUAGES, ffmpeg_path, language_name, language_tag, open_media, probe, run_ffmpeg  # noqa: F401 (LANGUAGES: for callers of render.mux)

MP4_SUFFIXES = (".mp4", ".m4v", ".mov")
MKV_SUFFIXES = (".mkv",)

@dataclass(frozen=True, slots=True)
class SubtitleInput:
    """One caption track to add: a caption file, its language code and an optional title."""

    path: Path
    language: str | None = None
    title: str | None = None


def language_from_filename(path: Path) -> str | None:
    """``talk.es.srt`` -> ``es``; ``talk.pt-BR.vtt`` -> ``pt-BR``; otherwise None."""
    parts = path.name.split(".")
    if len(parts) >= 3 and re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,4})?", parts[-2]):
        candidate = parts[-2]
        try:
            language_tag(candidate)
        except CaptionkitError:
            return None
        return candidate
    return None


def mux(
    video: str | os.PathLike,
    subtitles: Sequence[SubtitleInput | str | os.PathLike],
    out: str | os.PathLike,
    *,
    default: int | None = 0,
) -> Path:
    """Copy ``video``'s streams and add ``subtitles`` as soft tracks in ``out`` (.mp4/.m4v/.mov or .mkv).

    ``default`` is the index (in ``subtitles``) of the track marked default, or None for none.
    """
    source = Path(video)
    destination = Path(out)
    suffix = destination.suffix.lower()
    if suffix not in MP4_SUFFIXES + MKV_SUFFIXES:
        raise CaptionkitError(f"{destination}: soft subtitles go into .mp4, .m4v, .mov or .mkv; change the output name")
    inputs = [item if isinstance(item, SubtitleInput) else SubtitleInput(Path(item)) for item in subtitles]
    if not inputs:
        raise CaptionkitError("give at least one caption file to add")
    guard_outputs([source, *(item.path for item in inputs)], [("-o", destination)])
    if default is not None and not 0 <= default < len(inputs):
        raise CaptionkitError(f"default track {default + 1} does not exist: there are {len(inputs)} caption files")
    info = probe(source)
    if not info.has_video and not info.has_audio:
        raise MediaError(f"{source}: has no audio or video to add captions to")
    existing = _subtitle_codecs(source)
    mkv = suffix in MKV_SUFFIXES
    with work_folder("mux") as work:
        files = [_muxable(item, work, index) for index, item in enumerate(inputs)]
        arguments = ["-i", ffmpeg_path(source)]
        for path in files:
            arguments += ["-i", ffmpeg_path(path)]
        arguments += ["-map", "0:v?", "-map", "0:a?", "-map", "0:s?"]
        for index in range(len(files)):
            arguments += ["-map", f"{index + 1}:0"]
        arguments += ["-c:v", "copy", "-c:a", "copy", "-map_metadata", "0"]
        for position, codec in enumerate(existing):
            arguments += [f"-c:s:{position}", _existing_codec(codec, mkv)]
            arguments += [f"-disposition:s:{position}", "0"]
        for index, (item, path) in enumerate(zip(inputs, files)):
            position = len(existing) + index
            language = item.language or language_from_filename(item.path)
            codec = ("ass" if formats.format_of(path).styled else "srt") if mkv else "mov_text"
            title = item.title or language_name(language) or item.path.stem
            arguments += [
                f"-c:s:{position}", codec,
                f"-metadata:s:s:{position}", f"language={language_tag(language, bibliographic=mkv)}",
                f"-metadata:s:s:{position}", f"title={title}",
                f"-disposition:s:{position}", "default" if index == default else "0",
            ]
        with atomic_output(destination) as temporary:
            run_ffmpeg([*arguments, ffmpeg_path(temporary)], what="adding subtitle tracks")
    return destination


def _muxable(item: SubtitleInput, work: Path, index: int) -> Path:
    """A caption file ffmpeg reads: ASS as given; every other format read as every command reads it
    (so a file without cue numbers, in another encoding or with tags means the same here) and written
    as a clean SRT. A file without cues is an error: an empty track would only confuse players."""
    path = item.path
    if not path.is_file():
        raise CaptionkitError(f"{path}: no such caption file; check the path")
    track = formats.load(path, segment=build_track)
    if not track.cues:
        raise CaptionkitError(f"{path}: has no captions, so there is no track to add; check the file")
    if formats.format_of(path).styled:
        return path
    converted = work / f"track{index}.srt"
    formats.save(track, converted)
    return converted


def _subtitle_codecs(path: Path) -> list[str]:
    with open_media(path) as container:
        return [stream.codec_context.name for stream in container.streams.subtitles]


def _existing_codec(codec: str, mkv: bool) -> str:
    if mkv:
        return "copy" if codec in ("subrip", "srt", "ass", "ssa", "webvtt") else "srt"
    return "copy" if codec == "mov_text" else "mov_text"
