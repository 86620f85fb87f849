"""Caption file formats, one module each; :func:`load` and :func:`save` choose by extension.

=========  ===================  ==========================================
Extension  Module               Notes
=========  ===================  ==========================================
``.srt``   :mod:`.srt`          SubRip via pysrt; text and times round-trip exactly
``.vtt``   :mod:`.vtt`          WebVTT; speakers as ``<v Name>`` voice spans
``.json``  :mod:`.jsonfile`     words and cues (the ``--words`` shape plus cues)
``.ass``   :mod:`.ass`          Advanced SubStation (pysubs2), karaoke tags
``.ssa``   :mod:`.ass`
=========  ===================  ==========================================

The text modules offer ``write(track, path, **options)``, ``read(path, language)``,
``dumps(track)`` and ``parse(text, language)``; the ASS module (written with the
renderer) offers ``write_ass``/``to_ass`` and ``read_ass``. Files are
read as UTF-8 (a byte-order mark is allowed) and written atomically.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..errors import CaptionkitError
from ..files import written_path
from ..model import Track


@dataclass(frozen=True, slots=True)
class Format:
    """One caption format: its name, the extensions that select it and the module that reads and writes it."""

    name: str
    extensions: tuple[str, ...]
    module: str
    description: str
    #: Carries its own styling and placement (an .ass made elsewhere can be burned as it is).
    styled: bool = False

    def handler(self) -> ModuleType:
        """The format's module (imported on first use)."""
        return importlib.import_module(f"{__name__}.{self.module}")


#: Every caption format captionkit reads and writes; the one list of caption extensions.
FORMATS: tuple[Format, ...] = (
    Format("srt", (".srt",), "srt", "SubRip"),
    Format("vtt", (".vtt",), "vtt", "WebVTT"),
    Format("ass", (".ass", ".ssa"), "ass", "Advanced SubStation Alpha", styled=True),
    Format("json", (".json",), "jsonfile", "captionkit JSON (timed words and cues)"),
)
_BY_EXTENSION = {extension: fmt for fmt in FORMATS for extension in fmt.extensions}
#: All caption file extensions, in the order of :data:`FORMATS`.
EXTENSIONS: tuple[str, ...] = tuple(_BY_EXTENSION)


def format_of(path: str | os.PathLike) -> Format:
    """The format ``path``'s extension names, or a one-line error listing the known extensions."""
    suffix = Path(path).suffix.lower()
    if suffix not in _BY_EXTENSION:
        raise CaptionkitError(
            f"cannot tell the caption format of {os.fspath(path)!r}: use one of {' '.join(EXTENSIONS)}"
        )
    return _BY_EXTENSION[suffix]


def format_module(path: str | os.PathLike) -> ModuleType:
    """The module that handles ``path``'s extension (imported on first use)."""
    return format_of(path).handler()


#: Options only the styled format (ASS) uses; the text formats accept and ignore them, so a
#: caller can pass the same options whatever extension the user chose.
STYLING_OPTIONS = frozenset({"size", "style", "fps", "speaker_names"})


def save(track: Track, path: str | os.PathLike, **options) -> Path:
    """Write ``track`` to ``path`` in the format its extension names; returns the path.

    ``options`` go to the format's writer (e.g. ``speakers=False`` for VTT; ``size``,
    ``style``, ``fps`` for ASS). ASS options given as ``None`` mean "the default".
    """
    path = Path(path)
    module = format_module(path)
    if module.__name__.endswith(".ass"):
        module.write_ass(track, path, **{key: value for key, value in options.items() if value is not None})
        return path
    module.write(track, path, **{key: value for key, value in options.items() if key not in STYLING_OPTIONS})
    return path


def load(path: str | os.PathLike, language: str | None = None) -> Track:
    """Read a caption file (``.srt``, ``.vtt``, ``.json``, ``.ass``/``.ssa``) into a track."""
    module = format_module(path)
    if module.__name__.endswith(".ass"):
        track = module.read_ass(path)
        if language:
            track.language = language
        return track
    return module.read(path, language)


def read_caption_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a caption file, or a one-line error when it is missing or unreadable."""
    try:
        return written_path(path).read_bytes()
    except FileNotFoundError:
        raise CaptionkitError(f"caption file {os.fspath(path)!r} does not exist") from None
    except IsADirectoryError:
        raise CaptionkitError(f"{os.fspath(path)!r} is a directory, not a caption file") from None
    except OSError as error:
        raise CaptionkitError(f"cannot read {os.fspath(path)!r}: {error.strerror}") from None


def decode_caption_text(data: bytes) -> tuple[str, UnicodeDecodeError | None]:
    """UTF-8 text (BOM dropped, CRLF normalised); undecodable bytes become U+FFFD and the error is returned."""
    error = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as caught:
        error = caught
        text = data.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n"), error


def read_caption_text(path: str | os.PathLike) -> str:
    """The text of a caption file; a file that is not UTF-8 is a one-line error."""
    text, error = decode_caption_text(read_caption_bytes(path))
    if error is not None:
        raise CaptionkitError(
            f"{os.fspath(path)!r} is not UTF-8 (byte 0x{error.object[error.start]:02x} at offset {error.start}): "
            "convert it, e.g. iconv -f cp1252 -t utf-8"
        )
    return text
