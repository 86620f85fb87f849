"""Refining written words by what is said for them.

An acoustic aligner can time "forty nine dollars", not "$49.99". Each written
word is given as its spoken units (from ``spoken_forms.py``, with the
attention's times for each unit); the units are refined together, and each
written word then spans its units' refined times. Shared by ``align`` (the
reading the audio supported) and ``transcribe`` (the usual reading).
"""

from __future__ import annotations

import numpy as np

from ..media import MODEL_SAMPLE_RATE, Samples
from ..model import Word
from .refine import refine_words
from .spoken_forms import readings


def refine_by_units(
    units: list[list[Word]], audio: Samples, *, language: str, model: str, method: str = "best"
) -> list[tuple[float, float]]:
    """(start, end) of each written word, refined through its units (each word has at least one)."""
    flat = [unit for word in units for unit in word]
    refined = iter(refine_words(flat, audio, MODEL_SAMPLE_RATE, language=language, model=model, method=method))
    spans = []
    for word in units:
        timed = [next(refined) for _ in word]
        spans.append((timed[0].start, timed[-1].end))
    return spans


def units_of(words: list[Word], language: str) -> list[list[Word]]:
    """Each word as its usual reading's units, its time shared out by the units' lengths in letters.

    The word's closing punctuation stays on its last unit, so the refinement
    still sees where clauses end.
    """
    result: list[list[Word]] = []
    for word, spoken in zip(words, readings([w.text for w in words], language)):
        if not spoken:
            result.append([word])
            continue
        texts = with_closing(spoken[0], word.text)
        weights = np.cumsum([0] + [len(text) for text in texts]) / sum(len(text) for text in texts)
        edges = word.start + weights * (word.end - word.start)
        result.append([
            Word(text, float(a), float(b), word.probability, word.speaker) for text, a, b in zip(texts, edges, edges[1:])
        ])
    return result


_CLOSING_PUNCTUATION = "\"'”’»)]}.,;:!?…"


def with_closing(units: list[str], written: str) -> list[str]:
    """``units`` with the closing punctuation of the written word on the last one."""
    closing = written[len(written.rstrip(_CLOSING_PUNCTUATION)):]
    return [*units[:-1], units[-1] + closing]
