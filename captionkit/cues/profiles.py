"""Reading-rule profiles (data in ``profiles/*.toml``) and how captions are measured against them.

A profile file holds the limits of one style guide, optionally ``extends`` another
profile, and may override limits per language in ``[languages.xx]`` tables.
:func:`load_profile` resolves a name (or a path to a ``.toml`` file) and a
language into one flat, frozen :class:`Profile`.

How text is measured (segmentation and lint share these functions, so they agree):

* **Line length** counts every visible character of the line: letters, spaces,
  punctuation and the leading dash of a dual-speaker line. Formatting tags
  (``<i>``, ``{\\an8}``) and combining marks do not count. With
  ``halfwidth_counts_half`` (Japanese) a half-width character counts as half a
  full-width one, so "13 characters" means 13 full-width characters.
* **Reading speed (CPS)** is the sum of the line lengths (the line break is
  not counted, as in Subtitle Edit and Netflix) divided by the cue duration.
* **Words per minute** counts white-space separated tokens that contain a
  letter or digit (a lone dash is not a word); it is not applied to languages
  written without spaces, whose profiles limit CPS instead.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterable

from ..errors import CaptionkitError
from ..model import UNSPACED_LANGUAGES

PROFILE_DIR = Path(__file__).with_name("profiles")
DEFAULT_PROFILE = "netflix"


@dataclass(frozen=True)
class Profile:
    """The limits of one style guide for one language. Times are seconds."""

    name: str
    description: str
    language: str
    max_chars_per_line: float
    max_lines: int
    min_duration: float
    max_duration: float
    min_gap_frames: int
    chain_gap: float
    pause_break: float
    default_fps: float
    max_cps: float | None = None
    max_wpm: float | None = None
    max_words: int | None = None
    dual_speakers: bool = True
    dash: str = "-"
    halfwidth_counts_half: bool = False
    source: str = field(default="", repr=False, compare=False)  # name or path it was loaded from

    @property
    def unspaced(self) -> bool:
        """True for languages written without spaces between words (zh, ja, th...)."""
        return base_language(self.language) in UNSPACED_LANGUAGES

    def line_length(self, line: str) -> float:
        """The length of one line as the profile counts it (see the module docstring)."""
        return text_length(line, self.halfwidth_counts_half)

    def reading_chars(self, lines: Iterable[str]) -> float:
        """The characters a viewer reads: all lines, line breaks not counted."""
        return sum(self.line_length(line) for line in lines)

    def word_count(self, lines: Iterable[str]) -> int:
        return sum(len(WORD_TOKEN.findall(visible_text(line))) for line in lines)

    def min_reading_time(self, lines: list[str]) -> float:
        """The shortest duration that keeps the cue within the reading-speed limits."""
        return self.reading_time(self.reading_chars(lines), self.word_count(lines))

    def reading_time(self, chars: float, words: int) -> float:
        """The shortest duration for ``chars`` characters (CPS) and ``words`` words (WPM)."""
        needed = chars / self.max_cps if self.max_cps else 0.0
        if self.max_wpm and not self.unspaced:
            needed = max(needed, words * 60.0 / self.max_wpm)
        return needed

    def frame_rate(self, fps: float | None) -> float:
        """The frame rate to time against: ``fps`` if given, else the profile default."""
        return exact_fps(fps if fps else self.default_fps)


_FIELDS = {item.name: item for item in dataclasses.fields(Profile)}
_INTERNAL = {"name", "language", "source"}
_FILE_KEYS = (set(_FIELDS) - _INTERNAL) | {"extends", "languages"}
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
WORD_TOKEN = re.compile(r"\S*[\w]\S*")


def base_language(language: str | None) -> str:
    return (language or "en").replace("_", "-").split("-")[0].lower()


def visible_text(text: str) -> str:
    """``text`` without SRT/VTT tags (``<i>``, ``<v Bob>``) or ASS override blocks."""
    return _TAG.sub("", text).replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")


def text_length(text: str, halfwidth_counts_half: bool = False) -> float:
    """Visible characters of ``text``; half-width ones count 0.5 when asked (Japanese)."""
    length = 0.0
    for char in visible_text(text):
        if char == "\n" or unicodedata.combining(char) or unicodedata.category(char) == "Cf":
            continue
        if halfwidth_counts_half and unicodedata.east_asian_width(char) in ("Na", "H"):
            length += 0.5
        else:
            length += 1.0
    return length


def exact_fps(fps: float) -> float:
    """NTSC rates given as 23.976/29.97/59.94 become their exact value (24000/1001...)."""
    for nominal in (24, 30, 48, 60, 120):
        ntsc = Fraction(nominal * 1000, 1001)
        if abs(fps - float(ntsc)) < 0.01:
            return float(ntsc)
    if fps <= 0:
        raise CaptionkitError(f"frame rate must be positive, got {fps}")
    return float(fps)


def available_profiles() -> list[str]:
    """Names of the bundled profiles."""
    return sorted(path.stem for path in PROFILE_DIR.glob("*.toml"))


def load_profile(profile: "str | Path | Profile" = DEFAULT_PROFILE, language: str | None = "en") -> Profile:
    """A bundled profile by name, or a ``.toml`` file by path, resolved for ``language``."""
    language = base_language(language)
    if isinstance(profile, Profile):
        if profile.language == language:
            return profile
        if not profile.source:
            return dataclasses.replace(profile, language=language)
        profile = profile.source
    values, languages, name = _read_profile_chain(profile, seen=())
    merged = {**values, **languages.get(language, {})}
    missing = sorted(
        item.name
        for item in _FIELDS.values()
        if item.default is dataclasses.MISSING and item.name not in merged and item.name not in _INTERNAL
    )
    if missing:
        raise CaptionkitError(f"profile {name!r} lacks {', '.join(missing)}: add them to its .toml file")
    return Profile(name=name, language=language, source=str(profile), **merged)


def _read_profile_chain(profile: "str | Path", seen: tuple[str, ...]) -> tuple[dict, dict, str]:
    path = _profile_path(profile)
    name = path.stem
    if name in seen:
        raise CaptionkitError(f"profile {name!r} extends itself through {' -> '.join(seen)}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CaptionkitError(f"cannot read profile {path}: {error}") from None
    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        raise CaptionkitError(f"profile {path} has unknown keys {', '.join(unknown)}")
    values: dict = {}
    languages: dict[str, dict] = {}
    if "extends" in data:
        base = data.pop("extends")
        if not isinstance(base, str):
            raise CaptionkitError(f"profile {path}: extends = {base!r} must name a profile or a .toml file")
        values, languages, _ = _read_profile_chain(base, seen + (name,))
    per_language = data.pop("languages", {})
    if not isinstance(per_language, dict) or not all(isinstance(table, dict) for table in per_language.values()):
        raise CaptionkitError(f"profile {path}: [languages] must hold one table per language, e.g. [languages.ja]")
    for language, overrides in per_language.items():
        bad = sorted(set(overrides) - (_FILE_KEYS - {"extends", "languages", "description"}))
        if bad:
            raise CaptionkitError(f"profile {path} [languages.{language}] has unknown keys {', '.join(bad)}")
        languages[language] = {**languages.get(language, {}), **overrides}
    values.update(data)
    return values, languages, name


def _profile_path(profile: "str | Path") -> Path:
    candidate = Path(profile)
    if candidate.suffix == ".toml":
        if not candidate.is_file():
            raise CaptionkitError(f"profile file {candidate} does not exist")
        return candidate
    bundled = PROFILE_DIR / f"{profile}.toml"
    if not bundled.is_file():
        raise CaptionkitError(
            f"unknown profile {profile!r}: choose one of {', '.join(available_profiles())} or give a .toml path"
        )
    return bundled
