"""Style presets, user style files, and laying a style out on every aspect ratio."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageFont

from captionkit.errors import CaptionkitError
from captionkit.style import (
    ASPECTS, LINE_HEIGHT_EM, aspect_of, fonts_dir, list_styles, load_style, parse_colour, resolve, styles_dir,
)
from helpers import assert_one_line_error, run_cli

PRESETS = ("clean", "boxed", "social", "lower-third", "speakers")
SAMPLE_LINE = "Welcome to the product tour, where we show you what matters most"
SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920), "square": (1080, 1080)}


def test_every_required_preset_is_listed_with_a_description():
    presets = list_styles()
    for name in PRESETS:
        assert name in presets
        assert presets[name] and "\n" not in presets[name]


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("aspect", ASPECTS)
def test_a_full_line_fits_inside_the_title_safe_area(name, aspect):
    style = load_style(name)
    metrics = resolve(style, SIZES[aspect])
    width, height = SIZES[aspect]
    assert aspect_of(SIZES[aspect]) == aspect
    font = ImageFont.truetype(str(fonts_dir() / f"NotoSans-{'Bold' if style.font.bold else 'Regular'}.ttf"),
                              round(metrics.font_size / LINE_HEIGHT_EM))
    sample = SAMPLE_LINE.upper() if style.font.uppercase else SAMPLE_LINE
    line_width = font.getlength(sample[: metrics.max_chars]) + 2 * metrics.outline
    assert metrics.margin_left >= metrics.safe.left * width
    assert metrics.margin_right >= metrics.safe.right * width
    assert line_width <= width - metrics.margin_left - metrics.margin_right + 1
    if style.layout.position == "bottom":
        assert metrics.margin_v >= metrics.safe.bottom * height
    # readable: letters at least 2.2 % of the picture height on a phone screen, 3 % on a TV
    assert metrics.font_size / LINE_HEIGHT_EM >= (0.022 if aspect == "portrait" else 0.03) * height


def test_the_social_preset_sits_in_the_lower_third_of_a_vertical_video():
    metrics = resolve(load_style("social"), (1080, 1920))
    assert 1920 / 3 * 2 < 1920 - metrics.margin_v < 1920 * 0.85


def test_a_user_style_file_extends_a_preset(tmp_path):
    path = tmp_path / "my brand.toml"
    path.write_text('extends = "social"\ndescription = "Brand"\n[colours]\nhighlight = "#00C2FF"\n'
                    '[font]\nsize = { portrait = 0.04 }\n')
    style = load_style(path)
    social = load_style("social")
    assert style.name == "my brand" and style.description == "Brand"
    assert style.colours.highlight == "#00C2FF"
    assert style.colours.text == social.colours.text and style.highlight.mode == "word"
    assert style.font.size["portrait"] == 0.04 and style.font.size["landscape"] == social.font.size["landscape"]


@pytest.mark.parametrize(("text", "message"), [
    ('[colours]\ntxt = "#FFFFFF"\n', "did you mean 'text'"),
    ('[colours]\ntext = "white"\n', "#RRGGBB"),
    ('[font]\nsize = 48\n', "fraction of the video height"),
    ('[layout]\nposition = "side"\n', "bottom, middle, top"),
    ('extends = "clen"\n', "did you mean 'clean'"),
    ('[font\n', "not valid TOML"),
])
def test_a_bad_style_file_is_a_one_line_error(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CaptionkitError, match=message.replace("(", r"\(")) as caught:
        load_style(path)
    assert "\n" not in str(caught.value)


def test_an_unknown_preset_name_suggests_the_nearest():
    with pytest.raises(CaptionkitError, match="did you mean 'boxed'"):
        load_style("boxd")


def test_colours_carry_opacity():
    assert parse_colour("#10204080") == (0x10, 0x20, 0x40, 0x80)
    assert parse_colour("#FFFFFF") == (255, 255, 255, 255)


def test_fonts_are_bundled_with_their_licence():
    fonts = {path.name for path in fonts_dir().iterdir()}
    for family in ("NotoSans", "NotoSansArabic", "NotoSansHebrew"):
        assert f"{family}-Regular.ttf" in fonts and f"{family}-Bold.ttf" in fonts
    licence = (fonts_dir() / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    total = sum(path.stat().st_size for path in fonts_dir().iterdir())
    assert total < 4_000_000


def test_the_presets_folder_is_found_from_a_checkout():
    assert (styles_dir() / "clean.toml").is_file()
    assert styles_dir() == Path(__file__).resolve().parent.parent / "styles"


def test_styles_command_lists_the_presets():
    result = run_cli("styles")
    assert result.returncode == 0, result.stderr
    for name in PRESETS:
        assert any(line.startswith(name + " ") for line in result.stdout.splitlines())


def test_burn_with_an_unknown_style_is_a_one_line_error(tmp_path):
    subs = tmp_path / "a.srt"
    subs.write_text("1\n00:00:00,500 --> 00:00:01,500\nHello\n")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"")
    result = run_cli("burn", video, subs, "--style", "glitter", "-o", tmp_path / "o.mp4")
    assert_one_line_error(result)
