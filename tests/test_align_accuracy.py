"""Alignment accuracy on verified truth (the full tables: benchmarks/align_accuracy.py).

A few short clips of voices and speeds the refinement was not tuned on
(``benchmarks/truth.py``): espeak-ng word events, checked against the energy
onset at every pause, and piper sentences joined with known silences (truth =
each sentence's audible onset). The truth checks are asserted first.

English targets (tiny.en, default settings): median |word-start error| <= 20 ms,
p90 <= 50 ms, none over 250 ms, every script word in order; sentence onsets
median <= 15 ms, worst <= 60 ms.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from benchmarks import truth
from captionkit.speech.align import align_script

pytestmark = pytest.mark.slow

#: Held-out voices and speeds (not in truth.TUNING), about 75 s of speech in all.
CLIPS = [
    truth.ClipSpec("test-scotland", "espeak", "en-gb-scotland", "en", 20, 501, speed=1.05, pitch=45, held_out=True),
    truth.ClipSpec("test-us-f3", "espeak", "en-us+f3", "en", 20, 502, speed=0.9, pitch=70, held_out=True),
    truth.ClipSpec("test-joe-fast", "piper", "joe", "en", 20, 503, speed=1.2, held_out=True, deterministic=True),
]


@pytest.fixture(scope="module")
def aligned():
    results = []
    for spec in CLIPS:
        clip = truth.load_clip(spec)
        results.append((clip, align_script(clip.audio, clip.text, progress_label=None).words))
    return results


def test_the_truth_sits_on_the_energy_onsets(aligned):
    for clip, _ in aligned:
        assert clip.checks and np.max(np.abs(clip.checks)) <= truth.CHECK_TOLERANCE_SECONDS, clip.name
        assert sum(w is not None for w in clip.words) >= 0.8 * len(clip.words) or clip.spec.source == "piper"


def test_every_script_word_is_present_in_order(aligned):
    for clip, words in aligned:
        assert [w.text for w in words] == clip.script_words, clip.name
        assert all(a.start <= a.end <= b.start + 1e-9 for a, b in itertools.pairwise(words)), clip.name


def test_word_starts_and_sentence_onsets_meet_the_targets(aligned):
    score = truth.Score()
    for clip, words in aligned:
        score.add(clip, words)
    figures = score.figures()
    assert figures["words"] >= 80, figures
    assert figures["median"] <= 20, figures
    assert figures["p90"] <= 50, figures
    assert figures["max"] <= 250, figures
    assert figures["onset_median"] <= 15, figures
    assert figures["onset_max"] <= 60, figures
