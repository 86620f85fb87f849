"""TTS segment planning: whole sentences per call, inside Dia's 5-20 s range by a text estimate."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captionkit.assembly.speech_plan import SpeechPlanOptions, estimate_seconds, plan_speech, sentence_units
from captionkit.errors import CaptionkitError
from captionkit.script import read_script

SENTENCE = "This sentence takes a few seconds to say out loud."  # about 3 s


def test_short_script_is_one_segment_with_dia_tags():
    plan = plan_speech(read_script("[S1] Hello there. [S2] Hi! (laughs) [S1] Bye."))
    assert len(plan.segments) == 1
    assert plan.segments[0].dia_text == "[S1] Hello there. [S2] Hi! (laughs) [S1] Bye."
    assert plan.segments[0].speakers == ["S1", "S2"]
    assert plan.warnings == []


def test_plain_text_is_voiced_as_s1():
    plan = plan_speech(read_script("Just one speaker here."))
    assert plan.segments[0].dia_text == "[S1] Just one speaker here."


def test_long_script_cut_at_sentence_ends_within_range():
    script = read_script(" ".join([SENTENCE] * 30))
    options = SpeechPlanOptions()
    plan = plan_speech(script, options)
    assert len(plan.segments) > 3
    # every sentence once, in order, never split
    assert [s for segment in plan.segments for s in segment.sentences] == list(range(30))
    joined = " ".join(turn.spoken_text for segment in plan.segments for turn in segment.turns)
    assert joined == " ".join([SENTENCE] * 30)
    for segment in plan.segments:
        assert options.min_seconds <= segment.estimate <= options.max_seconds
    # the fewest calls that fit, balanced: no segment much shorter than another
    estimates = [segment.estimate for segment in plan.segments]
    assert max(estimates) - min(estimates) < 4.0
    fewest = -(-(plan.estimate + options.sentence_pause) // (options.max_seconds + options.sentence_pause))
    assert len(plan.segments) == fewest


def test_sentence_over_the_limit_stays_whole_and_is_reported():
    long_sentence = ", ".join(["and then another clause follows"] * 14) + "."
    plan = plan_speech(read_script(f"Short start here. {long_sentence} Short end here."))
    [alone] = [segment for segment in plan.segments if segment.estimate > 20]
    assert alone.turns[0].spoken_text == long_sentence
    assert len(plan.warnings) == 1 and "split it into shorter sentences" in plan.warnings[0]


def test_estimate_matches_piper_pace():
    # the sample script's first paragraph: piper says it in about 8.1 s (two sentences, 0.35 s pause)
    script = read_script("Hi, I'm Joe, and welcome to captionkit. In the next minute I'll show you how a "
                         "talking-head video gets captions that say exactly what the script says.")
    plan = plan_speech(script)
    assert plan.estimate == pytest.approx(8.1, abs=1.0)


def test_sound_cue_counts_as_time_but_is_not_spoken():
    units = sentence_units(read_script("[S2] (laughs) Then I can stop."))
    options = SpeechPlanOptions()
    with_sound = estimate_seconds(units[0], options)
    assert with_sound == pytest.approx(options.sound_seconds + 12 / options.letters_per_second)


def test_bad_range_is_refused():
    with pytest.raises(CaptionkitError, match="not a range"):
        SpeechPlanOptions(min_seconds=10, max_seconds=5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=40))
def test_segments_cover_every_sentence_in_order(word_counts):
    text = " ".join(" ".join(["word"] * count) + "." for count in word_counts)
    options = SpeechPlanOptions()
    plan = plan_speech(read_script(text), options)
    assert [s for segment in plan.segments for s in segment.sentences] == list(range(len(word_counts)))
    for segment in plan.segments:
        assert segment.estimate <= options.max_seconds or len(segment.sentences) == 1
