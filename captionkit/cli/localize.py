"""``captionkit localize``: one captioned video into captions (and soft tracks, or burned copies) in many languages."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

COMMAND = "localize"
HELP = "Translate a video's captions by sentence into other languages, re-cut for each language's reading rules."
ORDER = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path,
                        help="a video (captioned first), a caption file with word times (.json, .srt, .vtt) "
                             "or a render output folder")
    parser.add_argument("--to", required=True, metavar="LANGS",
                        help="target languages, comma-separated ISO 639-1 codes: es,de,ja,ar")
    parser.add_argument("-o", "--out-dir", type=Path, required=True,
                        help="folder for <stem>.<lang>.srt/.vtt/.ass, <stem>.subtitled.mp4/.mkv and translations/")
    parser.add_argument("--translator", choices=("file", "infsh", "argos"), default="file",
                        help="file: exchange files for human translators (default); infsh: an LLM app on "
                             "inference.sh; argos: offline argostranslate packages")
    parser.add_argument("--translations", type=Path, metavar="DIR",
                        help="folder of filled <stem>.<lang>.csv, .xlf or .po files (file translator; default: "
                             "OUTDIR/translations)")
    parser.add_argument("--glossary", type=Path, metavar="FILE.csv",
                        help="terms kept as they are or translated one way: CSV with header term,<lang>,...")
    parser.add_argument("--burn", action="store_true", help="also write <stem>.<lang>.captioned.mp4 per language")
    parser.add_argument("--style", help="caption style preset or style file for .ass and --burn (default: clean)")
    parser.add_argument("--profile", help="reading-rule profile (default: the style's; netflix)")
    parser.add_argument("--script", type=Path, help="the script the video's speech was made from (video input)")
    parser.add_argument("--captions", type=Path, help="the video's captions with word times, instead of captioning it")
    parser.add_argument("--app", default=None, metavar="APP",
                        help="inference.sh LLM app for --translator infsh (default: openrouter/claude-haiku-45)")
    parser.add_argument("--model", help="speech model when the video is captioned first (default: tiny.en)")
    parser.add_argument("--language", metavar="xx", help="the source language (default: the captions' own)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary on standard output")


def run(args: argparse.Namespace) -> int:
    from ..jobs.localize import DEFAULT_LLM_APP, LocalizeOptions, check_languages, localize
    from . import print_json

    languages = check_languages([code for code in args.to.split(",") if code.strip()])
    options = LocalizeOptions(
        translator=args.translator, translations=args.translations, glossary=args.glossary, burn=args.burn,
        style=args.style, profile=args.profile, script=args.script, captions=args.captions, model=args.model,
        source_language=args.language, llm_app=args.app or DEFAULT_LLM_APP,
    )
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("ignore")
        result = localize(args.input, languages, args.out_dir, options)
    for note in result.warnings:
        print(f"captionkit: warning: {note}", file=sys.stderr)
    if args.json:
        print_json(result.to_dict())
    else:
        for code, language in result.languages.items():
            lint = "lint ok" if not language.lint_errors else f"{language.lint_errors} lint errors"
            print(f"{code}: {language.cues} cues, {lint}: " + ", ".join(str(p) for p in language.outputs.values()))
        for kind in ("mp4", "mkv"):
            if kind in result.outputs:
                print(result.outputs[kind])
    return 0
