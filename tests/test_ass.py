"""The ASS writer: canvas, frame-exact times, karaoke gap syllables, per-word highlight, speakers, reading back."""

from __future__ import annotations

import re
from fractions import Fraction

import dataclasses

import pysubs2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captionkit.formats import ass
from captionkit.formats.ass import FrameClock, to_ass
from captionkit.model import Cue, Track
from captionkit.style import Highlight, load_style
from render_helpers import timed_cue

FPS_CHOICES = [Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30), Fraction(50), Fraction(60)]



@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FPS_CHOICES), st.floats(0, 600), st.floats(0.2, 7))
def test_times_land_on_the_intended_frames_whatever_the_player_rounds(fps, start, duration):
    clock = FrameClock(fps)
    first, last = round(start * fps), round((start + duration) * fps)
    start_ms, end_ms = clock.centiseconds(start) * 10, clock.centiseconds(start + duration) * 10
    for to_ms in (lambda t: int(float(t) * 1000), lambda t: round(float(t) * 1000), lambda t: max(0.0, float(t) * 1000 - 1e-6)):
        window = range(max(first - 3, 0), last + 3)
        shown = [k for k in window if start_ms <= to_ms(Fraction(k) / fps) < end_ms]
        assert shown == list(range(first, last)), (fps, start, duration)


def test_the_canvas_is_the_video_size():
    track = Track([timed_cue("Hello there", 0.5)])
    for size in [(1920, 1080), (1080, 1920), (720, 720), (320, 180)]:
        document = to_ass(track, size=size, fps=30)
        assert document.info["PlayResX"] == str(size[0]) and document.info["PlayResY"] == str(size[1])
        assert document.info["ScaledBorderAndShadow"] == "yes"
        style = document.styles["Caption"]
        assert style.fontsize > 0.025 * size[1]


def _karaoke(text: str) -> list[tuple[int, str]]:
    return [(int(d), t) for d, t in re.findall(r"\{[^}]*\\kf?(\d+)\}([^{]*)", text)]


def test_karaoke_writes_pauses_as_empty_syllables_so_the_highlight_keeps_time():
    cue = timed_cue("We paused here and then went on", 1.0, pauses={2: 0.8, 5: 1.1})
    document = pysubs2.SSAFile.from_string(
        to_ass(Track([cue]), size=(1280, 720), fps=25, style=_karaoke_style()).to_string("ass"))
    assert len(document.events) == 1
    event = document.events[0]
    syllables = _karaoke(event.text)
    clock = FrameClock(25)
    position = event.start // 10
    word_iter = iter(cue.words)
    for duration, text in syllables:
        if text.strip():
            word = next(word_iter)
            assert position == clock.centiseconds(word.start), word.text
            assert abs(position + duration - clock.centiseconds(word.end)) <= 0
        position += duration
    assert next(word_iter, None) is None
    gaps = [d for d, t in syllables if not t.strip()]
    assert any(d >= 80 for d in gaps) and any(d >= 110 for d in gaps)


def _karaoke_style():
    return dataclasses.replace(load_style("clean"), highlight=Highlight(mode="karaoke"))


def test_word_highlight_events_follow_the_speech_without_moving_the_text():
    cue = timed_cue("one two three", 2.0, pauses={2: 0.25})
    document = to_ass(Track([cue]), size=(1080, 1920), style="social", fps=30)
    events = document.events
    clock = FrameClock(30)
    starts = [e.start // 10 for e in events]
    assert starts == [clock.centiseconds(w.start) for w in cue.words]
    for previous, following in zip(events, events[1:]):
        assert previous.end == following.start
    plain = {re.sub(r"\{[^}]*\}", "", e.text) for e in events}
    assert plain == {"ONE TWO THREE"}
    for event, word in zip(events, ["ONE", "TWO", "THREE"]):
        assert re.search(r"\{\\1c&H1BE0FF&\}" + word + r"\{", event.text)


def test_social_shows_at_most_three_words_at_a_time_and_breaks_at_punctuation():
    cue = timed_cue("This is the best thing. I love it so much", 0.0)
    document = to_ass(Track([cue]), size=(1080, 1920), style="social", fps=30)
    shown = []
    for event in document.events:
        text = re.sub(r"\{[^}]*\}", "", event.text).replace("\\N", " ")
        if not shown or shown[-1] != text:
            shown.append(text)
    assert all(len(text.split()) <= 3 for text in shown)
    assert "THE BEST THING." in shown
    assert " ".join(shown) == "THIS IS THE BEST THING. I LOVE IT SO MUCH"


def test_long_lines_are_broken_again_for_a_vertical_video():
    text = "Today I will show you three features that save a great deal of time"
    cue = timed_cue(text, 0.0, lines=["Today I will show you three features", "that save a great deal of time"])
    document = to_ass(Track([cue]), size=(1080, 1920), style="clean", fps=30)
    shown_words = []
    for event in document.events:
        lines = re.sub(r"\{[^}]*\}", "", event.text).split("\\N")
        assert len(lines) <= 2 and all(len(line) <= 26 for line in lines)
        shown_words += " ".join(lines).split()
    assert shown_words == text.split()
    assert document.events[0].start == FrameClock(30).centiseconds(0.0) * 10
    for previous, following in zip(document.events, document.events[1:]):
        assert previous.end <= following.start


def test_speakers_get_their_own_colours_and_lower_third_names_the_turns():
    cues = [
        timed_cue("Hi Ben", 0.5, speaker="S1"),
        timed_cue("Hello Ada", 2.0, speaker="S2"),
        timed_cue("How are you", 3.5, speaker="S2"),
        timed_cue("Fine", 5.0, speaker="S1"),
    ]
    track = Track(cues)
    coloured = to_ass(track, size=(1280, 720), style="speakers", fps=30)
    colours = [re.search(r"\\1c(&H[0-9A-F]+&)", e.text).group(1) for e in coloured.events]
    assert colours[0] == colours[3] and colours[1] == colours[2] and colours[0] != colours[1]
    named = to_ass(track, size=(1280, 720), style="lower-third", fps=30, speaker_names={"S1": "Ada"})
    labels = [re.search(r"\{\\rName\}(.*?)\{\\r\}", e.text) for e in named.events]
    assert [m.group(1) if m else None for m in labels] == ["Ada", "Speaker 2", None, "Ada"]
    assert named.styles["Name"].fontsize < named.styles["Caption"].fontsize


def test_text_is_escaped_and_other_scripts_use_the_bundled_fonts():
    cue = Cue(0.0, 2.0, ["{not a tag} C:\\New", "مرحبا Ελληνικά שלום"])
    text = to_ass(Track([cue]), size=(640, 360), fps=30).events[0].text
    assert "\\{not a tag\\}" in text
    assert text.count("\\N") == 1, "a backslash in the text must not become a line break"
    assert "{\\fnNoto Sans Arabic\\fscx155\\fscy155}مرحبا{\\fnNoto Sans\\fscx100\\fscy100}" in text
    assert "{\\fnNoto Sans Hebrew\\fscx100\\fscy100}שלום{\\fnNoto Sans\\fscx100\\fscy100}" in text
    assert "Ελληνικά" in text


def test_written_ass_reads_back_as_the_same_track(tmp_path):
    cues = [timed_cue("Read me back please", 0.5, speaker="S1"), timed_cue("with words", 3.0, speaker="S2")]
    track = Track(cues, language="en")
    clean = ass.read(ass.write(track, tmp_path / "weird 'name', [clean].ass", size=(1280, 720), fps=30))
    assert [c.lines for c in clean.cues] == [c.lines for c in track.cues]
    for original, read in zip(track.cues, clean.cues):
        assert abs(original.start - read.start) <= 1 / 30 and abs(original.end - read.end) <= 1 / 30
    social = ass.read(ass.write(track, tmp_path / "social.ass", size=(1080, 1920), style="social", fps=30))
    assert [w.text.lower() for w in social.words] == [w.text.lower() for w in track.words]
    for original, read in zip(track.words, social.words):
        assert abs(original.start - read.start) <= 1 / 30
    karaoke = ass.write(track, tmp_path / "k.ass", size=(1280, 720), style=_karaoke_style(), fps=30)
    back = ass.read(karaoke)
    assert [c.text for c in back.cues] == [c.text for c in track.cues]
    for original, read in zip(track.words, back.words):
        assert abs(original.start - read.start) <= 1 / 30 + 0.01
        assert abs(original.end - read.end) <= 1 / 30 + 0.01
    assert [c.speaker for c in back.cues] == ["S1", "S2"]


def test_cues_without_word_times_still_get_the_social_look():
    document = to_ass(Track([Cue(1.0, 3.0, ["Words from an SRT file"])]), size=(1080, 1920), style="social", fps=30)
    text = " ".join(re.sub(r"\{[^}]*\}", "", e.text) for e in document.events)
    assert "WORDS" in text and "FILE" in text
    assert document.events[0].start == FrameClock(30).centiseconds(1.0) * 10
    assert document.events[-1].end == FrameClock(30).centiseconds(3.0) * 10


def test_reading_a_missing_or_broken_file_is_a_clear_error(tmp_path):
    from captionkit.errors import CaptionkitError

    with pytest.raises(CaptionkitError, match="does not exist"):
        ass.read(tmp_path / "missing.ass")


def test_a_dialogue_cue_broken_again_keeps_each_speaker_on_their_own_caption():
    first = timed_cue("Did you hear the news today?", 0.5, speaker="S1")
    second = timed_cue("Really? Tell me everything.", first.words[-1].end + 0.1, speaker="S2")
    cue = Cue(0.5, second.end, ["-Did you hear the news today?", "-Really? Tell me everything."],
              words=first.words + second.words)
    document = to_ass(Track([cue]), size=(1080, 1920), style="speakers", fps=30)
    shown = [re.sub(r"\{[^}]*\}", "", e.text).split("\\N") for e in document.events]
    assert all(not line.startswith("-") and " -" not in line for lines in shown for line in lines)
    assert " ".join(" ".join(lines) for lines in shown) == "Did you hear the news today? Really? Tell me everything."
    colours = [re.search(r"\\1c(&H[0-9A-F]+&)", e.text).group(1) for e in document.events]
    assert len(set(colours)) == 2
    assert document.events[1].start == FrameClock(30).centiseconds(second.words[0].start) * 10


def test_lines_are_broken_after_punctuation_and_before_conjunctions():
    from captionkit.style.layout import Token, weak_endings, wrap_tokens

    def wrap(text: str, width: int) -> list[str]:
        lines = wrap_tokens([Token(t) for t in text.split()], width, 2, " ", weak_endings("en"))
        return [" ".join(token.text for token in line) for line in lines]

    assert wrap("Hi, I'm Joe, and welcome to captionkit.", 26) == ["Hi, I'm Joe,", "and welcome to captionkit."]
    lines = wrap("The captions follow the script and the timing", 30)
    assert len(lines) == 2 and max(map(len, lines)) <= 25, "balanced, not a full line and a stub"
    assert not lines[0].lower().endswith((" and", " the")), "no line ends on a conjunction or an article"


def test_left_aligned_styles_are_mirrored_for_right_to_left_languages():
    hebrew = to_ass(Track([Cue(0, 1, ["שלום עולם"])], language="he"), size=(1280, 720), style="lower-third")
    english = to_ass(Track([Cue(0, 1, ["Hello"])], language="en"), size=(1280, 720), style="lower-third")
    assert hebrew.styles["Caption"].alignment == pysubs2.Alignment.BOTTOM_RIGHT
    assert english.styles["Caption"].alignment == pysubs2.Alignment.BOTTOM_LEFT
    assert to_ass(Track([Cue(0, 1, ["مرحبا"])], language="ar"), size=(1280, 720)).styles["Caption"].alignment == \
        pysubs2.Alignment.BOTTOM_CENTER


def test_chinese_and_korean_tracks_are_written_in_their_own_cjk_face_whoever_writes_them():
    def caption_font(language: str, text: str) -> str:
        return to_ass(Track([Cue(0, 1, [text])], language=language), size=(1280, 720)).styles["Caption"].fontname

    assert caption_font("zh", "直角三角形") == "Noto Sans CJK SC"
    assert caption_font("zh-TW", "直角三角形") == "Noto Sans CJK TC"
    assert caption_font("ko", "안녕하세요") == "Noto Sans CJK KR"
    assert caption_font("ja", "こんにちは") == caption_font("en", "Hello") == load_style("clean").font.family


def test_a_cue_split_for_a_narrow_frame_keeps_quotes_and_phrases_together():
    from captionkit.style.layout import Token, split_to_fit, weak_endings

    def split(text: str, width: int) -> list[str]:
        parts = split_to_fit([Token(t) for t in text.split()], width, 2, " ", weak_endings("en"))
        return [" / ".join(" ".join(token.text for token in line) for line in part) for part in parts]

    assert split('so "three features" never turns into "free features".', 26) == [
        'so "three features" / never turns', 'into "free features".']
    for part in split("First, we take the script you gave your voice generator.", 24):
        assert not part.endswith((" your", " the", " you")), part


def test_social_chunks_written_as_ass_lint_clean(tmp_path):
    """Social-profile cues burned in the social style lint clean under that profile on every aspect."""
    from captionkit.cues.segment import build_track
    from captionkit.formats.jsonfile import read_words
    from captionkit.cues.lint import lint_file
    from helpers import REPO

    words = read_words(REPO / "samples" / "presenter.words.json")
    track = build_track(words, profile="social", fps=30)
    for size in ((1080, 1920), (1920, 1080), (1080, 1080)):
        path = ass.write(track, tmp_path / f"social-{size[0]}x{size[1]}.ass", size=size, style="social", fps=30)
        report = lint_file(path, profile="social", fps=30)
        assert report.errors == [], [str(v) for v in report.errors]
