"""Shared fixtures: speech made with piper (with true word times) and videos made with lavfi."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from captionkit.engines import piper_tts, synthetic
from tests.helpers import PANGRAM_TEXT

os.environ.setdefault("CAPTIONKIT_PROGRESS", "off")

@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speak(media_dir):
    """speak(text, name, **options) -> (wav path, Speech with true word times); cached per session."""
    cache: dict = {}

    def _speak(text: str, name: str | None = None, **options):
        key = (text, tuple(sorted(options.items())))
        if key not in cache:
            speech = piper_tts.synthesize(text, **options)
            lead = piper_tts.silence(0.4, speech.sample_rate)
            speech = piper_tts.concatenate([lead, speech, piper_tts.silence(0.6, speech.sample_rate)])
            path = media_dir / f"{name or f'speech-{len(cache)}'}.wav"
            speech.write_wav(path)
            cache[key] = (path, speech)
        return cache[key]

    return _speak


@pytest.fixture(scope="session")
def spoken_sample(speak):
    """About ten seconds of English speech with known text and word times."""
    return speak(PANGRAM_TEXT, "pangram")


@pytest.fixture(scope="session")
def talking_video(media_dir, spoken_sample) -> Path:
    """A 640x360, 30 fps H.264/AAC video whose audio is the spoken sample."""
    wav, speech = spoken_sample
    return synthetic.make_video(media_dir / "talking.mp4", round(speech.duration + 0.2, 2), audio=wav)
