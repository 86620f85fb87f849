"""``captionkit render``: a script and a portrait to a finished, captioned talking-head video."""

from __future__ import annotations

import argparse
import sys

from ..errors import CaptionkitError

COMMAND = "render"
COMMIT_AT_END = False  # its step cache is read back within the run and kept for the next one, even after a failure
HELP = "Make a captioned talking-head video from a script and a portrait, offline or on inference.sh."
ORDER = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..jobs.render import AVATARS, DEFAULT_AVATAR

    avatar = AVATARS[DEFAULT_AVATAR]
    parser.description = (
        "Speak SCRIPT (Dia [S1]/[S2] text or plain text) with a TTS engine, animate PORTRAIT as an avatar clip per "
        "piece of at most --max-clip seconds, stitch the clips, and write OUTDIR/<script>.captioned.mp4 (captions "
        "burned in), <script>.subtitled.mp4 (a soft subtitle track), <script>.srt/.vtt/.ass and report.json. "
        "Every step is cached by the content of its inputs, and inference.sh tasks are journaled when submitted: "
        "run the same command again after a crash or an edit and only what changed is redone, nothing is paid twice."
    )
    parser.add_argument("script", metavar="SCRIPT", help="the script: Dia text ([S1] ... [S2] ..., (laughs)) or plain text")
    parser.add_argument("--portrait", metavar="IMAGE", required=True, help="the presenter's portrait (PNG or JPEG)")
    parser.add_argument("-o", "--output", metavar="OUTDIR", required=True, help="folder for the outputs and the cache")
    parser.add_argument("--engine", choices=("local", "infsh"), default="local",
                        help="local: piper speech and a presenter clip, offline and free (default); infsh: Dia TTS and "
                             "OmniHuman on inference.sh (needs INFERENCE_API_KEY or 'infsh login'; paid)")
    parser.add_argument("--avatar", choices=tuple(AVATARS), default=DEFAULT_AVATAR,
                        help="the avatar model: omnihuman-1-5 drives up to 2 speakers, omnihuman-1-0 one "
                             f"(default {DEFAULT_AVATAR})")
    parser.add_argument("--style", default="clean", help="caption style preset or style file (default: clean)")
    parser.add_argument("--profile", help="reading-rule profile for the captions (default: the style's, usually netflix)")
    parser.add_argument("--size", default="1280x720", metavar="WxH",
                        help="output size: 1280x720 (16:9, default), 720x1280 (9:16) or 1080x1080 (1:1)")
    parser.add_argument("--max-clip", type=float, metavar="SECONDS",
                        help=f"the longest piece of audio per avatar clip (default {avatar.recommended_seconds:g}: "
                             f"OmniHuman's schema recommends under {avatar.recommended_seconds:g} s for best quality; "
                             f"{avatar.limit_seconds:g} s is its hard limit); pieces keep 0.5 s under it")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the plan (TTS segments, avatar pieces, tasks per app, seconds of avatar video) "
                             "and stop: nothing is synthesized or paid")
    parser.add_argument("--force", action="store_true",
                        help="redo every step instead of reusing the cache (and go on past failed preflight checks)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary on standard output")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..jobs.render import RenderOptions, describe_plan, render
    from . import print_json

    options = RenderOptions(
        engine=args.engine, avatar=args.avatar, style=args.style, profile=args.profile, size=parse_size(args.size),
        max_clip=args.max_clip,
    )
    result = render(Path(args.script), Path(args.portrait), Path(args.output), options, force=args.force,
                    dry_run=args.dry_run, on_step=_print_step if _show_steps() else None)
    for warning in result.report.warnings:
        print(f"captionkit: warning: {warning}", file=sys.stderr)
    if args.json:
        print_json(result.to_dict())
        return 0
    if args.dry_run:
        print("dry run: nothing was synthesized or paid")
        for line in describe_plan(result.plan, options):
            print(f"  {line}")
        return 0
    report = result.report
    spoken = report.spoken_seconds or 0.0
    paid = f", {result.plan['paid_clips']} paid avatar clips" if args.engine == "infsh" else ""
    print(f"{spoken:.1f} s of speech in {result.plan['pieces']} piece(s){paid}, made in {report.seconds:.1f} s "
          f"({report.seconds / spoken:.2f}x real time)")
    for path in result.outputs.values():
        print(path)
    return 0


def _print_step(record, finished: bool) -> None:
    if not finished:
        print(f"[{record.number}/7] {record.title} ...", file=sys.stderr, flush=True)
        return
    parts = [f"{record.seconds:.1f} s"]
    if record.made or record.reused:
        parts.append(f"{record.made} made, {record.reused} reused")
    if record.tasks:
        parts.append(f"{len(record.tasks)} task(s)")
    print(f"[{record.number}/7] {record.name}: done ({', '.join(parts)})", file=sys.stderr, flush=True)


def _show_steps() -> bool:
    """Step lines go to standard error like the progress bars: on a terminal, or when CAPTIONKIT_PROGRESS forces them."""
    import os

    setting = os.environ.get("CAPTIONKIT_PROGRESS", "auto")
    return sys.stderr.isatty() if setting == "auto" else setting != "off"


def parse_size(text: str) -> tuple[int, int]:
    """``1280x720`` -> (1280, 720)."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError as error:
        raise CaptionkitError(f"--size {text!r}: give WIDTHxHEIGHT, e.g. 1280x720, 720x1280 or 1080x1080") from error
    return width, height
