"""What every caption format shares: reading bytes as text (the one encoding rule), and file reading and
writing built once from a format's ``parse`` and ``dump``.

Encoding, in this order: a byte-order mark (UTF-8, UTF-16, UTF-32); valid UTF-8; UTF-16 without a mark
(told by its zero bytes); else the legacy code page charset-normalizer finds (cp1252 if it finds none).
Anything but UTF-8 is read, and said once in a warning, so every command reads the same file the same way;
``captionkit lint`` still reports it, as delivery wants UTF-8.
"""

from __future__ import annotations

import codecs
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from ..errors import CaptionkitError
from ..files import write_text_atomic, written_path
from ..model import Track

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose mark it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: UTF-16 without a mark: at least this share of the high (or low) bytes are zero (Latin text is ~100%).
_UTF16_ZERO_SHARE = 0.4
#: The code page assumed when charset-normalizer cannot name one (the commonest legacy subtitle encoding).
FALLBACK_ENCODING = "cp1252"


@dataclass(frozen=True, slots=True)
class DecodedText:
    """A caption file's text (line ends normalised to ``\\n``, no byte-order mark) and how it was encoded."""

    text: str
    encoding: str
    #: Where the bytes stop being UTF-8 (``"byte 0xe9 at offset 34"``), for files without a byte-order mark.
    not_utf8_at: str | None = None

    @property
    def is_utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig", "ascii")


def decode(data: bytes) -> DecodedText:
    """``data`` as text, by the encoding rule in this module's docstring; never fails."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decoded(data.decode(encoding, errors="replace"), encoding)
    try:
        return _decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        where = f"byte 0x{data[error.start]:02x} at offset {error.start}"
    encoding = _utf16_without_bom(data) or _legacy_encoding(data)
    return _decoded(data.decode(encoding, errors="replace"), encoding, where)


def _decoded(text: str, encoding: str, not_utf8_at: str | None = None) -> DecodedText:
    return DecodedText(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), encoding, not_utf8_at)


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) < 4 or len(data) % 2:
        return None
    low_zeros = data[1::2].count(0) / (len(data) // 2)
    high_zeros = data[0::2].count(0) / (len(data) // 2)
    if low_zeros >= _UTF16_ZERO_SHARE and high_zeros < low_zeros:
        return "utf-16-le"
    if high_zeros >= _UTF16_ZERO_SHARE:
        return "utf-16-be"
    return None


def _legacy_encoding(data: bytes) -> str:
    """cp1252 when the text reads as Western European in it, else charset-normalizer's guess."""
    if _reads_as_western(data):
        return FALLBACK_ENCODING
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding.startswith(("utf", "ascii")):
        return FALLBACK_ENCODING
    return best.encoding


#: Characters outside ASCII that Western European text in cp1252 is made of (letters, quotes, dashes, €...).
_WESTERN = frozenset(chr(code) for code in range(0xC0, 0x100)) | frozenset("’‘“”–—…€«»°¡¿ªº·©®™ ")
#: Western text is mostly ASCII letters with some accented ones; text in another script read as cp1252
#: (Cyrillic, Greek) is made of "accented letters" only.
_WESTERN_ACCENTED_SHARE = 0.5


def _reads_as_western(data: bytes) -> bool:
    """True when ``data`` in cp1252 is plausible Western text (charset-normalizer guesses badly on short text)."""
    try:
        text = data.decode(FALLBACK_ENCODING)
    except UnicodeDecodeError:
        return False
    foreign = [char for char in text if ord(char) > 0x7F]
    if not foreign or any(char not in _WESTERN for char in foreign):
        return False
    letters = sum(char.isalpha() for char in text)
    accented = sum(char.isalpha() for char in foreign)
    return accented <= _WESTERN_ACCENTED_SHARE * letters


def read_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a caption file, or a one-line error when it is missing or unreadable."""
    try:
        return written_path(path).read_bytes()
    except FileNotFoundError:
        raise CaptionkitError(f"caption file {os.fspath(path)!r} does not exist; check the path") from None
    except IsADirectoryError:
        raise CaptionkitError(f"{os.fspath(path)!r} is a directory, not a caption file") from None
    except OSError as error:
        raise CaptionkitError(f"cannot read {os.fspath(path)!r}: {error.strerror}") from None


def read_text(path: str | os.PathLike) -> DecodedText:
    """A caption file's text, whatever its encoding."""
    return decode(read_bytes(path))


def warn_if_not_utf8(decoded: DecodedText, source: str | os.PathLike) -> None:
    """One warning for a file read in an encoding other than UTF-8."""
    if not decoded.is_utf8:
        warnings.warn(f"{os.fspath(source)}: read as {decoded.encoding}, not UTF-8; re-save it as UTF-8 "
                      "for delivery", stacklevel=2)


def in_time_order(track: Track, source: str | os.PathLike) -> Track:
    """``track`` with its cues sorted by start time (ties keep file order), warning when they were not."""
    starts = [cue.start for cue in track.cues]
    if starts != sorted(starts):
        warnings.warn(f"{os.fspath(source)}: cues are not in time order; they are read sorted by start time",
                      stacklevel=2)
        track.cues.sort(key=lambda cue: cue.start)
    return track


class Parse(Protocol):
    def __call__(self, text: str, language: str | None = None) -> Track: ...


def file_reader(parse: Parse) -> Callable[..., Track]:
    """``read(path, language=None, **options)`` for a format: decode the file, parse it, put cues in time order."""

    def read(path: str | os.PathLike, language: str | None = None, **options) -> Track:
        decoded = read_text(path)
        warn_if_not_utf8(decoded, path)
        return in_time_order(parse(decoded.text, language, **options), path)

    read.__doc__ = f"Read a file with :func:`{parse.__module__}.parse` (any encoding; cues in time order)."
    return read


def file_writer(dump: Callable[..., str]) -> Callable[..., Path]:
    """``write(track, path, **options)`` for a format: ``dump`` the track and write it atomically as UTF-8."""

    def write(track: Track, path: str | os.PathLike, **options) -> Path:
        return write_text_atomic(path, dump(track, **options))

    write.__doc__ = f"Write a file with :func:`{dump.__module__}.dump`, atomically, as UTF-8."
    return write
