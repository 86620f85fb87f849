"""Alignment accuracy on a ground-truth corpus, for every refinement method tried.

Piper speech (true word times from its phoneme durations), 5-95 s clips varying
speaking rate, pauses and the audio (pitch up/down with asetrate+atempo, tempo
change, rubberband pitch, 20 dB noise, band-pass). The raw cross-attention
alignment is computed once per clip; each refinement method is applied to it.

    python benchmarks/align_accuracy.py [--clips N] [--model tiny.en] [--language en]

``--language es`` or ``de`` (with ``--model base``) speaks Spanish or German
sentences with piper's voice and espeak's phonemes for the language.

Targets: median <= 25 ms, p90 <= 60 ms, max <= 300 ms, 100 % of words in order.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from align_helpers import EFFECTS, error_figures, make_clip, start_errors  # noqa: E402
from captionkit.speech.align import align_script  # noqa: E402
from captionkit.speech.refine import refine_words  # noqa: E402

METHODS = {
    "raw cross-attention (none)": "none",
    "lag + energy snapping (any language)": "energy",
    "default: pocketsphinx re-alignment (English), else energy": "best",
}


def corpus(count: int, model: str, language: str = "en"):
    lengths = np.linspace(5, 95, count)
    for index, seconds in enumerate(lengths):
        effect = EFFECTS[index % len(EFFECTS)]
        length_scale = (0.8, 0.9, 1.0, 1.1, 1.25)[index % 5]
        pause = (0.2, 0.35, 0.5, 0.8)[index % 4]
        clip = make_clip(f"clip{index}", float(seconds), seed=1000 + index, length_scale=length_scale,
                         sentence_pause=pause, effect=effect, language=language)
        started = time.perf_counter()
        raw = align_script(clip.audio, clip.text, model=model, language=language, refine=False,
                           progress_label=None).words
        elapsed = time.perf_counter() - started
        print(f"  {clip.name}: {clip.duration:5.1f} s, {effect:10s} rate x{1 / length_scale:.2f} "
              f"pause {pause:.2f} s, {len(clip.truth)} words, raw alignment {elapsed:.2f} s", flush=True)
        yield clip, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--language", default="en", choices=("en", "es", "de"))
    args = parser.parse_args()
    print(f"corpus: {args.clips} clips, language {args.language}, model {args.model}")
    data = list(corpus(args.clips, args.model, args.language))
    total_words = sum(len(clip.truth) for clip, _ in data)
    print(f"\n{total_words} words, {sum(clip.duration for clip, _ in data):.0f} s of speech\n")
    print(f"{'method':62s} {'median':>8s} {'p90':>8s} {'max':>8s} {'in order':>9s}")
    for label, method in METHODS.items():
        errors, in_order = [], 0
        for clip, raw in data:
            words = refine_words(raw, clip.audio, language=args.language, model=args.model, method=method)
            errors.append(start_errors(words, clip.truth))
            in_order += all(a.end <= b.start + 1e-9 for a, b in zip(words, words[1:]))
        figures = error_figures(np.concatenate(errors))
        print(f"{label:62s} {figures['median_ms']:6.0f}ms {figures['p90_ms']:6.0f}ms {figures['max_ms']:6.0f}ms "
              f"{100 * in_order / len(data):8.0f}%")
    print("\ntargets: median <= 25 ms, p90 <= 60 ms, max <= 300 ms")


if __name__ == "__main__":
    main()
