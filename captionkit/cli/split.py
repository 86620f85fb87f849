"""``captionkit split``: cut long narration into pieces for an avatar model's clip limit."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import CaptionkitError
from ._options import add_audio_stream_argument, frame_rate, language_code, non_negative_seconds, positive_seconds

COMMAND = "split"
HELP = "Cut narration into pieces of at most --max seconds at pauses, for an avatar model."
ORDER = 50


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audio", metavar="AUDIO", help="the master narration (WAV, MP3, or a video's sound)")
    parser.add_argument("-o", "--output", metavar="DIR", required=True, help="folder for the pieces and plan.json")
    parser.add_argument("--script", metavar="SCRIPT", help="the script (Dia [S1]/[S2] tags kept); without it the audio is transcribed")
    parser.add_argument("--words", metavar="WORDS.json", help="timed words to plan from instead (e.g. from the TTS engine)")
    parser.add_argument("--max", type=positive_seconds, default=30.0, metavar="SECONDS", help="the avatar model's clip limit (default 30)")
    parser.add_argument("--margin", type=non_negative_seconds, default=0.5, metavar="SECONDS", help="safety margin under --max (default 0.5)")
    parser.add_argument("--fps", type=frame_rate, default="30", metavar="FPS", help="the avatar's output frame rate: cuts fall on its frames (default 30)")
    parser.add_argument("--model", help="speech model for transcribing or aligning (default tiny.en)")
    parser.add_argument("--language", type=language_code, help="language code (default: detected or English)")
    add_audio_stream_argument(parser)
    parser.add_argument("--profile", default="netflix", help="caption profile for the pieces' captions (default netflix)")
    parser.add_argument("--sdh", action="store_true", help="caption the script's sound cues such as (laughs) as [laughs]")
    parser.add_argument("--json", action="store_true", help="print the pieces as JSON")


def run(args: argparse.Namespace) -> int:
    from ..assembly.plan import PlanOptions
    from ..assembly.split import MASTER_CAPTIONS, PLAN_NAME, piece_summary, split_audio
    from ..files import guard_outputs
    from . import print_json, report_warnings

    if args.script and args.words:
        raise CaptionkitError("give --script or --words, not both")
    if args.margin >= args.max:
        raise CaptionkitError(f"--margin {args.margin:g} leaves nothing of --max {args.max:g}; give a smaller margin")
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise CaptionkitError(f"-o {folder}: is a file; give a folder for the pieces")
    guard_outputs([args.audio, args.script, args.words],
                  [("-o", folder / PLAN_NAME), ("-o", folder / MASTER_CAPTIONS)])
    options = PlanOptions(max_seconds=args.max, margin=args.margin, fps=args.fps)
    result = split_audio(
        args.audio,
        args.output,
        script=args.script,
        words=_read_words(args.words) if args.words else None,
        options=options,
        model=args.model,
        language=args.language,
        profile=args.profile,
        sdh=args.sdh,
        audio_stream=args.audio_stream,
    )
    rows = piece_summary(result)
    if args.json:
        report_warnings(result.plan.warnings)
        print_json({"plan": str(result.plan_path), "captions": str(result.master_captions), "pieces": rows,
                    "warnings": result.plan.warnings})
        return 0
    plan = result.plan
    print(f"{len(rows)} pieces of at most {options.max_seconds - options.margin:g} s at {plan.fps} fps "
          f"from {plan.duration:.2f} s of audio:")
    for row in rows:
        print(f"  {row['piece']:>3}  {row['start']:8.3f} - {row['end']:8.3f}  {row['duration']:6.3f} s "
              f"{row['frames']:>5} frames  {row['words']:>4} words  cut after: {row['cut_after']}")
    report_warnings(plan.warnings)
    print(f"wrote {len(rows)} x piece-NN.wav/.mp3/.txt/.srt, captions.srt and plan.json in {result.directory}")
    return 0


def _read_words(path: str):
    from ..model import Word

    if Path(path).is_dir():
        raise CaptionkitError(f"--words {path}: is a folder; give a words JSON file")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        items = data["words"] if isinstance(data, dict) else data
        return [Word.from_dict(item) for item in items]
    except FileNotFoundError as error:
        raise CaptionkitError(f"{path}: no such file; give a words JSON file") from error
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as error:
        raise CaptionkitError(f"{path}: not a words JSON file ({error}); give a list of {{word, start, end}}") from error
