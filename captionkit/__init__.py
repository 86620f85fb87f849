"""captionkit: caption and subtitle post-production for AI talking-head videos.

The Python API mirrors the command line::

    import captionkit
    result = captionkit.caption("talk.mp4", "out/", script="script.txt", burn=True)
    words = captionkit.transcribe("talk.mp4").words
    track = captionkit.build_track(words, profile="social")
    captionkit.save(track, "talk.vtt")

Names are imported on first use, so ``import captionkit`` stays fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "Word": "model", "Cue": "model", "Track": "model",
    "CaptionkitError": "errors",
    "probe": "media",
    "caption": "jobs.caption",
    "transcribe": "speech.transcribe",
    "read_script": "script",
    "align_script": "speech.align",
    "build_track": "cues.segment",
    "load": "formats", "save": "formats",
    "lint_track": "cues.lint", "lint_file": "cues.lint",
    "load_style": "style", "list_styles": "style",
    "burn": "render.burn",
    "mux": "render.mux",
    "preview": "render.preview",
    "split_audio": "assembly.split",
    "stitch": "assembly.stitch",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'captionkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_API[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
