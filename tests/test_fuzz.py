"""Fuzz tests of every parser: nothing but captionkit's own error escapes, whatever the input.

Inputs are built from the pieces real files are made of (timing lines, cue numbers, tags, entities, section
headers, TOML keys), shuffled and mixed with arbitrary text, so the parsers' deep paths are reached.
Hypothesis runs derandomized (a fixed seed) with a bounded number of examples; the whole file takes seconds.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captionkit import formats
from captionkit.cues.profiles import load_profile
from captionkit.cues.segment import build_track
from captionkit.errors import CaptionkitError
from captionkit.formats import ass, jsonfile, srt, vtt
from captionkit.model import Track
from captionkit.script import read_script
from captionkit.style import load_style

#: CI runs a fixed seed and a bounded number of examples; CK_FUZZ_EXAMPLES=5000 CK_FUZZ_RANDOM=1 explores further.
FUZZ = settings(
    max_examples=int(os.environ.get("CK_FUZZ_EXAMPLES", 80)),
    deadline=timedelta(seconds=2),  # a parser that takes seconds on a small input has a pathological case
    derandomize=not os.environ.get("CK_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_TIME = st.builds(
    "{:02d}:{:02d}:{:02d}{}{:03d}".format,
    st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.sampled_from([",", ".", ":"]), st.integers(0, 999),
)
_TIMING = st.builds("{} --> {}{}".format, _TIME, _TIME, st.sampled_from(["", " X1:1 X2:2", " align:start", "x"]))
_PIECES = st.one_of(
    _TIMING,
    st.integers(-5, 10_000).map(str),
    st.sampled_from([
        "", " ", "WEBVTT", "WEBVTT - x", "NOTE a note", "STYLE", "::cue { color: red }", "REGION", "Kind: captions",
        "Language: de", "<i>", "</i>", "<b>bold</b>", "<u>", "<I>x</I>", "<font color=\"#ff0000\">", "</font>",
        "{\\an8}", "{\\pos(10,20)}", "{\\i1}", "{\\b700}", "{", "}", "\\N", "<v Bob>", "<v.loud Ann>", "</v>",
        "<c.yellow>", "<00:00:01.000>", "&amp;", "&quot;", "&#8217;", "&#xZZ;", "&lt;3", "-Hi.", "- Bonjour",
        "[laughs]", "(sighs)", "[S1]", "[S2]", "[s3]", "(", ")", "[", "]", "…", "。", "“Quoted.”", "\ufeff", "\r",
        "[Script Info]", "[V4+ Styles]", "[Events]", "ScriptType: v4.00+", "PlayResX: 0", "PlayResY: -3",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
        "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hello",
        "Dialogue: 0,9:99:99.99,0:00:00.00,Nope,S1,x,y,z,,{\\k50}Hi{\\k20} there",
        "Comment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,c",
        "Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,2,2,10,10,10,1",
    ]),
    st.text(max_size=30),
)
CAPTION_TEXT = st.one_of(st.lists(_PIECES, max_size=40).map("\n".join), st.text(max_size=300))

_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=True) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_WORD = st.fixed_dictionaries(
    {"word": _JSON_VALUE | st.text(max_size=8), "start": _JSON_VALUE | st.floats(0, 100),
     "end": _JSON_VALUE | st.floats(0, 100)},
    optional={"probability": _JSON_VALUE, "speaker": _JSON_VALUE, "kind": st.sampled_from(["speech", "sound", "x"])},
)
_CUE = st.fixed_dictionaries(
    {"start": _JSON_VALUE | st.floats(0, 100), "end": _JSON_VALUE | st.floats(0, 100)},
    optional={"lines": _JSON_VALUE | st.lists(st.text(max_size=10), max_size=3), "speaker": _JSON_VALUE,
              "word_range": _JSON_VALUE | st.lists(st.integers(-3, 10), min_size=2, max_size=2)},
)
CAPTIONKIT_JSON = st.one_of(
    st.fixed_dictionaries({}, optional={"language": _JSON_VALUE | st.sampled_from(["en", "ja", "de"]),
                                        "words": _JSON_VALUE | st.lists(_WORD, max_size=6),
                                        "cues": _JSON_VALUE | st.lists(_CUE, max_size=4)}).map(json.dumps),
    _JSON_VALUE.map(json.dumps),
    st.text(max_size=100),
)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else "nan"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(key)} = {_toml_value(item)}" for key, item in value.items()) + " }"


_TOML_SCALAR = st.booleans() | st.integers(-100, 100) | st.floats(-2, 2) | st.text(max_size=12) | st.sampled_from(
    ["#FFFFFF", "#00000080", "#12", "clean", "social", "netflix", "left", "middle", "karaoke", "turn", "en"])
_TOML_VALUE = st.recursive(_TOML_SCALAR, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(["landscape", "portrait", "square", "x"]), inner,
                                             max_size=3), max_leaves=6)


def _toml(keys: list[str], sections: list[str]):
    """TOML documents using the given keys at the top and in the given sections, plus arbitrary text."""
    table = st.dictionaries(st.sampled_from(keys), _TOML_VALUE, max_size=6)
    document = st.tuples(table, st.dictionaries(st.sampled_from(sections), table, max_size=4)).map(
        lambda parts: "".join(f"{key} = {_toml_value(value)}\n" for key, value in parts[0].items())
        + "".join(f"[{name}]\n" + "".join(f"{key} = {_toml_value(value)}\n" for key, value in body.items())
                  for name, body in parts[1].items())
    )
    return st.one_of(document, st.text(max_size=200))


STYLE_TOML = _toml(
    ["extends", "description", "fonts_dir", "family", "bold", "size", "uppercase", "spacing", "text", "outline",
     "shadow", "box", "highlight", "blur", "enabled", "padding", "align", "position", "margin_v", "margin_h",
     "max_chars", "max_lines", "max_words", "mode", "sweep", "colours", "names", "name_colour", "name_size", "top"],
    ["font", "colours", "border", "box", "layout", "highlight", "speakers", "safe_area", "safe_area.portrait",
     "nonsense"],
)
PROFILE_TOML = _toml(
    ["extends", "description", "max_chars_per_line", "max_lines", "max_cps", "max_wpm", "max_words", "min_duration",
     "max_duration", "min_gap_frames", "chain_gap", "pause_break", "frame_rate", "dash", "unspaced", "x"],
    ["languages.ja", "languages.fr", "languages", "other"],
)


def only_own_errors(call) -> None:
    """Run ``call``; a CaptionkitError is an answer, anything else escapes and fails the test."""
    try:
        result = call()
    except CaptionkitError as error:
        assert str(error) and "\n" not in str(error).strip()
        return
    if isinstance(result, Track):
        assert all(isinstance(line, str) for cue in result.cues for line in cue.lines)


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(text=CAPTION_TEXT)
def test_srt_parser(text):
    only_own_errors(lambda: srt.parse(text))


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(text=CAPTION_TEXT)
def test_vtt_parser(text):
    only_own_errors(lambda: vtt.parse(text))
    only_own_errors(lambda: vtt.parse("WEBVTT\n\n" + text))


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(text=CAPTION_TEXT)
def test_ass_parser(text):
    only_own_errors(lambda: ass.parse(text))
    only_own_errors(lambda: ass.parse("[Script Info]\nScriptType: v4.00+\n\n[Events]\n" + text))


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(text=CAPTIONKIT_JSON)
def test_captionkit_json_parser(text):
    only_own_errors(lambda: jsonfile.parse(text))
    only_own_errors(lambda: jsonfile.parse(text, segment=build_track))


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_decode_as_text(data):
    decoded = formats.decode(data)
    assert isinstance(decoded.text, str) and decoded.encoding


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(text=CAPTION_TEXT, kind=st.sampled_from(["dia", "text", "srt", "vtt", "ass", None]))
def test_script_reader(text, kind):
    only_own_errors(lambda: read_script(text + "\n", format=kind))


@FUZZ
@given(text=STYLE_TOML)
def test_style_toml(tmp_path, text):
    path = tmp_path / "fuzz style.toml"
    path.write_text(text, encoding="utf-8")
    only_own_errors(lambda: load_style(path))


@FUZZ
@given(text=PROFILE_TOML, language=st.sampled_from(["en", "ja", "fr", None]))
def test_profile_toml(tmp_path, text, language):
    path = tmp_path / "fuzz profile.toml"
    path.write_text(text, encoding="utf-8")
    only_own_errors(lambda: load_profile(path, language))
