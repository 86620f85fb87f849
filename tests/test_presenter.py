"""The offline avatar clip: exact frame count, gentle motion, and no jump where two clips meet."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from captionkit.assembly.narration import write_wav
from captionkit.engines.presenter import Motion, render_avatar_clip
from captionkit.media import probe
from helpers import REPO
from render_helpers import frames

PORTRAIT = REPO / "samples" / "portrait.png"
MOTION = Motion(sway=0.05, bob=0.04, sway_period=2.0, bob_period=1.5)  # exaggerated so a small frame shows it


def test_clip_has_exact_frames_and_moves_continuously(tmp_path):
    audio = write_wav(np.zeros(24000, np.float32), 48000, tmp_path / "silence.wav")
    first = render_avatar_clip(PORTRAIT, audio, tmp_path / "one.mp4", frames=15, size=(320, 180),
                               fps=Fraction(30), clock_start=0.0, motion=MOTION)
    second = render_avatar_clip(PORTRAIT, audio, tmp_path / "two.mp4", frames=15, size=(320, 180),
                                fps=Fraction(30), clock_start=0.5, motion=MOTION)
    info = probe(first)
    assert (info.width, info.height, info.fps) == (320, 180, 30) and info.has_audio
    one, two = [frame for _, frame in frames(first)], [frame for _, frame in frames(second)]
    assert len(one) == len(two) == 15
    steps = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(one, one[1:])]
    assert np.abs(one[0].astype(int) - one[-1].astype(int)).mean() > 2  # it moves: not a frozen still
    join = np.abs(one[-1].astype(int) - two[0].astype(int)).mean()
    assert join <= 2 * max(steps)  # the next clip carries on from where this one stopped
