"""Offline speech for ``render``: piper's bundled voice for ``[S1]``, a transformed copy of it for ``[S2]``.

There is one offline voice (``joe``), so the second speaker is made from it by
a documented transformation: piper speaks the text slower by a factor, and the
audio is then played that much faster. Tempo comes back to normal while pitch
and formants (the size of the vocal tract) rise together by the factor, which
sounds like a different, lighter-voiced person rather than a pitch-shifted
copy. Synthesis is deterministic (piper's random variation off), so the same
speaker sounds the same in every segment and a rerun gives the same audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

import numpy as np

from ..assembly.speech_plan import Turn
from . import piper_tts


@dataclass(frozen=True, slots=True)
class LocalVoices:
    """How each speaker is voiced: the factor pitch and formants are raised by (1 is piper's own voice)."""

    shift: dict[str, Fraction] = field(default_factory=lambda: {"S1": Fraction(1), "S2": Fraction(5, 4)})
    turn_pause: float = 0.4  # seconds between two speakers' turns
    sound_pause: float = 0.6  # a non-verbal cue such as (laughs) is silence offline
    sentence_pause: float = 0.35  # seconds between sentences of a turn

    def factor(self, speaker: str) -> Fraction:
        return self.shift.get(speaker, Fraction(1))

    def describe(self) -> dict[str, str]:
        """For reports: which voice each speaker gets."""
        return {
            speaker: "piper joe" if factor == 1 else f"piper joe, pitch and formants x{float(factor):.2f}"
            for speaker, factor in self.shift.items()
        }


def speak_turns(turns: Sequence[Turn], voices: LocalVoices = LocalVoices()) -> tuple[np.ndarray, int]:
    """Mono float32 samples and their rate for one TTS segment's turns."""
    rate = piper_tts.silence(0.0).sample_rate
    parts: list[np.ndarray] = []
    for index, turn in enumerate(turns):
        if index:
            parts.append(np.zeros(round(voices.turn_pause * rate), np.float32))
        run: list[str] = []
        for token in (*turn.tokens, None):
            if token is not None and token.kind == "speech":
                run.append(token.text)
                continue
            if run:
                parts.append(speak(" ".join(run), turn.speaker, voices))
                run = []
            if token is not None:  # a sound cue
                parts.append(np.zeros(round(voices.sound_pause * rate), np.float32))
    return (np.concatenate(parts) if parts else np.zeros(0, np.float32)), rate


def speak(text: str, speaker: str, voices: LocalVoices = LocalVoices()) -> np.ndarray:
    """``text`` in ``speaker``'s voice at piper's sample rate."""
    factor = voices.factor(speaker)
    speech = piper_tts.synthesize(
        text, length_scale=float(factor), sentence_pause=voices.sentence_pause * float(factor),
        with_timings=False, deterministic=True,
    )
    return transform_voice(speech.samples, factor)


def transform_voice(samples: np.ndarray, factor: Fraction) -> np.ndarray:
    """Play ``samples`` ``factor`` times faster at the same rate: pitch and formants rise by ``factor``."""
    from scipy.signal import resample_poly

    if factor == 1:
        return samples
    return resample_poly(samples, factor.denominator, factor.numerator).astype(np.float32)
