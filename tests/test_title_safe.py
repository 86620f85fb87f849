"""Every preset keeps all its ink (text, outline, shadow, box, speaker name) inside the title-safe area:
5 % in from each edge (SMPTE ST 2046-1), on 16:9, 9:16 and 1:1, measured on frames burned by libass."""

from __future__ import annotations

from pathlib import Path

import pytest

from captionkit.media import run_ffmpeg
from captionkit.model import Cue, Track
from captionkit.render.burn import burn
from captionkit.style import aspect_of, load_style, resolve
from render_helpers import changed_box, frames

PRESETS = ("clean", "boxed", "social", "lower-third", "speakers")
SIZES = {"16:9": (960, 540), "9:16": (540, 960), "1:1": (720, 720)}
TITLE_SAFE = 0.05
#: Words with capitals, accents, ascenders and descenders: the tallest and deepest lines a caption has.
WORDS = ("Étienne jogs quickly past the gallery, gazing up at Wyoming's sky where we show you "
         "what matters most, joyfully").split()


def worst_case_lines(max_chars: int, uppercase: bool) -> list[str]:
    """Two lines as full as the style allows (at most ``max_chars`` each), from :data:`WORDS`."""
    lines, words = [], list(WORDS)
    for _ in range(2):
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= max_chars:
            line += " " + words.pop(0)
        lines.append(line.upper() if uppercase else line)
    return lines


@pytest.fixture(scope="module")
def grey_videos(tmp_path_factory) -> dict[str, Path]:
    """A flat mid-grey clip per shape, so white text, black outline, shadow and box all show as changes."""
    folder = tmp_path_factory.mktemp("title-safe")
    videos = {}
    for shape, (width, height) in SIZES.items():
        path = folder / f"grey {shape.replace(':', 'x')}.mp4"
        run_ffmpeg(["-f", "lavfi", "-i", f"color=c=0x808080:s={width}x{height}:r=30:d=0.2",
                    "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p", str(path)],
                   what="making a grey test clip")
        videos[shape] = path
    return videos


@pytest.mark.slow
@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("name", PRESETS)
def test_all_ink_stays_inside_the_title_safe_area(grey_videos, tmp_path, name, shape):
    width, height = SIZES[shape]
    style = load_style(name)
    metrics = resolve(style, (width, height))
    assert aspect_of((width, height)) == {"16:9": "landscape", "9:16": "portrait", "1:1": "square"}[shape]
    max_chars = min(metrics.max_chars, 16) if style.layout.max_words else metrics.max_chars
    track = Track([Cue(0.0, 0.2, worst_case_lines(max_chars, style.font.uppercase), speaker="S1")])
    out = burn(grey_videos[shape], track, tmp_path / f"{name}.mp4", style=style, crf=0, preset="ultrafast",
               progress=False)
    (_, grey), = frames(grey_videos[shape])[:1]
    boxes = [box for _, frame in frames(out) if (box := changed_box(grey, frame, threshold=3)) is not None]
    assert boxes, "nothing was drawn"
    left, top = min(box[0] for box in boxes), min(box[1] for box in boxes)
    right, bottom = max(box[2] for box in boxes), max(box[3] for box in boxes)
    box = (left, top, right, bottom)
    inside = (round(TITLE_SAFE * width), round(TITLE_SAFE * height),
              round((1 - TITLE_SAFE) * width), round((1 - TITLE_SAFE) * height))
    assert left >= inside[0] and top >= inside[1] and right <= inside[2] and bottom <= inside[3], (
        f"ink {box} leaves the title-safe area {inside}: from {left / width:.1%} to {right / width:.1%} "
        f"of the width, {top / height:.1%} to {bottom / height:.1%} of the height"
    )
