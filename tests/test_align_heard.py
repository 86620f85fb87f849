"""Whether a doubted run of script words was heard after all, judged from a quick transcript of its place
(``align._heard``), on made-up transcripts: no model, no audio."""

from __future__ import annotations

from captionkit.model import Word
from captionkit.speech.align import AlignOptions, Mismatch, _heard

SCRIPT = "Meine Schwester wohnt am Meer. Diese Kamera nimmt auch nachts klare Bilder auf.".split()


def _judge(heard: list[tuple[str, float]], run: tuple[str, ...] = ("auch", "nachts"), script: list[str] = SCRIPT) -> bool:
    words = [Word(text, 0.3 * i, 0.3 * i + 0.3) for i, text in enumerate(script)]
    first = script.index(run[0])
    last = first + len(run) - 1
    mismatch = Mismatch(first, last, " ".join(run), words[first].start, words[last].end, [])
    return _heard(mismatch, words, heard, (0.0, words[-1].end), AlignOptions())


def _transcript(text: str, sure: float = 0.9, **probabilities: float) -> list[tuple[str, float]]:
    return [(word, probabilities.get(word, sure)) for word in text.split()]


def test_a_run_the_transcript_goes_straight_past_is_not_heard():
    assert not _judge(_transcript("meine schwester wohnt am meer diese kamera nimmt klare bilder auf"))


def test_clear_other_words_in_the_runs_place_are_not_the_run():
    assert not _judge(_transcript("meine schwester wohnt am meer diese kamera nimmt auf klare bilder auf"))


def test_the_transcript_base_made_of_espeak_de_m3_saying_auch_nachts_hears_them():
    # benchmarks/align_accuracy.py --language de --set tuning, clip de-de-m3 (5.2-5.7 s), as cached on one machine:
    # base heard "nimmt auf, aufklare Bild" for "nimmt auch nachts klare Bilder" ("aufklare" at 5.54-6.08 s, where
    # "nachts klare" are said); "auf" is not like "auch" and was said clearly (0.77), and "aufklare" stood for "klare"
    script = "Meer. Diese Kamera nimmt auch nachts klare Bilder auf. Diese Kamera".split()
    heard = [("die", 0.31), ("verkamera", 0.51), ("nimmt", 0.72), ("auf", 0.77), ("aufklare", 0.30), ("bild", 0.27),
             ("auf", 0.32)]
    assert _judge(heard, script=script)


def test_letters_the_model_ran_into_the_next_word_were_heard_in_the_runs_place():
    heard = _transcript("meine schwester wohnt am meer diese kamera nimmt auf aufklare bilder auf", aufklare=0.3)
    assert _judge(heard)
    # the same letters are judged as any word in the run's place: said clearly, they are other words
    assert not _judge(_transcript("meine schwester wohnt am meer diese kamera nimmt auf aufklare bilder auf"))


def test_letters_the_model_ran_into_the_word_before_were_heard_in_the_runs_place():
    assert _judge(_transcript("meine schwester wohnt am meer diese kamera nimmtau klare bilder auf", nimmtau=0.3))
    assert not _judge(_transcript("meine schwester wohnt am meer diese kamera nimmtes klare bilder auf"))


def test_letters_added_on_the_far_side_of_a_word_are_not_the_runs():
    heard = _transcript("meine schwester wohnt am meer diese verkamera klare bilder auf", verkamera=0.3)
    assert not _judge(heard, ("nimmt", "auch", "nachts"))
