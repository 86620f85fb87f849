"""How written words are said: numbers, currency, symbols and hyphenated words as spoken words.

An acoustic aligner hears "forty-nine dollars and ninety-nine cents", not
"$49.99". :func:`readings` gives, for each written word of a script, the ways
a speaker may say it, most usual first (none when it is said as written):
"$49.99" is also "forty-nine ninety-nine", "24/7" also "twenty-four slash
seven". The aligner picks the reading the audio supports, times its words,
and the caption shows the written word over their span.

Pure functions, one small rule table per language (:data:`RULES`); numbers are
read with ``num2words`` in the script's language. Covered: cardinals with
thousands separators, decimals, currency before or after the amount,
percentages, multipliers (``2.5x``), ordinals (``3rd``, ``3.º``, ``3.``),
times (``9:30``), years and decades (``1990s``), versions (``v3.1``),
``24/7``-style pairs and small fractions, ranges (``2020-2024``), ``No. 1``,
symbols (``&``, ``@``, ``+``), e-mail and web addresses, hyphenated words
(``e-mail``, ``30-day``) and mixed letters and digits (``MP3``, ``4K``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from num2words import num2words


@dataclass(frozen=True, slots=True)
class LanguageRules:
    """The words one language uses for symbols and number notation."""

    decimal_mark: str  # the usual decimal separator in writing: "." or ","
    point: dict[str, str]  # how each decimal separator is read: {".": "point"}
    currency: dict[str, tuple[str, str, str, str]]  # symbol -> (unit plural, hundredth plural, joiner, unit)
    symbols: dict[str, str]
    percent: str
    version: str
    number_abbreviations: tuple[str, ...]
    range_word: str  # 2020-2024
    multiplier: tuple[str, ...]  # 2.5x: "times", or the letter
    number_signs: tuple[str, ...]  # "No. 1": "number", or the abbreviation read as a word
    amount_joiner: str  # between the whole and the cents of "49,99 €"
    dot: str  # in addresses
    clock: str  # "{hours} {minutes}" pattern for 9:30
    clock_hour: str  # pattern for 9:00
    oh_minutes: bool  # en: 9:05 is "nine oh five"
    ordinal_suffix: re.Pattern[str]
    fractions: dict[int, tuple[str, str]] = field(default_factory=dict)  # denominator -> (singular, plural)
    words: dict[str, str] = field(default_factory=dict)  # whole written words with a known pronunciation


RULES: dict[str, LanguageRules] = {
    "en": LanguageRules(
        decimal_mark=".",
        point={".": "point", ",": "point"},
        currency={"$": ("dollars", "cents", "and", "dollar"), "€": ("euros", "cents", "and", "euro"),
                  "£": ("pounds", "pence", "and", "pound"), "¥": ("yen", "sen", "and", "yen")},
        symbols={"&": "and", "@": "at", "+": "plus", "=": "equals", "%": "percent", "#": "number", "°": "degrees",
                 "×": "times", "/": "slash", "~": "about", "*": "star"},
        percent="percent",
        multiplier=("times", "x"),
        number_signs=("number", "no"),
        version="version",
        number_abbreviations=("no.", "nos.", "#"),
        range_word="to",
        amount_joiner="point",
        dot="dot",
        clock="{hours} {minutes}",
        clock_hour="{hours} o'clock",
        oh_minutes=True,
        ordinal_suffix=re.compile(r"^(\d+)(st|nd|rd|th)$", re.IGNORECASE),
        fractions={2: ("half", "halves"), 3: ("third", "thirds"), 4: ("quarter", "quarters")},
        words={"wi-fi": "wifi", "e-mail": "e mail", "ok": "okay"},
    ),
    "es": LanguageRules(
        decimal_mark=",",
        point={".": "punto", ",": "coma"},
        currency={"$": ("dólares", "centavos", "con", "dólar"), "€": ("euros", "céntimos", "con", "euro"),
                  "£": ("libras", "peniques", "con", "libra")},
        symbols={"&": "y", "@": "arroba", "+": "más", "=": "igual a", "%": "por ciento", "#": "número",
                 "°": "grados", "×": "por", "/": "barra", "~": "aproximadamente", "*": "asterisco"},
        percent="por ciento",
        multiplier=("veces", "por"),
        number_signs=("número",),
        version="versión",
        number_abbreviations=("nº", "n.º", "no.", "núm.", "#"),
        range_word="a",
        amount_joiner="con",
        dot="punto",
        clock="{hours} y {minutes}",
        clock_hour="{hours} en punto",
        oh_minutes=False,
        ordinal_suffix=re.compile(r"^(\d+)\.?[ºªoa°]$", re.IGNORECASE),
        fractions={2: ("medio", "medios"), 3: ("tercio", "tercios"), 4: ("cuarto", "cuartos")},
        words={"wi-fi": "wai fai", "wifi": "wai fai", "e-mail": "i meil", "email": "i meil"},
    ),
    "de": LanguageRules(
        decimal_mark=",",
        point={".": "Punkt", ",": "Komma"},
        currency={"$": ("Dollar", "Cent", "und", "Dollar"), "€": ("Euro", "Cent", "und", "Euro"),
                  "£": ("Pfund", "Pence", "und", "Pfund")},
        symbols={"&": "und", "@": "at", "+": "plus", "=": "gleich", "%": "Prozent", "#": "Nummer", "°": "Grad",
                 "×": "mal", "/": "Schrägstrich", "~": "circa", "*": "Stern"},
        percent="Prozent",
        multiplier=("mal", "x"),
        number_signs=("Nummer",),
        version="Version",
        number_abbreviations=("nr.", "no.", "#"),
        range_word="bis",
        amount_joiner="Komma",
        dot="Punkt",
        clock="{hours} Uhr {minutes}",
        clock_hour="{hours} Uhr",
        oh_minutes=False,
        ordinal_suffix=re.compile(r"^(\d+)\.$"),
        fractions={2: ("halb", "halbe"), 3: ("Drittel", "Drittel"), 4: ("Viertel", "Viertel")},
        words={"wi-fi": "wai fai", "wifi": "wai fai", "e-mail": "i mail", "email": "i mail"},
    ),
}

_LEADING = "\"'“”‘’«»„‚([{¿¡<"
_TRAILING = "\"'“”‘’«»)]}>.,;:!?…"
_NUMBER = r"\d+(?:[.,]\d+)*"
_CURRENCY_FIRST = re.compile(rf"^([$€£¥])({_NUMBER})([kKmMbB]|bn)?$")
_CURRENCY_AFTER = re.compile(rf"^({_NUMBER})([$€£¥])$")
_PERCENT = re.compile(rf"^({_NUMBER})%$")
_TIMES = re.compile(rf"^({_NUMBER})[x×]$")
_VERSION = re.compile(r"^[vV](\d+(?:\.\d+)*)$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(am|pm|h)?$", re.IGNORECASE)
_DECADE = re.compile(r"^(?:(\d{2})|')?(\d0)'?s$")
_PAIR = re.compile(r"^(\d+)/(\d+)$")
_PLAIN_NUMBER = re.compile(rf"^{_NUMBER}$")
_ADDRESS = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$|^(https?://)?(www\.)?[\w-]+(\.[\w-]+)*\.(com|org|net|io|ai|dev|app|co|de|es|uk)(/\S*)?$",
                      re.IGNORECASE)
_RUNS = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[^\w\s]", re.UNICODE)
_SCALE = {"k": "thousand", "m": "million", "b": "billion", "bn": "billion"}
_SCALE_WORDS = {
    "en": {"thousand": "thousand", "million": "million", "billion": "billion"},
    "es": {"thousand": "mil", "million": "millones", "billion": "mil millones"},
    "de": {"thousand": "tausend", "million": "Millionen", "billion": "Milliarden"},
}


def rules_for(language: str | None) -> LanguageRules:
    """The rule table of ``language`` (English for a language without one)."""
    return RULES.get((language or "en").split("-")[0].lower(), RULES["en"])


Reading = list[str]


def readings(words: list[str], language: str | None = "en") -> list[list[Reading]]:
    """For each written word, the ways it is said (each a list of spoken words, most usual first);
    an empty list when it is said as written.

    The words of a number sign read with the number (``No.`` before ``1``) and
    an amount before its currency symbol (``49,99 €``) are read with their
    neighbour; the others one at a time.
    """
    rules = rules_for(language)
    code = _code(language)
    result: list[list[Reading]] = []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else None
        if word.casefold() in rules.number_abbreviations and following is not None and _starts_with_digit(following):
            result.append(_split([*rules.number_signs]))
        elif following is not None and following.strip(_TRAILING) in rules.currency and _PLAIN_NUMBER.match(word.strip(_TRAILING)):
            result.append(_split([_amount(word.strip(_TRAILING), rules, code)]))  # "49,99 €": the symbol says the unit
        else:
            result.append(spoken_form(word, language, has_following=following is not None))
    return result


def spoken_form(word: str, language: str | None = "en", *, has_following: bool = False) -> list[Reading]:
    """The ways one written ``word`` is said, most usual first; empty when it is said as written.

    ``has_following`` tells whether another word follows in the sentence (a
    German ``3.`` before a word is an ordinal; at the end it is a sentence end).
    """
    rules = rules_for(language)
    code = _code(language)
    core = word.lstrip(_LEADING)
    core = _strip_trailing(core, rules, has_following)
    if not core:
        return []
    known = rules.words.get(core.casefold())
    if known:
        return _split([known])
    if _is_plain(core):
        return []
    return _split(_spoken_core(core, rules, code))


def _split(phrases: list[str]) -> list[Reading]:
    """Phrases as lists of words: hyphens and commas are not said; repeats dropped."""
    result: list[Reading] = []
    for phrase in phrases:
        words = [piece for piece in re.split(r"[\s\-‐]+", phrase.replace(",", " ")) if piece]
        if words and words not in result:
            result.append(words)
    return result


def _code(language: str | None) -> str:
    base = (language or "en").split("-")[0].lower()
    return base if base in RULES else "en"


def _strip_trailing(core: str, rules: LanguageRules, has_following: bool) -> str:
    """The word without closing punctuation; an ordinal's dot (German ``3.`` before a word) is kept."""
    without_dot = core.rstrip(_TRAILING.replace(".", ""))
    if has_following and rules.ordinal_suffix.match(without_dot):
        return without_dot
    return core.rstrip(_TRAILING)


def _is_plain(core: str) -> bool:
    """Letters (with apostrophes or inner dots, as in "don't" or "e.g.") that are read as written."""
    return all(ch.isalpha() or ch in "'’." for ch in core) and not _ADDRESS.match(core)


def _starts_with_digit(word: str) -> bool:
    core = word.lstrip(_LEADING)
    return bool(core) and core[0].isdigit()


def _spoken_core(core: str, rules: LanguageRules, code: str) -> list[str]:
    """The phrases (alternatives, most usual first) said for a word that is not plain letters."""
    if match := _CURRENCY_FIRST.match(core):
        return _currency(match.group(2), match.group(1), rules, code, match.group(3))
    if match := _CURRENCY_AFTER.match(core):
        return _currency(match.group(1), match.group(2), rules, code, None)
    if match := _PERCENT.match(core):
        return [f"{_number(match.group(1), rules, code)} {rules.percent}"]
    if match := _TIMES.match(core):
        return [f"{_number(match.group(1), rules, code)} {word}" for word in rules.multiplier]
    if match := _VERSION.match(core):
        dotted = _dotted(match.group(1), rules, code)
        return [f"{rules.version} {dotted}", f"v {dotted}"]
    if match := _CLOCK.match(core):
        return _clock(int(match.group(1)), int(match.group(2)), match.group(3), rules, code)
    if match := rules.ordinal_suffix.match(core):
        return [num2words(int(match.group(1)), lang=code, to="ordinal")]
    if match := _DECADE.match(core):
        return [_decade(match.group(1), match.group(2), code)]
    if match := _PAIR.match(core):
        return _pair(int(match.group(1)), int(match.group(2)), rules, code)
    if _PLAIN_NUMBER.match(core):
        return [_number(core, rules, code)]
    if core in rules.symbols:
        return [rules.symbols[core]]
    if core in rules.currency:
        return [rules.currency[core][0]]
    if _ADDRESS.match(core):
        return [_address(core, rules, code)]
    if "-" in core or "‐" in core:
        return [_hyphenated(core, rules, code)]
    return [_runs(core, rules, code)]


def _number(text: str, rules: LanguageRules, code: str) -> str:
    """A written number as words: thousands separators, a decimal part read digit by digit, years."""
    whole, mark, fraction = _number_parts(text, rules)
    if not mark and len(whole) == 4 and 1100 <= int(whole) <= 2099 and "," not in text and "." not in text:
        return num2words(int(whole), lang=code, to="year")
    words = num2words(int(whole), lang=code)
    if mark:
        digits = " ".join(num2words(int(digit), lang=code) for digit in fraction)
        words = f"{words} {rules.point[mark]} {digits}"
    return words


def _number_parts(text: str, rules: LanguageRules) -> tuple[str, str, str]:
    """(integer digits, decimal mark or "", decimal digits): "1,234.5" -> ("1234", ".", "5") in English."""
    groups = re.split(r"([.,])", text)
    digits, marks = groups[0::2], groups[1::2]
    thousands = "," if rules.decimal_mark == "." else "."
    if all(mark == thousands for mark in marks) and all(len(group) == 3 for group in digits[1:]):
        return "".join(digits), "", ""
    leading = marks[:-1]
    if all(mark == thousands for mark in leading) and all(len(group) == 3 for group in digits[1:-1]):
        return "".join(digits[:-1]), marks[-1], digits[-1]
    return "".join(digits), "", ""  # "1.2.3": read its digits as one number


def _currency(amount: str, symbol: str, rules: LanguageRules, code: str, scale: str | None) -> list[str]:
    """$49.99: "forty-nine dollars and ninety-nine cents", "forty-nine ninety-nine", "... point nine nine
    dollars", or as written, symbol first ("dollar forty-nine point nine nine", as some speech engines say it)."""
    unit, hundredth, joiner, singular = rules.currency[symbol]
    if scale:
        return [f"{_number(amount, rules, code)} {_SCALE_WORDS[code][_SCALE[scale.lower()]]} {unit}"]
    whole, mark, fraction = _number_parts(amount, rules)
    whole_words = num2words(int(whole), lang=code)
    if not mark or not int(fraction or "0"):
        return [f"{whole_words} {unit}"]
    literal = f"{_number(amount, rules, code)} {unit}"
    in_order = f"{singular} {_number(amount, rules, code)}"
    if len(fraction) != 2:
        return [literal, in_order]
    cents = num2words(int(fraction), lang=code)
    return [f"{whole_words} {unit} {joiner} {cents} {hundredth}", f"{whole_words} {cents}", literal, in_order]


def _amount(amount: str, rules: LanguageRules, code: str) -> str:
    """An amount written before its currency symbol: the cents read as a number ("49,99" -> 49 con 99)."""
    whole, mark, fraction = _number_parts(amount, rules)
    if mark and len(fraction) == 2:
        return f"{num2words(int(whole), lang=code)} {rules.amount_joiner} {num2words(int(fraction), lang=code)}"
    return _number(amount, rules, code)


def _dotted(text: str, rules: LanguageRules, code: str) -> str:
    """A version number: its parts read one by one, joined by the language's "point"."""
    return f" {rules.point['.']} ".join(num2words(int(part), lang=code) for part in text.split("."))


def _clock(hours: int, minutes: int, suffix: str | None, rules: LanguageRules, code: str) -> list[str]:
    """9:30 -> "nine thirty"; 9:05 -> "nine oh five"; 9:00 -> "nine o'clock" or "nine"."""
    hour_words = num2words(hours, lang=code)
    if minutes == 0:
        phrases = [rules.clock_hour.format(hours=hour_words), hour_words]
    else:
        minute_words = num2words(minutes, lang=code)
        if rules.oh_minutes and minutes < 10:
            minute_words = f"oh {minute_words}"
        phrases = [rules.clock.format(hours=hour_words, minutes=minute_words)]
    if suffix and suffix.lower() in ("am", "pm"):
        phrases = [f"{phrase} {' '.join(suffix.lower())}" for phrase in phrases]
    return phrases


def _decade(century: str | None, decade: str, code: str) -> str:
    """1990s -> "nineteen nineties", '80s -> "eighties"."""
    year = num2words(int((century or "") + decade), lang=code, to="year" if century else "cardinal")
    last = year.split()[-1].split("-")[-1]
    plural = last[:-1] + "ies" if last.endswith("y") else last + "s"
    return year[: len(year) - len(last)] + plural


def _pair(first: int, second: int, rules: LanguageRules, code: str) -> list[str]:
    """24/7 and 50/50 as two numbers (or with the slash said); 1/2 and 3/4 as fractions."""
    one, other = num2words(first, lang=code), num2words(second, lang=code)
    if second in rules.fractions and 0 < first < second:
        singular, plural = rules.fractions[second]
        return [f"{one} {singular if first == 1 else plural}"]
    return [f"{one} {other}", f"{one} {rules.symbols['/']} {other}"]


def _address(core: str, rules: LanguageRules, code: str) -> str:
    """name@example.com -> "name at example dot com"."""
    words: list[str] = []
    for run in _RUNS.findall(re.sub(r"^https?://", "", core)):
        if run == ".":
            words.append(rules.dot)
        elif run in rules.symbols:
            words.append(rules.symbols[run])
        elif run[0].isdigit():
            words.append(_number(run, rules, code))
        elif run.isalpha():
            words.append(run)
    return " ".join(words)


def _hyphenated(core: str, rules: LanguageRules, code: str) -> str:
    """Each part of a hyphenated word said on its own; two numbers around a hyphen are a range."""
    parts = [part for part in re.split(r"[-‐]", core) if part]
    if len(parts) == 2 and all(_PLAIN_NUMBER.match(part) for part in parts):
        return f"{_number(parts[0], rules, code)} {rules.range_word} {_number(parts[1], rules, code)}"
    words: list[str] = []
    for part in parts:
        spoken = spoken_form(part, code)
        words += spoken[0] if spoken else [part]
    return " ".join(words)


def _runs(core: str, rules: LanguageRules, code: str) -> str:
    """Mixed letters, digits and symbols ("MP3", "4K", "B2B", "R&D"): each run read on its own."""
    words: list[str] = []
    for run in _RUNS.findall(core):
        if run[0].isdigit():
            words.append(_number(run, rules, code))
        elif run.isalpha():
            words += list(run) if run.isupper() and len(run) <= 3 and len(core) > len(run) else [run]  # MP3: "M P"
        elif run in rules.symbols:
            words.append(rules.symbols[run])
        elif run in rules.currency:
            words.append(rules.currency[run][0])
    return " ".join(words)
