"""``captionkit caption``: the main job, captions for an existing talking-head video."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._options import add_model_arguments

COMMAND = "caption"
HELP = "Caption a video: write SRT, WebVTT and ASS, and optionally burn styled captions in."
ORDER = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, help="the talking-head video (or an audio file, without --burn)")
    parser.add_argument("-o", "--out-dir", type=Path,
                        help="folder for <name>.srt/.vtt/.ass and <name>.captioned.mp4 (default: beside the video)")
    parser.add_argument("--script", help="the script the speech was made from (Dia [S1] text, plain text, "
                                         "SRT or VTT; '-' reads standard input): captions then use its exact words")
    parser.add_argument("--burn", action="store_true", help="also write <name>.captioned.mp4 with captions burned in")
    parser.add_argument("--style", default="clean", help="caption style preset or style file (default: clean)")
    parser.add_argument("--profile", help="reading-rule profile for the cues (default: social for styles that show a "
                                          "few words at a time, else netflix)")
    parser.add_argument("--sdh", action="store_true", help="keep script sound cues such as (laughs) as [laughs] captions")
    add_model_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary on standard output")


def run(args: argparse.Namespace) -> int:
    from ..jobs.caption import caption
    from . import print_json, report_warnings

    script = args.script if args.script in (None, "-") else Path(args.script)  # a path, never literal text
    result = caption(
        args.video, args.out_dir, script=script, burn=args.burn, style=args.style,
        profile=args.profile, model=args.model, language=args.language, sdh=args.sdh,
        audio_stream=args.audio_stream,
    )
    report_warnings(result.warnings)
    if args.json:
        print_json(result.to_dict())
    else:
        for path in result.outputs.values():
            print(path)
    return 0
