"""Translators: source sentences in, one target text per sentence id out.

Each module here is one translator (``file`` for human translators through exchange files, ``infsh``
for an LLM app on inference.sh, ``argos`` for offline machine translation) with a class that
follows :class:`Translator`. :func:`make_translator` builds one by name.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from ...errors import CaptionkitError
from ..glossary import Glossary
from ..sentences import Sentence

TRANSLATORS = ("file", "infsh", "argos")


@dataclass(frozen=True)
class Request:
    """What a translator is asked: these sentences, from one language into another, with the glossary.

    ``line_limits`` gives, per sentence id, the note a human translator sees about length (characters
    per line, lines, and the characters the sentence's time allows at the target reading speed).
    """

    sentences: tuple[Sentence, ...]
    source_language: str
    target_language: str
    glossary: Glossary = field(default_factory=Glossary)
    line_limits: dict[str, str] = field(default_factory=dict)
    stem: str = "captions"


class Translator(Protocol):
    name: str

    def translate(self, request: Request) -> dict[str, str]:
        """The target text of every sentence of ``request``, by id (every id exactly once, none empty)."""
        ...


def make_translator(name: str, **settings: Any) -> Translator:
    """The translator called ``name`` (``file``, ``infsh``, ``argos``) with its settings."""
    if name not in TRANSLATORS:
        raise CaptionkitError(f"unknown translator {name!r}: choose one of {', '.join(TRANSLATORS)}")
    module = importlib.import_module(f"{__name__}.{name}")
    return module.make(**settings)


def check_complete(translations: dict[str, str], request: Request, where: str) -> dict[str, str]:
    """``translations`` if it has exactly the request's ids, none empty; else an error naming the ids."""
    expected = [sentence.id for sentence in request.sentences]
    missing = [key for key in expected if key not in translations]
    extra = sorted(set(translations) - set(expected))
    empty = [key for key in expected if key in translations and not translations[key].strip()]
    problems = describe_ids(missing=missing, extra=extra, empty=empty)
    if problems:
        raise CaptionkitError(f"{where}: {problems}")
    return {key: " ".join(translations[key].split()) if "\n" in translations[key] else translations[key].strip()
            for key in expected}


def describe_ids(**groups: Sequence[str]) -> str:
    """``missing ids s0003, s0007; empty s0002`` for the non-empty groups (at most 8 ids shown each)."""
    parts = []
    for kind, ids in groups.items():
        if ids:
            shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
            parts.append(f"{kind} {'id' if len(ids) == 1 else 'ids'} {shown}")
    return "; ".join(parts)


def exchange_name(stem: str, language: str, suffix: str) -> str:
    return f"{stem}.{language}{suffix}"
