"""Line breaking a subtitler would accept.

Where text may break is scored by :func:`break_cost` (lower is better), after the
Netflix and BBC rules (standards.md §1.1, §1.4):

* break after punctuation (a sentence end best, then a comma, colon...);
* break before a conjunction or a preposition (not after one);
* never break after an article or determiner ("the | house"), between an
  adjective and its noun as far as a determiner shows it ("the old | house"), between a first
  and last name ("John | Smith"), after a subject pronoun ("I | think"), after an
  auxiliary ("will | go"), before a negation ("is | not") or after a
  preposition ("in | the");
* with several equally good breaks, prefer balanced lines and a bottom-heavy
  pyramid (the top line shorter than the bottom one).

Text that fits on one line stays on one line. The same scores choose where cues
break (see :mod:`captionkit.cues.segment`). Word lists are English; other
languages break by punctuation only.
"""

from __future__ import annotations

import itertools
import math
from typing import Iterator, Sequence

from ..text import ends_clause, ends_sentence
from .profiles import Profile

DETERMINERS = frozenset(
    "a an the my your his its our their this these those every each another whose".split()
)
CONJUNCTIONS = frozenset(
    "and but or nor so yet because although though while when whenever where if unless since until "
    "whereas which who whom whose then as than".split()
)
PREPOSITIONS = frozenset(
    "in on at to for from with about into onto of by over under through after before between without "
    "during across around near toward towards upon within against along behind beyond among".split()
)
SUBJECT_PRONOUNS = frozenset("i you he she we they it".split())
AUXILIARIES = frozenset(
    "will would can could shall should may might must am is are was were be been being have has had "
    "do does did i'm you're we're they're he's she's it's i'll you'll we'll they'll i've you've we've".split()
)
NEGATIONS = frozenset("not never n't".split())

_STRIP = "\"'()[]{}\u201c\u201d\u2018\u2019\u00ab\u00bb,.;:!?\u2026-\u2014\u2013"


def _core(word: str) -> str:
    return word.strip(_STRIP).lower()


def _is_name_part(word: str) -> bool:
    core = word.strip(_STRIP)
    return len(core) > 1 and core[0].isupper() and core[1:].islower()


def break_cost(left: str, right: str, language: str = "en", before: str = "") -> float:
    """How bad it is to break between the words ``left`` and ``right`` (0 = ideal).

    ``before`` is the word before ``left``: after a determiner, ``left`` is most
    likely an adjective and ``right`` its noun ("the old | house").
    """
    if ends_sentence(left):
        return 0.0
    if ends_clause(left):
        return 1.0
    if not language.startswith("en"):
        return 5.0
    left_core, right_core = _core(left), _core(right)
    cost = 5.0
    if right_core in CONJUNCTIONS:
        cost = 2.0
    elif right_core in PREPOSITIONS:
        cost = 3.0
    if left_core in DETERMINERS:
        cost += 10.0
    if left_core in CONJUNCTIONS:
        cost += 4.0
    if left_core in PREPOSITIONS:
        cost += 4.0
    if left_core in SUBJECT_PRONOUNS:
        cost += 6.0
    if left_core in AUXILIARIES:
        cost += 4.0
    if right_core in NEGATIONS:
        cost += 6.0
    if _is_name_part(left) and _is_name_part(right):
        cost += 8.0
    if _core(before) in DETERMINERS and cost >= 5.0:
        cost += 4.0
    return cost


def separator(profile: Profile) -> str:
    return "" if profile.unspaced else " "


def join_tokens(tokens: Sequence[str], profile: Profile) -> str:
    return separator(profile).join(tokens)


class LineFiller:
    """Counts lines while tokens are added one by one (first fit, which needs the fewest lines)."""

    def __init__(self, profile: Profile) -> None:
        self.limit = profile.max_chars_per_line
        self.separator_length = profile.line_length(separator(profile))
        self.lines = 0
        self.current = 0.0

    def add(self, length: float) -> int:
        """Add a token ``length`` characters long; returns the number of lines so far."""
        if self.lines and self.current + self.separator_length + length <= self.limit:
            self.current += self.separator_length + length
        else:
            self.lines += 1
            self.current = length
        return self.lines


#: Cost of a sentence ending inside a line rather than at a line or cue break.
SENTENCE_INSIDE_COST = 2.0


def break_lines(tokens: Sequence[str], profile: Profile) -> list[str]:
    """The best layout of ``tokens`` in as few lines as they need (see the module docstring)."""
    tokens = [token for token in tokens if token]
    if not tokens:
        return []
    layout = TokenLayout(tokens, profile)
    _, breaks = layout.best(0, len(tokens))
    bounds = (0, *breaks, len(tokens))
    return [join_tokens(tokens[a:b], profile) for a, b in itertools.pairwise(bounds)]


class TokenLayout:
    """Scores line layouts of any run ``tokens[a:b]`` quickly (prefix sums), for segmentation and breaking."""

    def __init__(self, tokens: Sequence[str], profile: Profile) -> None:
        self.tokens = list(tokens)
        self.profile = profile
        self.separator_length = profile.line_length(separator(profile))
        self.lengths = [profile.line_length(token) for token in self.tokens]
        self.prefix = list(itertools.accumulate(self.lengths, initial=0.0))
        self.costs = [0.0] + [
            break_cost(self.tokens[k - 1], self.tokens[k], profile.language, self.tokens[k - 2] if k > 1 else "")
            for k in range(1, len(self.tokens))
        ]
        ends = [1 if ends_sentence(token) else 0 for token in self.tokens]
        self.sentence_ends = list(itertools.accumulate(ends, initial=0))

    def width(self, a: int, b: int) -> float:
        """The length of ``tokens[a:b]`` joined on one line."""
        return self.prefix[b] - self.prefix[a] + (b - a - 1) * self.separator_length

    def line_count(self, a: int, b: int) -> int:
        """The fewest lines ``tokens[a:b]`` fit in (a token longer than a line takes a line of its own)."""
        filler = LineFiller(self.profile)
        for length in self.lengths[a:b]:
            filler.add(length)
        return filler.lines

    def best(self, a: int, b: int, lines: int | None = None) -> tuple[float, tuple[int, ...]]:
        """(cost, line-break positions) of the best layout of ``tokens[a:b]`` in the fewest lines.

        ``lines``, when the caller knows it, is :meth:`line_count` of the same run.
        """
        limit = self.profile.max_chars_per_line
        inside = self.sentence_ends[b - 1] - self.sentence_ends[a]
        lines = lines or self.line_count(a, b)
        if lines == 1:
            return SENTENCE_INSIDE_COST * inside, ()
        if lines == 2:
            return self._best_two_lines(a, b, inside)
        best: tuple[float, tuple[int, ...]] | None = None
        for breaks in self._feasible_breaks(a, b, lines - 1):
            bounds = (a, *breaks, b)
            widths = [self.width(x, y) for x, y in itertools.pairwise(bounds)]
            at_breaks = sum(ends_sentence(self.tokens[k - 1]) for k in breaks)
            cost = sum(self.costs[k] for k in breaks) + _shape_cost(widths, limit)
            cost += SENTENCE_INSIDE_COST * (inside - at_breaks)
            if best is None or cost < best[0]:
                best = (cost, breaks)
        assert best is not None, "first fit found a layout in this many lines, so one exists"
        return best

    def _feasible_breaks(self, a: int, b: int, count: int) -> Iterator[tuple[int, ...]]:
        """Every way to break ``tokens[a:b]`` ``count`` times with each line within the limit."""
        limit = self.profile.max_chars_per_line
        if count == 0:
            if self.width(a, b) <= limit or b - a == 1:
                yield ()
            return
        for k in range(a + 1, b - count + 1):
            if self.width(a, k) > limit and k - a > 1:
                break
            for rest in self._feasible_breaks(k, b, count - 1):
                yield (k, *rest)

    def _best_two_lines(self, a: int, b: int, inside: int) -> tuple[float, tuple[int, ...]]:
        """:meth:`best` for two lines, the common case, in one pass over the break positions."""
        limit = self.profile.max_chars_per_line
        best_cost, best_break = math.inf, a + 1
        for k in range(a + 1, b):
            top, bottom = self.width(a, k), self.width(k, b)
            if top > limit and k - a > 1:
                break
            if bottom > limit and b - k > 1:
                continue
            cost = self.costs[k] + _shape_cost((top, bottom), limit)
            cost += SENTENCE_INSIDE_COST * (inside - self.sentence_ends[k] + self.sentence_ends[k - 1])
            if cost < best_cost:
                best_cost, best_break = cost, k
        assert best_cost < math.inf, "first fit found a two-line layout, so one exists"
        return best_cost, (best_break,)


def _shape_cost(widths: Sequence[float], limit: float) -> float:
    """Unbalanced lines cost up to 3; a top line longer than the one below costs 0.5 more."""
    cost = 0.0
    for upper, lower in itertools.pairwise(widths):
        cost += 3.0 * abs(upper - lower) / limit
        if upper > lower:
            cost += 0.5
    return cost
