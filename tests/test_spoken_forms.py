"""Spoken forms of written numbers, symbols and hyphenated words, in English, Spanish and German."""

from __future__ import annotations

import pytest

from captionkit.speech.spoken_forms import readings, spoken_form


def said(word: str, language: str = "en", **options) -> list[str]:
    """Every reading of ``word`` as a phrase, most usual first."""
    return [" ".join(reading) for reading in spoken_form(word, language, **options)]


@pytest.mark.parametrize("word, first", [
    ("$49.99", "forty nine dollars and ninety nine cents"),
    ("$12", "twelve dollars"),
    ("$5M", "five million dollars"),
    ("€20", "twenty euros"),
    ("3", "three"),
    ("2.5x", "two point five times"),
    ("10%", "ten percent"),
    ("4.2", "four point two"),
    ("1,000,000", "one million"),
    ("v3.1", "version three point one"),
    ("24/7", "twenty four seven"),
    ("1/2", "one half"),
    ("9:30", "nine thirty"),
    ("9:05am", "nine oh five a m"),
    ("9:00", "nine o'clock"),
    ("1990s", "nineteen nineties"),
    ("'80s", "eighties"),
    ("2024", "twenty twenty four"),
    ("3rd", "third"),
    ("21st", "twenty first"),
    ("&", "and"),
    ("@", "at"),
    ("e-mail", "e mail"),
    ("Wi-Fi", "wifi"),
    ("30-day", "thirty day"),
    ("2020-2024", "twenty twenty to twenty twenty four"),
    ("MP3", "M P three"),
    ("4K", "four K"),
    ("name@example.com", "name at example dot com"),
    ("state-of-the-art", "state of the art"),
])
def test_english(word, first):
    assert said(word)[0] == first


@pytest.mark.parametrize("word, first", [
    ("$49.99", "cuarenta y nueve dólares con noventa y nueve centavos"),
    ("3", "tres"),
    ("2,5x", "dos coma cinco veces"),
    ("4,2", "cuatro coma dos"),
    ("1.000", "mil"),
    ("10%", "diez por ciento"),
    ("v3.1", "versión tres punto uno"),
    ("24/7", "veinticuatro siete"),
    ("9:30", "nueve y treinta"),
    ("1990", "mil novecientos noventa"),
    ("3º", "tercero"),
    ("&", "y"),
    ("@", "arroba"),
    ("2020-2024", "dos mil veinte a dos mil veinticuatro"),
])
def test_spanish(word, first):
    assert said(word, "es")[0] == first


@pytest.mark.parametrize("word, first", [
    ("$49.99", "neunundvierzig Dollar und neunundneunzig Cent"),
    ("3", "drei"),
    ("2,5x", "zwei Komma fünf mal"),
    ("4,2", "vier Komma zwei"),
    ("1.000", "eintausend"),
    ("10%", "zehn Prozent"),
    ("v3.1", "Version drei Punkt eins"),
    ("9:30", "neun Uhr dreißig"),
    ("1990", "neunzehnhundertneunzig"),
    ("&", "und"),
    ("2020-2024", "zweitausendzwanzig bis zweitausendvierundzwanzig"),
])
def test_german(word, first):
    assert said(word, "de")[0] == first


def test_words_said_as_written_have_no_reading():
    for word in ["Hello,", "don't", "naïve", "U.S.", "e.g.", "Größe!", "—", "…", "(or", "version)"]:
        assert spoken_form(word) == [], word


def test_punctuation_around_a_number_is_not_said():
    assert said("($49.99),")[0] == said("$49.99")[0]
    assert said("“10%”.")[0] == "ten percent"
    assert said("¿3?", "es") == ["tres"]


def test_ambiguous_forms_offer_the_other_readings():
    assert said("$49.99") == [
        "forty nine dollars and ninety nine cents", "forty nine ninety nine",
        "forty nine point nine nine dollars", "dollar forty nine point nine nine",
    ]
    assert said("2.5x") == ["two point five times", "two point five x"]
    assert said("24/7") == ["twenty four seven", "twenty four slash seven"]
    assert said("v3.1")[1] == "v three point one"


def test_neighbours_read_together():
    words = "We are No. 1 at 49,99 € and No. more.".split()
    result = readings(words, "en")
    assert result[2] == [["number"], ["no"]]  # before a number
    assert result[-2] == []  # "No." before a word is the word "no"
    spanish = readings("Cuesta 49,99 € hoy".split(), "es")
    assert spanish[1:3] == [[["cuarenta", "y", "nueve", "con", "noventa", "y", "nueve"]], [["euros"]]]
    german = readings("Am 3. Mai, Platz 3.".split(), "de")
    assert german[1] == [["dritte"]] and german[-1] == [["drei"]]  # an ordinal before a word, a number at the end


def test_a_language_without_rules_reads_like_english():
    assert said("10%", "xx") == ["ten percent"]
