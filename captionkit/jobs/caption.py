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

from ..errors import MediaError
from ..media import MediaInfo, probe
from ..model import Track, Word
from ..speech.models import DEFAULT_MODEL

CAPTION_FORMATS = ("srt", "vtt", "ass")


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
) -> tuple[list[Word], str, list[str]]:
    """The media's words with times: aligned to ``script`` if given, else transcribed.

    Returns the words, their language and any warnings (such as script lines
    the audio does not contain).
    """
    if script is not None:
        from ..script import read_script
        from ..speech.align import align_script

        alignment = align_script(media, read_script(script), model=model, language=language, sounds=sdh)
        notes = [] if alignment.report.ok else [alignment.report.summary().replace("\n", ";")]
        return alignment.words, alignment.language, notes
    from ..speech.transcribe import transcribe

    transcription = transcribe(media, model=model, language=language)
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
    formats: tuple[str, ...] = CAPTION_FORMATS,
) -> CaptionResult:
    """Caption ``video``: write ``<name>.srt/.vtt/.ass`` (and ``<name>.captioned.mp4`` with ``burn``).

    ``profile=None`` takes the profile the style is made for (see :func:`profile_for_style`).
    """
    from .. import formats as caption_formats
    from ..cues.segment import build_track

    source = probe(video)
    if not source.has_audio:
        raise MediaError(f"{source.path}: has no audio stream, so there is no speech to caption; give a file with sound")
    if burn and not source.has_video:
        raise MediaError(f"{source.path}: has no video stream to burn captions into; drop --burn or give a video")
    out_folder = Path(out_dir) if out_dir is not None else source.path.parent
    profile = profile or profile_for_style(style)  # also refuses an unknown style before the slow part
    words, detected_language, notes = timed_words(video, script=script, model=model, language=language, sdh=sdh)
    if not any(word.kind == "speech" for word in words):
        notes.append(f"no speech was found in {source.path.name}; the captions are empty")
    fps = float(source.fps) if source.fps else None
    track = build_track(words, profile=profile, language=language or detected_language, fps=fps)
    outputs: dict[str, Path] = {}
    size = (source.width, source.height) if source.has_video else None
    for kind in formats:
        path = out_folder / f"{source.path.stem}.{kind}"
        options = {"size": size, "style": style, "fps": fps} if kind == "ass" else {}
        caption_formats.save(track, path, **options)
        outputs[kind] = path
    if burn:
        from ..render.burn import burn as burn_video

        outputs["video"] = burn_video(video, track, out_folder / f"{source.path.stem}.captioned.mp4", style=style)
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return CaptionResult(track, outputs, source, notes)
