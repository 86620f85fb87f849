"""Fit a track's cues to a style on one frame size: pure functions, no rendering.

The cue builder breaks lines for a 16:9 reading profile; a style may show
fewer characters per line (9:16) or only a few words at a time (``social``).
:func:`layout_cues` re-cuts the track into :class:`Block` s (what one caption
event shows) whose lines hold their words, so the ASS writer can colour or
time each word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Cue, Track, Word, word_separator
from ..text import INLINE_TAG, ends_clause, ends_sentence, self_contained, strip_inline_tags

#: A new chunk starts after a pause longer than this (seconds), when words are shown a few at a time.
CHUNK_PAUSE = 0.35

_DASHES = ("-", "–", "—")


@dataclass(slots=True)
class Token:
    """One word as displayed (upper-cased, with a dialogue dash...) and its timing, if known."""

    text: str
    word: Word | None = None


@dataclass(slots=True)
class Block:
    """What one caption event shows: lines of tokens from ``start`` to ``end``."""

    start: float
    end: float
    lines: list[list[Token]]
    speaker: str | None = None
    #: True for the first block of a speaker's turn (where ``lower-third`` shows the name).
    turn_start: bool = False
    words_estimated: bool = False
    tokens: list[Token] = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = [token for line in self.lines for token in line]

    @property
    def timed(self) -> bool:
        return all(token.word is not None for token in self.tokens) and bool(self.tokens)


def layout_cues(
    track: Track, *, max_chars: int, max_lines: int, max_words: int = 0, uppercase: bool = False
) -> list[Block]:
    """Re-cut ``track`` into blocks of at most ``max_lines`` lines of ``max_chars`` (and ``max_words``)."""
    separator = word_separator(track.language)
    weak = weak_endings(track.language)
    blocks: list[Block] = []
    for cue in track.cues:
        words, estimated = cue_words(cue, separator)
        if max_words and separator and len(words) > max_words:  # a cue that fits keeps its own timing
            groups = chunk_words(words, max_words=max_words, max_chars=max_chars, language=track.language)
            blocks.extend(_chunk_blocks(cue, groups, separator, max_chars, max_lines, estimated, weak))
        else:
            blocks.extend(_cue_blocks(cue, words, separator, max_chars, max_lines, estimated, weak))
    if uppercase:
        for block in blocks:
            for token in block.tokens:
                token.text = _upper_outside_tags(token.text)
    _mark_turns(blocks)
    return blocks


def cue_words(cue: Cue, separator: str = " ") -> tuple[list[Word], bool]:
    """The cue's timed words, or words estimated from its text spread over its duration by length."""
    if cue.words:
        return list(cue.words), False
    pieces = display_pieces(cue.text, separator)
    if not pieces:
        return [], True
    weights = [len(piece) + 1 for piece in pieces]
    total = sum(weights)
    words, clock = [], cue.start
    for piece, weight in zip(pieces, weights):
        step = cue.duration * weight / total
        words.append(Word(piece, clock, clock + step, speaker=cue.speaker))
        clock += step
    return words, True


#: Words a chunk should not end on (articles, prepositions, conjunctions...), by language.
WEAK_ENDINGS = {
    "en": frozenset(
        "a an the to of in on at by for with from into and or but nor so if as than that "
        "my your his her its our their i we you he she they".split()
    ),
}


def weak_endings(language: str | None) -> frozenset[str]:
    """Words a line or chunk should not end on, for ``language`` (none known: empty)."""
    return WEAK_ENDINGS.get((language or "en").split("-")[0].lower(), frozenset())


def chunk_words(words: list[Word], *, max_words: int, max_chars: int, language: str = "en") -> list[list[Word]]:
    """Group words a few at a time: phrases end at punctuation, pauses and speaker changes, and each
    phrase is cut into the fewest chunks, preferring not to end a chunk on an article or a preposition."""
    weak = weak_endings(language)
    groups: list[list[Word]] = []
    for phrase in _phrases(words):
        groups.extend(_cut_phrase(phrase, max_words, max_chars, weak))
    return groups


def _phrases(words: list[Word]) -> list[list[Word]]:
    phrases: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current:
            previous = current[-1]
            if (
                ends_clause(previous.text)
                or word.start - previous.end > CHUNK_PAUSE
                or word.speaker != previous.speaker
            ):
                phrases.append(current)
                current = []
        current.append(word)
    if current:
        phrases.append(current)
    return phrases


def _cut_phrase(phrase: list[Word], max_words: int, max_chars: int, weak: frozenset[str]) -> list[list[Word]]:
    """The cut of ``phrase`` into chunks with the fewest chunks, then the fewest weak endings and lone words."""
    count = len(phrase)
    best: list[tuple[int, int, int] | None] = [None] * (count + 1)
    best[0] = (0, 0, 0)
    for end in range(1, count + 1):
        for size in range(1, min(max_words, end) + 1):
            start = end - size
            previous = best[start]
            chunk = phrase[start:end]
            too_long = sum(len(w.text) + 1 for w in chunk) - 1 > max_chars and size > 1
            if previous is None or too_long:
                continue
            ending = chunk[-1].text.lower().strip(".,!?;:\"'")
            penalty = (2 if end < count and ending in weak else 0) + (1 if size == 1 and count > 1 else 0)
            candidate = (previous[0] + 1, previous[1] + penalty, start)
            current = best[end]
            if current is None or candidate[:2] < current[:2]:
                best[end] = candidate
    cuts, end = [], count
    while end > 0:
        chosen = best[end]
        assert chosen is not None  # a chunk of one word always fits, so every end is reachable
        start = chosen[2]
        cuts.append(phrase[start:end])
        end = start
    return cuts[::-1]


def _chunk_blocks(cue, groups, separator, max_chars, max_lines, estimated, weak) -> list[Block]:
    blocks = []
    for index, group in enumerate(groups):
        start = group[0].start if index else min(cue.start, group[0].start)
        if index + 1 < len(groups):
            # The cue's words belong together (segmentation breaks cues at pauses), so a chunk stays
            # until the next one; the writer leaves the minimum gap between them.
            end = groups[index + 1][0].start
        else:
            end = max(cue.end, group[-1].end)
        tokens = [Token(word.text, word) for word in group]
        speaker = group[0].speaker or cue.speaker
        blocks.append(Block(start, end, wrap_tokens(tokens, max_chars, max_lines, separator, weak), speaker,
                            words_estimated=estimated))
    return blocks


def _cue_blocks(cue, words, separator, max_chars, max_lines, estimated, weak) -> list[Block]:
    tokens = _cue_tokens(cue, words, separator)
    fits = len(cue.lines) <= max_lines and all(len(line) <= max_chars for line in cue.lines)
    if fits:
        lines, position = [], 0
        for line in cue.lines:
            count = len(line.split()) if separator else _tokens_in(line, tokens[position:])
            lines.append(tokens[position : position + count])
            position += count
        return [Block(cue.start, cue.end, lines, cue.speaker, words_estimated=estimated)]
    turns = _turns(cue, tokens)
    blocks: list[Block] = []
    for index, turn in enumerate(turns):
        start = cue.start if index == 0 else _token_start(turn[0], cue.start)
        end = cue.end if index + 1 == len(turns) else _token_start(turns[index + 1][0], cue.end)
        speaker = next((t.word.speaker for t in turn if t.word and t.word.speaker), None) or cue.speaker
        parts = split_to_fit(turn, max_chars, max_lines, separator, weak)
        blocks.extend(_timed_parts(start, end, parts, speaker, estimated))
    return blocks


def _tokens_in(line: str, tokens: list[Token]) -> int:
    """How many of ``tokens`` (words of a language written without spaces) make up ``line``."""
    length, count = len("".join(line.split())), 0
    for token in tokens:
        if length <= 0:
            break
        length -= len(token.text)
        count += 1
    return count


def _turns(cue: Cue, tokens: list[Token]) -> list[list[Token]]:
    """The cue's tokens split where the speaker changes; a dialogue dash is dropped once a turn stands alone."""
    turns: list[list[Token]] = []
    dashed = len(cue.lines) > 1 and all(line.lstrip().startswith(_DASHES) for line in cue.lines)
    for token in tokens:
        previous = turns[-1][-1] if turns else None
        new_turn = previous is None or (dashed and token.text.startswith(_DASHES)) or (
            not dashed and token.word is not None and previous.word is not None
            and token.word.speaker != previous.word.speaker
        )
        if new_turn:
            turns.append([])
        turns[-1].append(token)
    if len(turns) > 1:
        for turn in turns:
            turn[0].text = turn[0].text.lstrip("".join(_DASHES)).lstrip() or turn[0].text
    return turns


def _token_start(token: Token, fallback: float) -> float:
    return token.word.start if token.word is not None else fallback


def _cue_tokens(cue: Cue, words: list[Word], separator: str) -> list[Token]:
    """The cue's displayed pieces paired with its words (by position when the counts agree)."""
    pieces = display_pieces(cue.text, separator)
    if len(pieces) == len(words):
        return [Token(piece, word) for piece, word in zip(pieces, words)]
    if words:
        return [Token(word.text, word) for word in words]
    return [Token(piece) for piece in pieces]


def split_to_fit(
    tokens: list[Token], max_chars: int, max_lines: int, separator: str, weak: frozenset[str] = frozenset()
) -> list[list[list[Token]]]:
    """Split tokens into the fewest successive blocks of at most ``max_lines`` x ``max_chars``,
    cutting after sentence ends rather than commas, after commas rather than mid-phrase, and never
    after a ``weak`` word when there is a choice."""
    count = len(tokens)

    def fits(start: int, end: int) -> bool:
        if end - start == 1:
            return True
        lines = wrap_tokens(tokens[start:end], max_chars, max_lines, separator, weak)
        return len(lines) <= max_lines and all(_width(line, separator) <= max_chars for line in lines)

    best: dict[int, tuple[int, int, int]] = {0: (0, 0, 0)}
    for end in range(1, count + 1):
        for start in range(end - 1, -1, -1):
            if not fits(start, end):
                break
            if start not in best:
                continue
            penalty = best[start][1] + (0 if end == count else _cut_penalty(tokens[end - 1], weak))
            penalty += 4 if end < count and _inside_quotes(tokens[:end]) else 0
            candidate = (best[start][0] + 1, penalty, start)
            if end not in best or candidate[:2] < best[end][:2]:
                best[end] = candidate
    cuts, end = [], count
    while end > 0:
        start = best[end][2]
        cuts.append(tokens[start:end])
        end = start
    return [wrap_tokens(part, max_chars, max_lines, separator, weak) for part in reversed(cuts)]


def _inside_quotes(tokens: list[Token]) -> bool:
    """True when a straight or curly double quote opened in ``tokens`` is not closed yet."""
    text = " ".join(token.text for token in tokens)
    return text.count('"') % 2 == 1 or text.count("“") > text.count("”")


def _cut_penalty(token: Token, weak: frozenset[str]) -> int:
    """The cost of ending a caption after ``token``: none after a sentence, most after ``the``, ``your``..."""
    if ends_sentence(token.text):
        return 0
    if ends_clause(token.text):
        return 1
    return 6 if token.text.lower().strip("\"'") in weak else 3


def _timed_parts(start: float, end: float, parts: list[list[list[Token]]], speaker: str | None,
                 estimated: bool) -> list[Block]:
    """Blocks for successive parts of one turn: each starts at its first word (the first at ``start``)."""
    blocks = []
    total = sum(_width([t for line in part for t in line], " ") for part in parts) or 1
    clock = start
    for index, part in enumerate(parts):
        tokens = [t for line in part for t in line]
        if index + 1 < len(parts):
            following = parts[index + 1][0][0].word
            share = (end - start) * _width(tokens, " ") / total
            part_end = following.start if following is not None else clock + share
        else:
            part_end = end
        part_start = start if index == 0 else _token_start(tokens[0], clock)
        part_start = min(part_start, part_end)
        blocks.append(Block(part_start, part_end, part, speaker, words_estimated=estimated))
        clock = part_end
    return blocks


def wrap_tokens(
    tokens: list[Token], max_chars: int, max_lines: int, separator: str = " ", weak: frozenset[str] = frozenset()
) -> list[list[Token]]:
    """Break tokens into at most ``max_lines`` balanced lines: the shortest longest line, counting a break
    after punctuation as 2 characters shorter and one after a ``weak`` word (``and``, ``the``...) as 4
    longer; the top line shorter on ties."""
    if len(tokens) <= 1 or _width(tokens, separator) <= max_chars:
        return [tokens] if tokens else []
    if max_lines == 1:
        return [tokens]
    best: list[list[Token]] | None = None
    best_key = None
    for cut in range(1, len(tokens)):
        head, tail = tokens[:cut], tokens[cut:]
        rest = wrap_tokens(tail, max_chars, max_lines - 1, separator, weak)
        lines = [head, *rest]
        widths = [_width(line, separator) for line in lines]
        ending = head[-1].text
        bias = -2 if ends_clause(ending) else (4 if ending.lower().strip("\"'") in weak else 0)
        key = (max(widths) > max_chars, max(widths) + bias, len(lines), widths[0] > widths[-1])
        if best_key is None or key < best_key:
            best, best_key = lines, key
    assert best is not None
    return best


def _width(tokens: list[Token], separator: str) -> int:
    return sum(len(strip_inline_tags(token.text)) for token in tokens) + len(separator) * max(len(tokens) - 1, 0)


#: One character of unspaced text with the inline tags around it.
_TAGGED_CHARACTER = re.compile(r"(?:<[ibu]>)*[^\s](?:</[ibu]>)*")


def display_pieces(text: str, separator: str = " ") -> list[str]:
    """The words of ``text`` (its characters, for unspaced languages), each carrying its own inline styling."""
    if separator:
        pieces = text.split()
    else:
        pieces = _TAGGED_CHARACTER.findall(text)
    return self_contained(pieces)


def _upper_outside_tags(text: str) -> str:
    parts = INLINE_TAG.split(text)  # text, closing slash, tag, text, ...
    out = [parts[0].upper()]
    for slash, tag, rest in zip(parts[1::3], parts[2::3], parts[3::3]):
        out.append(f"<{slash}{tag}>{rest.upper()}")
    return "".join(out)


def _mark_turns(blocks: list[Block]) -> None:
    previous: str | None = None
    for block in blocks:
        speaker = block.speaker
        if speaker is None and block.timed:
            speakers = {token.word.speaker for token in block.tokens if token.word and token.word.speaker}
            speaker = speakers.pop() if len(speakers) == 1 else None
        block.turn_start = speaker is not None and speaker != previous
        if speaker is not None:
            previous = speaker
