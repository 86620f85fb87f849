"""Reading caption files right: encodings, markup, SRT as players read it, entities, ASS as a script, cue order.

Every command reads a caption file through ``captionkit.formats``, so one file means the same to all of them;
these tests read each awkward file through the format layer, lint and the script reader.
"""

from __future__ import annotations

import codecs
import warnings

import pytest

from captionkit import formats
from captionkit.cues.lint import lint_file
from captionkit.formats import ass, srt, vtt
from captionkit.formats.base import decode
from captionkit.model import Cue, Track
from captionkit.script import read_script
from helpers import run_cli

SRT_TEXT = (
    "1\n00:00:01,000 --> 00:00:02,500\nCafé crème, naïve déjà vu.\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\nÀ bientôt !\n"
)


def _load(path, **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        track = formats.load(path, **options)
    return track, [str(warning.message) for warning in caught]


@pytest.mark.parametrize("encoding, prefix, expected", [
    ("utf-8", b"", "utf-8"),
    ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
    ("utf-16-le", b"", "utf-16-le"),
    ("utf-16-be", b"", "utf-16-be"),
    ("cp1252", b"", "cp1252"),
    ("latin-1", b"", "cp1252"),
])
def test_every_encoding_reads_the_same_cues_and_only_utf8_reads_silently(tmp_path, encoding, prefix, expected):
    path = tmp_path / f"captions {encoding}.srt"
    path.write_bytes(prefix + SRT_TEXT.encode(encoding))
    track, messages = _load(path)
    assert [cue.lines for cue in track.cues] == [["Café crème, naïve déjà vu."], ["À bientôt !"]]
    assert decode(path.read_bytes()).encoding == expected
    if expected.startswith("utf-8"):
        assert messages == []
    else:
        assert len(messages) == 1 and "not UTF-8" in messages[0] and expected in messages[0]


def test_legacy_code_pages_of_other_scripts_are_found():
    assert decode("Привет, как дела? Всё хорошо.".encode("cp1251")).text == "Привет, как дела? Всё хорошо."
    assert decode("Zażółć gęślą jaźń, proszę pana.".encode("cp1250")).encoding == "cp1250"
    assert decode("Γειά σου κόσμε, τι κάνεις;".encode("cp1253")).text == "Γειά σου κόσμε, τι κάνεις;"


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_lint_counts_the_cues_of_any_encoding_and_flags_it_for_delivery(tmp_path, encoding):
    path = tmp_path / "captions.srt"
    path.write_bytes(SRT_TEXT.encode(encoding))
    report = lint_file(path, "netflix", 24)
    assert report.cue_count == 2
    assert [(v.kind, v.cue) for v in report.violations if v.kind == "encoding"] == [("encoding", 0)]
    assert f"the file is {encoding}, not UTF-8" in report.violations[0].message


def test_a_latin1_srt_reads_the_same_as_a_script_and_in_lint(tmp_path):
    path = tmp_path / "latin1.srt"
    path.write_bytes(SRT_TEXT.encode("cp1252"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        script = read_script(path)
    assert " ".join(word.text for word in script.words) == "Café crème, naïve déjà vu. À bientôt !"
    result = run_cli("lint", path, "--fps", "24")
    assert "2 cues" in result.stdout and "encoding" in result.stdout and "Traceback" not in result.stderr


def test_srt_without_blank_lines_is_read_as_players_read_it():
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nFirst line\nsecond line\n"
        "2\n00:00:02,500 --> 00:00:03,000\nNext cue\n"
        "3\n00:00:03,500 --> 00:00:04,000\nLast\n"
    )
    track = srt.parse(text)
    assert [(cue.start, cue.end, cue.lines) for cue in track.cues] == [
        (1.0, 2.0, ["First line", "second line"]), (2.5, 3.0, ["Next cue"]), (3.5, 4.0, ["Last"]),
    ]
    assert not any("-->" in line for cue in track.cues for line in cue.lines)


def test_srt_without_numbers_with_dots_and_short_fractions_reads():
    track = srt.parse("00:00:01.5 --> 00:00:02.25\nNo number\n\n\n\n00:00:03,000 --> 00:00:04,000 X1:10 X2:20\nB\n")
    assert [(cue.start, cue.end, cue.lines) for cue in track.cues] == [(1.5, 2.25, ["No number"]), (3.0, 4.0, ["B"])]


def test_styling_tags_are_carried_through_every_format():
    track = srt.parse("1\n00:00:01,000 --> 00:00:02,000\n<I>Quiet</I> now, <b>please</b>\n<u>Thanks</u>\n")
    assert track.cues[0].lines == ["<i>Quiet</i> now, <b>please</b>", "<u>Thanks</u>"]
    assert "<i>Quiet</i> now, <b>please</b>\n<u>Thanks</u>\n" in srt.dump(track)
    assert "<i>Quiet</i> now, <b>please</b>\n<u>Thanks</u>\n" in vtt.dump(track)
    assert vtt.parse(vtt.dump(track)).cues[0].lines == track.cues[0].lines
    ass_text = ass.dump(track, size=(640, 360))
    assert "{\\i1}Quiet{\\i0} now, {\\b1}please{\\b0}" in ass_text and "<i>" not in ass_text
    assert ass.parse(ass_text).cues[0].lines == track.cues[0].lines


def test_font_tags_and_ass_overrides_in_srt_are_dropped_on_purpose():
    text = ('1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<font color="#ff0000">Red</font> on top\n\n'
            "2\n00:00:03,000 --> 00:00:04,000\n{\\pos(10,20)}Placed\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        track = srt.parse(text)
    assert [cue.lines for cue in track.cues] == [["Red on top"], ["Placed"]]
    assert len(caught) == 1 and "2 SRT cue(s)" in str(caught[0].message)


def test_styling_split_across_words_survives_a_style_that_shows_few_words_at_a_time():
    track = Track([Cue(0.0, 3.0, ["<i>one two three four five six</i>"])])
    text = ass.dump(track, size=(1080, 1920), style="social")
    events = [line for line in text.splitlines() if line.startswith("Dialogue:")]
    assert len(events) > 1 and all("{\\i1}" in event for event in events) and "<i>" not in text


def test_vtt_entities_are_decoded_and_markup_dropped():
    text = "WEBVTT\n\n00:01.000 --> 00:02.000\n&quot;Fish &amp; chips&quot; &lt;3 it&#8217;s <c.yellow>fine</c>\n"
    assert vtt.parse(text).cues[0].lines == ["\"Fish & chips\" <3 it’s fine"]


def test_an_ass_script_reads_its_dialogue_text_only(tmp_path):
    path = tmp_path / "made elsewhere.ass"
    ass.write(Track([Cue(1.0, 2.0, ["Hello there."], speaker="S1"), Cue(2.5, 3.0, ["Bye."], speaker="S2")]), path,
              size=(640, 360))
    script = read_script(path)
    assert [(word.text, word.speaker) for word in script.words] == [
        ("Hello", "S1"), ("there.", "S1"), ("Bye.", "S2"),
    ]


def test_cues_out_of_order_are_sorted_on_load_reported_by_lint_and_read_in_time_order(tmp_path):
    path = tmp_path / "shuffled.srt"
    path.write_text("1\n00:00:05,000 --> 00:00:06,000\nSecond.\n\n2\n00:00:01,000 --> 00:00:02,000\nFirst.\n",
                    encoding="utf-8")
    track, messages = _load(path)
    assert [cue.lines for cue in track.cues] == [["First."], ["Second."]]
    assert len(messages) == 1 and "not in time order" in messages[0]
    assert "out-of-order" in {v.kind for v in lint_file(path, "netflix", 25).violations}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert [word.text for word in read_script(path).words] == ["First.", "Second."]
