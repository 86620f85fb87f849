"""Hunt rare large errors: many short random clips, every word more than --over ms off printed with its context.

    python benchmarks/align_outliers.py [--clips 48] [--seconds 8] [--over 200] [--language en]

Each clip is a few random sentences from one of several espeak-ng voices (word
truth) or piper (sentence-onset truth), at a random speed, joined with random
pauses (``benchmarks/truth.py``; cached). The final times come from the public
path (``align_script``, default settings); for each word over the limit it also
prints the raw attention time, the lag-corrected one and the energy-snapped one,
which says which stage went wrong.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import truth

from captionkit.speech import refine
from captionkit.speech.align import align_script

VOICES = {
    "en": ["en-us", "en", "en-us+m3", "en-gb-x-rp+f2", "en-gb-scotland", "en-029+f4", "en-us-nyc+m7", "en-gb-x-gbclan",
           "en-us+f3", "en-gb-x-gbcwmd", "piper", "piper"],
    "es": ["es", "es+m3", "es-419+f2", "es+f4"],
    "de": ["de", "de+m3", "de+f4", "de+m7"],
}


def random_specs(count: int, seconds: float, language: str, seed: int) -> list[truth.ClipSpec]:
    rng = random.Random(seed)
    specs = []
    for index in range(count):
        voice = rng.choice(VOICES[language])
        source = "piper" if voice == "piper" else "espeak"
        specs.append(truth.ClipSpec(f"hunt-{language}-{seed}-{index}", source, "joe" if source == "piper" else voice,
                                    language, seconds, seed * 1000 + index, speed=round(rng.uniform(0.8, 1.3), 2),
                                    pitch=rng.randint(30, 70), held_out=bool(rng.getrandbits(1))))
    return specs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=48)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--over", type=float, default=200.0, help="report words more than this many ms off")
    parser.add_argument("--language", default="en", choices=("en", "es", "de"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    model = "tiny.en" if args.language == "en" else "base"
    score, reported = truth.Score(), 0
    for spec in random_specs(args.clips, args.seconds, args.language, args.seed):
        clip = truth.load_clip(spec)
        raw = truth.raw_alignment(clip, model)
        final = align_script(clip.audio, clip.text, model=model, language=args.language, progress_label=None).words
        lagged = refine.remove_lag(raw, model)
        snapped = refine.snap_to_energy([replace(w) for w in lagged], refine.speech_mask(clip.audio, truth.RATE))
        score.add(clip, final)
        starts = {index: true.start for index, true in enumerate(clip.words) if true is not None}
        starts.update({index: onset for index, onset, _ in clip.onsets})
        for index, true_start in sorted(starts.items()):
            error = final[index].start - true_start
            if abs(error) * 1000 > args.over:
                reported += 1
                context = " ".join(clip.script_words[max(0, index - 3) : index + 3])
                print(f"{clip.name} ({spec.voice} x{spec.speed}) word {index} {clip.script_words[index]!r} "
                      f"error {error * 1000:+.0f} ms: truth {true_start:.2f}, raw {raw[index].start:.2f}, "
                      f"lag {lagged[index].start:.2f}, energy {snapped[index].start:.2f}, final {final[index].start:.2f}"
                      f"  [{context}]", flush=True)
    print(f"\n{score.clips} clips, {reported} words over {args.over:.0f} ms")
    print(truth.HEADER)
    print(truth.format_row("default refinement", score.figures()))


if __name__ == "__main__":
    main()
