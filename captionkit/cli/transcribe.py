"""``captionkit transcribe``: speech to word-timed captions."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._options import add_model_arguments

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


def run(args: argparse.Namespace) -> int:
    from .. import formats
    from ..files import guard_outputs
    from ..media import decode_audio, probe
    from ..speech.transcribe import transcribe
    from . import print_json, warn

    guard_outputs([args.media], [("-o", args.output), ("--words", args.words)])
    formats.format_module(args.output)  # refuse an unknown extension before the slow part
    source = probe(args.media)
    with decode_audio(args.media, stream=args.audio_stream) as audio:
        result = transcribe(audio, model=args.model, language=args.language)
    if not result.words:
        warn(f"no speech was found in {args.media}; the captions are empty")
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
    """Build the cues of ``words`` for ``source`` (its frame rate and size; cues end by its end), write
    ``output`` and the ``--words`` file; return the track. Shared by ``transcribe`` and ``align``."""
    from .. import formats
    from ..cues.segment import build_track
    from ..formats.jsonfile import write_words
    from ..model import words_ended_by

    words = words_ended_by(words, source.duration) if source.duration else list(words)
    fps = float(source.fps) if source.fps else None
    track = build_track(words, profile=profile, language=language, fps=fps)
    if source.duration:
        track = track.ended_by(source.duration)
    formats.save(track, output, size=(source.width, source.height) if source.has_video else None, fps=fps)
    if words_file:
        write_words(words, words_file, language=track.language)
    return track
