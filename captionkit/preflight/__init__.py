"""Preflight checks (``captionkit check``): portrait, audio and script against what the avatar and TTS need.

``run_checks`` measures each input it is given and returns a :class:`CheckReport`
whose problems each carry a severity (``fail`` stops ``render`` unless
``--force``; ``warn`` does not), the subject, what is wrong and a concrete fix.
One module per subject: :mod:`.portrait`, :mod:`.audio`, :mod:`.script_checks`.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import CaptionkitError
from ..infsh.apps import AVATARS, DEFAULT_AVATAR
from .report import CheckReport, Problem, SubjectReport

__all__ = ["CheckReport", "Problem", "SubjectReport", "run_checks"]


def run_checks(
    *,
    portrait: str | os.PathLike | None = None,
    audio: str | os.PathLike | None = None,
    script: str | os.PathLike | None = None,
    avatar: str = DEFAULT_AVATAR,
) -> CheckReport:
    """Check whichever of ``portrait``, ``audio`` and ``script`` are given, for ``avatar``."""
    if avatar not in AVATARS:
        raise CaptionkitError(f"unknown avatar {avatar!r}; use {' or '.join(AVATARS)}")
    if portrait is None and audio is None and script is None:
        raise CaptionkitError("nothing to check: give --portrait, --audio and/or --script")
    model = AVATARS[avatar]
    report = CheckReport(avatar)
    if portrait is not None:
        from .portrait import check_portrait

        report.subjects.append(check_portrait(Path(portrait), model))
    if audio is not None:
        from .audio import check_audio

        report.subjects.append(check_audio(Path(audio), model))
    if script is not None:
        from .script_checks import check_script

        report.subjects.append(check_script(Path(script), model))
    return report
