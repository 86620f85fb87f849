"""Reading the script a video was made from: what is said, by whom, in order.

Formats (chosen by ``format=`` or guessed from the text):

- **Dia** (``[S1] Hello there. [S2] Hi! (laughs)``): ``[S1]``/``[S2]`` tags switch the
  speaker; Dia's own non-verbal tags (:data:`DIA_NON_VERBAL`: ``(laughs)``,
  ``(clears throat)`` ...) and bracketed cues such as ``[music]`` are sounds,
  not spoken words. Any other parenthesised text is spoken: ``(or two, if you
  have a dark version)`` is aligned and captioned, parentheses included.
- **plain text**: one speaker; sounds and asides as in Dia.
- **SRT / WebVTT / ASS**: the cue texts in time order, read by :mod:`captionkit.formats` as every
  command reads them (their times are ignored: the text is re-timed against the audio); ``<v Name>``
  voices and ASS actor names give speakers; ``[music]``/``(door slams)`` are sounds, as subtitles for
  the deaf write them; markup is dropped.

Every spoken token keeps its text exactly as written (punctuation, numbers,
ellipses, quotes, hyphenation, any script), so the captions say what the
script says.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import formats
from .errors import CaptionkitError
from .model import WordKind, distinct_speakers
from .text import ends_sentence, strip_inline_tags

ScriptFormat = Literal["dia", "text", "srt", "vtt", "ass"]

_DIA_TAG = re.compile(r"\[(S\d+)\]", re.IGNORECASE)
_SOUND_CUE = re.compile(r"\(([^()]{1,60})\)|\[([^\[\]]{1,60})\]")
_SRT_TIMING = re.compile(r"^\s*(\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->\s*(\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}")
_SCRIPT_SUFFIXES = (".txt", ".md", ".text", *formats.EXTENSIONS)

#: The non-verbal tags Dia itself performs; any other parenthesised text in a Dia or plain script is spoken.
DIA_NON_VERBAL = frozenset({
    "laughs", "clears throat", "sighs", "gasps", "coughs", "singing", "sings", "mumbles", "beep", "groans",
    "sniffs", "claps", "screams", "inhales", "exhales", "applause", "burps", "humming", "sneezes", "chuckle",
    "whistles",
})
_DIALOGUE_DASH = re.compile(r"^\s*[-–—]\s+")


@dataclass(slots=True)
class ScriptWord:
    """One token of the script: a spoken word, or a sound cue such as ``[laughs]``.

    ``sentence`` numbers the script's sentences from 0, so a problem can be
    reported by the sentence it is in.
    """

    text: str
    speaker: str | None = None
    kind: WordKind = "speech"
    sentence: int = 0


@dataclass(slots=True)
class Script:
    """The script as a sequence of tokens, with its sentences for reporting."""

    words: list[ScriptWord]
    format: ScriptFormat = "text"
    sentences: list[str] = field(default_factory=list)

    @property
    def spoken(self) -> list[ScriptWord]:
        """The words that are said (what the audio is aligned with)."""
        return [word for word in self.words if word.kind == "speech"]

    @property
    def speakers(self) -> list[str]:
        return distinct_speakers(self.words)


def read_script(
    source: str | Path,
    *,
    format: ScriptFormat | None = None,
    speaker: str | None = None,
) -> Script:
    """Read a script from a path, ``"-"`` (standard input), or text given directly.

    ``source`` is taken as a file path when it is a :class:`Path`, ``"-"``, or a
    string naming an existing file; otherwise it is the script text itself.
    ``speaker`` names the single speaker of a script without speaker tags.
    """
    text, suffix = _script_text(source)
    chosen = format or _guess_format(text, suffix)
    if chosen in ("srt", "vtt", "ass"):
        segments = _subtitle_segments(text, chosen, source if suffix else "the script")
    else:
        segments = _dia_segments(text) if chosen == "dia" else [(None, text)]
    script = _tokenize(segments, default_speaker=speaker, subtitles=chosen in ("srt", "vtt", "ass"))
    script.format = chosen
    if not script.spoken:
        raise CaptionkitError("the script has no words to align; check that it is the right file and not empty")
    return script


def _script_text(source: str | Path) -> tuple[str, str]:
    if isinstance(source, str) and source == "-":
        return sys.stdin.read(), ""
    path = Path(source)
    is_path = isinstance(source, Path) or (
        "\n" not in source and len(source) < 4096 and (_is_file(path) or path.suffix.lower() in _SCRIPT_SUFFIXES)
    )
    if not is_path:
        return str(source), ""
    if not path.exists():
        raise CaptionkitError(f"{path}: no such script file; check the path")
    if path.is_dir():
        raise CaptionkitError(f"{path}: is a folder; give a script file (.txt, .srt or .vtt)")
    try:
        decoded = formats.decode(path.read_bytes())
    except OSError as error:
        raise CaptionkitError(f"{path}: cannot be read ({error.strerror}); check the script file") from None
    formats.warn_if_not_utf8(decoded, path)
    return decoded.text, path.suffix.lower()


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _guess_format(text: str, suffix: str) -> ScriptFormat:
    if suffix in formats.EXTENSIONS and suffix != ".json":
        return formats.format_of(f"script{suffix}").name  # type: ignore[return-value]
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("WEBVTT"):
        return "vtt"
    if stripped.startswith("[Script Info]"):
        return "ass"
    if any(_SRT_TIMING.match(line) for line in stripped.splitlines()[:5]):
        return "srt"
    if _DIA_TAG.search(text):
        return "dia"
    return "text"


def _dia_segments(text: str) -> list[tuple[str | None, str]]:
    """Split Dia text at ``[S1]``-style tags into (speaker, text) runs."""
    segments: list[tuple[str | None, str]] = []
    pieces = _DIA_TAG.split(text)
    if pieces[0].strip():
        segments.append((None, pieces[0]))
    for tag, body in zip(pieces[1::2], pieces[2::2]):
        segments.append((tag.upper(), body))
    return segments


def _subtitle_segments(text: str, kind: ScriptFormat, source: str | Path) -> list[tuple[str | None, str]]:
    """The text of each caption line, in time order, with its cue's speaker if any."""
    track = formats.in_time_order(formats.parse(text, kind), source)
    segments: list[tuple[str | None, str]] = []
    for cue in track.cues:
        for line in cue.lines:
            body = _DIALOGUE_DASH.sub("", strip_inline_tags(line))
            if body.strip():
                segments.append((cue.speaker, body))
    return segments


def is_non_verbal(label: str) -> bool:
    """Whether a parenthesised ``label`` is one of Dia's non-verbal tags (case and spacing aside)."""
    return " ".join(label.split()).casefold() in DIA_NON_VERBAL


def _tokenize(segments: list[tuple[str | None, str]], default_speaker: str | None, subtitles: bool) -> Script:
    """Tokens of the segments; in subtitles every parenthesised cue is a sound, elsewhere only Dia's tags."""
    words: list[ScriptWord] = []
    sentences: list[str] = []
    current: list[str] = []
    previous_speaker: object = object()

    def close_sentence() -> None:
        if current:
            sentences.append(" ".join(current))
            current.clear()

    for speaker, body in segments:
        speaker = speaker or default_speaker
        if speaker != previous_speaker:
            close_sentence()
            previous_speaker = speaker
        position = 0
        for match in _SOUND_CUE.finditer(body):
            if match.group(1) is not None and not subtitles and not is_non_verbal(match.group(1)):
                continue  # a spoken aside: its words stay in the text
            _add_spoken(body[position : match.start()], speaker, words, current, sentences, close_sentence)
            label = " ".join((match.group(1) or match.group(2)).split())
            if label:
                words.append(ScriptWord(f"[{label}]", speaker, "sound", len(sentences)))
            position = match.end()
        _add_spoken(body[position:], speaker, words, current, sentences, close_sentence)
    close_sentence()
    return Script(words=words, sentences=sentences)


def _add_spoken(text, speaker, words, current, sentences, close_sentence) -> None:
    for token in text.split():
        if words and words[-1].kind == "sound" and current and not any(ch.isalnum() for ch in token):
            # "Ok (applause)." : the full stop after a sound cue ends the spoken word before it
            spoken = next(word for word in reversed(words) if word.kind == "speech")
            spoken.text += token
            current[-1] = spoken.text
        else:
            words.append(ScriptWord(token, speaker, "speech", len(sentences)))
            current.append(token)
        if ends_sentence(current[-1]):
            close_sentence()
