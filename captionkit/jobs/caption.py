"""The main job: caption an existing talking-head video.

``caption`` runs the stages in order: probe the video, get timed words
(forced alignment when the script is known, transcription otherwise), build
cues by the reading-rule profile, write SRT/WebVTT/ASS, and optionally burn
the styled captions into a copy of the video.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CaptionkitError, CaptionkitWarning, MediaError
from ..files import guard_outputs, make_folder
from ..formats import CAPTION_OUTPUTS
from ..media import MediaInfo, decode_audio, probe
from ..model import Track, Word
from ..speech.models import DEFAULT_MODEL


@dataclass(slots=True)
class CaptionResult:
    """What ``caption`` made: the track, the files written, and any warnings."""

    track: Track
    outputs: dict[str, Path]
    source: MediaInfo
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "source": str(self.source.path),
            "duration": round(self.source.duration, 3),
            "language": self.track.language,
            "cues": len(self.track.cues),
            "words": len(self.track.words),
            "outputs": {kind: str(path) for kind, path in self.outputs.items()},
            "warnings": self.warnings,
        }


def timed_words(
    media: str | Path,
    *,
    script: str | Path | None = None,
    model: str = DEFAULT_MODEL,
    language: str | None = None,
    sdh: bool = False,
    audio_stream: int | str | None = None,
) -> tuple[list[Word], str, list[str]]:
    """The media's words with times: aligned to ``script`` if given, else transcribed.

    ``audio_stream`` picks the stream to listen to (see :func:`captionkit.media.decode_audio`).
    Returns the words, their language and any warnings (such as script lines
    the audio does not contain).
    """
    with decode_audio(media, stream=audio_stream) as audio:
        if script is not None:
            from ..script import read_script
            from ..speech.align import align_script

            alignment = align_script(audio, read_script(script), model=model, language=language, sounds=sdh)
            notes = [] if alignment.report.ok else [alignment.report.summary().replace("\n", ";")]
            return alignment.words, alignment.language, notes
        from ..speech.transcribe import transcribe

        transcription = transcribe(audio, model=model, language=language)
        return transcription.words, transcription.language, []


def profile_for_style(style: str) -> str:
    """The reading-rule profile a style is made for: ``social`` for styles that show a few words at
    a time, ``netflix`` for the others."""
    from ..style import load_style

    return "social" if load_style(style).layout.max_words else "netflix"


def caption(
    video: str | Path,
    out_dir: str | Path | None = None,
    *,
    script: str | Path | None = None,
    burn: bool = False,
    style: str = "clean",
    profile: str | None = None,
    model: str = DEFAULT_MODEL,
    language: str | None = None,
    sdh: bool = False,
    formats: tuple[str, ...] = CAPTION_OUTPUTS,
    audio_stream: int | str | None = None,
) -> CaptionResult:
    """Caption ``video``: write ``<name>.srt/.vtt/.ass`` (and ``<name>.captioned.mp4`` with ``burn``).

    ``profile=None`` takes the profile the style is made for (see :func:`profile_for_style`).
    Cues end by the end of the media. No output may be the video or the script.
    """
    from .. import formats as caption_formats
    from ..cues.segment import build_track

    source = probe(video)
    if not source.has_audio:
        raise MediaError(f"{source.path}: has no audio stream, so there is no speech to caption; give a file with sound")
    if burn and not source.has_video:
        raise MediaError(f"{source.path}: has no video stream to burn captions into; drop --burn or give a video")
    outputs = output_paths(source.path, out_dir, formats, burn=burn)
    guard_outputs([video, script], list(outputs.values()))
    profile = profile or profile_for_style(style)  # also refuses an unknown style before the slow part
    words, detected_language, notes = timed_words(video, script=script, model=model, language=language, sdh=sdh,
                                                  audio_stream=audio_stream)
    if not any(word.kind == "speech" for word in words):
        notes.append(f"no speech was found in {source.path.name}; the captions are empty")
    fps = float(source.fps) if source.fps else None
    track = build_track(words, profile=profile, language=language or detected_language, fps=fps)
    if source.duration:
        track = track.ended_by(source.duration)
    size = (source.width, source.height) if source.has_video else None
    make_folder(outputs[formats[0]].parent if formats else outputs["video"].parent)
    for kind in formats:
        options = {"size": size, "style": style, "fps": fps} if kind == "ass" else {}
        caption_formats.save(track, outputs[kind], **options)
    if burn:
        from ..render.burn import burn as burn_video

        burn_video(video, track, outputs["video"], style=style)
    for note in notes:
        warnings.warn(note, CaptionkitWarning, stacklevel=2)
    return CaptionResult(track, outputs, source, notes)


def output_paths(
    video: Path, out_dir: str | Path | None, formats: tuple[str, ...] = CAPTION_OUTPUTS, *, burn: bool = False,
) -> dict[str, Path]:
    """The files ``caption`` writes for ``video``: ``<name>.<format>`` (and ``<name>.captioned.mp4``) in
    ``out_dir`` (default: beside the video). ``out_dir`` names a folder: a name with a caption or
    video extension that is not an existing folder is refused, not made into a folder."""
    folder = Path(out_dir) if out_dir is not None else video.parent
    if out_dir is not None and not folder.is_dir() and folder.suffix.lower() in _FILE_SUFFIXES:
        raise CaptionkitError(
            f"-o {folder} looks like a file, but caption writes several files ({', '.join(formats)}) into a "
            f"folder; give a folder such as -o {folder.with_suffix('')}/"
        )
    paths = {kind: folder / f"{video.stem}.{kind}" for kind in formats}
    if burn:
        paths["video"] = folder / f"{video.stem}.captioned.mp4"
    return paths


#: Extensions that mark a name as a file rather than a folder.
_FILE_SUFFIXES = frozenset({".srt", ".vtt", ".ass", ".ssa", ".json", ".txt", ".mp4", ".m4v", ".mov", ".mkv", ".webm",
                            ".wav", ".mp3", ".m4a", ".png"})
