"""Caption file formats, one module each, behind one registry of extensions (:data:`FORMATS`).

=========  ===================  ==========================================
Extension  Module               Notes
=========  ===================  ==========================================
``.srt``   :mod:`.srt`          SubRip; read as players read it
``.vtt``   :mod:`.vtt`          WebVTT; speakers as ``<v Name>`` voice spans
``.ass``   :mod:`.ass`          Advanced SubStation (pysubs2), styled, karaoke tags
``.ssa``   :mod:`.ass`
``.json``  :mod:`.jsonfile`     words and cues (the ``--words`` shape plus cues)
=========  ===================  ==========================================

Every format module has the same small interface: ``parse(text, language=None) -> Track``,
``dump(track, **options) -> str``, and ``read(path, language=None)``/``write(track, path, **options)``
built once from them in :mod:`.base` (any encoding in, cues in time order; UTF-8 out, atomically).
:func:`load` and :func:`save` pick the module by extension; :func:`read_file` gives what a checker needs
besides the track (cues in file order, the encoding, the format's time precision).
"""

from __future__ import annotations

import importlib
import inspect
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..errors import CaptionkitError
from ..model import Track
from .base import DecodedText, decode, in_time_order, read_text, warn_if_not_utf8
from .jsonfile import Segmenter


@dataclass(frozen=True, slots=True)
class Format:
    """One caption format: its name, the extensions that select it and the module that reads and writes it."""

    name: str
    extensions: tuple[str, ...]
    module: str
    description: str
    #: Carries its own styling and placement (an .ass made elsewhere can be burned as it is).
    styled: bool = False
    #: The finest time step the format writes, in seconds.
    time_step: float = 0.001

    def handler(self) -> ModuleType:
        """The format's module (imported on first use)."""
        return importlib.import_module(f"{__name__}.{self.module}")


#: Every caption format captionkit reads and writes; the one list of caption extensions.
FORMATS: tuple[Format, ...] = (
    Format("srt", (".srt",), "srt", "SubRip"),
    Format("vtt", (".vtt",), "vtt", "WebVTT"),
    Format("ass", (".ass", ".ssa"), "ass", "Advanced SubStation Alpha", styled=True, time_step=0.01),
    Format("json", (".json",), "jsonfile", "captionkit JSON (timed words and cues)"),
)
_BY_EXTENSION = {extension: fmt for fmt in FORMATS for extension in fmt.extensions}
#: All caption file extensions, in the order of :data:`FORMATS`.
EXTENSIONS: tuple[str, ...] = tuple(_BY_EXTENSION)
#: The caption files a job writes for a video (``caption``, ``stitch``, ``render``, ``localize``), by format name.
CAPTION_OUTPUTS: tuple[str, ...] = ("srt", "vtt", "ass")


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


def parse(text: str, name: str, language: str | None = None, *, segment: Segmenter | None = None) -> Track:
    """Caption text in the format called ``name`` (``"srt"``, ``"vtt"``, ``"ass"``, ``"json"``), in file order."""
    fmt = format_named(name)
    options = {"segment": segment} if fmt.name == "json" and segment is not None else {}
    return fmt.handler().parse(text, language, **options)


def format_named(name: str) -> Format:
    """The format called ``name`` (``"srt"``...), or a one-line error listing them."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise CaptionkitError(f"unknown caption format {name!r}: use one of {', '.join(f.name for f in FORMATS)}")


@dataclass(frozen=True, slots=True)
class CaptionFile:
    """A caption file as written: its cues in file order, its format and the encoding it was read in."""

    path: Path
    format: Format
    track: Track
    decoded: DecodedText


def read_file(path: str | os.PathLike, language: str | None = None, *, segment: Segmenter | None = None
              ) -> CaptionFile:
    """Read ``path`` without putting its cues in time order (for checking the file as it is)."""
    decoded = read_text(path)
    fmt = format_of(path)
    try:
        track = parse(decoded.text, fmt.name, language, segment=segment)
    except CaptionkitError as error:
        raise CaptionkitError(f"{os.fspath(path)}: {error}") from None
    return CaptionFile(Path(path), fmt, track, decoded)


def load(path: str | os.PathLike, language: str | None = None, *, segment: Segmenter | None = None) -> Track:
    """Read a caption file (``.srt``, ``.vtt``, ``.ass``/``.ssa``, ``.json``) into a track, cues in time order.

    Every command reads caption files through here, so a file means the same everywhere: any encoding
    (one warning if not UTF-8), markup read as the format's module says, cues sorted by start (one warning
    if they were not). ``segment`` builds cues for a JSON file of words only.
    """
    caption_file = read_file(path, language, segment=segment)
    warn_if_not_utf8(caption_file.decoded, path)
    return in_time_order(caption_file.track, path)


def save(track: Track, path: str | os.PathLike, **options) -> Path:
    """Write ``track`` to ``path`` in the format its extension names, atomically; returns the path.

    ``options`` go to the format's ``dump`` when it takes them (``speakers=False`` for VTT; ``size``,
    ``style``, ``fps``, ``speaker_names`` for ASS) and are ignored by formats that do not, so a caller
    passes the same options whatever extension the user chose. An option given as ``None`` means its default.
    """
    module = format_module(path)
    accepted = inspect.signature(module.dump).parameters
    chosen = {key: value for key, value in options.items() if key in accepted and value is not None}
    return module.write(track, path, **chosen)


__all__ = [
    "EXTENSIONS", "FORMATS", "CaptionFile", "DecodedText", "Format", "decode", "format_named", "format_of",
    "format_module", "in_time_order", "load", "parse", "read_file", "save", "warn_if_not_utf8",
]
