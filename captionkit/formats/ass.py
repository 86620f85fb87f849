"""Advanced SubStation Alpha (.ass): styled captions laid out at the video's own resolution.

:func:`to_ass` writes PlayResX/PlayResY equal to the frame size and
``ScaledBorderAndShadow: yes``, so libass lays text out on the real canvas
(an SRT handed to libass is laid out on 384x288 and scaled). Times are
snapped to video frames, then written as the centisecond halfway between the
frame before and the frame itself, so no caption shows a frame early or late
whatever rounding the player does. Word highlight is written either as
karaoke (``\\k``, with empty gap syllables for pauses so the highlight never
runs ahead of the speech) or as one event per spoken word.

:func:`dump` is :func:`to_ass` as text. :func:`parse` reads any .ass/.ssa
text back into a :class:`Track`: Dialogue events only (comments, drawings and
the script's header and styles are not caption text), in time order, word
times recovered from karaoke tags and per-word events merged. Italic, bold and
underline overrides (``{\\i1}``...) become the model's ``<i>`` tags and back;
other override tags are dropped.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pysubs2

from ..errors import CaptionkitError
from ..model import RIGHT_TO_LEFT_LANGUAGES, Cue, Track, Word, word_separator
from ..style import Metrics, Style, for_language, load_style, parse_colour, resolve
from ..style.fonts import font_runs
from ..style.layout import Block, Token, layout_cues
from ..text import INLINE_TAG
from .base import file_reader, file_writer

CAPTION_STYLE = "Caption"
#: Languages written right to left: a left-aligned style is mirrored for them.
NAME_STYLE = "Name"

_ALIGNMENT = {
    ("bottom", "left"): pysubs2.Alignment.BOTTOM_LEFT,
    ("bottom", "center"): pysubs2.Alignment.BOTTOM_CENTER,
    ("bottom", "right"): pysubs2.Alignment.BOTTOM_RIGHT,
    ("middle", "left"): pysubs2.Alignment.MIDDLE_LEFT,
    ("middle", "center"): pysubs2.Alignment.MIDDLE_CENTER,
    ("middle", "right"): pysubs2.Alignment.MIDDLE_RIGHT,
    ("top", "left"): pysubs2.Alignment.TOP_LEFT,
    ("top", "center"): pysubs2.Alignment.TOP_CENTER,
    ("top", "right"): pysubs2.Alignment.TOP_RIGHT,
}


# --------------------------------------------------------------------------- time


#: Consecutive captions cut from one cue keep this many frames apart (as the reading rules ask).
MIN_GAP_FRAMES = 2
#: The frame rate assumed for that gap when none is given (most AI avatar video).
DEFAULT_FPS = 30


class FrameClock:
    """Seconds -> ASS centiseconds, on frame boundaries when the frame rate is known."""

    def __init__(self, fps: float | Fraction | None) -> None:
        self.fps = Fraction(fps).limit_denominator(1001000) if fps else None

    def centiseconds(self, seconds: float) -> int:
        """The centisecond at which an event starting (or ending) at ``seconds`` should be written.

        With a frame rate: the time is rounded to the nearest frame boundary k/fps,
        and the centisecond halfway between frame k-1 and frame k is returned, so
        frame k is the first one shown (or hidden) even if the player truncates
        or rounds frame times to milliseconds.
        """
        seconds = max(0.0, seconds)
        if self.fps is None:
            return round(seconds * 100)
        frame = round(seconds * self.fps)
        if frame <= 0:
            return 0
        halfway = (Fraction(frame) - Fraction(1, 2)) / self.fps
        return round(halfway * 100)

    def frame_cs(self) -> int:
        """One frame in centiseconds (at least one)."""
        return max(1, round(100 / self.fps)) if self.fps else 1


# --------------------------------------------------------------------------- writing


def to_ass(
    track: Track,
    *,
    size: tuple[int, int] = (1920, 1080),
    style: Style | str | Path | None = None,
    fps: float | Fraction | None = None,
    speaker_names: dict[str, str] | None = None,
) -> pysubs2.SSAFile:
    """The track as an ASS document styled with ``style`` on a ``size`` (width, height) canvas, in the
    face that draws the track's language (:func:`~captionkit.style.for_language`)."""
    style = for_language(load_style(style), track.language)
    width, height = size
    if width <= 0 or height <= 0:
        raise CaptionkitError(f"frame size {width}x{height} is not valid; give the video's width and height")
    metrics = resolve(style, size)
    document = pysubs2.SSAFile()
    document.info.update({
        "Title": "captionkit",
        "PlayResX": str(width),
        "PlayResY": str(height),
        "ScaledBorderAndShadow": "yes",
        "WrapStyle": "0",
        "Language": track.language,
    })
    document.styles.clear()
    align = _reading_side(style.layout.align, track.language)
    document.styles[CAPTION_STYLE] = _caption_style(style, metrics, align)
    document.styles[NAME_STYLE] = _name_style(style, metrics, align)
    if _is_right_to_left(track.language):  # libass takes each line's direction from its text (else left to right)
        for ass_style in document.styles.values():
            ass_style.encoding = -1
    blocks = layout_cues(
        track,
        max_chars=metrics.max_chars,
        max_lines=style.layout.max_lines,
        max_words=style.layout.max_words,
        uppercase=style.font.uppercase,
    )
    _keep_frame_gaps(blocks, Fraction(fps or DEFAULT_FPS).limit_denominator(1001000))
    writer = _EventWriter(style, metrics, FrameClock(fps), _speaker_colours(style, blocks), speaker_names or {},
                          word_separator(track.language))
    for block in blocks:
        document.events.extend(writer.events(block))
    return document


def _keep_frame_gaps(blocks: list[Block], fps: Fraction) -> None:
    """End each block at least ``MIN_GAP_FRAMES`` whole frames before the next one starts.

    Cues from segmentation already keep the gap; this matters for the chunks a
    style cuts from one cue (social: a few words at a time), which would otherwise
    meet head to tail and not be seen to change.
    """
    for block, following in zip(blocks, blocks[1:]):
        start_frame = round(block.start * fps)
        latest_end = round(following.start * fps) - MIN_GAP_FRAMES
        if round(block.end * fps) > latest_end and latest_end > start_frame:
            block.end = float(latest_end / fps)


def dump(
    track: Track,
    *,
    size: tuple[int, int] = (1920, 1080),
    style: Style | str | Path | None = None,
    fps: float | Fraction | None = None,
    speaker_names: dict[str, str] | None = None,
) -> str:
    """The text of :func:`to_ass`'s document."""
    return to_ass(track, size=size, style=style, fps=fps, speaker_names=speaker_names).to_string("ass")


def _colour(value: str) -> pysubs2.Color:
    r, g, b, opacity = parse_colour(value)
    return pysubs2.Color(r, g, b, 255 - opacity)


def _override_colour(value: str) -> str:
    r, g, b, _ = parse_colour(value)
    return f"&H{b:02X}{g:02X}{r:02X}&"


def _is_right_to_left(language: str | None) -> bool:
    return (language or "").split("-")[0].lower() in RIGHT_TO_LEFT_LANGUAGES


def _reading_side(align: str, language: str | None) -> str:
    """Left alignment becomes right for languages written right to left (and the reverse)."""
    if _is_right_to_left(language) and align != "center":
        return "right" if align == "left" else "left"
    return align


def _caption_style(style: Style, metrics: Metrics, align: str) -> pysubs2.SSAStyle:
    colours = style.colours
    karaoke = style.highlight.mode == "karaoke"
    return pysubs2.SSAStyle(
        fontname=style.font.family,
        fontsize=round(metrics.font_size, 1),
        # Karaoke: a syllable is drawn in the secondary colour before its time and in the primary after.
        primarycolor=_colour(colours.highlight if karaoke else colours.text),
        secondarycolor=_colour(colours.text if karaoke else colours.highlight),
        outlinecolor=_colour(colours.box if style.box.enabled else colours.outline),
        backcolor=_colour(colours.shadow),
        bold=style.font.bold,
        italic=style.font.italic,
        spacing=round(style.font.spacing * metrics.font_size, 2),
        borderstyle=3 if style.box.enabled else 1,
        outline=round(metrics.outline, 2),
        shadow=round(metrics.shadow, 2),
        alignment=_ALIGNMENT[(style.layout.position, align)],
        marginl=metrics.margin_left,
        marginr=metrics.margin_right,
        marginv=metrics.margin_v,
        encoding=1,
    )


def _name_style(style: Style, metrics: Metrics, align: str) -> pysubs2.SSAStyle:
    name = _caption_style(style, metrics, align)
    name.fontsize = round(metrics.font_size * style.speakers.name_size, 1)
    name.primarycolor = _colour(style.speakers.name_colour)
    name.bold = True
    return name


def _speaker_colours(style: Style, blocks: list[Block]) -> dict[str, str]:
    palette = style.speakers.colours
    if not palette:
        return {}
    order: list[str] = []
    for block in blocks:
        for speaker in [block.speaker, *(t.word.speaker for t in block.tokens if t.word)]:
            if speaker is not None and speaker not in order:
                order.append(speaker)
    return {speaker: palette[index % len(palette)] for index, speaker in enumerate(order)}


def speaker_label(speaker: str, names: dict[str, str]) -> str:
    """The displayed name of a speaker: the user's name for it, or ``S2`` -> ``Speaker 2``."""
    if speaker in names:
        return names[speaker]
    match = re.fullmatch(r"[Ss](?:peaker)?[ _]?(\d+)", speaker)
    return f"Speaker {match.group(1)}" if match else speaker


class _EventWriter:
    """Turns layout blocks into ASS events for one style."""

    def __init__(self, style: Style, metrics: Metrics, clock: FrameClock, colours: dict[str, str], names: dict[str, str],
                 separator: str = " "):
        self.style, self.metrics, self.clock, self.colours, self.names = style, metrics, clock, colours, names
        self.separator = separator  # between words: none in Japanese and Chinese

    def events(self, block: Block) -> list[pysubs2.SSAEvent]:
        start = self.clock.centiseconds(block.start)
        end = max(self.clock.centiseconds(block.end), start + self.clock.frame_cs())
        mode = self.style.highlight.mode
        if mode == "word" and block.timed:
            return self._word_events(block, start, end)
        karaoke = mode == "karaoke" and block.timed
        text = self._prefix(block) + self._body(block, start if karaoke else None)
        return [self._event(start, end, text, block.speaker)]

    def _event(self, start_cs: int, end_cs: int, text: str, speaker: str | None) -> pysubs2.SSAEvent:
        return pysubs2.SSAEvent(start=start_cs * 10, end=end_cs * 10, text=text, style=CAPTION_STYLE, name=speaker or "")

    def _prefix(self, block: Block) -> str:
        """Event-wide tags (edge softness) and, on the first caption of a turn, the speaker's name line."""
        soften = f"{{\\blur{self.metrics.blur:.1f}}}" if self.metrics.blur > 0 else ""
        if self.style.speakers.names == "turn" and block.turn_start:
            speaker = block.speaker or next(t.word.speaker for t in block.tokens if t.word and t.word.speaker)
            label = _escape(speaker_label(speaker, self.names))
            # {\r} after the name returns to the caption style, so the softness is set again
            return soften + "{\\r" + NAME_STYLE + "}" + label + "{\\r}\\N" + soften
        return soften

    def _base_colour(self, token: Token, block: Block) -> str | None:
        speaker = (token.word.speaker if token.word and token.word.speaker else None) or block.speaker
        return self.colours.get(speaker) if speaker is not None else None

    def _body(self, block: Block, karaoke_start: int | None, highlighted: int | None = None) -> str:
        """The lines' markup: speaker colours, script fonts, and karaoke or one highlighted token."""
        separator = self.separator
        parts: list[str] = []
        cursor = karaoke_start
        current_colour: str | None = None
        index = 0
        for line_number, line in enumerate(block.lines):
            if line_number:
                parts.append("\\N")
            for position, token in enumerate(line):
                colour = self._base_colour(token, block)
                colour_tag = ""
                if colour != current_colour:
                    colour_tag = "\\1c" + _override_colour(colour or self.style.colours.text)
                    if karaoke_start is not None:
                        colour_tag = "\\2c" + _override_colour(colour or self.style.colours.text)
                    current_colour = colour
                word_text = _markup_text(token.text, self.style.font.family, self.style.fonts_dir)
                lead = separator if position else ""
                if karaoke_start is not None and token.word is not None:
                    assert cursor is not None
                    word_start = self.clock.centiseconds(token.word.start)
                    word_end = self.clock.centiseconds(token.word.end)
                    if word_start > cursor:  # a pause: an empty syllable keeps the highlight on time
                        parts.append(f"{{\\k{word_start - cursor}}}")
                        cursor = word_start
                    duration = max(word_end - cursor, 0)
                    kind = "\\kf" if self.style.highlight.sweep else "\\k"
                    parts.append(f"{{{colour_tag}{kind}{duration}}}{lead}{word_text}")
                    cursor += duration
                elif highlighted == index:
                    parts.append(("{" + colour_tag + "}" if colour_tag else "") + lead)
                    parts.append("{\\1c" + _override_colour(self.style.colours.highlight) + "}" + word_text)
                    parts.append("{\\1c" + _override_colour(colour or self.style.colours.text) + "}")
                else:
                    parts.append(("{" + colour_tag + "}" if colour_tag else "") + lead + word_text)
                index += 1
        return "".join(parts)

    def _word_events(self, block: Block, start: int, end: int) -> list[pysubs2.SSAEvent]:
        """One event per spoken word, that word in the highlight colour; the text never moves."""
        prefix = self._prefix(block)
        times = [t.word.start for t in block.tokens if t.word is not None]  # every token's (the block is timed)
        bounds = [min(max(self.clock.centiseconds(time), start), end) for time in times]
        events = []
        if bounds[0] > start:
            events.append(self._event(start, bounds[0], prefix + self._body(block, None), block.speaker))
        for index, word_start in enumerate(bounds):
            word_end = bounds[index + 1] if index + 1 < len(bounds) else end
            if word_end > word_start:
                text = prefix + self._body(block, None, highlighted=index)
                events.append(self._event(word_start, word_end, text, block.speaker))
        return events


def _escape(text: str) -> str:
    """Plain text -> ASS text: braces and backslash sequences shown literally."""
    text = text.replace("\\", "\\\u2060")
    return text.replace("{", "\\{").replace("}", "\\}")


def _markup_text(text: str, family: str, fonts_dir: Path | None = None) -> str:
    """``text`` as ASS: inline styling tags as overrides, the rest escaped, with a bundled font that has the
    glyphs (at the main font's em) for runs the style's font cannot draw (see :func:`_font_runs`)."""
    pieces = INLINE_TAG.split(text)  # text, closing slash, tag, text, ...
    out = [_font_runs(pieces[0], family, fonts_dir)]
    for slash, tag, rest in zip(pieces[1::3], pieces[2::3], pieces[3::3]):
        out.append(f"{{\\{tag}{0 if slash else 1}}}" + _font_runs(rest, family, fonts_dir))
    return "".join(out)


def _font_runs(text: str, family: str, fonts_dir: Path | None) -> str:
    """Escape ``text`` and switch to the bundled font that draws each run the main font lacks (Arabic, Hebrew,
    CJK; :func:`captionkit.style.fonts.font_runs`)."""
    out: list[str] = []
    for font, run in font_runs(text, family, fonts_dir):
        if font is None:
            out.append(_escape(run))
        else:
            out.append(f"{{\\fn{font.family}\\fscx{font.scale}\\fscy{font.scale}}}{_escape(run)}"
                       f"{{\\fn{family}\\fscx100\\fscy100}}")
    return "".join(out)


# --------------------------------------------------------------------------- reading

_NAME_LABEL = re.compile(r"^(\{[^}]*\})*\{\\r" + NAME_STYLE + r"\}.*?\{\\r\}\\N")
_OVERRIDE = re.compile(r"\{([^}]*)\}")
_KARAOKE = re.compile(r"\\(?:kf|ko|k|K)(\d+)")
#: Italic, bold, underline switches in an override block (``\i1``, ``\b0``, ``\b700``).
_STYLING_OVERRIDE = re.compile(r"\\([ibu])(\d+)")


def parse(text: str, language: str | None = None) -> Track:
    """The Dialogue events of an .ass/.ssa script as a track (karaoke tags give word times)."""
    try:
        document = pysubs2.SSAFile.from_string(text)
    except Exception as error:  # pysubs2 raises many types for malformed scripts
        raise CaptionkitError(f"not a readable ASS/SSA script ({error}); check the file") from None
    track = ass_to_track(document)
    if language:
        track.language = language
    return track


def ass_to_track(document: pysubs2.SSAFile) -> Track:
    events = sorted((e for e in document.events if not e.is_comment and not e.is_drawing), key=lambda e: e.start)
    cues: list[Cue] = []
    group: list[pysubs2.SSAEvent] = []
    for event in events:
        if group and _same_caption(group[-1], event):
            group.append(event)
            continue
        if group:
            cues.append(_group_to_cue(group))
        group = [event]
    if group:
        cues.append(_group_to_cue(group))
    cues = [cue for cue in cues if cue.lines]
    return Track(cues=cues, language=_language(document))


def _same_caption(previous: pysubs2.SSAEvent, event: pysubs2.SSAEvent) -> bool:
    return (
        previous.end == event.start
        and previous.name == event.name
        and _plain(previous.text) == _plain(event.text)
    )


def _plain(raw: str) -> str:
    """Event text as model text: styling overrides as ``<i>``..., other overrides dropped, line breaks kept."""
    text = _NAME_LABEL.sub("", raw)
    text = _OVERRIDE.sub(_styling_tags, text.replace("\\{", "\x00").replace("\\}", "\x01"))
    text = text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", "\u00a0").replace("\u2060", "")
    return text.replace("\x00", "{").replace("\x01", "}").strip()


def _styling_tags(block: re.Match) -> str:
    """``{\\i1\\b0}`` -> ``<i></b>``: an override block reduced to its italic, bold and underline switches."""
    return "".join(f"<{'/' if int(value) == 0 else ''}{tag}>" for tag, value in _STYLING_OVERRIDE.findall(block.group(1)))


def _group_to_cue(group: list[pysubs2.SSAEvent]) -> Cue:
    first = group[0]
    text = _plain(first.text)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    speaker = first.name or None
    start, end = first.start / 1000, group[-1].end / 1000
    words = _karaoke_words(first, speaker) if len(group) == 1 else _per_word_words(group, lines, speaker)
    return Cue(start=start, end=end, lines=lines, speaker=speaker, words=words)


def _karaoke_words(event: pysubs2.SSAEvent, speaker: str | None) -> list[Word]:
    raw = _NAME_LABEL.sub("", event.text)
    if not _KARAOKE.search(raw):
        return []
    words: list[Word] = []
    clock = event.start / 1000
    pending: tuple[float, float] | None = None
    for piece in re.split(r"(\{[^}]*\})", raw):
        if piece.startswith("{"):
            match = _KARAOKE.search(piece)
            if match:
                duration = int(match.group(1)) / 100
                pending = (clock, clock + duration)
                clock += duration
            continue
        text = _plain(piece).replace("\n", " ").strip()
        if text and pending is not None:
            words.append(Word(text, pending[0], pending[1], speaker=speaker))
            pending = None
        elif text and words:
            words[-1].text += text
    return words


def _per_word_words(group: list[pysubs2.SSAEvent], lines: list[str], speaker: str | None) -> list[Word]:
    """Word times from per-word events: one event per word, after an optional lead-in event."""
    pieces = " ".join(lines).split()
    spoken = group[len(group) - len(pieces) :] if len(group) - len(pieces) in (0, 1) else []
    return [Word(text, event.start / 1000, event.end / 1000, speaker=speaker) for text, event in zip(pieces, spoken)]


def _language(document: pysubs2.SSAFile) -> str:
    return document.info.get("Language", "en") or "en"



read = file_reader(parse)
write = file_writer(dump)
