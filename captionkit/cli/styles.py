"""``captionkit styles``: the caption style presets."""

from __future__ import annotations

import argparse

COMMAND = "styles"
HELP = "List the caption style presets with a one-line description."
ORDER = 32


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the presets as JSON")


def run(args: argparse.Namespace) -> int:
    from ..style import list_styles, styles_dir
    from . import print_json

    presets = list_styles()
    if args.json:
        print_json({"presets": presets, "folder": str(styles_dir())})
        return 0
    width = max(map(len, presets), default=0)
    for name, description in presets.items():
        print(f"{name:<{width}}  {description}")
    print(f"\nA style file of your own: --style my.toml (start it with extends = \"clean\"); presets are in {styles_dir()}")
    return 0
