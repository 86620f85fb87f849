"""The script reader: Dia tags, sound cues, plain text, SRT/VTT, text kept exactly as written."""

from __future__ import annotations

import io

import pytest

from captionkit.errors import CaptionkitError
from captionkit.script import read_script


def test_dia_speakers_and_sound_cues():
    script = read_script("[S1] Hello there. (laughs) How are you? [S2] Fine, thanks! (clears throat) And you?")
    assert script.format == "dia"
    assert [(w.text, w.speaker, w.kind) for w in script.words] == [
        ("Hello", "S1", "speech"),
        ("there.", "S1", "speech"),
        ("[laughs]", "S1", "sound"),
        ("How", "S1", "speech"),
        ("are", "S1", "speech"),
        ("you?", "S1", "speech"),
        ("Fine,", "S2", "speech"),
        ("thanks!", "S2", "speech"),
        ("[clears throat]", "S2", "sound"),
        ("And", "S2", "speech"),
        ("you?", "S2", "speech"),
    ]
    assert [w.text for w in script.spoken] == ["Hello", "there.", "How", "are", "you?", "Fine,", "thanks!", "And", "you?"]
    assert script.speakers == ["S1", "S2"]
    assert script.sentences == ["Hello there.", "How are you?", "Fine, thanks!", "And you?"]


def test_text_survives_exactly_as_written():
    text = '“Quoted,” state-of-the-art… 2024 costs $9.99 — naïve café, Größe! ¿Qué?'
    script = read_script(text)
    assert script.format == "text"
    assert " ".join(w.text for w in script.words) == text
    assert all(w.speaker is None for w in script.words)


def test_plain_text_gets_the_given_speaker_and_sound_cues():
    script = read_script("Well (sighs) okay then.", speaker="Narrator")
    assert [(w.text, w.kind) for w in script.words] == [("Well", "speech"), ("[sighs]", "sound"), ("okay", "speech"), ("then.", "speech")]
    assert {w.speaker for w in script.words} == {"Narrator"}


def test_srt_text_is_read_in_order_without_markup(tmp_path):
    path = tmp_path / "old captions: v1.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> world.\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\n- [music] Yes?\n- No!\n",
        encoding="utf-8",
    )
    script = read_script(path)
    assert script.format == "srt"
    assert [(w.text, w.kind) for w in script.words] == [
        ("Hello", "speech"), ("world.", "speech"), ("[music]", "sound"), ("Yes?", "speech"), ("No!", "speech")
    ]


def test_vtt_voice_tags_become_speakers(tmp_path):
    path = tmp_path / "dialogue.vtt"
    path.write_text(
        "WEBVTT\n\nNOTE made by hand\n\n00:00.000 --> 00:02.000\n<v Anna>Guten Tag.</v>\n\n"
        "00:02.500 --> 00:04.000\n<v Ben>Hallo, Anna!\n",
        encoding="utf-8",
    )
    script = read_script(path)
    assert script.format == "vtt"
    assert [(w.text, w.speaker) for w in script.words] == [("Guten", "Anna"), ("Tag.", "Anna"), ("Hallo,", "Ben"), ("Anna!", "Ben")]


def test_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("[S1] From a pipe.\n"))
    script = read_script("-")
    assert [(w.text, w.speaker) for w in script.words] == [("From", "S1"), ("a", "S1"), ("pipe.", "S1")]


def test_script_file_with_bom_and_unusual_name(tmp_path):
    path = tmp_path / "scène 1 'take' 2.txt"
    path.write_text("\ufeff[S2] Bonjour.", encoding="utf-8")
    assert [(w.text, w.speaker) for w in read_script(path).words] == [("Bonjour.", "S2")]


@pytest.mark.parametrize("source", ["   ", "(laughs) (sighs)", "[S1] (laughs)"])
def test_a_script_without_words_is_refused(source):
    with pytest.raises(CaptionkitError, match="no words"):
        read_script(source)


def test_missing_script_file_is_a_clear_error(tmp_path):
    with pytest.raises(CaptionkitError, match="no such script file"):
        read_script(tmp_path / "nope.txt")
    with pytest.raises(CaptionkitError, match="no such script file"):
        read_script(str(tmp_path / "nope.srt"))  # a path given as a string, not script text
