"""Text rules every stage shares: where a sentence or a clause ends, and the inline styling tags.

A word ends a sentence when its last mark (after any closing quotes and
brackets: ``Monday.”``, ``(really?)``, ``wow!)``) is a full stop, question or
exclamation mark or ellipsis, in Latin, CJK or Arabic script. It ends a clause
when that mark is a comma, semicolon, colon or dash; a sentence end ends its
clause too. Abbreviations (``Mr.``) are not told apart from sentence ends.

Cue text may hold inline styling as SRT writes it: ``<i>``, ``<b>``, ``<u>`` and their closing tags, lower
case. The formats read other tools' markup into this form and write it out in their own
(:mod:`captionkit.formats`).
"""

from __future__ import annotations

import re

#: Marks that end a sentence: Latin, ellipsis, CJK full-width, Arabic question mark.
SENTENCE_MARKS = ".!?\u2026\u3002\uff01\uff1f\u061f\u203c\u2047\u2048\u2049"
#: Marks that end a clause but not a sentence: Latin, dashes, CJK full-width, Arabic comma and semicolon.
CLAUSE_MARKS = ",;:-\u2013\u2014\u3001\uff0c\uff1b\uff1a\u060c\u061b"
#: Closing quotes and brackets that may follow the mark (straight, curly, guillemets, CJK).
CLOSERS = "\"')]}\u2019\u201d\u00bb\u203a\u300d\u300f\u3011\u3009\u300b\uff09\uff3d"
#: Marks after which the next sentence may follow with no space (CJK full-width).
_UNSPACED_SENTENCE_MARKS = "\u3002\uff01\uff1f"

_SENTENCE_BOUNDARY = re.compile(
    rf"[{re.escape(SENTENCE_MARKS)}]+[{re.escape(CLOSERS)}]*(?:\s+|$)"
    rf"|[{_UNSPACED_SENTENCE_MARKS}]+[{re.escape(CLOSERS)}]*"
)


def final_mark(word: str) -> str:
    """The last character of ``word`` before any closing quotes, brackets and styling tags (``""`` if none)."""
    return strip_inline_tags(word).rstrip().rstrip(CLOSERS)[-1:]


def ends_sentence(word: str) -> bool:
    """True when ``word`` ends a sentence (``end.``, ``Monday.”``, ``wow!)``, ``…``, ``。``, ``？``)."""
    mark = final_mark(word)
    return bool(mark) and mark in SENTENCE_MARKS


def ends_clause(word: str) -> bool:
    """True when ``word`` ends at least a clause (``so,``, ``this:``, ``—``, ``、``) or a sentence."""
    mark = final_mark(word)
    return bool(mark) and (mark in SENTENCE_MARKS or mark in CLAUSE_MARKS)


def split_sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end (white space trimmed, empty pieces dropped)."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_BOUNDARY.finditer(text):
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


#: Inline styling tags kept in cue text: italic, bold, underline (``<i>``...``</i>``).
INLINE_TAG = re.compile(r"<(/?)([ibu])>")


def strip_inline_tags(text: str) -> str:
    """``text`` without its inline styling tags (what is seen)."""
    return INLINE_TAG.sub("", text)


def self_contained(pieces: list[str]) -> list[str]:
    """Consecutive pieces of one text, each opening the styles in force where it starts and closing the ones
    still open where it ends, so any piece can be shown alone (``["<i>Hi", "there</i>"]`` ->
    ``["<i>Hi</i>", "<i>there</i>"]``)."""
    open_tags: list[str] = []
    result = []
    for piece in pieces:
        prefix = "".join(f"<{tag}>" for tag in open_tags)
        for closing, tag in INLINE_TAG.findall(piece):
            if closing and tag in open_tags:
                open_tags.remove(tag)
            elif not closing and tag not in open_tags:
                open_tags.append(tag)
        suffix = "".join(f"</{tag}>" for tag in reversed(open_tags))
        result.append(_drop_empty_spans(prefix + piece + suffix))
    return result


def _drop_empty_spans(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"<([ibu])></\1>", "", text)
    return text
