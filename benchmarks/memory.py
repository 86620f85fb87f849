"""Peak memory of the commands that read long media, at several lengths.

    python benchmarks/memory.py [--minutes 5,20,60] [--commands transcribe,align,split,stitch]

The long media repeats the bundled sample (samples/presenter.mp4, 20.6 s of speech) to
each length: a 16 kHz WAV for transcribe, align and split, and two 160x90 clips of half
the length each for stitch. align gets the sample's script repeated as often as the
audio; split plans from the sample's own word times repeated (so it measures split, not
a transcription). Each command runs as ``captionkit ...`` in a fresh process, and its peak
resident memory comes from the kernel (``wait4``): the largest of the process and the
ffmpeg processes it ran (not their sum), and their CPU time together. Prints one row per
command with the peak at each length and the ratio of the longest to the shortest.

transcribe, align and split decode the audio once into an unlinked temporary file (4 bytes a
sample at 16 kHz) and read it by slices (``media.Audio``): that file is disk, or page cache the
kernel can drop, not the process's memory; its size at each length is printed last.
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
SCRIPT = REPO / "samples" / "presenter.txt"
WORDS = REPO / "samples" / "presenter.words.json"
COMMANDS = ("transcribe", "align", "split", "stitch")


def peak_of(args: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``captionkit ARGS``; return its peak resident memory (MB) and CPU time (s, user + system: unlike
    wall time, not inflated by other work on the machine)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "CAPTIONKIT_PROGRESS": "off"}
    process = subprocess.Popen([sys.executable, "-m", "captionkit", *args], cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"captionkit {' '.join(args)} failed: {process.stderr.read().decode()[-500:]}")
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def make_media(folder: Path, minutes: float) -> dict[str, Path]:
    """The sample looped to ``minutes``: WAV, script, words, and two half-length clips."""
    from captionkit.media import probe, run_ffmpeg

    seconds = minutes * 60
    repeats = int(seconds // probe(SAMPLE).duration) + 1
    wav = folder / f"speech-{minutes:g}.wav"
    run_ffmpeg(["-stream_loop", str(repeats), "-i", SAMPLE, "-vn", "-ac", "1", "-ar", "16000", "-t", str(seconds), wav])
    script = folder / f"script-{minutes:g}.txt"
    script.write_text("\n\n".join([SCRIPT.read_text(encoding="utf-8").strip()] * repeats) + "\n", encoding="utf-8")
    sample = json.loads(WORDS.read_text(encoding="utf-8"))
    sample_words = sample["words"] if isinstance(sample, dict) else sample
    length = probe(SAMPLE).duration
    words = [
        {**word, "start": word["start"] + k * length, "end": word["end"] + k * length}
        for k in range(repeats) for word in sample_words if word["end"] + k * length <= seconds
    ]
    words_file = folder / f"words-{minutes:g}.json"
    words_file.write_text(json.dumps({"words": words}), encoding="utf-8")
    clips = []
    for half in range(2):
        clip = folder / f"clip-{minutes:g}-{half + 1}.mp4"
        run_ffmpeg(["-f", "lavfi", "-i", f"color=c=gray:s=160x90:r=30:d={seconds / 2}",
                    "-ss", str(half * seconds / 2), "-t", str(seconds / 2), "-i", wav,
                    "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                    "-shortest", clip])
        clips.append(clip)
    return {"wav": wav, "script": script, "words": words_file, "clip1": clips[0], "clip2": clips[1]}


def command_line(command: str, media: dict[str, Path], out: Path) -> list[str]:
    if command == "transcribe":
        return ["transcribe", str(media["wav"]), "-o", str(out / "t.srt")]
    if command == "align":
        return ["align", str(media["wav"]), str(media["script"]), "-o", str(out / "a.srt")]
    if command == "split":
        return ["split", str(media["wav"]), "--words", str(media["words"]), "-o", str(out / "pieces")]
    return ["stitch", str(media["clip1"]), str(media["clip2"]), "-o", str(out / "merged.mp4"),
            "--captions", str(media["clip1"].with_suffix(".srt")), str(media["clip2"].with_suffix(".srt"))]


def main() -> None:
    from captionkit.media import MODEL_SAMPLE_RATE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="5,20,60", help="lengths to measure, comma-separated")
    parser.add_argument("--commands", default=",".join(COMMANDS), help="commands to measure, comma-separated")
    args = parser.parse_args()
    lengths = [float(value) for value in args.minutes.split(",")]
    commands = [name.strip() for name in args.commands.split(",")]
    print(f"peak resident memory (MB) of one captionkit process (and its CPU time); {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}\n")
    print(f"{'command':11}" + "".join(f"{f'{m:g} min':>16}" for m in lengths) + f"{'ratio':>8}")
    with tempfile.TemporaryDirectory(prefix="captionkit-memory-") as work:
        folder = Path(work)
        media = {minutes: make_media(folder, minutes) for minutes in lengths}
        for clips in media.values():  # stitch gets captions per clip (a transcription is not what is measured)
            for key in ("clip1", "clip2"):
                clips[key].with_suffix(".srt").write_text("1\n00:00:00,500 --> 00:00:02,000\nHello.\n", "utf-8")
        for command in commands:
            cells, peaks = [], []
            for minutes in lengths:
                out = folder / f"out-{command}-{minutes:g}"
                out.mkdir()
                peak, cpu = peak_of(command_line(command, media[minutes], out), folder)
                peaks.append(peak)
                cells.append(f"{peak:7.0f} ({cpu:5.0f} s)")
            print(f"{command:11}" + "".join(f"{cell:>16}" for cell in cells) + f"{peaks[-1] / peaks[0]:8.2f}",
                  flush=True)
        spooled = [minutes * 60 * MODEL_SAMPLE_RATE * 4 / 2**20 for minutes in lengths]
        print(f"\n{'spooled':11}" + "".join(f"{f'{size:.0f} MB':>16}" for size in spooled)
              + "   decoded audio in the temporary folder (transcribe, align, split)")


if __name__ == "__main__":
    main()
