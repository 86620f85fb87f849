"""captionkit lint: one hand-made broken file per violation kind, unavoidable cases, the command line."""

from __future__ import annotations

import json

import pytest

from captionkit.cues.lint import KINDS, lint_file, lint_track
from captionkit.formats import srt
from captionkit.model import Cue, Track
from helpers import run_cli

GOOD = [(1.00, 3.00, ["Hello there."]), (4.00, 6.00, ["How about you?"]), (7.00, 9.00, ["Fine, thanks."])]


def srt_text(cues) -> str:
    return srt.dump(Track([Cue(start, end, lines) for start, end, lines in cues]))


def with_cue(index: int, start: float, end: float, lines: list[str], cues=GOOD) -> list:
    cues = list(cues)
    cues[index] = (start, end, lines)
    return cues


# Each broken file: the clean file above with one defect (25 fps, so every time below is on a frame).
BROKEN = {
    "empty": (srt_text(with_cue(1, 4.0, 6.0, [])), "netflix", 2),
    "out-of-order": (srt_text([GOOD[0], GOOD[2], GOOD[1]]), "netflix", 3),
    "overlap": (srt_text(with_cue(1, 2.80, 6.0, ["How about you?"])), "netflix", 2),
    "gap": (srt_text(with_cue(1, 3.04, 6.0, ["How about you?"])), "netflix", 2),
    "unchained-gap": (srt_text(with_cue(1, 3.20, 6.0, ["How about you?"])), "netflix", 2),
    "line-count": (srt_text(with_cue(0, 1.0, 3.0, ["Hello", "there", "friend."])), "netflix", 1),
    "line-length": (
        srt_text(with_cue(0, 1.0, 3.4, ["This line is a little longer than forty-two."])),
        "netflix", 1,
    ),
    "reading-speed": (srt_text(with_cue(0, 1.0, 2.0, ["Hello there, how are you doing?"])), "netflix", 1),
    "words-per-minute": (srt_text(with_cue(0, 1.0, 2.2, ["One two three four five six."])), "broadcast", 1),
    "word-count": (srt_text(with_cue(0, 1.0, 3.0, ["I am so glad."])), "social", 1),
    "min-duration": (srt_text(with_cue(0, 1.0, 1.4, ["Hi."])), "netflix", 1),
    "max-duration": (srt_text([(1.0, 8.2, ["Hello there."]), (9.0, 11.0, ["How about you?"])]), "netflix", 1),
    "off-frame": (srt_text(with_cue(0, 1.01, 3.0, ["Hello there."])), "netflix", 1),
    "dialogue-dash": (srt_text(with_cue(2, 7.0, 9.0, ["- Fine, thanks.", "- Good."])), "netflix", 3),
}


def test_every_kind_has_a_broken_file():
    assert set(BROKEN) | {"encoding"} == set(KINDS)


def test_the_clean_file_is_clean(tmp_path):
    path = tmp_path / "clean.srt"
    path.write_text(srt_text(GOOD), encoding="utf-8")
    for profile in ("netflix", "netflix-template", "broadcast", "social"):
        report = lint_file(path, profile, 25)
        assert report.violations == [] and report.passed, profile


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_lint_catches_each_violation_kind(tmp_path, kind):
    text, profile, cue_number = BROKEN[kind]
    path = tmp_path / f"broken {kind}.srt"
    path.write_text(text, encoding="utf-8")
    report = lint_file(path, profile, 25)
    assert {(v.kind, v.cue, v.severity) for v in report.violations} == {(kind, cue_number, "error")}
    assert not report.passed
    result = run_cli("lint", path, "--profile", profile, "--fps", "25")
    assert result.returncode == 1
    assert f"#{cue_number}" in result.stdout and kind in result.stdout


def test_lint_catches_invalid_encoding(tmp_path):
    path = tmp_path / "latin1.srt"
    path.write_bytes(srt_text(GOOD).replace("Hello there.", "Café crème.").encode("cp1252"))
    report = lint_file(path, "netflix", 25)
    assert [(v.kind, v.cue) for v in report.violations] == [("encoding", 0)]
    assert "0xe9" in report.violations[0].message
    assert report.cue_count == 3  # the rest of the file is still checked
    assert run_cli("lint", path, "--fps", "25").returncode == 1


UNAVOIDABLE = {
    # one word longer than a line: nowhere to break it
    "line-length": [(1.0, 3.4, ["Pneumonoultramicroscopicsilicovolcanoconiosis"]), GOOD[1]],
    # 31 characters in 1 s, and the next cue starts 2 frames later: speech faster than reading speed allows
    "reading-speed": [(1.0, 2.0, ["Hello there, how are you doing?"]), (2.08, 4.0, ["Fine."])],
    # the next cue (another speaker, say) starts 2 frames after this one ends
    "min-duration": [(1.0, 1.4, ["Hi."]), (1.48, 3.0, ["Hello, you."])],
    # closing the gap would make the first cue longer than 7 s
    "unchained-gap": [(1.0, 8.0, ["Hello there, this is a long and slow cue."]), (8.2, 10.0, ["Yes."])],
}


@pytest.mark.parametrize("kind", sorted(UNAVOIDABLE))
def test_unavoidable_violations_are_named_and_do_not_fail(tmp_path, kind):
    path = tmp_path / f"{kind}.srt"
    path.write_text(srt_text(UNAVOIDABLE[kind]), encoding="utf-8")
    report = lint_file(path, "netflix", 25)
    assert {(v.kind, v.severity) for v in report.violations} == {(kind, "unavoidable")}
    assert report.passed
    result = run_cli("lint", path, "--fps", "25")
    assert result.returncode == 0 and "unavoidable" in result.stdout


def test_unavoidable_reading_speed_becomes_an_error_when_the_cue_could_last_longer():
    fast = Track([Cue(1.0, 2.0, ["Hello there, how are you doing?"]), Cue(2.08, 4.0, ["Fine."])])
    assert [v.severity for v in lint_track(fast, "netflix", 25)] == ["unavoidable"]
    fast.cues[1] = Cue(3.0, 4.0, ["Fine."])
    assert [v.severity for v in lint_track(fast, "netflix", 25)] == ["error"]


@pytest.mark.parametrize(
    "lines, language, problems",
    [
        (["-Fine, thanks.", "-Good."], "en", 0),
        (["- Bien, merci.", "- Bon."], "fr", 0),
        (["-Bien, merci.", "-Bon."], "fr", 1),
        (["-Fine, thanks.", "Good."], "en", 1),
        (["-Fine.", "-Good.", "-Yes."], "en", 1),  # a dual-speaker cue has two lines
        (["-5 degrees outside.", "Brr."], "en", 0),
    ],
)
def test_dialogue_dashes(lines, language, problems):
    track = Track([Cue(1.0, 3.0, lines)], language)
    kinds = [v.kind for v in lint_track(track, "netflix", 25)]
    assert kinds.count("dialogue-dash") == problems
    assert ("line-count" in kinds) == (len(lines) > 2)


def test_frame_rate_decides_frame_rules(tmp_path):
    path = tmp_path / "grid.srt"
    path.write_text(srt_text([(1.0, 3.04, ["Hello there."])]), encoding="utf-8")  # 3.04 s is a 25 fps frame
    assert lint_file(path, "netflix", 25).passed
    kinds = {v.kind for v in lint_file(path, "netflix", 30).violations}
    assert kinds == {"off-frame"}
    assert lint_file(path, "netflix", 30.0 * 1000 / 1001).violations  # 29.97 is exact NTSC


def test_language_sets_line_length(tmp_path):
    path = tmp_path / "ja.srt"
    path.write_text(srt_text([(1.0, 5.0, ["今日はとてもいい天気ですね。"])]), encoding="utf-8")  # 14 characters
    assert {v.kind for v in lint_file(path, "netflix", 25, language="en").violations} == set()
    kinds = {v.kind for v in lint_file(path, "netflix", 25, language="ja").violations}
    assert "line-length" in kinds


def test_vtt_from_elsewhere(tmp_path):
    path = tmp_path / "other tool.vtt"
    path.write_text(
        "WEBVTT\n\n00:01.000 --> 00:03.000 line:90%\n<v Ann>Hello there.\n\n"
        "00:02.520 --> 00:05.000\n<i>Overlapping</i> cue.\n",
        encoding="utf-8",
    )
    report = lint_file(path, "netflix", 25)
    assert [(v.kind, v.cue) for v in report.violations] == [("overlap", 2)]


ASS_HEADER = """[Script Info]
ScriptType: v4.00+
PlayResX: 1280
PlayResY: 720

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Arial,40,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,0,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


def test_ass_from_elsewhere(tmp_path):
    path = tmp_path / "aegisub.ass"
    path.write_text(
        ASS_HEADER
        + "Dialogue: 0,0:00:01.00,0:00:03.00,Default,Ann,0,0,0,,{\\an8}{\\k20}Hello {\\k30}there.\n"
        + "Comment: 0,0:00:01.00,0:00:09.00,Default,,0,0,0,,a comment is not a cue\n"
        + "Dialogue: 0,0:00:04.00,0:00:09.00,Default,,0,0,0,,This line is definitely much longer\\Nthan forty-two "
          "characters, really it is, truly.\n",
        encoding="utf-8",
    )
    report = lint_file(path, "netflix", 25)
    assert [(v.kind, v.cue) for v in report.violations] == [("line-length", 2)]


def test_ass_per_word_highlight_events_count_as_one_cue(tmp_path):
    path = tmp_path / "highlight.ass"
    path.write_text(
        ASS_HEADER
        + "Dialogue: 0,0:00:01.00,0:00:01.40,Default,,0,0,0,,{\\c&H00FFFF&}Hello{\\r} there.\n"
        + "Dialogue: 0,0:00:01.40,0:00:03.00,Default,,0,0,0,,Hello {\\c&H00FFFF&}there.{\\r}\n",
        encoding="utf-8",
    )
    report = lint_file(path, "netflix", 25)
    assert report.cue_count == 1 and report.violations == []


def test_json_output(tmp_path):
    text, profile, _ = BROKEN["gap"]
    path = tmp_path / "gap.srt"
    path.write_text(text, encoding="utf-8")
    result = run_cli("lint", path, "--json", "--fps", "25")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["passed"] is False and data["errors"] == 1 and data["cues"] == 3 and data["fps"] == 25
    assert data["violations"] == [
        {"cue": 2, "start": 3.04, "kind": "gap", "message": data["violations"][0]["message"], "severity": "error"}
    ]


def test_clean_file_exits_zero(tmp_path):
    path = tmp_path / "clean.srt"
    path.write_text(srt_text(GOOD), encoding="utf-8")
    result = run_cli("lint", path, "--profile", "broadcast")
    assert result.returncode == 0 and "no violations" in result.stdout


def test_bad_options_are_one_line_errors(tmp_path):
    path = tmp_path / "clean.srt"
    path.write_text(srt_text(GOOD), encoding="utf-8")
    for args, fragment in [
        (("--profile", "cinema"), "unknown profile"),
        (("--shot-changes", "1.0,x"), "--shot-changes"),
        (("--fps", "-5"), "frame rate"),
    ]:
        result = run_cli("lint", path, *args)
        assert result.returncode == 2 and fragment in result.stderr and "Traceback" not in result.stderr
    words_only = tmp_path / "words.json"
    words_only.write_text('{"words": []}', encoding="utf-8")
    result = run_cli("lint", words_only)
    assert result.returncode == 2 and "no cues" in result.stderr
