"""The ``file`` translator: exchange files for human translators, written once and imported when filled.

The first run writes ``<stem>.<lang>.csv`` (columns ``id,start,end,source,target,note``), ``.xlf``
(XLIFF 1.2, one ``trans-unit`` per sentence, ``maxwidth`` set to the line limit) and ``.po`` (``msgctxt``
is the sentence id, so equal sentences stay apart) into the exchange folder, and reports them with
:class:`TranslationsNeeded` (exit status 3). Each unit's note gives the characters per line, the lines
per caption and how many characters the sentence's time allows at the language's reading speed.

Any one of the three formats, filled, is imported: from ``--translations DIR`` if given, else from the
exchange folder itself. A file counts as filled once any target is; then every id must be there exactly
once, with a non-empty target, and with the source text it was made for. Anything else is an error
naming the file and the ids (and the CSV rows). A file that has been started is never overwritten.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from ...errors import CaptionkitError
from ...files import OutputSet, write_text_atomic
from . import Request, describe_ids, exchange_name

SUFFIXES = (".csv", ".xlf", ".po")
READABLE_SUFFIXES = (".csv", ".xlf", ".xliff", ".po")
CSV_COLUMNS = ("id", "start", "end", "source", "target", "note")
XLIFF_NAMESPACE = "urn:oasis:names:tc:xliff:document:1.2"


class TranslationsNeeded(CaptionkitError):
    """Exchange files were written and wait for a translator; the message names them."""

    exit_code = 3

    def __init__(self, files: dict[str, list[Path]]) -> None:
        self.files = files
        names = ", ".join(str(paths[0].with_suffix("")) + ".{csv,xlf,po}" for paths in files.values())
        super().__init__(
            f"translations needed for {', '.join(files)}: fill the target column of one of {names} "
            "and run again with --translations <that folder>"
        )


@dataclass(frozen=True)
class Unit:
    """One filled unit as read from a file: its id, source and target text, and where it was."""

    id: str
    source: str | None
    target: str
    place: str


class FileTranslator:
    """Human translation through CSV, XLIFF 1.2 or PO exchange files (see the module docstring)."""

    name = "file"

    def __init__(self, exchange_dir: Path, translations: Path | None = None) -> None:
        self.exchange_dir = Path(exchange_dir)
        self.translations = Path(translations) if translations is not None else None
        if self.translations is not None and not self.translations.is_dir():
            raise CaptionkitError(f"{self.translations}: no such folder of translations; check --translations")

    def translate(self, request: Request) -> dict[str, str]:
        filled = self._filled_file(request)
        if filled is None:
            with OutputSet(detached=True):  # the files to fill stand, although the run stops to ask for them
                written = write_exchange_files(request, self.exchange_dir)
            raise TranslationsNeeded({request.target_language: written})
        return read_translations(filled, request)

    def _filled_file(self, request: Request) -> Path | None:
        folder = self.translations or self.exchange_dir
        candidates = [folder / exchange_name(request.stem, request.target_language, suffix) for suffix in READABLE_SUFFIXES]
        filled = [path for path in candidates if path.is_file() and any(unit.target.strip() for unit in read_units(path))]
        return max(filled, key=lambda path: path.stat().st_mtime_ns) if filled else None


def make(*, exchange_dir: Path, translations: Path | None = None, **_: object) -> FileTranslator:
    return FileTranslator(exchange_dir, translations)


# --------------------------------------------------------------------------- writing


def write_exchange_files(request: Request, folder: Path) -> list[Path]:
    """Write the CSV, XLIFF and PO files for ``request`` into ``folder`` (files already started are kept)."""
    contents = {".csv": csv_text(request), ".xlf": xliff_text(request), ".po": po_text(request)}
    paths = []
    for suffix, text in contents.items():
        path = folder / exchange_name(request.stem, request.target_language, suffix)
        if not (path.is_file() and any(unit.target.strip() for unit in read_units(path))):
            write_text_atomic(path, text)
        paths.append(path)
    return paths


def timecode(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis / 1000:06.3f}"


def csv_text(request: Request) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for sentence in request.sentences:
        writer.writerow([sentence.id, timecode(sentence.start), timecode(sentence.end), sentence.text, "",
                         _note(request, sentence.id)])
    return "\ufeff" + buffer.getvalue()  # a BOM so spreadsheet programs read UTF-8


def _note(request: Request, sentence_id: str) -> str:
    parts = [request.line_limits.get(sentence_id, "")]
    parts += request.glossary.instructions([s.text for s in request.sentences if s.id == sentence_id],
                                           request.target_language)
    return "; ".join(part for part in parts if part)


def xliff_text(request: Request) -> str:
    ElementTree.register_namespace("", XLIFF_NAMESPACE)
    root = ElementTree.Element(f"{{{XLIFF_NAMESPACE}}}xliff", {"version": "1.2"})
    file_element = ElementTree.SubElement(root, f"{{{XLIFF_NAMESPACE}}}file", {
        "original": request.stem, "source-language": request.source_language,
        "target-language": request.target_language, "datatype": "plaintext",
    })
    body = ElementTree.SubElement(file_element, f"{{{XLIFF_NAMESPACE}}}body")
    for sentence in request.sentences:
        unit = ElementTree.SubElement(body, f"{{{XLIFF_NAMESPACE}}}trans-unit", {"id": sentence.id})
        ElementTree.SubElement(unit, f"{{{XLIFF_NAMESPACE}}}source").text = sentence.text
        ElementTree.SubElement(unit, f"{{{XLIFF_NAMESPACE}}}target", {"state": "new"}).text = ""
        note = f"{timecode(sentence.start)} --> {timecode(sentence.end)}; {_note(request, sentence.id)}".rstrip("; ")
        ElementTree.SubElement(unit, f"{{{XLIFF_NAMESPACE}}}note").text = note
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def po_text(request: Request) -> str:
    import polib

    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": request.stem, "Language": request.target_language,
        "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit",
        "X-Source-Language": request.source_language,
    }
    for sentence in request.sentences:
        po.append(polib.POEntry(
            msgctxt=sentence.id, msgid=sentence.text, msgstr="",
            comment=f"{timecode(sentence.start)} --> {timecode(sentence.end)}; {_note(request, sentence.id)}".rstrip("; "),
        ))
    return str(po)


# --------------------------------------------------------------------------- reading


def read_units(path: Path) -> list[Unit]:
    """The units of an exchange file (.csv, .xlf/.xliff or .po), in file order."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _csv_units(path)
        if suffix in (".xlf", ".xliff"):
            return _xliff_units(path)
        if suffix == ".po":
            return _po_units(path)
    except UnicodeDecodeError:
        raise CaptionkitError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as error:
        raise CaptionkitError(f"{path}: cannot read it ({error.strerror or error})") from None
    raise CaptionkitError(f"{path}: translations are read from .csv, .xlf or .po files")


def _csv_units(path: Path) -> list[Unit]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    if "id" not in columns or "target" not in columns:
        raise CaptionkitError(f"{path}: the header row needs the columns {','.join(CSV_COLUMNS)}")
    units = []
    for row in reader:
        row = {(key or "").strip().lower(): (value or "") for key, value in row.items()}
        units.append(Unit(row["id"].strip(), row.get("source"), row["target"], f"row {reader.line_num}"))
    return units


def _xliff_units(path: Path) -> list[Unit]:
    try:
        root = ElementTree.fromstring(path.read_bytes())
    except ElementTree.ParseError as error:
        raise CaptionkitError(f"{path}: not valid XLIFF ({error})") from None
    units = []
    for unit in root.iter():
        if unit.tag.rsplit("}", 1)[-1] != "trans-unit":
            continue
        children = {child.tag.rsplit("}", 1)[-1]: child for child in unit}
        source = children.get("source")
        target = children.get("target")
        units.append(Unit(
            unit.get("id", "").strip(),
            "".join(source.itertext()) if source is not None else None,
            "".join(target.itertext()) if target is not None else "",
            f"trans-unit {unit.get('id', '?')}",
        ))
    return units


def _po_units(path: Path) -> list[Unit]:
    import polib

    try:
        po = polib.pofile(str(path), encoding="utf-8")
    except (OSError, ValueError) as error:
        raise CaptionkitError(f"{path}: not a valid PO file ({error})") from None
    return [
        Unit((entry.msgctxt or "").strip(), entry.msgid, "" if entry.fuzzy else entry.msgstr,
             f"line {entry.linenum}")
        for entry in po if not entry.obsolete
    ]


def read_translations(path: Path, request: Request) -> dict[str, str]:
    """The filled file's targets by id, after checking every id is there exactly once, filled, for this source."""
    units = read_units(path)
    expected = {sentence.id: sentence for sentence in request.sentences}
    seen: dict[str, Unit] = {}
    duplicates, extra, empty, changed = [], [], [], []
    for unit in units:
        if unit.id in seen:
            duplicates.append(f"{unit.id} ({seen[unit.id].place} and {unit.place})")
            continue
        seen[unit.id] = unit
        if unit.id not in expected:
            extra.append(f"{unit.id or '(blank)'} ({unit.place})")
        elif not unit.target.strip():
            empty.append(f"{unit.id} ({unit.place})")
        elif unit.source is not None and unit.source.strip() and _same(unit.source) != _same(expected[unit.id].text):
            changed.append(f"{unit.id} ({unit.place})")
    missing = [key for key in expected if key not in seen]
    problems = describe_ids(missing=missing, duplicate=duplicates, extra=extra, empty=empty)
    if changed:
        problems = "; ".join(filter(None, [problems, describe_ids(**{"with another source text (made for another "
                                                                     "version of the captions)": changed})]))
    if problems:
        raise CaptionkitError(f"{path}: {problems}; fill every unit exactly once")
    return {key: " ".join(seen[key].target.split()) for key in expected}


def _same(text: str) -> str:
    return " ".join(text.split())
