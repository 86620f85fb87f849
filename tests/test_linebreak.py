"""Line breaking: punctuation, conjunctions, prepositions, articles, names, pyramid shape, measuring."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captionkit.cues.linebreak import DETERMINERS, TokenLayout, break_cost, break_lines
from captionkit.cues.profiles import load_profile, text_length

NETFLIX = load_profile("netflix")


def lines_of(text: str, profile=NETFLIX) -> list[str]:
    return break_lines(text.split(), profile)


def test_text_that_fits_stays_on_one_line():
    assert lines_of("This sentence fits on a single line.") == ["This sentence fits on a single line."]


def test_breaks_after_punctuation():
    lines = lines_of("When we finally arrived, the house was empty and dark.")
    assert lines == ["When we finally arrived,", "the house was empty and dark."]
    lines = lines_of("I cannot believe it. The team stayed late to finish.")
    assert lines == ["I cannot believe it.", "The team stayed late to finish."]


def test_breaks_before_a_conjunction():
    lines = lines_of("I went to the market yesterday morning and bought a lot of fresh apples")
    assert lines[1].startswith("and ")


def test_as_and_than_open_a_clause_like_a_conjunction():
    assert lines_of("Our captions look the same on every phone as they did in the editor")[1].startswith("as ")
    assert lines_of("The new captions arrived much sooner than anybody expected them to")[1].startswith("than ")
    assert break_cost("faster", "than") == break_cost("market", "and")
    assert break_cost("as", "you") > break_cost("stays", "as")


def test_breaks_before_a_preposition():
    lines = lines_of("The engineers tested every prototype in the new laboratory")
    assert lines == ["The engineers tested every prototype", "in the new laboratory"]
    assert break_cost("prototype", "in") < break_cost("prototype", "carefully")


@pytest.mark.parametrize(
    "text",
    [
        "Yesterday afternoon my sister saw the biggest dog in the entire town",
        "We have been looking everywhere for a reliable car for the whole family",
        "Please tell your brother that his extremely heavy package has arrived",
    ],
)
def test_never_breaks_after_an_article_or_determiner(text):
    lines = lines_of(text)
    assert len(lines) == 2
    assert lines[0].split()[-1].lower() not in DETERMINERS


def test_keeps_first_and_last_name_together():
    lines = lines_of("Tomorrow morning we are meeting our new manager Alexander Hamilton downstairs")
    assert "Alexander Hamilton" in lines[0] or "Alexander Hamilton" in lines[1]


def test_keeps_adjective_with_its_noun_after_a_determiner():
    assert break_cost("old", "house", before="the") > break_cost("house", "was", before="old")


def test_keeps_subject_pronoun_with_its_verb():
    assert break_cost("said", "she") < break_cost("she", "said")


def test_prefers_a_bottom_heavy_pyramid_when_breaks_are_equally_good():
    # Eleven neutral five-letter words: breaking after the fifth or the sixth word is equally good
    # linguistically and equally unbalanced; the shorter top line wins.
    words = "green dance stone river cloud plant north horse bread music light".split()
    lines = break_lines(words, load_profile("netflix"))
    assert len(lines) == 2
    assert len(lines[0]) < len(lines[1])


def test_balanced_lines_are_preferred_to_a_lopsided_break_of_equal_quality():
    words = "green dance stone river cloud plant north horse bread music light".split()
    lines = break_lines(words, NETFLIX)
    assert abs(len(lines[0]) - len(lines[1])) <= 6


def test_lines_never_exceed_the_limit_except_a_single_long_word():
    long_word = "pneumonoultramicroscopicsilicovolcanoconiosis-related"
    lines = lines_of(f"He was diagnosed with {long_word} illness today", NETFLIX)
    assert long_word in lines
    for line in lines:
        assert line == long_word or NETFLIX.line_length(line) <= 42


def test_broadcast_lines_are_37_characters():
    broadcast = load_profile("broadcast")
    lines = lines_of("The council will meet again on Thursday evening to discuss the plans", broadcast)
    assert all(broadcast.line_length(line) <= 37 for line in lines)


def test_unspaced_languages_join_without_spaces():
    japanese = load_profile("netflix", "ja")
    lines = break_lines(["いい", "天気", "ですね。", "明日も", "晴れる", "でしょう。"], japanese)
    assert all(" " not in line for line in lines)
    assert all(japanese.line_length(line) <= 13 for line in lines)
    assert lines[0].endswith("。")


def test_length_counts_spaces_dashes_and_not_tags():
    assert text_length("-Hello there") == 12
    assert text_length("<i>Hi</i> {\\an8}you") == 6
    assert text_length("ＡＢC日本", halfwidth_counts_half=True) == 4.5
    assert NETFLIX.reading_chars(["-Yes.", "-No."]) == 9  # the line break is not counted


@settings(max_examples=200, deadline=None)
@given(
    tokens=st.lists(st.sampled_from("a the house and, in John Smith went. extraordinarily really? I x".split()), max_size=30),
    max_lines=st.integers(1, 3),
    max_chars=st.integers(8, 42),
)
def test_layout_keeps_every_word_in_the_fewest_lines_within_the_limit(tokens, max_lines, max_chars):
    profile = dataclasses.replace(NETFLIX, max_lines=max_lines, max_chars_per_line=max_chars)
    lines = break_lines(tokens, profile)
    assert " ".join(lines).split() == tokens
    assert len(lines) == TokenLayout(tokens, profile).line_count(0, len(tokens)) if tokens else lines == []
    assert all(len(line) <= max_chars or " " not in line for line in lines)
