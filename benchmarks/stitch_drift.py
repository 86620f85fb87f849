"""Join accuracy of stitched avatar clips: ours (with and without a plan) beside the naive method.

The case: ~565 s of piper narration (true word times) split into 20 pieces of
about 29 s at 30 fps; one fake avatar clip per piece (160x90, a colour per
clip, the piece's audio as AAC), each clip 0-2 frames longer or shorter than
its piece. Then:

- **ours, with the plan**: ``stitch(clips, plan=plan.json)``: clips trimmed or
  padded to their pieces, master audio muxed once, master captions;
- **ours, without a plan**: ``stitch(clips, captions=piece SRTs)``: each clip
  keeps its audio, captions shifted by where each clip is measured to start;
- **naive**: ``ffmpeg -f concat -c copy`` of the clips and each piece's
  captions shifted by the planned piece lengths.

For every join (and the end), the clip's first frame is found by its colour
and the piece's speech by matching its first word's sound in the merged
audio; the errors printed are first frame minus the piece's real start, and
caption minus where the caption belongs on the real speech (ms).

    python benchmarks/stitch_drift.py [--seconds 565] [--keep DIR]

Target: |error| <= one frame (33.3 ms) at every join and at the end, for ours.
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
from captionkit.assembly.plan import join_tracks  # noqa: E402
from captionkit.assembly.split import split_audio  # noqa: E402
from captionkit.assembly.stitch import stitch  # noqa: E402
from captionkit.media import run_ffmpeg  # noqa: E402
from captionkit.formats import load  # noqa: E402

FRAME_MS = 1000 / 30


def naive_stitch(clips: list[Path], output: Path) -> None:
    """The usual recipe: concat demuxer, every stream copied."""
    listing = output.with_suffix(".txt")
    quoted = [str(clip.resolve()).replace("'", "'\\''") for clip in clips]
    listing.write_text("".join(f"file '{path}'\n" for path in quoted), encoding="utf-8")
    run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(output)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=565, help="length of the narration (default 565 = 20 pieces)")
    parser.add_argument("--keep", type=Path, help="keep the media in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        spoken = helpers.narration(folder / "master.wav", args.seconds, seed=5)
        split = split_audio(spoken.path, folder / "pieces", words=spoken.words)
        plan = split.plan
        clips, deltas = helpers.avatar_clips(plan, split.directory, folder)
        master_audio = helpers.decoded(spoken.path)
        print(f"{len(plan.pieces)} pieces, {plan.duration:.1f} s of speech, clip length minus piece length (frames): "
              f"{deltas}  [media made in {time.perf_counter() - started:.0f} s]")
        piece_captions = [split.directory / f"{p.name}.srt" for p in plan.pieces]

        results = {}
        timer = time.perf_counter()
        with_plan = stitch(clips, folder / "ours with plan.mp4", plan=split.plan_path)
        seconds = time.perf_counter() - timer
        results["ours, plan"] = (helpers.measure_joins(with_plan.output, plan, with_plan.track, master_audio),
                                 seconds, with_plan.method)
        timer = time.perf_counter()
        without = stitch(clips, folder / "ours without plan.mp4", captions=piece_captions)
        seconds = time.perf_counter() - timer
        results["ours, no plan"] = (helpers.measure_joins(without.output, plan, without.track, master_audio),
                                    seconds, without.method)
        timer = time.perf_counter()
        naive_out = folder / "naive.mp4"
        naive_stitch(clips, naive_out)
        naive_track = join_tracks([load(path) for path in piece_captions], [p.start for p in plan.pieces])
        seconds = time.perf_counter() - timer
        results["naive"] = (helpers.measure_joins(naive_out, plan, naive_track, master_audio), seconds, "concat -c copy")

        names = list(results)
        print()
        print("first frame minus the piece's real start in the merged audio (ms)")
        print("clip  " + "".join(f"{name:>16}" for name in names))
        for index in range(len(plan.pieces)):
            print(f"{index + 1:>4}  " + "".join(f"{results[n][0].first_frame[index] * 1000:>16.1f}" for n in names))
        print()
        print("caption minus its place on the real speech (ms): first caption of each clip, then the end")
        print("join  " + "".join(f"{name:>16}" for name in names))
        for index in range(len(plan.pieces)):
            print(f"{index + 1:>4}  " + "".join(f"{results[n][0].captions[index] * 1000:>16.1f}" for n in names))
        print(" end  " + "".join(f"{results[n][0].end * 1000:>16.1f}" for n in names))
        print()
        print(f"{'method':<16}{'worst |error| ms':>18}{'checks > 1 frame':>17}{'stitch s':>9}  path")
        for name in names:
            errors, seconds, method = results[name]
            values = [*errors.first_frame, *errors.captions, errors.end]
            over = sum(1 for v in values if abs(v) * 1000 > FRAME_MS)
            print(f"{name:<16}{errors.worst * 1000:>18.1f}{over:>17}{seconds:>9.1f}  {method}")
        ours = max(results["ours, plan"][0].worst, results["ours, no plan"][0].worst) * 1000
        print(f"\nours worst {ours:.1f} ms vs naive worst {results['naive'][0].worst * 1000:.1f} ms "
              f"(target <= {FRAME_MS:.1f} ms): {'PASS' if ours <= FRAME_MS else 'FAIL'}")


if __name__ == "__main__":
    main()
