"""Shared fixtures: speech made with piper (with true word times) and videos made with lavfi."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from align_helpers import speak_to_wav
from captionkit.engines import synthetic
from helpers import PANGRAM_TEXT

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
            path = media_dir / f"{name or f'speech-{len(cache)}'}.wav"
            cache[key] = (path, speak_to_wav(text, path, lead=0.4, tail=0.6, **options))
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


# --------------------------------------------------------------------------- the fake inference.sh (infsh)

INFSH_TEST_KEY = "inf_test_key"


@pytest.fixture
def fake_infsh(monkeypatch):
    """A fresh fake inference.sh on 127.0.0.1 (tests/infsh_fake.py); no key or base URL set yet."""
    from infsh_fake import FakeService

    for name in ("INFERENCE_API_KEY", "INFSH_API_KEY", "INFERENCE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with FakeService(api_key=INFSH_TEST_KEY) as fake:
        yield fake


@pytest.fixture
def infsh_sdk(fake_infsh, monkeypatch):
    """The fake, reached through the SDK: INFERENCE_API_KEY and INFERENCE_BASE_URL set (subprocesses inherit them)."""
    monkeypatch.setenv("INFERENCE_API_KEY", INFSH_TEST_KEY)
    monkeypatch.setenv("INFERENCE_BASE_URL", fake_infsh.url)
    return fake_infsh


@pytest.fixture
def infsh_cli(fake_infsh, monkeypatch, tmp_path_factory):
    """The fake, reached through a fake ``infsh`` CLI first on PATH, logged in, with no key in the environment."""
    from infsh_fake import install_fake_cli

    home = tmp_path_factory.mktemp("infsh home")
    bin_dir = home / "bin dir"
    install_fake_cli(bin_dir)
    (home / "config.json").write_text(f'{{"key": "{INFSH_TEST_KEY}"}}')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_INFSH_URL", fake_infsh.url)
    monkeypatch.setenv("FAKE_INFSH_HOME", str(home))
    return fake_infsh


@pytest.fixture
def read_only_folder(tmp_path):
    """An existing folder nobody can create files in: chmod for a user, the immutable flag for root."""
    import shutil
    import subprocess

    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("running as root on a file system without the immutable flag: no folder is read-only")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=False)
