"""``captionkit mux``: add soft caption tracks to a video without re-encoding."""

from __future__ import annotations

import argparse
from pathlib import Path

COMMAND = "mux"
HELP = "Add soft caption tracks (mov_text in MP4; SRT/ASS in MKV) with language tags, no re-encoding."
ORDER = 31


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, help="the video")
    parser.add_argument("subs", type=Path, nargs="+", metavar="SUBS",
                        help="caption files (.srt .vtt .ass .json); talk.es.srt is tagged Spanish")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.mp4|OUT.mkv",
                        help="the output; .mp4/.m4v/.mov get mov_text tracks, .mkv keeps SRT and ASS")
    parser.add_argument("--language", metavar="en,es", help="language of each caption file, in order "
                        "(default: from the file name, e.g. talk.es.srt, else undetermined)")
    parser.add_argument("--title", metavar="T1,T2", help="track titles, in order (default: the language's name)")
    parser.add_argument("--default", default="1", metavar="N|none",
                        help="which caption file (1 = the first) is the default track, or 'none' (default: 1)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary on standard output")


def _split(text: str | None, count: int, option: str) -> list[str | None]:
    from ..errors import CaptionkitError

    if not text:
        return [None] * count
    values = [value.strip() or None for value in text.split(",")]
    if len(values) != count:
        raise CaptionkitError(f"{option} has {len(values)} values for {count} caption files; give one per file")
    return values


def run(args: argparse.Namespace) -> int:
    from ..errors import CaptionkitError
    from ..render.mux import SubtitleInput, mux
    from . import print_json

    from ..files import guard_outputs

    guard_outputs([args.video, *args.subs], [("-o", args.output)])
    languages = _split(args.language, len(args.subs), "--language")
    titles = _split(args.title, len(args.subs), "--title")
    if args.default.lower() == "none":
        default = None
    elif args.default.isdigit():
        default = int(args.default) - 1
    else:
        raise CaptionkitError(f"--default {args.default!r}: give a track number (1 = the first) or 'none'")
    inputs = [SubtitleInput(path, language, title) for path, language, title in zip(args.subs, languages, titles)]
    output = mux(args.video, inputs, args.output, default=default)
    if args.json:
        print_json({"output": str(output), "tracks": [str(item.path) for item in inputs]})
    else:
        print(output)
    return 0
