"""``captionkit align``: time a known script against its audio (forced alignment)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._options import add_model_arguments
from .transcribe import write_outputs

COMMAND = "align"
HELP = "Time a script's own words against the audio (forced alignment) and write captions."
ORDER = 11


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("media", type=Path, help="audio or video file")
    parser.add_argument("script", help="the script: Dia text with [S1]/[S2] tags, plain text, or an SRT/VTT "
                                       "whose text is re-timed; '-' reads standard input")
    parser.add_argument("-o", "--output", type=Path, required=True,
                        help="caption file to write; its extension picks the format (.srt .vtt .ass .json)")
    parser.add_argument("--words", type=Path, metavar="WORDS.json",
                        help="also write every word with its start, end, probability and speaker as JSON")
    parser.add_argument("--sdh", action="store_true",
                        help="keep the script's sound cues such as (laughs) as [laughs] captions")
    add_model_arguments(parser)
    parser.add_argument("--profile", default="netflix", help="reading-rule profile for the cues (default: netflix)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary and report")


def run(args: argparse.Namespace) -> int:
    from .. import formats
    from ..files import guard_outputs
    from ..media import decode_audio, probe
    from ..script import read_script
    from ..speech.align import align_script
    from . import print_json, warn

    guard_outputs([args.media, args.script], [("-o", args.output), ("--words", args.words)])
    formats.format_module(args.output)  # an unknown extension fails before any work
    source = probe(args.media)
    script = read_script(args.script if args.script == "-" else Path(args.script))
    with decode_audio(args.media, stream=args.audio_stream) as audio:
        result = align_script(audio, script, model=args.model, language=args.language, sounds=args.sdh)
    if not result.report.ok:
        warn(result.report.summary())
    track = write_outputs(result.words, source, args.output, args.words, profile=args.profile,
                          language=result.language)
    if args.json:
        print_json({
            "media": str(args.media), "language": result.language, "duration": round(result.duration, 3),
            "words": len(result.words), "cues": len(track.cues), "output": str(args.output),
            "words_file": str(args.words) if args.words else None, "report": result.report.to_dict(),
        })
    return 0

