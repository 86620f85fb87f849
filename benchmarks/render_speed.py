"""Speed and peak memory of ``captionkit render`` offline: the sample script to a captioned video.

    python benchmarks/render_speed.py [--size 1280x720] [--script samples/script.txt] [--rerun]

Runs the local engine (piper speech, presenter clips) on ``samples/script.txt``
and ``samples/portrait.png`` in a fresh process and a fresh output folder, and
prints the wall time of every step, the total as a multiple of the script's
spoken length (the master narration's duration; target: at most 1.5x real
time on 2 cores), the CPU time (its own and its ffmpeg children's), the peak
resident memory of the Python process, and checks the captions (the
script's exact words, lint errors under the profile). ``--rerun`` also times a second run
in the same folder, where every step is reused from the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def measure_in_child(script: Path, out: Path, size: str) -> dict:
    """Render in a fresh process; its report, wall and CPU time, and peak memory."""
    code = f"""
import json, resource, time
from pathlib import Path
from captionkit.cli.render import parse_size
from captionkit.jobs.render import RenderOptions, render
start = time.perf_counter()
result = render(Path({str(script)!r}), Path({str(REPO / "samples" / "portrait.png")!r}), Path({str(out)!r}),
                RenderOptions(size=parse_size({size!r})))
wall = time.perf_counter() - start
from captionkit.cues.lint import lint_track
from captionkit.formats import load
from captionkit.script import read_script
track = load(result.outputs["srt"])
shown = [w.lstrip("-") for cue in track.cues for w in " ".join(cue.lines).split() if w != "-"]
profile = result.report.steps[3].outputs["profile"]
captions = {{"cues": len(track.cues), "exact_words": shown == [w.text for w in read_script(Path({str(script)!r})).spoken],
            "lint_errors": sum(v.severity == "error" for v in lint_track(track, profile, 30)), "profile": profile}}
own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"report": result.report.to_dict(), "plan": result.plan, "wall": wall, "captions": captions,
                  "cpu": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
                  "peak_mb": own.ru_maxrss / 1024}}))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONKIT_PROGRESS": "off"}
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def show(label: str, run: dict) -> None:
    report = run["report"]
    spoken = report["spoken_seconds"]
    print(f"{label}: {spoken:.1f} s of speech, {run['plan']['pieces']} avatar pieces, "
          f"{len(report['steps'][1]['outputs']['segments'])} TTS segments")
    print(f"  {'step':<8} {'wall s':>7} {'x speech':>9} {'CPU s':>7}  made/reused")
    for step in report["steps"]:
        print(f"  {step['name']:<8} {step['seconds']:7.2f} {step['seconds'] / spoken:9.3f} {step['cpu_seconds']:7.2f}  "
              f"{step['made']}/{step['reused']}")
    print(f"  {'total':<8} {run['wall']:7.2f} {run['wall'] / spoken:9.3f}  "
          f"(target <= 1.5x real time); CPU {run['cpu']:.1f} s ({run['cpu'] / spoken:.2f}x)")
    captions = run["captions"]
    print(f"  captions: {captions['cues']} cues, the script's exact words: {captions['exact_words']}, "
          f"{captions['lint_errors']} lint errors under {captions['profile']}")
    print(f"  peak memory: {run['peak_mb']:.0f} MB (the Python process; ffmpeg runs as separate processes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", type=Path, default=REPO / "samples" / "script.txt")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--rerun", action="store_true", help="also time a rerun that reuses the cache")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="render-bench-") as folder:
        out = Path(folder) / "out"
        started = time.strftime("%H:%M:%S")
        first = measure_in_child(args.script.resolve(), out, args.size)
        show(f"fresh render ({args.size}, started {started}, load {os.getloadavg()[0]:.1f} after)", first)
        if args.rerun:
            show("rerun (cached)", measure_in_child(args.script.resolve(), out, args.size))


if __name__ == "__main__":
    main()
