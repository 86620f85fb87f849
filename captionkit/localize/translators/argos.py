"""The ``argos`` translator: offline machine translation with argostranslate's installed language packages.

argostranslate (``pip install 'captionkit[argos]'``) translates with a package per language pair; the
error names the package to install when the pair is missing. Glossary terms are protected from the
model: each is replaced by a placeholder the model copies through, then by its required form.
"""

from __future__ import annotations

import re

from ...errors import CaptionkitError
from . import Request

PLACEHOLDER = "Q{}Z"


class ArgosTranslator:
    """Translate sentence by sentence with an installed argostranslate package."""

    name = "argos"

    def translate(self, request: Request) -> dict[str, str]:
        translation = installed_translation(request.source_language, request.target_language)
        out = {}
        for sentence in request.sentences:
            protected, forms = protect_terms(sentence.text, request)
            out[sentence.id] = restore_terms(translation.translate(protected), forms)
        return out


def make(**_: object) -> ArgosTranslator:
    return ArgosTranslator()


def installed_translation(source: str, target: str):
    """argostranslate's translation from ``source`` to ``target``, or an error naming what to install."""
    try:
        from argostranslate import translate
    except ImportError:
        raise CaptionkitError(
            "the argos translator needs argostranslate: pip install 'captionkit[argos]', then install the "
            f"language package with: argospm install translate-{source}_{target}"
        ) from None
    languages = {language.code: language for language in translate.get_installed_languages()}
    pair = None
    if source in languages and target in languages:
        pair = languages[source].get_translation(languages[target])
    if pair is None:
        raise CaptionkitError(
            f"argostranslate has no {source}->{target} package installed: run "
            f"'argospm update && argospm install translate-{source}_{target}' (package translate-{source}_{target})"
        )
    return pair


def protect_terms(text: str, request: Request) -> tuple[str, dict[str, str]]:
    """``text`` with each glossary term replaced by a placeholder, and the target form of each placeholder."""
    forms = {}
    for index, (term, form) in enumerate(request.glossary.entries_for(text, request.target_language)):
        placeholder = PLACEHOLDER.format(index)
        text, count = re.subn(rf"(?<!\w){re.escape(term)}(?!\w)", placeholder, text, flags=re.IGNORECASE)
        if count:
            forms[placeholder] = form
    return text, forms


def restore_terms(text: str, forms: dict[str, str]) -> str:
    for placeholder, form in forms.items():
        text = re.sub(re.escape(placeholder), form, text, flags=re.IGNORECASE)
    return text
