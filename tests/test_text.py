"""The punctuation rules every stage shares: sentence and clause ends, and cutting text into sentences."""

from __future__ import annotations

import pytest

from captionkit.text import ends_clause, ends_sentence, final_mark, split_sentences


@pytest.mark.parametrize("word", [
    "Monday.", "Monday.”", 'Monday."', "Monday.'", "Monday.’", "really?", "(really?)", "wow!)", "wow!”)",
    "[done.]", "so…", "well...", "終わり。", "本当？", "すごい！", "「終わり。」", "«Fin.»", "هل؟",
])
def test_a_sentence_end_is_its_mark_even_inside_closing_quotes_and_brackets(word):
    assert ends_sentence(word)
    assert ends_clause(word)  # a sentence end ends its clause too


@pytest.mark.parametrize("word", ["first,", "first,”", "this:", "thus;", "wait—", "and –", "、", "然而，", "“so,”"])
def test_a_clause_end_is_not_a_sentence_end(word):
    assert ends_clause(word)
    assert not ends_sentence(word)


@pytest.mark.parametrize("word", ["Monday", "“We", "(laughs)", "3.5", "e.g", "don't", "dogs'", "”", ")", "", "  "])
def test_words_without_an_end_mark_end_nothing(word):
    assert not ends_sentence(word)
    assert not ends_clause(word)


def test_final_mark_looks_past_closers_only():
    assert final_mark("Monday.”") == "."
    assert final_mark("wow!)") == "!"
    assert final_mark("“We") == "e"
    assert final_mark("”)") == ""


def test_split_sentences_cuts_after_each_end_and_keeps_the_closers_with_it():
    text = 'She said “We ship on Monday.” The team agreed! It works (really!) Then… Yes. 3.5 stays whole.'
    assert split_sentences(text) == [
        "She said “We ship on Monday.”", "The team agreed!", "It works (really!)", "Then…", "Yes.", "3.5 stays whole.",
    ]


def test_split_sentences_cuts_cjk_without_spaces_and_keeps_a_tail_without_a_mark():
    assert split_sentences("今日は晴れ。明日は雨？「はい！」そうです") == ["今日は晴れ。", "明日は雨？", "「はい！」", "そうです"]
    assert split_sentences("  no end mark here ") == ["no end mark here"]
    assert split_sentences(" \n ") == []
