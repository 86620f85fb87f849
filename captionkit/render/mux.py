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
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import formats
from ..cues.segment import build_track
from ..errors import CaptionkitError, MediaError
from ..files import atomic_output
from ..media import probe, run_ffmpeg

MP4_SUFFIXES = (".mp4", ".m4v", ".mov")
MKV_SUFFIXES = (".mkv",)

#: ISO 639-1 -> (ISO 639-2/T, ISO 639-2/B, English name) for the languages captionkit meets most.
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "ar": ("ara", "ara", "Arabic"), "bg": ("bul", "bul", "Bulgarian"), "bn": ("ben", "ben", "Bengali"),
    "ca": ("cat", "cat", "Catalan"), "cs": ("ces", "cze", "Czech"), "cy": ("cym", "wel", "Welsh"),
    "da": ("dan", "dan", "Danish"), "de": ("deu", "ger", "German"), "el": ("ell", "gre", "Greek"),
    "en": ("eng", "eng", "English"), "es": ("spa", "spa", "Spanish"), "et": ("est", "est", "Estonian"),
    "eu": ("eus", "baq", "Basque"), "fa": ("fas", "per", "Persian"), "fi": ("fin", "fin", "Finnish"),
    "fr": ("fra", "fre", "French"), "ga": ("gle", "gle", "Irish"), "he": ("heb", "heb", "Hebrew"),
    "hi": ("hin", "hin", "Hindi"), "hr": ("hrv", "hrv", "Croatian"), "hu": ("hun", "hun", "Hungarian"),
    "hy": ("hye", "arm", "Armenian"), "id": ("ind", "ind", "Indonesian"), "is": ("isl", "ice", "Icelandic"),
    "it": ("ita", "ita", "Italian"), "ja": ("jpn", "jpn", "Japanese"), "ka": ("kat", "geo", "Georgian"),
    "ko": ("kor", "kor", "Korean"), "lt": ("lit", "lit", "Lithuanian"), "lv": ("lav", "lav", "Latvian"),
    "mk": ("mkd", "mac", "Macedonian"), "ms": ("msa", "may", "Malay"), "nl": ("nld", "dut", "Dutch"),
    "no": ("nor", "nor", "Norwegian"), "nb": ("nob", "nob", "Norwegian Bokmål"), "pl": ("pol", "pol", "Polish"),
    "pt": ("por", "por", "Portuguese"), "ro": ("ron", "rum", "Romanian"), "ru": ("rus", "rus", "Russian"),
    "sk": ("slk", "slo", "Slovak"), "sl": ("slv", "slv", "Slovenian"), "sq": ("sqi", "alb", "Albanian"),
    "sr": ("srp", "srp", "Serbian"), "sv": ("swe", "swe", "Swedish"), "sw": ("swa", "swa", "Swahili"),
    "ta": ("tam", "tam", "Tamil"), "th": ("tha", "tha", "Thai"), "tl": ("tgl", "tgl", "Tagalog"),
    "tr": ("tur", "tur", "Turkish"), "uk": ("ukr", "ukr", "Ukrainian"), "ur": ("urd", "urd", "Urdu"),
    "vi": ("vie", "vie", "Vietnamese"), "zh": ("zho", "chi", "Chinese"),
}


@dataclass(frozen=True, slots=True)
class SubtitleInput:
    """One caption track to add: a caption file, its language code and an optional title."""

    path: Path
    language: str | None = None
    title: str | None = None


def language_tag(code: str | None, *, bibliographic: bool = False) -> str:
    """``en``/``en-US``/``eng`` -> the ISO 639-2 code (``eng``); unknown -> ``und``."""
    if not code:
        return "und"
    base = code.replace("_", "-").split("-")[0].lower()
    if base in LANGUAGES:
        terminologic, biblio, _ = LANGUAGES[base]
        return biblio if bibliographic else terminologic
    for terminologic, biblio, _ in LANGUAGES.values():
        if base in (terminologic, biblio):
            return biblio if bibliographic else terminologic
    if re.fullmatch(r"[a-z]{3}", base):
        return base
    raise CaptionkitError(f"language '{code}' is not a language code captionkit knows; use e.g. en, es, de or eng")


def language_name(code: str | None) -> str | None:
    if not code:
        return None
    tag = language_tag(code)
    return next((name for terminologic, _, name in LANGUAGES.values() if terminologic == tag), None)


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
    subtitles: list[SubtitleInput | str | os.PathLike],
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
    if destination.resolve() == source.resolve():
        raise CaptionkitError(f"{destination}: the output would overwrite the input; choose another output name")
    inputs = [item if isinstance(item, SubtitleInput) else SubtitleInput(Path(item)) for item in subtitles]
    if not inputs:
        raise CaptionkitError("give at least one caption file to add")
    if default is not None and not 0 <= default < len(inputs):
        raise CaptionkitError(f"default track {default + 1} does not exist: there are {len(inputs)} caption files")
    info = probe(source)
    if not info.has_video and not info.has_audio:
        raise MediaError(f"{source}: has no audio or video to add captions to")
    existing = _subtitle_codecs(source)
    mkv = suffix in MKV_SUFFIXES
    with tempfile.TemporaryDirectory(prefix="captionkit-mux-") as work:
        files = [_muxable(item, Path(work), index, mkv) for index, item in enumerate(inputs)]
        arguments = ["-i", str(source)]
        for path in files:
            arguments += ["-i", str(path)]
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
            codec = ("ass" if path.suffix.lower() in (".ass", ".ssa") else "srt") if mkv else "mov_text"
            title = item.title or language_name(language) or item.path.stem
            arguments += [
                f"-c:s:{position}", codec,
                f"-metadata:s:s:{position}", f"language={language_tag(language, bibliographic=mkv)}",
                f"-metadata:s:s:{position}", f"title={title}",
                f"-disposition:s:{position}", "default" if index == default else "0",
            ]
        with atomic_output(destination) as temporary:
            run_ffmpeg([*arguments, str(temporary)], what="adding subtitle tracks")
    return destination


def _muxable(item: SubtitleInput, work: Path, index: int, mkv: bool) -> Path:
    """A caption file ffmpeg reads: SRT/VTT/ASS as given; JSON (or anything else) converted to SRT."""
    path = item.path
    if not path.is_file():
        raise CaptionkitError(f"{path}: no such caption file; check the path")
    suffix = path.suffix.lower()
    if suffix in (".srt", ".ass", ".ssa") or (suffix == ".vtt" and not mkv):
        return path
    converted = work / f"track{index}.srt"
    formats.save(formats.load(path, segment=build_track), converted)
    return converted


def _subtitle_codecs(path: Path) -> list[str]:
    import av

    with av.open(str(path)) as container:
        return [stream.codec_context.name for stream in container.streams.subtitles]


def _existing_codec(codec: str, mkv: bool) -> str:
    if mkv:
        return "copy" if codec in ("subrip", "srt", "ass", "ssa", "webvtt") else "srt"
    return "copy" if codec == "mov_text" else "mov_text"
