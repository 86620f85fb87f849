"""``captionkit preview``: a contact sheet of frames at cue midpoints with the captions burned in."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._options import positive_int

COMMAND = "preview"
HELP = "Render a contact sheet (PNG) of frames at cue midpoints with styled captions, to judge a style."
ORDER = 33


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, help="the video")
    parser.add_argument("subs", type=Path, metavar="SUBS", help="captions: .srt .vtt .json .ass")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="SHEET.png", help="the contact sheet")
    parser.add_argument("--style", help="preset name or .toml style file (default: clean; an .ass is shown as it is)")
    parser.add_argument("--frames", type=positive_int, default=12,
                        help="at most this many cues, spread over the video (default: 12)")
    parser.add_argument("--columns", type=positive_int, help="tiles per row (default: by aspect ratio)")
    parser.add_argument("--tile-width", type=positive_int, help="width of each tile in pixels (default: by aspect ratio)")
    parser.add_argument("--speaker-names", metavar="S1=Ada,S2=Ben", help="names shown by styles that label speakers")


def run(args: argparse.Namespace) -> int:
    from .. import formats
    from ..cues.segment import build_track
    from ..errors import CaptionkitError
    from ..files import guard_outputs
    from ..render.preview import preview
    from .burn import parse_speaker_names

    if args.output.suffix.lower() != ".png":
        raise CaptionkitError(f"{args.output}: the contact sheet is a PNG; name the output .png")
    guard_outputs([args.video, args.subs], [("-o", args.output)])
    captions = args.subs if formats.format_of(args.subs).styled and args.style is None else formats.load(args.subs, segment=build_track)
    output = preview(args.video, captions, args.output, style=args.style or "clean", max_frames=args.frames,
                     columns=args.columns, tile_width=args.tile_width,
                     speaker_names=parse_speaker_names(args.speaker_names))
    print(output)
    return 0
