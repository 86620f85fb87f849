"""``captionkit stitch``: merge avatar clips into one video with captions that do not drift."""

from __future__ import annotations

import argparse
import re

from ..errors import CaptionkitError
from ._options import add_audio_stream_argument

COMMAND = "stitch"
HELP = "Merge clips in order into one video, with captions on the merged speech."
ORDER = 51


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("clips", nargs="+", metavar="CLIP", help="the clips, in order")
    parser.add_argument("-o", "--output", metavar="OUT.mp4", required=True, help="the merged video (captions go next to it)")
    parser.add_argument("--plan", metavar="PLAN.json", help="the plan.json from 'captionkit split': use the master audio and captions")
    parser.add_argument("--captions", nargs="+", metavar="CAPTIONS", help="one caption file per clip (without --plan); else each clip is transcribed")
    parser.add_argument("--size", metavar="WxH", help="output size (default: the first clip's); clips are scaled and padded to it")
    parser.add_argument("--verify", action="store_true", help="re-align the merged audio and report the caption offset at each join")
    parser.add_argument("--model", help="speech model for transcribing clips and --verify (default tiny.en)")
    parser.add_argument("--profile", help="caption profile for transcribed clips (default netflix; with --plan, the plan's)")
    add_audio_stream_argument(parser)
    parser.add_argument("--crf", type=int, default=18, help="x264 quality when the video is re-encoded (default 18)")
    parser.add_argument("--preset", default="veryfast", help="x264 preset when the video is re-encoded (default veryfast)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX:]\s*(\d+)\s*", text)
    if not match or int(match.group(1)) < 2 or int(match.group(2)) < 2:
        raise CaptionkitError(f"--size {text!r} is not WIDTHxHEIGHT; give e.g. --size 1080x1920")
    width, height = int(match.group(1)), int(match.group(2))
    if width % 2 or height % 2:
        raise CaptionkitError(f"--size {width}x{height} must be even in both directions for H.264; try {width + width % 2}x{height + height % 2}")
    return width, height


def run(args: argparse.Namespace) -> int:
    from ..assembly.stitch import caption_paths, stitch
    from ..files import guard_outputs
    from . import print_json, report_warnings

    if not 0 <= args.crf <= 51:
        raise CaptionkitError(f"--crf {args.crf} is out of range; give 0 (lossless) to 51 (worst), e.g. 18")
    guard_outputs([*args.clips, args.plan, *(args.captions or [])],
                  [("-o", args.output), *(("-o", path) for path in caption_paths(args.output))])
    result = stitch(
        args.clips,
        args.output,
        plan=args.plan,
        captions=args.captions,
        size=parse_size(args.size) if args.size else None,
        verify=args.verify,
        model=args.model,
        profile=args.profile,
        crf=args.crf,
        preset=args.preset,
        audio_stream=args.audio_stream,
    )
    report_warnings(result.warnings)
    if args.json:
        print_json(result.to_dict())
    else:
        frame = result.frame_duration
        print(f"{result.method}: {result.reason}")
        for index, p in enumerate(result.placements, start=1):
            sound = "not measured" if p.audio_start is None else f"sound at {p.audio_start:9.3f} s"
            adjusted = f" ({p.adjustment:+d} frames)" if p.adjustment else ""
            print(f"  clip {index:>3}: {p.frames:>5} frames{adjusted}, first frame at {p.video_start:9.3f} s, {sound}")
        for check in result.joins:
            status = "not measured" if check.offset is None else (
                f"{check.offset * 1000:+6.1f} ms " + ("ok" if abs(check.offset) <= frame else "OFF")
            )
            print(f"  verify {check.name:>8} at {check.time:8.2f} s: {status}")
        print(f"wrote {result.output}" + "".join(f", {path.name}" for path in result.caption_files))
    return 1 if result.joins_off else 0
