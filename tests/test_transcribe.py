"""Transcription with the real bundled model: known speech comes back as its words."""

from __future__ import annotations

import numpy as np
import pytest

from captionkit.engines import synthetic
from captionkit.errors import CaptionkitError
from captionkit.speech.transcribe import transcribe
from align_helpers import speak_pieces
from helpers import PANGRAM_TEXT, word_error_rate


def test_piper_speech_is_transcribed_back(spoken_sample):
    wav, speech = spoken_sample
    result = transcribe(wav)
    assert result.language == "en"
    assert result.duration == pytest.approx(speech.duration, abs=0.05)
    heard = " ".join(word.text for word in result.words)
    assert word_error_rate(PANGRAM_TEXT, heard) < 0.10, heard


def test_word_times_are_ordered_and_near_the_truth(spoken_sample):
    wav, speech = spoken_sample
    words = transcribe(wav).words
    assert all(a.end <= b.start for a, b in zip(words, words[1:]))
    assert all(w.start <= w.end for w in words)
    # Whisper's own times are coarse; the first and last words still sit near the truth.
    assert words[0].start == pytest.approx(speech.words[0].start, abs=0.3)
    assert words[-1].end == pytest.approx(speech.words[-1].end, abs=0.5)


def test_silence_gives_no_words(tmp_path):
    quiet = synthetic.make_silent_audio(tmp_path / "quiet.wav", 3.0)
    assert transcribe(quiet).words == []


def test_english_only_model_refuses_another_language(spoken_sample):
    with pytest.raises(CaptionkitError, match="English-only.*--model base"):
        transcribe(spoken_sample[0], language="es")


NUMBERS_PIECES = ["It costs $12.50", "for a 30-day plan.", "It has 4.2 stars,", "50% off, and free Wi-Fi."]


def test_numbers_and_symbols_are_transcribed_as_written_words(tmp_path):
    # each piece spoken on its own and joined with known silences: its audible onset and offset are timing truth
    clip = speak_pieces(NUMBERS_PIECES, tmp_path / "numbers.wav")
    words = transcribe(tmp_path / "numbers.wav").words
    texts = [w.text.rstrip(".,") for w in words]
    # Whisper writes these in pieces ("$12" ".50", "50" "%", "Wi" "-Fi"); they come back whole and timed
    assert {"$12.50", "4.2", "50%", "Wi-Fi"} <= set(texts), texts
    assert not any(text[0] in ".%-" for text in texts), texts
    (_, _, price_end), _, _, (_, percent_start, _) = clip.onsets
    price, percent = words[texts.index("$12.50")], words[texts.index("50%")]
    assert abs(price.end - price_end) < 0.2, (price, price_end)  # "$12.50" ends its piece
    assert abs(percent.start - percent_start) < 0.1, (percent, percent_start)  # "50%" starts its piece
    assert all(a.end <= b.start for a, b in zip(words, words[1:]))


def test_pieces_without_a_space_join_the_word_before_them():
    from captionkit.speech.transcribe import written_words
    from captionkit.speech.whisper_adapter import HeardWord

    pieces = [HeardWord(" $12", 0.0, 0.4, 0.9), HeardWord(".50", 0.4, 0.8, 0.5), HeardWord(" for", 0.9, 1.0, 1.0),
              HeardWord(" Wi", 1.1, 1.3, 0.8), HeardWord("-Fi.", 1.3, 1.6, 0.6)]
    assert [(w.text, w.start, w.end, round(w.probability, 2)) for w in written_words(pieces, "en")] == [
        ("$12.50", 0.0, 0.8, 0.7), ("for", 0.9, 1.0, 1.0), ("Wi-Fi.", 1.1, 1.6, 0.7)]
    japanese = [HeardWord("今日", 0.0, 0.3, 0.9), HeardWord("は", 0.3, 0.4, 0.9)]
    assert [w.text for w in written_words(japanese, "ja")] == ["今日", "は"]  # written without spaces: kept apart


def test_long_audio_is_cut_into_blocks_at_its_quietest_places():
    from captionkit.speech.transcribe import BLOCK_SECONDS, block_bounds

    rate = 1000
    audio = np.random.default_rng(0).normal(0, 1, int(rate * (2.4 * BLOCK_SECONDS))).astype(np.float32)
    quiet = int(rate * (BLOCK_SECONDS - 7))
    audio[quiet : quiet + rate] = 0.0  # one second of silence 7 s before the first block's end
    bounds = block_bounds(audio, rate)
    assert bounds[0] == (0, bounds[1][0]) and bounds[-1][1] == len(audio)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))  # they tile the audio
    assert quiet <= bounds[0][1] <= quiet + rate  # the first cut is in the silence
    assert len(bounds) == 3


def test_blocks_are_transcribed_in_place(spoken_sample, monkeypatch):
    from captionkit.speech import transcribe as transcription

    wav, speech = spoken_sample
    whole = transcribe(wav).words
    monkeypatch.setattr(transcription, "BLOCK_SECONDS", 4.0)  # the 10 s sample in three blocks
    monkeypatch.setattr(transcription, "BLOCK_SEARCH_SECONDS", 1.5)
    blocks = transcribe(wav).words
    heard = " ".join(word.text for word in blocks)
    assert word_error_rate(PANGRAM_TEXT, heard) < 0.15, heard
    assert all(a.end <= b.start for a, b in zip(blocks, blocks[1:]))
    starts = {w.text: w.start for w in whole}
    same = [w for w in blocks if w.text in starts]
    assert len(same) > len(blocks) * 0.7
    assert np.median([abs(w.start - starts[w.text]) for w in same]) < 0.05  # times are in the media's time
