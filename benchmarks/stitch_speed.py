"""Stream-copy stitching of 20 avatar clips of ~29 s versus a moviepy concatenation of the same clips.

The clips are made as in ``stitch_drift.py`` (a colour per clip, the piece's
speech as AAC, 30 fps, lengths +-2 frames off their pieces), at each size
asked for. Timed:

- **ours**: ``stitch(clips, captions=piece SRTs)``: the whole command's work:
  probing, the copy decision, video stream-copied with the concat demuxer,
  audio fitted and encoded once, every join measured, captions written;
- **concat -c copy**: ffmpeg's concat demuxer copying every stream (the lower
  bound; its audio drifts, see stitch_drift.py);
- **moviepy**: ``concatenate_videoclips(clips).write_videofile(out,
  preset="veryfast", audio_codec="aac")``.

    python benchmarks/stitch_speed.py [--sizes 160x90,1280x720] [--seconds 565]

Target: ours >= 20x faster than moviepy.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import assembly_helpers as helpers  # noqa: E402
from captionkit.assembly.split import split_audio  # noqa: E402
from captionkit.assembly.stitch import stitch  # noqa: E402
from stitch_drift import naive_stitch  # noqa: E402


def moviepy_concatenate(clips: list[Path], output: Path) -> None:
    from moviepy import VideoFileClip, concatenate_videoclips

    videos = [VideoFileClip(str(path)) for path in clips]
    try:
        concatenate_videoclips(videos).write_videofile(
            str(output), codec="libx264", audio_codec="aac", preset="veryfast", logger=None
        )
    finally:
        for video in videos:
            video.close()


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="160x90,1280x720", help="clip sizes to try (default 160x90,1280x720)")
    parser.add_argument("--seconds", type=float, default=565, help="length of the narration (default 565 = 20 pieces)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        spoken = helpers.narration(folder / "master.wav", args.seconds, seed=5)
        split = split_audio(spoken.path, folder / "pieces", words=spoken.words)
        captions = [split.directory / f"{p.name}.srt" for p in split.plan.pieces]
        rows = []
        for size_text in args.sizes.split(","):
            size = tuple(int(v) for v in size_text.lower().split("x"))
            clip_dir = folder / size_text
            clip_dir.mkdir()
            made = time.perf_counter()
            clips, _ = helpers.avatar_clips(split.plan, split.directory, clip_dir, size=size)
            print(f"{len(clips)} clips at {size_text} made in {time.perf_counter() - made:.0f} s", flush=True)
            ours = timed(lambda clips=clips, clip_dir=clip_dir: stitch(clips, clip_dir / "ours.mp4", captions=captions))
            copy = timed(lambda clips=clips, clip_dir=clip_dir: naive_stitch(clips, clip_dir / "copy.mp4"))
            movie = timed(lambda clips=clips, clip_dir=clip_dir: moviepy_concatenate(clips, clip_dir / "moviepy.mp4"))
            rows.append((size_text, len(clips), ours, copy, movie))
            print(f"  ours {ours:.2f} s, concat -c copy {copy:.2f} s, moviepy {movie:.2f} s: "
                  f"ours is {movie / ours:.1f}x faster than moviepy", flush=True)
        print()
        print(f"{'size':>10}{'clips':>7}{'ours s':>9}{'copy-all s':>12}{'moviepy s':>11}{'moviepy/ours':>14}")
        for size_text, count, ours, copy, movie in rows:
            print(f"{size_text:>10}{count:>7}{ours:>9.2f}{copy:>12.2f}{movie:>11.2f}{movie / ours:>13.1f}x")
        print("\ntarget: moviepy/ours >= 20x")


if __name__ == "__main__":
    main()
