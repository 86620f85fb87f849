"""Transcription speed (real-time factor) and peak memory on this machine.

    python benchmarks/transcribe_speed.py [--model tiny.en] [--minutes 5]

Measures the bundled sample (samples/presenter.mp4, ~20 s) and a longer file
made by repeating the sample's audio (5 minutes by default). Each run is a
fresh process, so the peak resident memory printed is that run's alone; the
real-time factor is processing seconds per second of audio (lower is faster)
and includes decoding, the model and word timing, but not loading the model.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SAMPLE = REPO / "samples" / "presenter.mp4"


def measure_in_child(media: Path, model: str) -> dict:
    """Transcribe ``media`` in a fresh process; return its timings and peak memory."""
    code = f"""
import json, resource, time
from captionkit.speech.models import load_model
from captionkit.speech.transcribe import transcribe
start = time.perf_counter(); load_model({model!r}); loaded = time.perf_counter() - start
start = time.perf_counter(); result = transcribe({str(media)!r}, model={model!r}, progress_label=None)
elapsed = time.perf_counter() - start
print(json.dumps({{"load": loaded, "elapsed": elapsed, "duration": result.duration, "words": len(result.words),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONKIT_PROGRESS": "off"}
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def long_file(folder: Path, minutes: float) -> Path:
    """The sample's audio repeated to ``minutes`` long, as a WAV."""
    from captionkit.media import run_ffmpeg

    out = folder / f"long-{minutes:g}min.wav"
    run_ffmpeg(["-stream_loop", "-1", "-i", str(SAMPLE), "-vn", "-ac", "1", "-ar", "16000",
                "-t", str(minutes * 60), str(out)])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--minutes", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = [("sample (presenter.mp4)", SAMPLE), (f"{args.minutes:g}-minute file", long_file(Path(folder), args.minutes))]
        print(f"model {args.model}, {os.cpu_count()} cores\n")
        print(f"{'input':24} {'audio s':>8} {'wall s':>7} {'RTF':>6} {'x real time':>11} {'peak MB':>8} {'load s':>7}")
        for label, media in files:
            figures = measure_in_child(media, args.model)
            rtf = figures["elapsed"] / figures["duration"]
            print(f"{label:24} {figures['duration']:8.1f} {figures['elapsed']:7.1f} {rtf:6.3f} {1 / rtf:11.1f} "
                  f"{figures['peak_mb']:8.0f} {figures['load']:7.2f}")


if __name__ == "__main__":
    main()
