"""Contact sheets: one tile per cue (spread when there are many), captions drawn at the cue's middle frame."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from captionkit.engines.synthetic import make_video
from captionkit.formats import ass
from captionkit.model import Cue, Track
from captionkit.render.preview import COLUMNS, TILE_WIDTH, preview, sample_times
from helpers import assert_one_line_error, run_cli
from render_helpers import timed_cue


@pytest.fixture(scope="module")
def black_video(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("preview") / "black.mp4", 4.0, size=(320, 180), fps=25, source="black")


def _tiles(sheet: Image.Image, count: int, aspect: str = "landscape") -> list[np.ndarray]:
    """Cut the sheet back into its tiles (same geometry as contact_sheet)."""
    width = min(TILE_WIDTH[aspect], 320)
    height = 180
    columns = min(COLUMNS[aspect], count)
    pixels = np.asarray(sheet)
    tiles = []
    for index in range(count):
        row, column = divmod(index, columns)
        x, y = 8 + column * (width + 8), 34 + row * (height + 22 + 8)
        tiles.append(pixels[y : y + height, x : x + width])
    return tiles


def test_each_cue_gets_a_tile_with_its_caption(black_video, tmp_path):
    cues = [Cue(0.2, 0.9, ["First"]), Cue(1.2, 1.9, ["Second cue"]), Cue(2.2, 2.9, ["Third"]),
            Cue(3.1, 3.9, ["Fourth and last"])]
    out = preview(black_video, Track(cues), tmp_path / "sheet 'a', [1].png", style="boxed")
    sheet = Image.open(out)
    tiles = _tiles(sheet, 4)
    assert sheet.width == 3 * 320 + 4 * 8
    widths = []
    for tile in tiles:
        lit = tile.max(axis=2) > 100
        assert lit[: tile.shape[0] // 2].sum() == 0, "nothing but the caption is drawn, low in the frame"
        assert lit.sum() > 20
        widths.append(np.ptp(np.nonzero(lit.any(axis=0))[0]))
    assert widths[3] > widths[0], "each tile shows its own cue's text"


def test_social_tiles_show_the_highlighted_word(black_video, tmp_path):
    track = Track([timed_cue("big bold words", 0.5, word=0.4), timed_cue("spoken now", 2.5, word=0.4)])
    out = preview(black_video, track, tmp_path / "social.png", style="social")
    for tile in _tiles(Image.open(out).convert("RGB"), 2):
        r, g, b = (tile[..., i].astype(int) for i in range(3))
        yellow = (r > 180) & (g > 160) & (b < 110)
        assert yellow.sum() > 10


def test_many_cues_are_sampled_evenly_at_their_middle_frames():
    cues = [(i * 2.0, i * 2.0 + 1.0) for i in range(40)]
    times = sample_times(cues, 5, Fraction(25))
    assert [number for number, _ in times] == [1, 11, 21, 30, 40]
    for number, seconds in times:
        start, end = cues[number - 1]
        assert start < seconds < end and abs(seconds * 25 - round(seconds * 25)) < 1e-9
    assert sample_times([(0.0, 1.0), (9.0, 10.0)], 12, None, duration=5.0) == [(1, 0.5)]


def test_an_ass_file_is_previewed_as_it_is_and_bad_input_is_a_clear_error(black_video, tmp_path):
    subs = ass.write(Track([Cue(0.5, 1.5, ["From an ASS file"])]), tmp_path / "made elsewhere.ass",
                     size=(320, 180), style="lower-third", fps=25)
    result = run_cli("preview", black_video, subs, "-o", tmp_path / "sheet.png")
    assert result.returncode == 0, result.stderr
    tile = _tiles(Image.open(tmp_path / "sheet.png").convert("RGB"), 1)[0]
    lit = np.nonzero((tile.max(axis=2) > 100).any(axis=0))[0]
    assert lit.min() < tile.shape[1] * 0.2, "lower-third is left aligned"
    assert_one_line_error(run_cli("preview", black_video, subs, "-o", tmp_path / "sheet.jpg"), ".png")
    late = ass.write(Track([Cue(50.0, 51.0, ["after the end"])]), tmp_path / "late.ass", size=(320, 180))
    assert_one_line_error(run_cli("preview", black_video, late, "-o", tmp_path / "late.png"), "nothing to preview")
