"""``captionkit lint FILE``: check a caption file against a reading-rule profile."""

from __future__ import annotations

import argparse

COMMAND = "lint"
HELP = "Check a caption file (SRT, VTT, ASS, JSON) against reading rules; exit 1 if any rule fails."
ORDER = 60
EPILOG = ("exit status: 0 when nothing fails (unavoidable violations are listed but do not fail), "
          "1 when at least one violation is an error, 2 for a missing or unreadable file or a bad option.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..cues.profiles import DEFAULT_PROFILE, available_profiles
    from ._options import frame_rate, language_code

    parser.add_argument("file", metavar="FILE", help="caption file: .srt, .vtt, .ass, .ssa or captionkit .json")
    parser.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        help=f"rules to check: {', '.join(available_profiles())}, or a .toml file (default: {DEFAULT_PROFILE})",
    )
    parser.add_argument("--fps", type=frame_rate, help="frame rate for frame rules (default: the profile's, e.g. 30)")
    parser.add_argument("--language", type=language_code,
                        help="language of the text, e.g. en, ja (default: from the file, else en)")
    parser.add_argument(
        "--shot-changes",
        metavar="SECONDS",
        help="comma-separated shot-change times in seconds (cues may keep clear of them)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    from ..errors import CaptionkitError
    from ..cues.lint import lint_file
    from . import print_json

    try:
        cuts = [float(part) for part in (args.shot_changes or "").split(",") if part.strip()]
    except ValueError:
        raise CaptionkitError("--shot-changes takes seconds separated by commas, e.g. 4.2,9.8") from None
    fps = float(args.fps) if args.fps is not None else None
    report = lint_file(args.file, args.profile, fps, language=args.language, shot_changes=cuts)
    if args.json:
        print_json(report.to_dict())
    else:
        print(_summary(report))
        width = max((len(violation.kind) for violation in report.violations), default=0)
        for violation in report.violations:
            where = f"#{violation.cue}" if violation.cue else "file"
            clock = _clock(violation.start) if violation.start is not None else " " * 12
            print(f"{where:>6}  {clock}  {violation.kind:<{width}}  {violation.severity:<11}  {violation.message}")
    return 0 if report.passed else 1


def _summary(report) -> str:
    profile = report.profile
    rules = f"profile {profile.name} ({profile.language}, {report.fps:.3g} fps)"
    if not report.violations:
        return f"{report.path}: {_count(report.cue_count, 'cue')}, no violations under {rules}"
    parts = [_count(len(report.errors), "error")]
    if report.unavoidable:
        parts.append(f"{len(report.unavoidable)} unavoidable")
    return f"{report.path}: {_count(report.cue_count, 'cue')}, {', '.join(parts)} under {rules}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _clock(seconds: float) -> str:
    from ..formats.srt import timestamp

    return timestamp(seconds)
