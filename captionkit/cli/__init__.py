"""The ``captionkit`` command: one subcommand per module in this package.

Each module here defines ``COMMAND`` (its name), ``HELP`` (one line) and
``add_arguments(parser)`` and ``run(args) -> int``. The modules are found
automatically, so adding a subcommand is adding a file. Modules whose name
starts with ``_`` are helpers (``_options``: the shared option validators).
A command whose outputs must stand as soon as they are written (a resumable
batch's state file) sets ``COMMIT_AT_END = False``.

:func:`main` is the one error boundary: every command runs inside it, in one
:class:`~captionkit.files.OutputSet` (a failed run leaves no new outputs), its
warnings go through :func:`warn`, a :class:`~captionkit.errors.CaptionkitError`
is one ``captionkit: error:`` line, and anything unexpected is one line too
(``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import pkgutil
import sys
import warnings
from typing import Iterable, Sequence

from .. import __version__
from ..errors import CaptionkitError, CaptionkitWarning
from ..files import OutputSet, remove_stale_work_folders

#: Exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: Exit status of a failure captionkit did not foresee (a bug to report).
EXIT_UNEXPECTED = 70


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors in captionkit's form (no usage block)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"captionkit: error: {message}; see '{self.prog} --help'\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="captionkit",
        description="Caption and subtitle post-production for AI talking-head videos.",
    )
    parser.add_argument("--version", action="version", version=f"captionkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _command_modules():
        sub = subparsers.add_parser(module.COMMAND, help=module.HELP, description=module.HELP,
                                    epilog=getattr(module, "EPILOG", None))
        module.add_arguments(sub)
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                         help="show the full traceback of an unexpected error")
        sub.set_defaults(run=module.run, commit_at_end=getattr(module, "COMMIT_AT_END", True))
    return parser


def _command_modules() -> list:
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    return sorted(modules, key=lambda module: (getattr(module, "ORDER", 100), module.COMMAND))


_reported: set[str] = set()


def warn(message: str) -> None:
    """Print one ``captionkit: warning: ...`` line on standard error (each message once per run)."""
    text = " ".join(str(message).split())
    if text and text not in _reported:
        _reported.add(text)
        print(f"captionkit: warning: {text}", file=sys.stderr)


def report_warnings(messages: Iterable[str]) -> None:
    """Print a result's warning list through :func:`warn` (already-shown ones are not repeated)."""
    for message in messages:
        warn(message)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    warn(str(message))


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ours(caught: warnings.WarningMessage) -> bool:
    """Whether a recorded warning is captionkit's own (its category, or raised in its code), not a library's."""
    return issubclass(caught.category, CaptionkitWarning) or os.path.abspath(caught.filename).startswith(_PACKAGE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a bad option (already printed as one line)
        return stop.code if isinstance(stop.code, int) else 0
    _reported.clear()
    remove_stale_work_folders()
    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.simplefilter("ignore")  # other libraries' notes are not the user's business
            warnings.filterwarnings("always", category=CaptionkitWarning)
            warnings.filterwarnings("always", module=r"captionkit(\.|$)")
            warnings.showwarning = _show_warning
            with OutputSet() if args.commit_at_end else contextlib.nullcontext():
                try:
                    return int(args.run(args) or 0)
                except BrokenPipeError:  # the reader of our output went away (`| head`): the outputs stand
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                    return 0
    except CaptionkitError as error:
        print(f"captionkit: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("captionkit: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # the last resort: one line, the traceback only on request
        if args.debug:
            raise
        print(f"captionkit: error: {_describe(error)}; rerun with --debug to see the traceback and report it",
              file=sys.stderr)
        return EXIT_UNEXPECTED


def _describe(error: Exception) -> str:
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror or error}"
    text = " ".join(str(error).split()) or "no message"
    return f"unexpected {type(error).__name__}: {text[:300]}"


def print_json(data: object) -> None:
    """Write a machine-readable result to standard output."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
