"""Measure again every bias and tuning value of ``speech/refine.py`` on verified truth, and print each.

    python benchmarks/calibrate_refine.py [--languages en,es,de] [--sweep]

Uses only the tuning half of the corpora in ``benchmarks/truth.py`` (the
held-out half is for ``benchmarks/align_accuracy.py``). Prints:

1. the truth checks (how far each truth sits from the energy onsets);
2. each model's attention lag (median signed start and end error of the raw
   alignment): ``speech/models.py``'s ``CALIBRATIONS``;
3. pocketsphinx's start and end bias (median signed error of the words it
   re-timed, with the lag removed and no bias): ``RefineOptions.sphinx_*_bias_seconds``;
4. with ``--sweep``: the default pipeline's figures as each ``RefineOptions``
   value is moved, so a value that no longer earns its place shows as flat.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import truth

from captionkit.speech import refine
from captionkit.speech.models import CALIBRATIONS

SWEEPS = {
    "pause_seconds": (0.08, 0.12, 0.15, 0.2),
    "pause_reach_seconds": (0.4, 0.8, 1.2),
    "early_penalty": (1.0, 2.0, 3.0),
    "punctuation_bonus_seconds": (0.0, 0.1, 0.25, 0.4),
    "stretch_pause_seconds": (0.15, 0.25, 0.35),
    "stretch_smear_seconds": (0.1, 0.15, 0.25),
    "sphinx_top_gaussians": (4, 8, 16),
    "sphinx_dither": (0.0, 0.5, 1.0, 2.0),
    "acoustic_pause_reach_seconds": (0.2, 0.3, 0.5, 0.8),
    "sphinx_retry_max_shift_seconds": (0.2, 0.3, 0.45, 10.0),
    "sphinx_retry_without_fillers": (False, True),
    "silence_below_speech_db": (30.0, 35.0, 40.0),
    "clause_pause_below_db": (20.0, 25.0, 30.0, 200.0),
    "clause_pause_context_seconds": (0.25, 0.5, 1.0),
}


def tuning_set(language: str) -> list[truth.Clip]:
    specs = truth.TUNING if language == "en" else truth.OTHER_LANGUAGES[language][0]
    return [truth.load_clip(spec) for spec in specs]


def median_ms(values: list[float]) -> float:
    return float(np.median(values) * 1000) if values else float("nan")


def measure_lag(data) -> tuple[float, float]:
    """Median signed (start, end) error of the raw alignment: words with truth, and piper sentence onsets."""
    starts, ends = [], []
    for clip, raw in data:
        for word, true in zip(raw, clip.words):
            if true is not None:
                starts.append(word.start - true.start)
                ends.append(word.end - true.end)
        starts += [raw[index].start - onset for index, onset, _ in clip.onsets if clip.words[index] is None]
    return median_ms(starts), median_ms(ends)


def measure_sphinx_bias(data, model: str, language: str, options: refine.RefineOptions) -> tuple[float, float, int, int]:
    """Median signed (start, end) error of the words pocketsphinx re-timed; how many it timed, of how many."""
    unbiased = replace(options, sphinx_start_bias_seconds=0.0, sphinx_end_bias_seconds=0.0)
    starts, ends, total = [], [], 0
    for clip, raw in data:
        lagged = refine.remove_lag(raw, model)
        level = refine.frame_levels(clip.audio, truth.RATE, unbiased)
        speech = refine.speech_from_levels(level, unbiased)
        unset = [replace(word, start=-1.0, end=-1.0) for word in lagged]
        timed = refine.sphinx_realign(lagged, unset, clip.audio, truth.RATE, speech,
                                      refine.clause_sound_mask(level, speech, unbiased), unbiased, language)
        for word, true in zip(timed, clip.words):
            if true is None:
                continue
            total += 1
            if word.start >= 0:
                starts.append(word.start - true.start)
                ends.append(word.end - true.end)
    return median_ms(starts), median_ms(ends), len(starts), total


def pipeline_figures(data, language: str, model: str, options: refine.RefineOptions) -> dict[str, float]:
    score = truth.Score()
    for clip, raw in data:
        score.add(clip, refine.refine_words(raw, clip.audio, truth.RATE, language=language, model=model,
                                            options=options))
    return score.figures()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="en,es,de")
    parser.add_argument("--sweep", action="store_true", help="also move each RefineOptions value and print the figures")
    args = parser.parse_args()
    options = refine.DEFAULT_OPTIONS
    for language in args.languages.split(","):
        model = "tiny.en" if language == "en" else "base"
        clips = tuning_set(language)
        print(f"== {language}, {model}: {len(clips)} tuning clips, {sum(c.duration for c in clips):.0f} s")
        print(truth.describe_checks(clips))
        data = [(clip, truth.raw_alignment(clip, model)) for clip in clips]
        start_lag, end_lag = measure_lag(data)
        current = CALIBRATIONS.get(model)
        print(f"attention lag of {model}: start {start_lag:+.1f} ms, end {end_lag:+.1f} ms "
              f"(models.CALIBRATIONS has {current})")
        if language == "en" or language in refine.SPHINX_LANGUAGES:
            start_bias, end_bias, timed, total = measure_sphinx_bias(data, model, language, options)
            print(f"pocketsphinx bias ({timed} of {total} words re-timed): start {start_bias:+.1f} ms, "
                  f"end {end_bias:+.1f} ms; the options add back {options.sphinx_start_bias_seconds * 1000:+.0f} / "
                  f"{options.sphinx_end_bias_seconds * 1000:+.0f} ms")
        print(truth.HEADER)
        print(truth.format_row("default options", pipeline_figures(data, language, model, options)))
        if not args.sweep:
            continue
        for name, values in SWEEPS.items():
            for value in values:
                moved = replace(options, **{name: value})
                marker = " (default)" if getattr(options, name) == value else ""
                print(truth.format_row(f"{name}={value}{marker}", pipeline_figures(data, language, model, moved)),
                      flush=True)


if __name__ == "__main__":
    main()
