"""Burn-in with libass: only the caption area changes, on the right frames; audio untouched; odd paths work."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from captionkit.engines.synthetic import make_video
from captionkit.formats import ass
from captionkit.media import ffmpeg_exe, probe
from captionkit.model import Cue, Track
from captionkit.render.burn import (
    ass_filter, burn, burn_arguments, isolated_font_environment, video_colour,
)
from captionkit.style import LINE_HEIGHT_EM, fonts_dir, load_style, resolve
from helpers import assert_one_line_error, run_cli
from render_helpers import audio_packets, changed_box, frames, timed_cue

FPS = 30
WEIRD = "it's a, weird: [dir]; ç名 #1"


@pytest.fixture(scope="module")
def black_video(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("burn") / "black.mp4", 3.0, size=(320, 180), fps=FPS, source="black")


@pytest.fixture(scope="module")
def vertical_video(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("burn") / "vertical.mp4", 2.5, size=(360, 640), fps=FPS, source="black")


@pytest.fixture(scope="module")
def burned(black_video, tmp_path_factory) -> tuple[Path, Track]:
    """The black video with one cue from 1.0 to 2.0 s burned in losslessly (crf 0), so every change is the caption."""
    track = Track([Cue(1.0, 2.0, ["Only the caption area", "changes"])])
    out = tmp_path_factory.mktemp("burned") / "burned.mp4"
    burn(black_video, track, out, style="clean", crf=0, preset="ultrafast", progress=False)
    return out, track


def test_only_the_caption_area_changes_and_only_while_the_cue_is_shown(black_video, burned):
    out, _ = burned
    source, result = frames(black_video), frames(out)
    assert [t for t, _ in source] == [t for t, _ in result]
    metrics = resolve(load_style("clean"), (320, 180))
    changed = [index for index, ((_, a), (_, b)) in enumerate(zip(source, result)) if changed_box(a, b) is not None]
    assert changed == list(range(1 * FPS, 2 * FPS)), "the caption must appear on frame 30 and leave after frame 59"
    for index in changed:
        x0, y0, x1, y1 = changed_box(source[index][1], result[index][1])
        assert x0 >= metrics.safe.left * 320 - 2 and x1 <= 320 - metrics.safe.right * 320 + 2
        assert y0 >= 180 / 2 and y1 <= 180 - metrics.safe.bottom * 180 + 2
        assert (x1 - x0) > 320 * 0.2 and (y1 - y0) > 180 * 0.08, "two lines of text are drawn"


def test_audio_packets_are_copied_bit_for_bit(black_video, burned):
    out, _ = burned
    original, copied = audio_packets(black_video), audio_packets(out)
    assert len(original) > 50
    assert copied == original


def test_frame_rate_size_pixel_format_and_length_are_kept(black_video, burned):
    out, _ = burned
    before, after = probe(black_video), probe(out)
    assert (after.width, after.height, after.fps, after.pixel_format) == (
        before.width, before.height, before.fps, before.pixel_format)
    assert abs(after.duration - before.duration) < 1 / FPS
    assert after.video_codec == "h264" and after.audio_codec == before.audio_codec


def test_full_range_video_keeps_its_colour_range(tmp_path):
    source = tmp_path / "full range.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", f"color=c=gray:s=160x90:r={FPS}:d=1",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuvj420p", "-color_range", "pc", str(source)],
        check=True,
    )
    out = burn(source, Track([Cue(0.2, 0.8, ["Full range"])]), tmp_path / "out.mp4", preset="ultrafast", progress=False)
    assert video_colour(out).colour_range == video_colour(source).colour_range == "pc"
    assert video_colour(out).pixel_format == "yuvj420p"


def test_the_social_preset_highlights_the_word_being_spoken(vertical_video, tmp_path):
    cue = timed_cue("one two three", 0.4, word=0.5, gap=0.1)
    out = burn(vertical_video, Track([cue]), tmp_path / "social.mp4", style="social", preset="ultrafast",
               progress=False)
    decoded = dict((round(t * FPS), image) for t, image in frames(out))
    first = decoded[round((cue.words[0].start + 0.25) * FPS)]
    second = decoded[round((cue.words[1].start + 0.25) * FPS)]

    def yellow(image: np.ndarray) -> np.ndarray:
        r, g, b = (image[..., i].astype(int) for i in range(3))
        return (r > 180) & (g > 160) & (b < 110)

    def text(image: np.ndarray) -> np.ndarray:
        return image.max(axis=2) > 120

    assert changed_box(first, second, threshold=60) is not None
    for image in (first, second):
        assert yellow(image).sum() > 150, "one word is drawn in the highlight colour"
    centre_first = np.nonzero(yellow(first))[1].mean()
    centre_second = np.nonzero(yellow(second))[1].mean()
    assert centre_second - centre_first > 40, "the highlight moves on to the next word"
    # the words themselves stay put: only their colour changes
    assert np.logical_xor(text(first), text(second)).sum() < 0.05 * text(first).sum()
    rows = np.nonzero(text(first).any(axis=1))[0]
    assert rows.min() > 640 * 2 / 3 - 40 and rows.max() < 640 * 0.8, "in the lower third, above the app overlays"


def test_paths_with_spaces_quotes_commas_colons_and_non_ascii_burn(black_video, tmp_path):
    folder = tmp_path / WEIRD
    folder.mkdir()
    video = folder / "clip 'one', [take: 2] ü.mp4"
    video.write_bytes(black_video.read_bytes())
    subs = ass.write(Track([Cue(0.5, 1.5, ["Odd paths"])]), folder / "subs, 'x' [1]: é;.ass", size=(320, 180), fps=FPS)
    fonts = folder / "fonts: 'mine', [1]"
    fonts.mkdir()
    for font in fonts_dir().glob("NotoSans-*.ttf"):
        (fonts / font.name).write_bytes(font.read_bytes())
    out = folder / "out 'burned', [ok]: ñ.mp4"
    completed = subprocess.run(
        [ffmpeg_exe(), "-v", "verbose", "-y",
         *burn_arguments(video, subs, fonts, out, video_colour(video), crf=0, preset="ultrafast")],
        capture_output=True, text=True, env=isolated_font_environment(tmp_path),
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert f"Loading font file '{fonts / 'NotoSans-Regular.ttf'}'" in completed.stderr
    source, result = frames(black_video), frames(out)
    assert changed_box(source[FPS][1], result[FPS][1]) is not None
    assert changed_box(source[0][1], result[0][1]) is None
    cli = run_cli("burn", video, subs, "-o", folder / "cli 'out', [2]: ü.mp4", "--preset", "ultrafast")
    assert cli.returncode == 0, cli.stderr
    assert changed_box(source[FPS][1], frames(folder / "cli 'out', [2]: ü.mp4")[FPS][1]) is not None


def test_filter_arguments_are_escaped_for_both_parser_levels():
    graph = ass_filter(Path("/a b/it's, [x]: y;.ass"), Path("/f"))
    # level 1 escapes ' and : with a backslash; level 2 escapes those backslashes and ' [ ] , ;
    assert graph == "ass=filename=/a b/it\\\\\\'s\\, \\[x\\]\\\\: y\\;.ass:fontsdir=/f"


def test_every_script_is_drawn_with_the_bundled_fonts_only(black_video, tmp_path):
    text = ["Hello Ελληνικά Русский", "مرحبا بكم שלום עולם"]
    subs = ass.write(Track([Cue(0.0, 1.0, text)]), tmp_path / "scripts.ass", size=(320, 180), fps=FPS)
    completed = subprocess.run(
        [ffmpeg_exe(), "-v", "verbose", "-y", "-t", "0.5",
         *burn_arguments(black_video, subs, fonts_dir(), tmp_path / "o.mp4", video_colour(black_video),
                         crf=23, preset="ultrafast")],
        capture_output=True, text=True, env=isolated_font_environment(tmp_path),
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    selected = [line for line in completed.stderr.splitlines() if "fontselect:" in line]
    assert {line.split("-> ")[1].split(",")[0] for line in selected} == {
        "NotoSans-Regular", "NotoSansArabic-Regular", "NotoSansHebrew-Regular"}
    missing = [line for line in completed.stderr.splitlines() if "not found" in line.lower()]
    assert not missing, missing


@pytest.mark.slow
def test_bad_inputs_are_one_line_errors(black_video, tmp_path):
    subs = ass.write(Track([Cue(0.5, 1.5, ["x"])]), tmp_path / "s.ass", size=(320, 180))
    assert_one_line_error(run_cli("burn", tmp_path / "missing.mp4", subs, "-o", tmp_path / "o.mp4"), "no such file")
    assert_one_line_error(run_cli("burn", black_video, tmp_path / "missing.srt", "-o", tmp_path / "o.mp4"))
    assert_one_line_error(run_cli("burn", black_video, subs, "-o", tmp_path / "o.mp4", "--crf", "80"), "--crf")
    assert_one_line_error(run_cli("burn", subs, subs, "-o", tmp_path / "o.mp4"), "no audio or video stream")
    assert not (tmp_path / "o.mp4").exists()


def test_a_rotated_phone_video_is_captioned_upright(tmp_path):
    landscape = make_video(tmp_path / "stored.mp4", 1.0, size=(320, 180), fps=FPS, source="black")
    rotated = tmp_path / "rotated.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-display_rotation", "90", "-i", str(landscape), "-c", "copy",
                    str(rotated)], check=True)
    out = burn(rotated, Track([Cue(0.0, 1.0, ["Upright"])]), tmp_path / "out.mp4", preset="ultrafast",
               progress=False)
    shown = frames(out)[10][1]
    assert shown.shape[:2] == (320, 180), "shown as the phone recorded it: 180 wide, 320 tall"
    rows = np.nonzero((shown.max(axis=2) > 100).any(axis=1))[0]
    assert rows.min() > 320 * 0.7, "the caption sits at the bottom of the upright picture"


def test_burn_command_restyles_an_srt_at_the_video_resolution(vertical_video, tmp_path):
    import json

    subs = tmp_path / "talk.srt"
    subs.write_text("1\n00:00:00,400 --> 00:00:02,000\nThese words come from an SRT file\n", encoding="utf-8")
    out = tmp_path / "social.mp4"
    result = run_cli("burn", vertical_video, subs, "--style", "social", "--preset", "ultrafast", "-o", out, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["output"] == str(out)
    frame = dict((round(t * FPS), image) for t, image in frames(out))[round(0.5 * FPS)]
    lit = frame.max(axis=2) > 120
    rows, columns = np.nonzero(lit.any(axis=1))[0], np.nonzero(lit.any(axis=0))[0]
    assert rows.min() > 640 * 0.6 and rows.max() < 640 * 0.8
    assert columns.min() > 360 * 0.07 - 2 and columns.max() < 360 * 0.91 + 2
    metrics = resolve(load_style("social"), (360, 640))
    cap_height = metrics.font_size / LINE_HEIGHT_EM * 0.714  # Noto Sans capitals are 0.714 em tall
    assert abs((np.ptp(rows) + 1) - cap_height) <= 2, "letters sized for this video's own canvas"


def test_an_ass_made_elsewhere_asking_for_a_missing_font_still_shows_its_text(black_video, tmp_path):
    subs = tmp_path / "elsewhere.ass"
    document = to_ass_document_asking_for("Arial", "Made elsewhere")
    subs.write_text(document, encoding="utf-8")
    out = burn(black_video, subs, tmp_path / "out.mp4", crf=0, preset="ultrafast", progress=False)
    assert changed_box(frames(black_video)[FPS][1], frames(out)[FPS][1]) is not None
    completed = subprocess.run(
        [ffmpeg_exe(), "-v", "verbose", "-y", "-t", "0.2",
         *burn_arguments(black_video, subs, fonts_dir(), tmp_path / "o.mp4", video_colour(black_video),
                         crf=23, preset="ultrafast")],
        capture_output=True, text=True, env=isolated_font_environment(tmp_path),
    )
    selected = [line.split("-> ")[1] for line in completed.stderr.splitlines() if "fontselect:" in line]
    assert selected and all(line.startswith("NotoSans-Regular") or "/NotoSans-Regular" in line for line in selected)


def to_ass_document_asking_for(family: str, text: str) -> str:
    return (
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 320\nPlayResY: 180\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
        "MarginR, MarginV, Encoding\n"
        f"Style: Default,{family},16,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1"
        "\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        f"Dialogue: 0,0:00:00.00,0:00:02.00,Default,,0,0,0,,{text}\n"
    )


def test_karaoke_highlight_waits_through_a_pause(black_video, tmp_path):
    style = tmp_path / "karaoke.toml"
    style.write_text('extends = "clean"\n[highlight]\nmode = "karaoke"\n[colours]\nhighlight = "#FFE01B"\n')
    cue = timed_cue("one two three", 0.3, word=0.3, gap=0.05, pauses={2: 1.0})
    out = burn(black_video, Track([cue]), tmp_path / "karaoke.mp4", style=style, preset="ultrafast", progress=False)
    decoded = dict((round(t * FPS), image) for t, image in frames(out))

    def yellow_columns(seconds: float) -> np.ndarray:
        image = decoded[round(seconds * FPS)]
        r, g, b = (image[..., i].astype(int) for i in range(3))
        # yellow, allowing for 4:2:0 chroma averaging thin strokes with the black around them
        return np.nonzero(((r > 150) & (g > 120) & (b < r - 80)).any(axis=0))[0]

    def white_columns(seconds: float) -> np.ndarray:
        image = decoded[round(seconds * FPS)].astype(int)
        return np.nonzero(((image.min(axis=2) > 180)).any(axis=0))[0]

    pause = (cue.words[1].end + cue.words[2].start) / 2
    assert len(yellow_columns(pause)) and len(white_columns(pause)), "spoken words highlighted, the next not yet"
    assert yellow_columns(pause).max() < white_columns(pause).min(), "the highlight has not run ahead into 'three'"
    assert len(white_columns(cue.words[2].end + 0.05)) == 0, "after the last word everything is highlighted"


def test_a_user_style_brings_its_own_font(black_video, tmp_path):
    from captionkit.render.burn import fonts_folder

    system_font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core, as test data
    own = tmp_path / "brand fonts"
    own.mkdir()
    (own / system_font.name).write_bytes(system_font.read_bytes())
    style_file = tmp_path / "brand.toml"
    style_file.write_text('extends = "clean"\nfonts_dir = "brand fonts"\n[font]\nfamily = "DejaVu Sans"\n')
    style = load_style(style_file)
    subs = ass.write(Track([Cue(0.0, 1.0, ["Brand font"])]), tmp_path / "brand.ass", size=(320, 180), style=style)
    completed = subprocess.run(
        [ffmpeg_exe(), "-v", "verbose", "-y", "-t", "0.2",
         *burn_arguments(black_video, subs, fonts_folder(tmp_path, style.fonts_dir), tmp_path / "o.mp4",
                         video_colour(black_video), crf=23, preset="ultrafast")],
        capture_output=True, text=True, env=isolated_font_environment(tmp_path),
    )
    selected = [line.split("-> ")[1] for line in completed.stderr.splitlines() if "fontselect:" in line]
    assert selected and selected[0].startswith("DejaVuSans")
    out = burn(black_video, Track([Cue(0.5, 1.5, ["Brand font"])]), tmp_path / "brand.mp4", style=style_file,
               preset="ultrafast", progress=False)
    assert changed_box(frames(black_video)[FPS][1], frames(out)[FPS][1], threshold=40) is not None
