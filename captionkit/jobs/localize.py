"""The localisation job: one captioned video (or caption file) into captions in many languages.

``localize`` runs the stages in order:

1. **Source captions**: a caption file with word times is read as it is; a video is captioned first
   (aligned to ``script`` when given, else transcribed; its master captions are kept as ``<stem>.json``
   in the output folder and reused by the next run while newer than the video and the script) unless
   ``captions`` gives them; a ``render`` output
   folder gives its video and its master captions JSON.
2. **Sentences** (:mod:`captionkit.localize.sentences`) with stable ids.
3. **Translation** by the chosen translator, with the glossary. The ``file`` translator writes exchange
   files on the first run; the job then stops with :class:`TranslationsNeeded` (exit status 3) naming
   every file to fill, before anything else is written. The ``infsh`` translator journals its tasks in
   ``.captionkit/translate-tasks.jsonl``, so a run started again reuses every reply already paid for.
4. **Per language**: the glossary check, re-segmentation for the language
   (:mod:`captionkit.localize.resegment`), ``<stem>.<lang>.srt/.vtt/.ass`` (Chinese and Korean in the
   bundled CJK face with their own glyph forms, as every ASS file and burn: :func:`captionkit.style.for_language`), a lint of
   the result, and with ``burn`` ``<stem>.<lang>.captioned.mp4``.
5. **Soft tracks**: ``<stem>.subtitled.mp4`` (mov_text) and ``.mkv`` with every language, each tagged
   with its ISO 639-2 code and named, the source language first and default (caption tracks the video
   already had are left out, so none is doubled).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .. import formats
from ..errors import CaptionkitError
from ..files import guard_outputs
from ..localize.translators.file import TranslationsNeeded
from ..model import Track
from ..style.presets import Style

__all__ = ["LocalizeOptions", "LocalizeResult", "TranslationsNeeded", "localize", "check_languages"]

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi")
CAPTION_SUFFIXES = formats.EXTENSIONS
#: The LLM app the ``infsh`` translator runs unless told otherwise.
DEFAULT_LLM_APP = "openrouter/claude-haiku-45"
#: The ``infsh`` translator's task journal, in the output folder: a run started again never pays twice.
TRANSLATION_JOURNAL = Path(".captionkit") / "translate-tasks.jsonl"

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class LocalizeOptions:
    """How to localise: the translator and its inputs, the look of burned captions, the source captions."""

    translator: str = "file"            # file | infsh | argos
    translations: Path | None = None    # folder of filled <stem>.<lang>.csv|.xlf|.po
    glossary: Path | None = None
    burn: bool = False
    style: str | None = None
    profile: str | None = None
    script: Path | None = None          # when INPUT is a video
    captions: Path | None = None        # when INPUT is a video with known captions
    model: str | None = None
    source_language: str | None = None
    llm_app: str = DEFAULT_LLM_APP      # the inference.sh app of the infsh translator


@dataclass
class LanguageResult:
    """What was made for one language: files, lint outcome and glossary breaks."""

    language: str
    outputs: dict[str, Path]
    cues: int
    lint_errors: int
    lint_unavoidable: int
    glossary_breaks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "language": self.language,
            "cues": self.cues,
            "outputs": {kind: str(path) for kind, path in self.outputs.items()},
            "lint": {"errors": self.lint_errors, "unavoidable": self.lint_unavoidable},
            "glossary_breaks": self.glossary_breaks,
        }


@dataclass
class LocalizeResult:
    """What ``localize`` made: per-language results, the soft-track videos, and warnings."""

    source: Path
    source_language: str
    sentences: int
    languages: dict[str, LanguageResult]
    outputs: dict[str, Path]
    warnings: list[str] = field(default_factory=list)
    stem: str = ""  # the name every output starts with

    def to_dict(self) -> dict:
        return {
            "source": str(self.source),
            "stem": self.stem,
            "source_language": self.source_language,
            "sentences": self.sentences,
            "languages": {code: result.to_dict() for code, result in self.languages.items()},
            "outputs": {kind: str(path) for kind, path in self.outputs.items()},
            "warnings": self.warnings,
        }


@dataclass
class Source:
    """The resolved input: its master track, the video (if any) and the name outputs take."""

    track: Track
    video: Path | None
    stem: str
    notes: list[str] = field(default_factory=list)


def check_languages(languages: Sequence[str]) -> list[str]:
    """The target language codes, checked: known ISO 639-1 codes (a region may follow: pt-BR), no repeats."""
    from ..render.mux import LANGUAGES

    codes: list[str] = []
    for raw in languages:
        code = raw.strip()
        base = code.replace("_", "-").split("-")[0].lower()
        if base not in LANGUAGES:
            raise CaptionkitError(
                f"unknown language code {code!r} in --to: use two-letter ISO 639-1 codes such as es, de, ja, ar"
            )
        if code in codes:
            raise CaptionkitError(f"language {code!r} is given twice in --to")
        codes.append(code)
    if not codes:
        raise CaptionkitError("no target language: give --to with codes such as es,de,ja,ar")
    return codes


def localize(
    source: Path,
    languages: Sequence[str],
    outdir: Path,
    options: LocalizeOptions = LocalizeOptions(),
    progress: Progress | None = None,
) -> LocalizeResult:
    """Localise ``source`` into ``languages`` under ``outdir`` (see the module docstring)."""
    from ..localize.glossary import glossary_breaks, load_glossary
    from ..localize.sentences import source_sentences
    from ..localize.translators import Request, check_complete, make_translator

    report = progress or (lambda stage, fraction: None)
    codes = check_languages(languages)
    source_path = Path(source)
    outdir = Path(outdir)
    glossary = load_glossary(options.glossary)  # a bad glossary fails before the slow part
    translator = _translator(options, outdir, make_translator)
    report("captions", 0.0)
    resolved = _resolve_source(source_path, outdir, options)
    source_language = options.source_language or resolved.track.language or "en"
    if source_language in codes:
        raise CaptionkitError(f"--to {source_language} is the source language; list only languages to translate into")
    sentences = tuple(source_sentences(resolved.track))
    if not sentences:
        raise CaptionkitError(f"{source_path}: its captions hold no speech to translate")
    profile = options.profile or _profile_for(options.style)
    translations: dict[str, dict[str, str]] = {}
    needed: dict[str, list[Path]] = {}
    for index, code in enumerate(codes):
        report("translate", index / len(codes))
        request = Request(sentences, source_language, code, glossary, _length_notes(sentences, profile, code),
                          resolved.stem)
        try:
            translations[code] = check_complete(translator.translate(request), request,
                                                f"{translator.name} translation into {code}")
        except TranslationsNeeded as waiting:
            needed.update(waiting.files)
    if needed:
        raise TranslationsNeeded(needed)
    guard_outputs([source_path, options.captions, options.script, options.glossary, resolved.video,
                   *_translation_files(options.translations)],
                  _planned_outputs(outdir, resolved, [source_language, *codes], options))
    result = LocalizeResult(source_path, source_language, len(sentences), {}, {}, list(resolved.notes), resolved.stem)
    fps, size, duration = _video_facts(resolved.video)
    from ..style.presets import load_style

    style = load_style(options.style or "clean")
    source_files = _write_captions(resolved.track, outdir / f"{resolved.stem}.{source_language}", size,
                                   style, fps)
    result.outputs.update({f"{source_language}.{kind}": path for kind, path in source_files.items()})
    from ..localize.resegment import target_track

    for index, code in enumerate(codes):
        report("languages", index / len(codes))
        breaks = glossary_breaks(glossary, sentences, translations[code], code)
        track = target_track(sentences, translations[code], code, profile=profile, fps=fps, duration=duration)
        files = _write_captions(track, outdir / f"{resolved.stem}.{code}", size, style, fps)
        if options.burn:
            from ..render.burn import burn

            assert resolved.video is not None
            files["video"] = burn(resolved.video, track, outdir / f"{resolved.stem}.{code}.captioned.mp4",
                                  style=style, progress=False)
        lint = _lint(track, profile, fps)
        result.languages[code] = LanguageResult(code, files, len(track.cues), *lint, [b.message() for b in breaks])
        result.outputs.update({f"{code}.{kind}": path for kind, path in files.items()})
        result.warnings += [f"glossary: {b.message()}" for b in breaks]
    if resolved.video is not None:
        report("mux", 0.0)
        result.outputs.update(_mux_all(resolved.video, outdir / resolved.stem, source_language, source_files, result))
    report("done", 1.0)
    for note in result.warnings:
        warnings.warn(note, stacklevel=2)
    return result


def _planned_outputs(outdir: Path, source: Source, languages: list[str], options: LocalizeOptions) -> list[Path]:
    names = [f"{source.stem}.{code}.{kind}" for code in languages for kind in formats.CAPTION_OUTPUTS]
    if options.burn:
        names += [f"{source.stem}.{code}.captioned.mp4" for code in languages[1:]]
    if source.video is not None:
        names += [f"{source.stem}.subtitled.mp4", f"{source.stem}.subtitled.mkv"]
    return [outdir / name for name in names]


def _translation_files(folder: Path | None) -> list[Path]:
    return sorted(folder.iterdir()) if folder is not None and folder.is_dir() else []


def _translator(options: LocalizeOptions, outdir: Path, make_translator):
    return make_translator(
        options.translator, exchange_dir=outdir / "translations", translations=options.translations,
        app=options.llm_app, journal=outdir / TRANSLATION_JOURNAL,
    )


def _profile_for(style: str | None) -> str:
    if style is None:
        return "netflix"
    from .caption import profile_for_style

    return profile_for_style(style)


def _length_notes(sentences, profile: str, language: str) -> dict[str, str]:
    from ..cues.profiles import load_profile
    from ..localize.resegment import length_note

    rules = load_profile(profile, language)
    return {sentence.id: length_note(sentence, rules) for sentence in sentences}


def _resolve_source(source: Path, outdir: Path, options: LocalizeOptions) -> Source:
    """The master track and the video of ``source`` (a video, a caption file or a render folder)."""
    if source.is_dir():
        return _render_folder(source, options)
    if not source.is_file():
        raise CaptionkitError(f"{source}: no such file or folder; give a video, a caption file or a render folder")
    suffix = source.suffix.lower()
    if suffix in CAPTION_SUFFIXES:
        if options.burn:
            raise CaptionkitError(f"{source}: a caption file has no picture to burn into; drop --burn or give the video")
        return Source(_read(source, options), None, _stem(source))
    if options.captions is not None:
        return Source(_read(options.captions, options), source, source.stem)
    master = outdir / f"{source.stem}.json"
    inputs = [source] + ([Path(options.script)] if options.script is not None else [])
    if master.is_file() and all(master.stat().st_mtime >= path.stat().st_mtime for path in inputs if path.is_file()):
        return Source(_read(master, options), source, source.stem,
                      [f"reused the captions in {master}; delete it to caption the video again"])
    from ..speech.models import DEFAULT_MODEL
    from .caption import caption

    captioned = caption(
        source, outdir, script=options.script, model=options.model or DEFAULT_MODEL,
        language=options.source_language, profile=options.profile, style=options.style or "clean", formats=("json",),
    )
    return Source(captioned.track, source, source.stem, list(captioned.warnings))


def _read(path: Path, options: LocalizeOptions) -> Track:
    """A caption file as a track (a file of timed words only is cut into cues by the profile)."""
    from functools import partial

    from ..cues.segment import build_track
    from ..formats import load

    return load(path, options.source_language, segment=partial(build_track, profile=options.profile or "netflix"))


def _render_folder(folder: Path, options: LocalizeOptions) -> Source:
    """A ``render`` output folder: its clean video (``<stem>.subtitled.mp4``, not the burned copy) and its
    master captions: the timed words ``report.json`` names, else ``<stem>.json``/``.srt``, else the one
    caption JSON beside the video."""
    videos = sorted(path for path in folder.iterdir() if path.suffix.lower() in VIDEO_SUFFIXES
                    and not path.name.startswith(".") and ".captioned." not in path.name)
    if len(videos) != 1:
        raise CaptionkitError(f"{folder}: a render folder holds one clean video and its captions; found "
                              f"{len(videos)} videos; give the video itself with --captions instead")
    video = videos[0]
    stem = video.name.split(".")[0]
    jsons = [path for path in folder.glob("*.json") if path.name != "report.json" and not path.name.startswith(".")]
    candidates = [_report_words(folder / "report.json"), folder / f"{stem}.json", folder / f"{stem}.srt",
                  folder / f"{stem}.vtt", jsons[0] if len(jsons) == 1 else None]
    captions = next((path for path in candidates if path is not None and path.is_file()), None)
    if captions is None:
        raise CaptionkitError(f"{folder}: no captions for {video.name} (report.json words, {stem}.json or "
                              f"{stem}.srt); give the video with --captions")
    return Source(_read(captions, options), video, stem)


def _report_words(report: Path) -> Path | None:
    """The timed-words file a render ``report.json`` names (its ``words`` output), if any."""
    import json

    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            words = item.get("words")
            if isinstance(words, str) and words.endswith(".json"):
                path = Path(words) if Path(words).is_absolute() else report.parent / words
                if path.is_file():
                    return path
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _stem(path: Path) -> str:
    """``talk.en.srt`` -> ``talk``: a language code before the extension is not part of the name."""
    from ..render.mux import language_from_filename

    return path.name.split(".")[0] if language_from_filename(path) else path.stem


def _video_facts(video: Path | None) -> tuple[float | None, tuple[int, int] | None, float | None]:
    """The video's frame rate, frame size and duration (None for each without a video)."""
    if video is None:
        return None, None, None
    from ..media import probe

    info = probe(video)
    size = (info.width, info.height) if info.width and info.height else None
    return (float(info.fps) if info.fps else None), size, info.duration


def _write_captions(track: Track, base: Path, size, style: Style, fps: float | None) -> dict[str, Path]:
    from .. import formats

    files = {}
    for kind in formats.CAPTION_OUTPUTS:
        path = base.with_name(f"{base.name}.{kind}")
        options = {"size": size, "style": style, "fps": fps} if kind == "ass" else {}
        formats.save(track, path, **options)
        files[kind] = path
    return files


def _lint(track: Track, profile: str, fps: float | None) -> tuple[int, int]:
    from ..cues.lint import lint_track

    violations = lint_track(track, profile, fps)
    return (sum(v.severity == "error" for v in violations), sum(v.severity == "unavoidable" for v in violations))


def _mux_all(video: Path, base: Path, source_language: str, source_files: dict[str, Path],
             result: LocalizeResult) -> dict[str, Path]:
    import tempfile

    from ..render.mux import SubtitleInput, language_name, mux

    tracks: list[SubtitleInput | str | os.PathLike] = [
        SubtitleInput(source_files["srt"], source_language, language_name(source_language))
    ]
    for code, language in result.languages.items():
        tracks.append(SubtitleInput(language.outputs["srt"], code, language_name(code) or code))
    with tempfile.TemporaryDirectory(prefix="captionkit-localize-") as work:
        clean = _without_subtitles(video, Path(work))  # the video's own caption tracks would be doubled
        return {
            "mp4": mux(clean, tracks, base.with_name(f"{base.name}.subtitled.mp4"), default=0),
            "mkv": mux(clean, tracks, base.with_name(f"{base.name}.subtitled.mkv"), default=0),
        }


def _without_subtitles(video: Path, work: Path) -> Path:
    """``video`` itself, or a stream copy of it without its subtitle tracks when it has some."""
    import av

    from ..media import run_ffmpeg

    with av.open(str(video)) as container:
        if not container.streams.subtitles:
            return video
    copy = work / f"clean{video.suffix.lower()}"
    run_ffmpeg(["-i", f"file:{video}", "-map", "0", "-map", "-0:s", "-c", "copy", "-map_metadata", "0", str(copy)],
               what="copying the video without its caption tracks")
    return copy
