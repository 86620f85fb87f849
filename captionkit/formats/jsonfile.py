"""captionkit JSON (``.json``): timed words and the cues built from them.

Shape::

    {
      "language": "en",
      "words": [{"word": "Hello", "start": 0.4, "end": 0.7, "probability": 0.98, "speaker": "S1"}, ...],
      "cues": [{"start": 0.4, "end": 1.3, "lines": ["Hello there."], "speaker": "S1", "word_range": [0, 2]}, ...]
    }

``words`` is exactly the ``--words`` shape (:meth:`captionkit.model.Word.to_dict`),
so any reader of word files reads this too. Each cue names its words by the
half-open index range ``word_range`` into ``words``. A file with words but no
``cues`` (a ``--words`` file) needs cues built from its words: :func:`parse` takes
the segmenter to do that (``segment=captionkit.cues.segment.build_track``; the
format layer sits below the cue builder), and without one says so.
"""

from __future__ import annotations

import json
import os
from typing import Callable

from ..errors import CaptionkitError
from ..files import write_text_atomic
from ..model import Cue, Track, Word
from .base import file_reader, file_writer, read_text

#: Builds cues from timed words: ``segment(words, language=...) -> Track``.
Segmenter = Callable[..., Track]


def to_dict(track: Track) -> dict:
    words: list[dict] = []
    cues = []
    for cue in track.cues:
        first = len(words)
        words.extend(word.to_dict() for word in cue.words)
        cues.append(
            {
                "start": round(cue.start, 3),
                "end": round(cue.end, 3),
                "lines": list(cue.lines),
                "speaker": cue.speaker,
                "word_range": [first, len(words)],
            }
        )
    return {"language": track.language, "words": words, "cues": cues}


def dump(track: Track) -> str:
    return json.dumps(to_dict(track), ensure_ascii=False, indent=2) + "\n"


def from_dict(data: object, language: str | None = None, *, segment: Segmenter | None = None) -> Track:
    if not isinstance(data, dict) or not isinstance(data.get("words", []), list):
        raise CaptionkitError('not a captionkit JSON file: expected an object with "words" and/or "cues"')
    try:
        words = [Word.from_dict(item) for item in data.get("words", [])]
        language = language or str(data.get("language") or "en")
        if "cues" not in data:
            if segment is None:
                raise CaptionkitError("this JSON file holds timed words but no cues (a --words file); "
                                      "give a captionkit JSON file with cues, or build captions from the words first")
            return segment(words, language=language)
        cues = []
        for item in data["cues"]:
            first, end = item.get("word_range", [0, 0])
            cues.append(
                Cue(
                    start=float(item["start"]),
                    end=float(item["end"]),
                    lines=[str(line) for line in item.get("lines", [])],
                    speaker=item.get("speaker"),
                    words=words[first:end],
                )
            )
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise CaptionkitError(f"malformed captionkit JSON: {error!r} in a word or cue") from None
    return Track(cues=cues, language=language)


def parse(text: str, language: str | None = None, *, segment: Segmenter | None = None) -> Track:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CaptionkitError(f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    return from_dict(data, language, segment=segment)


read = file_reader(parse)
write = file_writer(dump)


def write_words(words: list[Word], path: str | os.PathLike, language: str | None = None) -> None:
    """A ``--words`` file: ``{"language", "words": [...]}`` (captionkit JSON without cues)."""
    data: dict = {"words": [word.to_dict() for word in words]}
    if language:
        data = {"language": language, **data}
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def read_words(path: str | os.PathLike) -> list[Word]:
    """The words of a ``--words`` file, of a captionkit JSON file, or of a bare JSON list of words."""
    text = read_text(path).text
    try:
        data = json.loads(text)
        items = data["words"] if isinstance(data, dict) else data
        return [Word.from_dict(item) for item in items]
    except json.JSONDecodeError as error:
        raise CaptionkitError(f"{os.fspath(path)!r} is not valid JSON: {error.msg} at line {error.lineno}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise CaptionkitError(
            f"{os.fspath(path)!r} is not a words file ({error!r}): expected {{\"words\": [{{\"word\", \"start\", \"end\"}}...]}}"
        ) from None
