"""Script checks: the seed guide's "common mistakes" for a Dia script, and what rendering it will take.

Dia knows two speakers, ``[S1]`` and ``[S2]``, and a fixed set of non-verbal
tags (:data:`captionkit.script.DIA_NON_VERBAL`); any other parenthesised text
is read aloud, so ``(smiles)`` is spoken as the word "smiles". The spoken
length, TTS segments and avatar pieces are estimated from the text with the
same planner ``render`` uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..assembly.speech_plan import avatar_piece_estimate, plan_speech
from ..errors import CaptionkitError
from ..infsh.apps import Avatar
from ..script import DIA_NON_VERBAL, read_script
from .report import SubjectReport

_BRACKETED = re.compile(r"\[([^\[\]]{1,40})\]")
_PARENTHESISED = re.compile(r"\(([^()]{1,60})\)")
_DIA_SPEAKERS = ("S1", "S2")
_STAGE_DIRECTION = re.compile(r"^[a-z]+(?: [a-z]+)?$")


@dataclass(frozen=True, slots=True)
class ScriptLimits:
    """How the avatar pieces are estimated: the margin kept under the avatar's recommended clip length."""

    margin: float = 0.5


def check_script(path: Path, avatar: Avatar, limits: ScriptLimits = ScriptLimits()) -> SubjectReport:
    """Read the script, check its tags and speakers, and estimate what rendering it takes."""
    report = SubjectReport("script", str(path))
    if not path.is_file():
        report.fail(f"{path} does not exist", "give the path of the Dia script (a .txt file)")
        report.summary = "missing"
        return report
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        report.fail(f"cannot read {path.name} as UTF-8 text ({type(error).__name__})",
                    "give a plain UTF-8 text file with the Dia script")
        report.summary = "unreadable"
        return report
    _check_tags(report, text)
    try:
        script = read_script(text, format="dia")
    except CaptionkitError as error:
        report.fail(str(error), "write what is said, e.g. '[S1] Hello and welcome.'")
        report.summary = "no words"
        return report
    speakers = [speaker for speaker in script.speakers if speaker] or ["S1"]
    if len(speakers) > avatar.max_speakers:
        report.fail(f"{len(speakers)} speakers ({', '.join(speakers)}); {avatar.name} animates at most "
                    f"{avatar.max_speakers}",
                    f"keep to {' and '.join(_DIA_SPEAKERS[:avatar.max_speakers])}"
                    + (", or use --avatar omnihuman-1-5 for two" if avatar.max_speakers == 1 else "")
                    + ", or make one video per pair of speakers")
    plan = plan_speech(script)
    pieces = avatar_piece_estimate(plan.estimate, avatar.recommended_seconds, limits.margin)
    report.measured.update(speakers=speakers, words=len(script.spoken), sentences=len(script.sentences),
                           estimated_seconds=round(plan.estimate, 1), tts_segments=len(plan.segments),
                           avatar_pieces=pieces)
    report.summary = (f"{len(speakers)} speaker{'s' if len(speakers) > 1 else ''} ({', '.join(speakers)}), "
                      f"{len(script.spoken)} words, about {plan.estimate:.0f} s spoken: {len(plan.segments)} TTS "
                      f"segment{'s' if len(plan.segments) > 1 else ''}, {pieces} {avatar.name} "
                      f"piece{'s' if pieces > 1 else ''} of up to {avatar.recommended_seconds:g} s")
    for warning in plan.warnings:
        report.warn(warning, "split that sentence in two: Dia rushes speech longer than 20 s a call")
    return report


def _check_tags(report: SubjectReport, text: str) -> None:
    tags = [match.group(1) for match in _BRACKETED.finditer(text)]
    speaker_tags = [tag for tag in tags if re.fullmatch(r"[Ss]\d+", tag.strip())]
    unknown_speakers = sorted({tag for tag in speaker_tags if tag not in _DIA_SPEAKERS})
    if unknown_speakers:
        report.fail(f"speaker tag{'s' if len(unknown_speakers) > 1 else ''} "
                    f"{', '.join(f'[{tag}]' for tag in unknown_speakers)}: Dia knows only [S1] and [S2]",
                    "write the speakers as [S1] and [S2] (upper case)")
    other = sorted({tag for tag in tags if tag not in speaker_tags})
    if other:
        report.warn(f"{', '.join(f'[{tag}]' for tag in other)} {'is' if len(other) == 1 else 'are'} not Dia "
                    "markup: it may be read aloud", "remove it, or use a non-verbal tag such as (laughs)")
    first = text.strip()
    if speaker_tags and not re.match(r"\[[Ss]\d+\]", first):
        report.warn("the script does not start with a speaker tag", "begin it with [S1]")
    for aside in sorted({match.group(1) for match in _PARENTHESISED.finditer(text)}):
        if aside.strip().lower() in DIA_NON_VERBAL:
            continue
        if _STAGE_DIRECTION.match(aside.strip()):
            report.warn(f"({aside}) is not a non-verbal tag Dia knows: it will be spoken as words",
                        "use one Dia knows, such as (laughs), (sighs), (clears throat), (gasps), (coughs), "
                        "or remove it")
