"""Memory stays flat with length: transcription works block by block, cut where it is quiet.

The figures themselves come from ``benchmarks/memory.py`` (peak memory at 5, 20 and 60 minutes).
"""

from __future__ import annotations

import numpy as np

from captionkit.speech import transcribe as transcription
from captionkit.speech.transcribe import block_bounds, transcribe
from tests.helpers import word_error_rate

RATE = 16000


def test_blocks_cover_the_audio_and_are_cut_in_the_quietest_moment():
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal(RATE * 100) * 0.3).astype(np.float32)
    for quiet in (27.0, 54.0, 81.0):  # a pause in each stretch where a cut is looked for
        audio[int(quiet * RATE) : int((quiet + 0.3) * RATE)] = 0.0
    bounds = block_bounds(audio, RATE, block=30.0, search=5.0)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(audio)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    assert all(last - first <= 30 * RATE for first, last in bounds)
    cuts = [first / RATE for first, _ in bounds[1:]]
    assert len(cuts) == 3
    for cut, quiet in zip(cuts, (27.0, 54.0, 81.0)):
        assert quiet <= cut <= quiet + 0.3
    assert block_bounds(audio[: RATE * 10], RATE, block=30.0) == [(0, RATE * 10)]


def test_transcribing_in_blocks_hears_what_one_block_hears(spoken_sample, monkeypatch):
    wav, speech = spoken_sample
    whole = transcribe(wav, progress_label=None)
    monkeypatch.setattr(transcription, "BLOCK_SECONDS", 5.0)
    monkeypatch.setattr(transcription, "CUT_SEARCH_SECONDS", 2.0)
    blocks = transcribe(wav, progress_label=None)
    text = " ".join(word.text for word in speech.words)
    assert word_error_rate(text, " ".join(w.text for w in blocks.words)) <= \
        word_error_rate(text, " ".join(w.text for w in whole.words)) + 0.1
    assert all(a.end <= b.start + 1e-6 for a, b in zip(blocks.words, blocks.words[1:]))
    starts = {w.text.lower().strip(".,"): w.start for w in whole.words}
    close = [abs(starts[w.text.lower().strip(".,")] - w.start) < 0.1 for w in blocks.words
             if w.text.lower().strip(".,") in starts]
    assert sum(close) >= 0.8 * len(close)
