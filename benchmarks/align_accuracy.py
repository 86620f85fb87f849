"""Alignment accuracy on verified truth, for every refinement method, on held-out (and tuning) clips.

    python benchmarks/align_accuracy.py [--language en|es|de] [--set held-out|tuning|all] [--model M]

The corpora and how their truth is checked against the waveform are in
``benchmarks/truth.py``: espeak-ng word events (several voices and speeds,
checked against energy onsets at every pause) and piper's natural voice
synthesised a sentence at a time and joined with known silences (truth =
each sentence's audible onset). The checks are printed first. Every row is
the public path, ``align_script`` (spoken forms, refinement by units), with
its ``method``: ``none`` (the raw cross-attention alignment), ``energy`` and
``best`` (the default). Every script word is said, so every run the report
calls not heard is a false report; they are printed last.

Targets, English (tiny.en): median |word-start error| <= 20 ms, p90 <= 50 ms,
max <= 250 ms, 100 % of words in order; sentence onsets median <= 15 ms, worst
<= 60 ms. Spanish and German (base): median <= 30 ms, p90 <= 80 ms, max <= 300 ms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import truth

from captionkit.speech.align import align_script

METHODS = {
    "raw cross-attention (none)": "none",
    "lag + energy snapping (energy)": "energy",
    "default: lag + energy + pocketsphinx (best)": "best",
}


def clips_for(language: str, which: str) -> list[truth.Clip]:
    tuning, held_out = (truth.TUNING, truth.HELD_OUT) if language == "en" else truth.OTHER_LANGUAGES[language]
    specs = {"tuning": tuning, "held-out": held_out, "all": tuning + held_out}[which]
    return [truth.load_clip(spec) for spec in specs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="en", choices=("en", "es", "de"))
    parser.add_argument("--set", default="held-out", choices=("held-out", "tuning", "all"))
    parser.add_argument("--model", help="default: tiny.en for English, base otherwise")
    args = parser.parse_args()
    model = args.model or ("tiny.en" if args.language == "en" else "base")
    clips = clips_for(args.language, args.set)
    print(f"{args.set} {args.language} corpus, model {model}: {len(clips)} clips, "
          f"{sum(c.duration for c in clips):.0f} s, {sum(len(c.script_words) for c in clips)} words")
    for clip in clips:
        spec = clip.spec
        print(f"  {clip.name:14s} {spec.source:6s} voice {spec.voice:16s} speed x{spec.speed:.2f} "
              f"{clip.duration:5.1f} s {len(clip.script_words):4d} words, {len(clip.onsets)} pieces")
    print(truth.describe_checks(clips))
    print("\nword-start errors on espeak words; sentence onsets on every piece (espeak and piper)")
    print(truth.HEADER)
    unheard: list[str] = []
    for label, method in METHODS.items():
        score = truth.Score()
        for clip in clips:
            aligned = align_script(clip.audio, clip.text, model=model, language=args.language, refine=method != "none",
                                   method=method, progress_label=None)
            score.add(clip, aligned.words)
            if method == "best":
                unheard += [f"  {clip.name}: {m.describe()}" for m in aligned.report.mismatches]
        print(truth.format_row(label, score.figures()), flush=True)
    print(f"\nwords reported not heard (every script word is said, so each is a false report): {len(unheard)} runs")
    print("\n".join(unheard))


if __name__ == "__main__":
    main()
