"""``captionkit burn``: burn styled captions into a video (ffmpeg + libass, or inference.sh)."""

from __future__ import annotations

import argparse
import warnings as warning_module
from pathlib import Path

COMMAND = "burn"
HELP = "Burn styled captions into a video (libass at the video's resolution, or --engine infsh)."
ORDER = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, help="the video to caption")
    parser.add_argument("subs", type=Path, metavar="SUBS",
                        help="captions: .srt .vtt .json (styled with --style) or .ass (burned as it is unless --style)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.mp4", help="the captioned video")
    parser.add_argument("--style", help="preset name (see 'captionkit styles') or a .toml style file (default: clean)")
    parser.add_argument("--engine", choices=("ffmpeg", "infsh"), default="ffmpeg",
                        help="ffmpeg: libass here (default); infsh: the inference.sh app infsh/caption-videos")
    parser.add_argument("--crf", type=int, default=18, help="x264 quality, 0-51, lower is better (default: 18)")
    parser.add_argument("--preset", default="medium", help="x264 speed preset (default: medium)")
    parser.add_argument("--speaker-names", metavar="S1=Ada,S2=Ben",
                        help="names shown for speakers by styles that label them (lower-third)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary on standard output")


def parse_speaker_names(text: str | None) -> dict[str, str]:
    """``"S1=Ada, S2=Ben"`` -> ``{"S1": "Ada", "S2": "Ben"}``."""
    from ..errors import CaptionkitError

    names: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        speaker, sep, name = item.partition("=")
        if not sep or not speaker.strip() or not name.strip():
            raise CaptionkitError(f"--speaker-names: '{item.strip()}' is not SPEAKER=Name; write e.g. S1=Ada,S2=Ben")
        names[speaker.strip()] = name.strip()
    return names


def run(args: argparse.Namespace) -> int:
    from .. import formats
    from ..cues.segment import build_track
    from ..files import guard_outputs
    from . import ours, print_json, report_warnings

    guard_outputs([args.video, args.subs], [("-o", args.output)])
    names = parse_speaker_names(args.speaker_names)
    style = args.style or "clean"
    warnings: list[str] = []
    if args.engine == "infsh":
        from ..infsh.caption_videos import caption_video

        result = caption_video(args.video, formats.load(args.subs, segment=build_track), args.output, style=style)
        warnings = result.warnings
        output = result.path
    else:
        from ..render.burn import burn

        burn_as_is = formats.format_of(args.subs).styled and args.style is None
        captions = args.subs if burn_as_is else formats.load(args.subs, segment=build_track)
        with warning_module.catch_warnings(record=True) as caught:
            warning_module.simplefilter("always")
            output = burn(args.video, captions, args.output, style=style, crf=args.crf, preset=args.preset,
                          speaker_names=names)
        warnings = [str(item.message) for item in caught if ours(item)]
    report_warnings(warnings)
    if args.json:
        print_json({"output": str(output), "engine": args.engine, "style": style, "warnings": warnings})
    else:
        print(output)
    return 0
