"""Property tests: random timed word streams through every profile give cues that lint clean.

``CK_EXAMPLES=2000 python -m pytest tests/test_cues_properties.py`` searches harder (default 150 per test).
"""

from __future__ import annotations

import dataclasses
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captionkit.cues.profiles import available_profiles, load_profile
from captionkit.cues.segment import build_track
from captionkit.formats import srt, vtt
from captionkit.cues.timing import TIME_TOLERANCE
from captionkit.cues.lint import lint_track
from captionkit.model import Word
from cues_helpers import shared_sentences

ENGLISH = [
    "the", "a", "house", "and", "but", "in", "on", "John", "Smith", "I", "will", "not", "go",
    "today.", "yes,", "really?", "okay!", "because", "of", "weather", "extraordinarily", "to",
    "incomprehensibilities", "supercalifragilisticexpialidocious-antidisestablishmentarianism",
    "we", "went", "there", "...", "it's", "don't", "fine.", "New", "York", "—",
]
JAPANESE = ["今日は", "とても", "いい", "天気", "ですね。", "東京", "に", "行きます", "アイスクリーム", "ABC", "、"]
CHINESE = ["今天", "天气", "很", "好", "。", "我们", "去", "北京", "吧", "，", "国际化标准组织委员会会议"]
SOUNDS = ["[laughs]", "[music]", "(sighs)"]
FRAME_RATES = [None, 23.976, 24, 25, 29.97, 30, 50, 60]


@st.composite
def word_streams(draw, vocabulary: list[str]):
    count = draw(st.integers(min_value=0, max_value=60))
    speakers = draw(st.sampled_from([[None], ["S1"], ["S1", "S2"], [None, "S1", "S2"]]))
    time = draw(st.floats(min_value=0, max_value=5))
    words = []
    speaker = speakers[0]
    for _ in range(count):
        if draw(st.integers(0, 9)) == 0:
            speaker = draw(st.sampled_from(speakers))
        sound = draw(st.integers(0, 19)) == 0
        text = draw(st.sampled_from(SOUNDS if sound else vocabulary))
        duration = draw(st.sampled_from([0.0, 0.01, 0.05, 0.12, 0.2, 0.35, 0.6, 1.5, 9.0]))
        words.append(Word(text, round(time, 3), round(time + duration, 3), speaker=speaker,
                          kind="sound" if sound else "speech"))
        time += duration + draw(st.sampled_from([0.0, 0.0, 0.02, 0.05, 0.1, 0.3, 0.45, 0.8, 1.2, 3.0]))
    return words


def check_track(words, track, profile, fps, language):
    assert [id(word) for word in track.words] == [id(word) for word in words]
    rules = load_profile(profile, language)
    rate = rules.frame_rate(fps)
    for previous, cue in zip(track.cues, track.cues[1:]):
        assert cue.start > previous.start
        assert cue.start - previous.end >= rules.min_gap_frames / rate - 1e-9
    for cue in track.cues:
        assert cue.words, "every cue holds words"
        assert cue.end > cue.start
        assert cue.start >= cue.words[0].start - TIME_TOLERANCE - 1e-9, "a cue never starts before its first word"
        assert len(cue.lines) <= rules.max_lines
        kinds = {word.kind for word in cue.words}
        assert kinds == {"speech"} or (kinds == {"sound"} and len(cue.words) == 1)
        speakers = []
        for word in cue.words:
            if not speakers or speakers[-1] != word.speaker:
                speakers.append(word.speaker)
        assert len(speakers) == 1 or (len(speakers) == 2 and all(line.startswith(rules.dash) for line in cue.lines))
    errors = [v for v in lint_track(track, profile, fps) if v.severity == "error"]
    assert errors == []
    # Files carry no word timings: an unspaced word longer than a line can only be excused in memory.
    overlong = {number for number, cue in enumerate(track.cues, 1) if len(cue.words) == 1
                and max(rules.line_length(line) for line in cue.lines) > rules.max_chars_per_line}
    for module in (srt, vtt):
        reread = module.parse(module.dump(track), language)
        errors = [v for v in lint_track(reread, profile, fps) if v.severity == "error" and v.cue not in overlong]
        assert errors == [], module.__name__


SETTINGS = settings(
    max_examples=int(os.environ.get("CK_EXAMPLES", 150)), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("profile", available_profiles())
@SETTINGS
@given(words=word_streams(ENGLISH), fps=st.sampled_from(FRAME_RATES))
def test_english_streams_lint_clean(profile, words, fps):
    track = build_track(words, profile=profile, language="en", fps=fps)
    check_track(words, track, profile, fps, "en")


@pytest.mark.parametrize("profile", ["netflix", "broadcast"])
@SETTINGS
@given(words=word_streams(ENGLISH), fps=st.sampled_from(FRAME_RATES))
def test_two_sentences_that_could_stand_alone_never_share_a_cue(profile, words, fps):
    # With a third sentence in the cue, the two may share it because the third could not stand alone with
    # either of them; with just two, a cue break between them always keeps the rules.
    track = build_track(words, profile=profile, language="en", fps=fps)
    rate = load_profile(profile).frame_rate(fps)
    shared = shared_sentences(track, profile, rate, slack=2 / rate)  # times are not on frames: 1 frame each end
    assert [item for item in shared if item.parts == 2 and item.whole and not item.excused] == []


@pytest.mark.parametrize("language, vocabulary", [("ja", JAPANESE), ("zh", CHINESE)])
@pytest.mark.parametrize("profile", ["netflix", "social"])
@SETTINGS
@given(data=st.data(), fps=st.sampled_from(FRAME_RATES))
def test_unspaced_language_streams_lint_clean(profile, language, vocabulary, data, fps):
    words = data.draw(word_streams(vocabulary))
    track = build_track(words, profile=profile, language=language, fps=fps)
    check_track(words, track, profile, fps, language)
    for cue in track.cues:
        assert all(" " not in line for line in cue.lines if not any(w.text.count(" ") for w in cue.words))


@SETTINGS
@given(words=word_streams(ENGLISH), fps=st.sampled_from(FRAME_RATES), data=st.data())
def test_shot_changes_keep_cues_valid_and_clear_of_cuts(words, fps, data):
    end = words[-1].end + 2 if words else 10
    cuts = sorted(data.draw(st.lists(st.floats(min_value=0, max_value=end), max_size=6)))
    track = build_track(words, profile="netflix", fps=fps, shot_changes=cuts)
    assert [id(word) for word in track.words] == [id(word) for word in words]
    rate = load_profile("netflix").frame_rate(fps)
    half = round(rate / 2)
    for previous, cue in zip(track.cues, track.cues[1:]):
        assert cue.start - previous.end >= 2 / rate - 1e-9
    for cue in track.cues:
        assert cue.start >= cue.words[0].start - half / rate - 0.0005, "snapping moves in-times back by under H frames"
    errors = [v for v in lint_track(track, "netflix", fps, shot_changes=cuts) if v.severity == "error"]
    assert errors == []


THREE_LINES = dataclasses.replace(load_profile("netflix"), name="three-lines", max_lines=3, source="")


@SETTINGS
@given(words=word_streams(ENGLISH), fps=st.sampled_from(FRAME_RATES))
def test_a_three_line_profile_object_lints_clean(words, fps):
    track = build_track(words, profile=THREE_LINES, fps=fps)
    check_track(words, track, THREE_LINES, fps, "en")
