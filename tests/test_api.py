"""The Python API mirrors the command line and imports lazily."""

import subprocess
import sys

import captionkit


def test_every_public_name_resolves():
    for name in captionkit.__all__:
        assert callable(getattr(captionkit, name)), name


def test_import_is_light():
    code = "import sys, captionkit; print(any(m.startswith(('faster_whisper', 'av', 'moviepy')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
