"""Script text an aligner cannot hear as written (numbers, symbols), spoken asides in parentheses and Dia's
non-verbal tags, aligned against real synthesized speech. The timing truth is checked against the waveform: the
pieces are spoken one at a time and joined with known silences (``align_helpers.speak_pieces``), so each piece's
audible onset and offset are known."""

from __future__ import annotations

import numpy as np
import pytest

from align_helpers import offset_errors, onset_errors, speak_pieces
from captionkit.cues.segment import build_track
from captionkit.script import DIA_NON_VERBAL, read_script
from captionkit.speech import refine
from captionkit.speech.align import align_script
from captionkit.speech.spoken_forms import spoken_form

pytestmark = pytest.mark.slow

#: Pieces spoken one at a time: several end on a number or symbol, so its end is truth too.
NUMBERS_PIECES = ["The plan costs $49.99", "for 3 weeks.", "It is 2.5x faster, with 10% off.", "Version v3.1 runs 24/7,",
                  "and we are No. 1 at 9:30", "since the 1990s.", "Send an e-mail over Wi-Fi to the 3rd team & me."]
NUMBERS_TEXT = " ".join(NUMBERS_PIECES)
ASIDE_PIECES = ["Upload your logo", "(or two, if you have a dark version)", "and pick a colour."]
ASIDE_TEXT = " ".join(ASIDE_PIECES)


@pytest.fixture
def sphinx_calls(monkeypatch):
    """The word lists the English acoustic aligner re-timed (it returns None for those it could not)."""
    timed: list[list[str]] = []
    original = refine._sphinx_times

    def spy(texts, *args, **kwargs):
        result = original(texts, *args, **kwargs)
        if result is not None:
            timed.append(list(texts))
        return result

    monkeypatch.setattr(refine, "_sphinx_times", spy)
    return timed


def test_numbers_and_symbols_come_back_written_and_timed_by_their_spoken_words(tmp_path, sphinx_calls):
    clip = speak_pieces(NUMBERS_PIECES, tmp_path / "numbers.wav")
    result = align_script(tmp_path / "numbers.wav", NUMBERS_TEXT, progress_label=None)
    assert [w.text for w in result.words] == NUMBERS_TEXT.split()  # the written form, in the captions too
    assert result.report.ok
    onsets, offsets = np.abs(onset_errors(result.words, clip)), np.abs(offset_errors(result.words, clip))
    assert onsets.max() < 0.06 and offsets.max() < 0.1, (onsets.round(3), offsets.round(3))
    written = [w for w in NUMBERS_TEXT.split() if spoken_form(w)]
    assert len(written) >= 12
    # no raw-attention fallback: every stretch holding a number or symbol was re-timed acoustically, by words
    # pocketsphinx can say (no digits or symbols left)
    timed = [text for call in sphinx_calls for text in call]
    assert not any(ch.isdigit() or ch in "$%&/@" for text in timed for ch in text)
    assert {"forty", "percent", "seven", "thirty", "nineties", "third", "and"} <= {t.strip(".,").lower() for t in timed}
    fewest_units = sum(min((len(r) for r in spoken_form(w)), default=1) for w in NUMBERS_TEXT.split())
    assert sum(len(call) for call in sphinx_calls) >= fewest_units  # every stretch, none left to attention times
    track = build_track(result.words, profile="netflix", language="en", fps=30)
    shown = " ".join(" ".join(cue.lines) for cue in track.cues)
    assert "$49.99" in shown and "10%" in shown and "24/7," in shown and "Wi-Fi" in shown


def test_a_spoken_aside_in_parentheses_is_aligned_and_captioned(tmp_path):
    clip = speak_pieces(ASIDE_PIECES, tmp_path / "aside.wav")
    result = align_script(tmp_path / "aside.wav", f"[S1] {ASIDE_TEXT}", sounds=True, progress_label=None)
    assert all(w.kind == "speech" for w in result.words)
    # the aside starts and ends where it is heard, and the words after it are not pulled early
    onsets, offsets = np.abs(onset_errors(result.words, clip)), np.abs(offset_errors(result.words, clip))
    assert onsets.max() < 0.06 and offsets.max() < 0.1, (onsets.round(3), offsets.round(3))
    aside = [w for w in result.words if w.text in ("(or", "version)")]
    assert len(aside) == 2 and aside[0].start < aside[1].start
    track = build_track(result.words, profile="netflix", language="en", fps=30)
    assert "(or two, if you have a dark version)" in " ".join(" ".join(cue.lines) for cue in track.cues)


def test_every_dia_tag_is_a_sound_between_the_words_it_sits_between(tmp_path):
    tags = sorted(DIA_NON_VERBAL)
    sentences = [f"Sentence number {index} is here." for index in range(1, len(tags) + 1)]
    clip = speak_pieces(sentences, tmp_path / "tags.wav")
    script = " ".join(f"{sentence} ({tag.title()})" for sentence, tag in zip(sentences, tags))
    result = align_script(tmp_path / "tags.wav", f"[S1] {script}", sounds=True, progress_label=None)
    sounds = [w for w in result.words if w.kind == "sound"]
    assert [w.text for w in sounds] == [f"[{tag.title()}]" for tag in tags]
    spoken = [w for w in result.words if w.kind == "speech"]
    assert [w.text for w in spoken] == clip.text.split()
    assert np.abs(onset_errors(spoken, clip)).max() < 0.06
    for sound, (_, onset, _), (_, _, offset) in zip(sounds, clip.onsets[1:], clip.onsets):
        assert offset - 0.1 <= sound.start and sound.end <= onset + 0.1  # each tag sits in the pause after its sentence


def test_only_dia_tags_in_parentheses_are_sounds():
    script = read_script("[S1] Hi (LAUGHS) there (clears   throat) (laughing) (or not). [S2] Ok (applause).")
    assert [(w.text, w.kind) for w in script.words] == [
        ("Hi", "speech"), ("[LAUGHS]", "sound"), ("there", "speech"), ("[clears throat]", "sound"),
        ("(laughing)", "speech"), ("(or", "speech"), ("not).", "speech"), ("Ok.", "speech"), ("[applause]", "sound"),
    ]
    for tag in DIA_NON_VERBAL:
        assert [w.kind for w in read_script(f"Yes ({tag}) no.").words] == ["speech", "sound", "speech"], tag
    # subtitle files keep the SDH convention: any parenthesised or bracketed cue is a sound
    subtitles = read_script("1\n00:00:01,000 --> 00:00:02,000\n(door slams) Who is it?\n")
    assert [w.kind for w in subtitles.words] == ["sound", "speech", "speech", "speech"]
