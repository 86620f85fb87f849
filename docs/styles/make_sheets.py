"""Make the style preview sheets in this folder: every preset on a 16:9, a 9:16 and a 1:1 video.

    python docs/styles/make_sheets.py

The 16:9 video is samples/presenter.mp4 (1280x720, its words timed by piper);
the 9:16 (720x1280) and 1:1 (720x720) videos are centre crops of it. Sentences
alternate between two speakers so the speaker presets have a dialogue to show.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from captionkit.cues.segment import build_track  # noqa: E402
from captionkit.media import run_ffmpeg  # noqa: E402
from captionkit.model import Word  # noqa: E402
from captionkit.render.preview import preview  # noqa: E402
from captionkit.style import fonts_dir, list_styles  # noqa: E402

SOURCE = REPO / "samples" / "presenter.mp4"
VARIANTS = {  # name: (crop filter or None, tile width)
    "16:9": (None, 480),
    "9:16": ("crop=ih*9/16:ih,scale=720:1280", 270),
    "1:1": ("crop=ih:ih,scale=720:720", 400),
}
FRAMES = 4


def dialogue_words() -> list[Word]:
    data = json.loads((REPO / "samples" / "presenter.words.json").read_text())
    words, speaker = [], "S1"
    for item in data["words"]:
        word = Word.from_dict(item)
        word.speaker = speaker
        words.append(word)
        if word.text.endswith((".", "?", "!")):
            speaker = "S2" if speaker == "S1" else "S1"
    return words


def make_variants(work: Path) -> dict[str, Path]:
    videos = {}
    for name, (crop, _) in VARIANTS.items():
        if crop is None:
            videos[name] = SOURCE
            continue
        out = work / f"presenter-{name.replace(':', 'x')}.mp4"
        run_ffmpeg(["-i", str(SOURCE), "-vf", crop, "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
                    str(out)], what="making a preview video")
        videos[name] = out
    return videos


def main() -> None:
    track = build_track(dialogue_words(), fps=30)
    font = ImageFont.truetype(str(fonts_dir() / "NotoSans-Bold.ttf"), 22)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        videos = make_variants(work)
        for style, description in list_styles().items():
            parts = []
            for name, video in videos.items():
                sheet = work / f"{style}-{name.replace(':', 'x')}.png"
                preview(video, track, sheet, style=style, max_frames=FRAMES, columns=FRAMES,
                        tile_width=VARIANTS[name][1], speaker_names={"S1": "Joe", "S2": "Ada"},
                        title=f"{name}  ·  {style}")
                parts.append(Image.open(sheet).convert("RGB"))
            width = max(part.width for part in parts)
            header = 44
            combined = Image.new("RGB", (width, header + sum(part.height for part in parts)), (24, 24, 28))
            ImageDraw.Draw(combined).text((8, 10), f"{style}: {description}", font=font, fill=(235, 235, 240))
            y = header
            for part in parts:
                combined.paste(part, (0, y))
                y += part.height
            target = HERE / f"{style}.png"
            combined.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
                target, optimize=True)
            print(target, f"{target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
