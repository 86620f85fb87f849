"""Compute of forced alignment versus transcription for a 5-minute file (real-time factors and ratio).

    python benchmarks/align_speed.py [--minutes 5] [--model tiny.en]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from align_helpers import make_clip  # noqa: E402
from captionkit.speech.align import align_script  # noqa: E402
from captionkit.speech.models import load_model  # noqa: E402
from captionkit.speech.transcribe import transcribe  # noqa: E402


def cpu_seconds(function) -> tuple[float, float]:
    """(process CPU seconds, wall seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    function()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--model", default="tiny.en")
    args = parser.parse_args()
    clip = make_clip("speed", args.minutes * 60, seed=7)
    print(f"{clip.duration:.0f} s of speech, {len(clip.text.split())} words, model {args.model}")
    load_model(args.model)
    align_cpu, align_wall = cpu_seconds(lambda: align_script(clip.audio, clip.text, model=args.model, progress_label=None))
    raw_cpu, raw_wall = cpu_seconds(
        lambda: align_script(clip.audio, clip.text, model=args.model, refine=False, progress_label=None))
    trans_cpu, trans_wall = cpu_seconds(lambda: transcribe(clip.audio, model=args.model, progress_label=None))
    print(f"{'':34s} {'CPU s':>8s} {'CPU RTF':>8s} {'wall s':>8s} {'wall RTF':>9s}")
    for label, cpu, wall in [("align (with refinement)", align_cpu, align_wall),
                             ("align (cross-attention only)", raw_cpu, raw_wall),
                             ("transcribe (word timestamps)", trans_cpu, trans_wall)]:
        print(f"{label:34s} {cpu:8.1f} {cpu / clip.duration:8.3f} {wall:8.1f} {wall / clip.duration:9.3f}")
    print(f"align / transcribe compute ratio: {align_cpu / trans_cpu:.2f} (CPU), {align_wall / trans_wall:.2f} (wall)")


if __name__ == "__main__":
    main()
