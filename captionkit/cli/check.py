"""``captionkit check``: preflight checks of a portrait, a recording and a script before rendering."""

from __future__ import annotations

import argparse

COMMAND = "check"
HELP = "Check a portrait, a narration and a script against what the avatar and TTS need; exit 1 on a failure."
ORDER = 15


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..infsh.apps import AVATARS, DEFAULT_AVATAR

    parser.add_argument("--portrait", metavar="IMG", help="the portrait photo (JPG or PNG)")
    parser.add_argument("--audio", metavar="FILE", help="a narration recording (WAV, MP3, M4A, or a video's sound)")
    parser.add_argument("--script", metavar="FILE", help="the Dia script ([S1]/[S2] tags, non-verbal tags)")
    parser.add_argument("--avatar", choices=tuple(AVATARS), default=DEFAULT_AVATAR,
                        help=f"the avatar model the inputs are for (default {DEFAULT_AVATAR})")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    from ..preflight import run_checks
    from . import print_json

    report = run_checks(portrait=args.portrait, audio=args.audio, script=args.script, avatar=args.avatar)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.table())
    return 0 if report.ok else 1
