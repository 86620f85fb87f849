"""User-facing errors.

A :class:`CaptionkitError` carries a one-line message that says what is wrong
and what to do. The command line prints it as ``captionkit: error: ...`` and
exits non-zero without a traceback; the Python API lets it propagate.
"""


class CaptionkitError(Exception):
    """A problem with the user's input or environment, explained in one line."""

    exit_code = 2


class MediaError(CaptionkitError):
    """A media file is missing, unreadable, or lacks a needed stream."""


class ModelError(CaptionkitError):
    """A speech model cannot be found or loaded."""


class ExternalToolError(CaptionkitError):
    """ffmpeg or another external program failed."""

    exit_code = 3


class OutputError(CaptionkitError):
    """An output cannot be written, or would replace one of the inputs."""


class CaptionkitWarning(UserWarning):
    """Something the user should know about a result that is still written (a one-line note)."""
