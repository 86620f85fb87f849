"""Scripts on screen: Arabic, Hebrew and Japanese burned by libass match the same font drawn by a second
renderer (Pillow with raqm: HarfBuzz shaping and FriBidi ordering); missing glyphs are warned about."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

from captionkit.engines.synthetic import make_video
from captionkit.localize.resegment import target_track
from captionkit.localize.sentences import Sentence
from captionkit.model import Track
from captionkit.render.burn import burn
from captionkit.style.fonts import cjk_collection, cjk_font, family_font, font_runs, fonts_dir, missing_characters
from captionkit.style.presets import for_language, load_style
from helpers import run_cli
from render_helpers import frames

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not features.check_feature("raqm"), reason="the reference renderer needs Pillow with raqm"),
]

RAQM, BASIC = ImageFont.Layout.RAQM, ImageFont.Layout.BASIC


@pytest.fixture(scope="module")
def black_video(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("scripts") / "black.mp4", 1.0, size=(1280, 720), fps=25, source="black")


def burned_frame(video, track: Track, out, style="clean") -> np.ndarray:
    """The middle frame of ``video`` with ``track`` burned in (style clean: white text), as grey levels."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # these scripts must need no warning
        path = burn(video, track, out, style=style, progress=False)
    return frames(path)[12][1].mean(axis=2).astype(np.uint8)


def ink(gray: np.ndarray) -> np.ndarray:
    """The image cropped to its text."""
    ys, xs = np.nonzero(gray > 128)
    return gray[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def lines_of(gray: np.ndarray) -> list[np.ndarray]:
    """The text's lines, cut at empty rows."""
    rows = (ink(gray) > 128).any(axis=1)
    text = ink(gray)
    bands, start = [], None
    for y, on in enumerate([*rows, False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            if y - start > 3:
                bands.append(ink(text[start:y]))
            start = None
    return bands


def reference(text: str, font, *, direction: str | None = None, engine=RAQM, language: str | None = None,
              index: int = 0) -> np.ndarray:
    draw_font = ImageFont.truetype(str(font), 80, index=index, layout_engine=engine)
    image = Image.new("L", (2000, 200), 0)
    options = {"direction": direction, "language": language} if engine == RAQM else {}
    ImageDraw.Draw(image).text((20, 40), text, font=draw_font, fill=255, **options)
    return ink(np.asarray(image))


def similarity(burned: np.ndarray, drawn: np.ndarray) -> float:
    """Correlation of the two (softened) text images once the reference is scaled to the burned text's box."""
    height, width = burned.shape
    scaled = Image.fromarray(drawn).resize((width, height), Image.LANCZOS)
    a = np.asarray(Image.fromarray(burned).filter(ImageFilter.GaussianBlur(1.5)), dtype=float)
    b = np.asarray(scaled.filter(ImageFilter.GaussianBlur(1.5)), dtype=float)
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def localized_track(text: str, language: str) -> Track:
    return target_track([Sentence("s0001", "source", 0.0, 1.0)], {"s0001": text}, language)


@pytest.mark.parametrize("language, text, font", [
    ("ar", "مرحبا بكم في جولة المنتج.", "NotoSansArabic-Regular.ttf"),
    ("he", "ברוכים הבאים לסיור במוצר", "NotoSansHebrew-Regular.ttf"),  # the font has no full stop
])
def test_right_to_left_text_is_shaped_and_ordered_like_harfbuzz_and_fribidi(black_video, tmp_path, language, text, font):
    burned = ink(burned_frame(black_video, localized_track(text, language), tmp_path / "out.mp4"))
    path = fonts_dir() / font
    right = similarity(burned, reference(text, path, direction="rtl"))
    assert right > 0.9, f"libass and raqm disagree ({right:.2f})"
    words_left_to_right = similarity(burned, reference(" ".join(reversed(text.split())), path, direction="rtl"))
    assert right > words_left_to_right + 0.2, "the words run right to left"
    if text.endswith("."):
        stop_on_the_right = similarity(burned, reference(text, path, direction="ltr"))
        assert right > stop_on_the_right + 0.3, "the full stop ends the line on the left"
    if language == "ar":
        unjoined = similarity(burned, reference(text, path, engine=BASIC))  # letters unjoined, left to right
        assert right > unjoined + 0.4, "Arabic letters are joined"


def test_japanese_glyphs_and_line_breaks_match_the_caption_lines(black_video, tmp_path):
    text = "今日は、時間を節約できる三つの機能をご紹介します。"
    track = localized_track(text, "ja")
    (cue,) = track.cues
    assert len(cue.lines) == 2 and "".join(cue.lines) == text
    burned = lines_of(burned_frame(black_video, track, tmp_path / "out.mp4"))
    assert len(burned) == 2, "libass breaks the lines where the captions do, and nowhere else"
    for line, drawn in zip(cue.lines, burned):
        assert similarity(drawn, reference(line, cjk_font(), language="ja")) > 0.8
        tofu = reference(line, fonts_dir() / "NotoSans-Regular.ttf")  # what a Latin-only font draws: empty boxes
        assert similarity(drawn, tofu) < 0.6


def test_simplified_chinese_is_drawn_in_the_chinese_face_with_chinese_glyph_forms(black_video, tmp_path):
    text = "直角三角形的骨架。"  # 直, 角 and 骨 are drawn differently in Chinese and Japanese type
    style = for_language(load_style("clean"), "zh")
    face = family_font("Noto Sans CJK SC")
    assert face is not None and face.path == cjk_collection() and style.font.family == face.family
    assert for_language(load_style("clean"), "zh-Hans-CN").font.family == "Noto Sans CJK SC"
    assert for_language(load_style("clean"), "ja") == load_style("clean")
    chinese_forms = reference(text, face.path, language="zh-Hans", index=face.index)
    # burn picks the face from the track's language itself, given the plain style:
    (burned,) = lines_of(burned_frame(black_video, localized_track(text, "zh"), tmp_path / "out.mp4", "clean"))
    chinese, japanese = similarity(burned, chinese_forms), similarity(burned, reference(text, cjk_font(), language="ja"))
    assert chinese > 0.95 and chinese > japanese + 0.02, (chinese, japanese)
    # The face draws Chinese forms by itself, also where a renderer does not apply the text's language
    # (OpenType locl; libass does, from the ASS Language header), as the Japanese font does not:
    assert similarity(reference(text, face.path, engine=BASIC, index=face.index), chinese_forms) > 0.99
    assert similarity(reference(text, cjk_font(), engine=BASIC), chinese_forms) < 0.95


def test_glyphs_the_style_font_lacks_fall_back_and_the_rest_are_named(black_video, tmp_path):
    runs = font_runs("Hi 日本, مرحبا. 🚀", "Noto Sans")
    assert [(font.family if font else None, run) for font, run in runs] == [
        (None, "Hi "), ("Noto Sans CJK JP", "日本, "), ("Noto Sans Arabic", "مرحبا. "), (None, "🚀")]
    assert missing_characters("Launch 🚀 day ✨ 日本", "Noto Sans") == ["🚀", "✨"]
    subs = tmp_path / "launch.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nLaunch day 🚀 東京\n", encoding="utf-8")
    result = run_cli("burn", black_video, subs, "-o", tmp_path / "launch.mp4")
    assert result.returncode == 0, result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert warning.startswith("captionkit: warning: 1 character cannot be drawn") and "'🚀' (U+1F680)" in warning
    assert "東" not in warning, "CJK is drawn by the bundled CJK font"
