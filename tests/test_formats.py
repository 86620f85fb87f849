"""Caption formats: SRT round trip is lossless; VTT, JSON and ASS read back what was written."""

from __future__ import annotations

import json

import pytest

from captionkit.cues.segment import build_track
from captionkit.errors import CaptionkitError
from captionkit.formats import format_of, load, save
from captionkit.formats import jsonfile, srt, vtt
from captionkit.model import Cue, Track, Word
from helpers import assert_one_line_error, run_cli

HAND_MADE_SRT = """1
00:00:00,000 --> 00:00:01,234
<i>Hello</i> there,
how are you?

2
00:00:01,300 --> 00:00:02,000

3
00:59:59,999 --> 01:00:03,001
-Oui, ça va ! 你好。
-[laughs] «quotes» & <b>tags</b>

4
10:00:00,000 --> 10:00:00,001
a
"""

WORDS = [
    Word("Hello", 0.5, 0.9, 0.98, "S1"),
    Word("there.", 0.95, 1.4, 0.9, "S1"),
    Word("[laughs]", 1.6, 2.2, 1.0, "S2", "sound"),
    Word("Café", 2.5, 2.9, 0.7, "S2"),
    Word("au", 2.9, 3.0, 0.8, "S2"),
    Word("lait?", 3.0, 3.5, 0.95, "S2"),
]


def test_srt_round_trip_is_lossless_for_text_and_times():
    track = srt.parse(HAND_MADE_SRT)
    assert srt.dump(track) == HAND_MADE_SRT
    assert track.cues[1].lines == [] and track.cues[2].start == pytest.approx(3599.999)


def test_srt_file_round_trip_through_the_model(tmp_path):
    source = tmp_path / "source.srt"
    source.write_text(HAND_MADE_SRT, encoding="utf-8")
    copy = save(load(source), tmp_path / "copy.srt")
    assert copy.read_text(encoding="utf-8") == HAND_MADE_SRT


def test_srt_with_bom_and_crlf_reads(tmp_path):
    path = tmp_path / "windows.srt"
    path.write_bytes(b"\xef\xbb\xbf" + HAND_MADE_SRT.replace("\n", "\r\n").encode())
    assert srt.dump(load(path)) == HAND_MADE_SRT


def test_captionkit_tracks_survive_every_format(tmp_path):
    track = build_track(WORDS, profile="netflix", fps=25)
    for extension in ("srt", "vtt", "json", "ass"):
        path = save(track, tmp_path / f"out.{extension}", size=(1280, 720), fps=25)
        again = load(path)
        assert [cue.lines for cue in again.cues] == [cue.lines for cue in track.cues], extension
        for cue, original in zip(again.cues, track.cues):
            # ASS keeps centiseconds, written half a frame before the frame (see formats.ass)
            tolerance = 0.5 / 25 + 0.006 if extension == "ass" else 0.001
            assert cue.start == pytest.approx(original.start, abs=tolerance)
            assert cue.end == pytest.approx(original.end, abs=tolerance)


def test_vtt_keeps_speakers_as_voice_spans_and_escapes_text():
    track = Track([Cue(1.0, 2.5, ["Fish & chips <3", "second line"], speaker="Ann Lee"), Cue(3, 4, ["-Hi.", "-Hey."])])
    text = vtt.dump(track)
    assert text.startswith("WEBVTT\n")
    assert "<v Ann Lee>Fish &amp; chips &lt;3\nsecond line\n" in text
    again = vtt.parse(text)
    assert [(c.start, c.end, c.lines, c.speaker) for c in again.cues] == [
        (1.0, 2.5, ["Fish & chips <3", "second line"], "Ann Lee"),
        (3.0, 4.0, ["-Hi.", "-Hey."], None),
    ]
    assert "<v" not in vtt.dump(track, speakers=False)


def test_vtt_dual_speaker_cue_gets_a_voice_per_line():
    words = [Word("Really?", 1.0, 1.4, speaker="Ann"), Word("Yes.", 1.6, 1.9, speaker="Bob")]
    track = build_track(words)
    assert track.cues[0].lines == ["-Really?", "-Yes."]
    text = vtt.dump(track)
    assert "<v Ann>-Really?</v>\n<v Bob>-Yes.</v>\n" in text
    cue = vtt.parse(text).cues[0]
    assert cue.lines == ["-Really?", "-Yes."] and cue.speaker is None


def test_vtt_reader_accepts_other_tools_output():
    text = (
        "WEBVTT - made elsewhere\n\nSTYLE\n::cue { color: yellow }\n\nNOTE a comment\n\n"
        "intro\n00:01.000 --> 00:02.500 align:start position:10%\n<v.loud Bob>Hi</v> <i>you</i>\n\n"
        "01:00:00.000 --> 01:00:01.000\n&lt;tag&gt;\n"
    )
    track = vtt.parse(text)
    assert [(c.start, c.end, c.lines, c.speaker) for c in track.cues] == [
        (1.0, 2.5, ["Hi <i>you</i>"], "Bob"),
        (3600.0, 3601.0, ["<tag>"], None),
    ]
    with pytest.raises(CaptionkitError, match="WEBVTT"):
        vtt.parse("1\n00:00:01,000 --> 00:00:02,000\nnot vtt\n")


def test_json_holds_words_and_cues(tmp_path):
    track = build_track(WORDS, profile="netflix")
    path = save(track, tmp_path / "caption s.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["words"] == [word.to_dict() for word in WORDS]
    assert data["words"][2]["kind"] == "sound"
    assert [cue["lines"] for cue in data["cues"]] == [cue.lines for cue in track.cues]
    again = load(path)
    assert again.words == WORDS
    assert [cue.words for cue in again.cues] == [cue.words for cue in track.cues]


def test_words_file_loads_as_segmented_track(tmp_path):
    path = tmp_path / "words.json"
    jsonfile.write_words(WORDS, path, "en")
    assert json.loads(path.read_text())["words"][0] == {
        "word": "Hello", "start": 0.5, "end": 0.9, "probability": 0.98, "speaker": "S1",
    }
    assert jsonfile.read_words(path) == WORDS
    track = load(path, segment=build_track)
    assert track.words == WORDS and track.cues


@pytest.mark.parametrize("name", ["with space.srt", "quote'and\"double.vtt", "colon: yes.json", "ünïcødé 字幕.srt"])
def test_odd_file_names(tmp_path, name):
    track = build_track(WORDS)
    path = save(track, tmp_path / name)
    assert [cue.lines for cue in load(path).cues] == [cue.lines for cue in track.cues]


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    save(build_track(WORDS), tmp_path / "a.srt")
    assert [p.name for p in tmp_path.iterdir()] == ["a.srt"]


def test_bad_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(CaptionkitError, match="cannot tell the caption format"):
        format_of(tmp_path / "captions.txt")
    with pytest.raises(CaptionkitError, match="does not exist"):
        load(tmp_path / "missing.srt")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CaptionkitError, match="not valid JSON"):
        load(broken)


def test_lint_cli_reports_unreadable_file_in_one_line(tmp_path):
    assert_one_line_error(run_cli("lint", tmp_path / "nothing here.srt"), "does not exist")
    assert_one_line_error(run_cli("lint", tmp_path), "directory")
    assert run_cli("lint", tmp_path / "missing.srt").returncode == 2
