"""Rebuild the bundled sample media: ``python samples/make_samples.py``.

- ``portrait.png``: the public-domain astronaut photograph (Eileen Collins, NASA)
  from scikit-image's data (``pip install scikit-image``).
- ``presenter.mp4``: the portrait as a still presenter, speaking the first two
  paragraphs of ``script.txt`` with piper's CC0 ``joe`` voice; about 20 s.
- ``presenter.txt``: exactly the words spoken in ``presenter.mp4``.
- ``presenter.words.json``: their true times, from piper's phoneme durations.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from captionkit.engines import piper_tts  # noqa: E402
from captionkit.engines.presenter import render_presenter  # noqa: E402
from captionkit.files import write_text_atomic  # noqa: E402

PRESENTER_PARAGRAPHS = 2


def make_portrait(path: Path) -> None:
    from skimage import data, io

    with tempfile.TemporaryDirectory() as folder:
        staged = Path(folder) / path.name
        io.imsave(staged, data.astronaut(), check_contrast=False)
        path.write_bytes(staged.read_bytes())


def presenter_text() -> str:
    """The first paragraphs of script.txt without their speaker tags."""
    paragraphs = [p.strip() for p in (HERE / "script.txt").read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return " ".join(p.split("]", 1)[1].strip() for p in paragraphs[:PRESENTER_PARAGRAPHS])


def main() -> None:
    portrait = HERE / "portrait.png"
    if not portrait.exists():
        make_portrait(portrait)
    text = presenter_text()
    lead_in = piper_tts.silence(0.5)
    speech = piper_tts.concatenate([lead_in, piper_tts.synthesize(text, speaker="S1"), piper_tts.silence(0.8)])
    with tempfile.TemporaryDirectory() as folder:
        wav = speech.write_wav(Path(folder) / "presenter.wav")
        render_presenter(portrait, wav, HERE / "presenter.mp4")
    write_text_atomic(HERE / "presenter.txt", text + "\n")
    rows = ",\n".join(json.dumps(word.to_dict(), ensure_ascii=False) for word in speech.words or [])
    write_text_atomic(HERE / "presenter.words.json", '{"words": [\n' + rows + "\n]}\n")
    print(f"presenter.mp4: {speech.duration:.1f} s, {len(text.split())} words")


if __name__ == "__main__":
    main()
