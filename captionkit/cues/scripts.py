"""Writing-system rules for cue text: where CJK text may break, and right-to-left direction marks.

**Japanese and Chinese** are written without spaces, so a line may break between almost any two
characters, except (kinsoku shori, JIS X 4051): no line starts with closing punctuation, an iteration
mark, a prolonged-sound mark or a small kana, and none ends with opening punctuation.
:func:`unspaced_tokens` cuts such text into phrases (BudouX, e.g. 字幕が / すべての / 言語で) that keep
those rules; breaking only between them keeps the rules and breaks lines where a reader pauses.

**Arabic, Hebrew** and the other right-to-left scripts are stored in reading order; a player decides
where punctuation, digits and Latin words go by the Unicode bidi algorithm and the paragraph's
direction, which most players take as left to right for subtitles: a final full stop then lands on the
wrong (right) side, and a line that starts with a Latin word reads backwards. :func:`rtl_line` embeds
each line right to left (RLE ... PDF), so every player shows punctuation, numbers and Latin words where
a right-to-left reader expects them (libass also takes the direction from the text: see formats/ass.py).
"""

from __future__ import annotations

import functools
import re

from ..model import RIGHT_TO_LEFT_LANGUAGES

#: Characters that may not start a line (closing brackets and punctuation, small kana, marks).
NO_LINE_START = frozenset(
    ")]}\u3009\u300b\u300d\u300f\u3011\u3015\u3017\u3019\u301f\uff09\uff3d\uff5d\uff60\u00bb\u201d\u2019"
    ",.:;!?\u3001\u3002\uff0c\uff0e\uff1a\uff1b\uff01\uff1f\u30fb\u2026\u2025\u301c\uff5e"
    "\u30fc\u30fd\u30fe\u309d\u309e\u3005\u303b"
    "\u3041\u3043\u3045\u3047\u3049\u3063\u3083\u3085\u3087\u308e\u3095\u3096"
    "\u30a1\u30a3\u30a5\u30a7\u30a9\u30c3\u30e3\u30e5\u30e7\u30ee\u30f5\u30f6"
    "\u31f0\u31f1\u31f2\u31f3\u31f4\u31f5\u31f6\u31f7\u31f8\u31f9\u31fa\u31fb\u31fc\u31fd\u31fe\u31ff"
    "\uff67\uff68\uff69\uff6a\uff6b\uff6c\uff6d\uff6e\uff6f\uff70"
)
#: Latin words with spaces between them inside CJK text, and the private-use characters that hold them
#: while BudouX cuts the text.
_LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'.-]*(?: +[A-Za-z0-9][A-Za-z0-9'.-]*)+")
_HELD = 0xF0000
#: Characters that may not end a line (opening brackets and quotes).
NO_LINE_END = frozenset("([{\u3008\u300a\u300c\u300e\u3010\u3014\u3016\u3018\u301d\uff08\uff3b\uff5b\uff5f\u00ab\u201c\u2018")

RLE, PDF = "\u202b", "\u202c"


def is_right_to_left(language: str | None) -> bool:
    return _base(language) in RIGHT_TO_LEFT_LANGUAGES


def unspaced_tokens(text: str, language: str = "ja", max_length: float = 16) -> list[str]:
    """``text`` (Japanese, Chinese or Thai) as unbreakable pieces whose joins are all allowed line breaks.

    Pieces are phrases found by BudouX (Google's phrase segmenter for line breaking), then kept to the
    kinsoku rules: a character that may not start a line joins the piece before it, and one that may not
    end a line joins the piece after it. A piece longer than ``max_length`` is cut between characters
    where the rules allow.
    """
    latin_runs: list[str] = []

    def hold(match: re.Match) -> str:  # a Latin phrase ("three features") stays whole, spaces and all
        latin_runs.append(match.group(0))
        return chr(_HELD + len(latin_runs) - 1)

    held = _LATIN_RUN.sub(hold, text.strip())
    compact = "".join(held.split()) if _base(language) != "th" else held
    parser = _phrase_parser(language)
    phrases = parser.parse(compact) if parser is not None else list(compact)
    phrases = [re.sub(f"[{chr(_HELD)}-{chr(_HELD + 255)}]", lambda m: latin_runs[ord(m.group(0)) - _HELD], phrase)
               for phrase in phrases]
    pieces: list[str] = []
    for phrase in phrases:
        while pieces and phrase and phrase[0] in NO_LINE_START:
            pieces[-1] += phrase[0]
            phrase = phrase[1:]
        if not phrase:
            continue
        if pieces and pieces[-1][-1] in NO_LINE_END:
            pieces[-1] += phrase
        else:
            pieces.append(phrase)
    return [part for piece in pieces for part in _cut_long(piece, max_length)]


def _cut_long(piece: str, max_length: float) -> list[str]:
    limit = max(int(max_length), 2)
    parts = []
    while len(piece) > limit:
        cut = limit
        while cut > 1 and (piece[cut] in NO_LINE_START or piece[cut - 1] in NO_LINE_END
                           or (_is_latin(piece[cut - 1]) and _is_latin(piece[cut]))):
            cut -= 1
        if cut == 1:  # one long Latin word: cut it anyway
            cut = limit
        parts.append(piece[:cut])
        piece = piece[cut:]
    return parts + [piece]


def _is_latin(char: str) -> bool:
    """A letter of a Latin word (a line may break at the space between two, not inside one)."""
    return char.isascii() and (char.isalnum() or char in "'-")


def _base(language: str | None) -> str:
    return (language or "").replace("_", "-").split("-")[0].lower()


@functools.cache
def _phrase_parser(language: str):
    import budoux

    code = language.replace("_", "-").lower()
    if code.startswith("ja"):
        return budoux.load_default_japanese_parser()
    if code in ("zh-tw", "zh-hk", "zh-mo", "zh-hant") or code.startswith("zh-hant"):
        return budoux.load_default_traditional_chinese_parser()
    if code.startswith("zh") or code == "yue":
        return budoux.load_default_simplified_chinese_parser()
    if code.startswith("th"):
        return budoux.load_default_thai_parser()
    return None


def rtl_line(line: str) -> str:
    """A line of right-to-left text embedded as right to left (RLE ... PDF) for players that default to
    left to right."""
    if not line or line.startswith(RLE):
        return line
    return f"{RLE}{line}{PDF}"
