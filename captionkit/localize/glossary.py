"""A glossary: terms that must stay as they are (brand and product names) or be translated one way.

The file is CSV with a header: ``term`` and then one column per target language::

    term,es,de,ja,ar
    captionkit,,,,
    subtitle,subtítulo,Untertitel,字幕,ترجمة
    OmniHuman,,,,

An empty cell keeps the term as it is in that language. Lines starting with ``#`` are comments.
Every translator is given the entries for the sentences it translates, and :func:`glossary_breaks`
reports every target sentence that does not hold the required form of a term its source contains.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import CaptionkitError
from ..model import UNSPACED_LANGUAGES
from .sentences import Sentence


@dataclass(frozen=True)
class Term:
    """One glossary entry: the source term and its required form per language (absent: kept as is)."""

    term: str
    forms: Mapping[str, str]

    def target(self, language: str) -> str:
        return self.forms.get(language) or self.term

    def kept(self, language: str) -> bool:
        return not self.forms.get(language)


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...] = ()

    def entries_for(self, text: str, language: str) -> list[tuple[str, str]]:
        """(term, required target form) of every term in ``text``, longest terms first."""
        found = [term for term in self.terms if _contains(text, term.term, "en")]
        return [(term.term, term.target(language)) for term in sorted(found, key=lambda t: -len(t.term))]

    def instructions(self, texts: Iterable[str], language: str) -> list[str]:
        """Lines telling a translator what to do with the terms ``texts`` contain."""
        lines: dict[str, str] = {}
        for text in texts:
            for term, form in self.entries_for(text, language):
                lines[term] = (f'"{term}": keep exactly as "{term}"' if form == term
                               else f'"{term}": translate as "{form}"')
        return list(lines.values())


@dataclass(frozen=True)
class GlossaryBreak:
    """A target sentence that lacks the required form of a term in its source."""

    sentence_id: str
    language: str
    term: str
    required: str

    def message(self) -> str:
        return f"{self.sentence_id} ({self.language}): {self.term!r} must appear as {self.required!r}"

    def to_dict(self) -> dict:
        return {"id": self.sentence_id, "language": self.language, "term": self.term, "required": self.required}


def load_glossary(path: str | Path | None) -> Glossary:
    """Read a glossary CSV (see the module docstring); ``None`` gives an empty glossary."""
    if path is None:
        return Glossary()
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CaptionkitError(f"{source}: no such glossary file; check the --glossary path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CaptionkitError(f"{source}: cannot read the glossary ({error}); save it as UTF-8 CSV") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if row and not row[0].lstrip().startswith("#")]
    if not rows or rows[0][0].strip().lower() != "term":
        raise CaptionkitError(f"{source}: a glossary starts with a header row 'term,<lang>,<lang>...', e.g. term,es,ja")
    languages = [cell.strip() for cell in rows[0][1:]]
    terms = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > len(rows[0]):
            raise CaptionkitError(f"{source}, row {number}: {len(row)} cells but the header has {len(rows[0])}")
        term = row[0].strip()
        if not term:
            raise CaptionkitError(f"{source}, row {number}: the term is empty")
        forms = {language: cell.strip() for language, cell in zip(languages, row[1:]) if cell.strip()}
        terms.append(Term(term, forms))
    return Glossary(tuple(terms))


def glossary_breaks(
    glossary: Glossary, sentences: Iterable[Sentence], translations: Mapping[str, str], language: str
) -> list[GlossaryBreak]:
    """Every target sentence that lacks the required form of a glossary term its source holds."""
    breaks = []
    for sentence in sentences:
        target = translations.get(sentence.id, "")
        for term, form in glossary.entries_for(sentence.text, language):
            if not _contains(target, form, language):
                breaks.append(GlossaryBreak(sentence.id, language, term, form))
    return breaks


def _contains(text: str, term: str, language: str) -> bool:
    """Whether ``text`` holds ``term`` as a whole word (case-insensitively); anywhere in unspaced scripts."""
    if language.split("-")[0] in UNSPACED_LANGUAGES:
        return term.casefold() in text.casefold()
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE) is not None
