"""How much does burning captions cost? Burn-in vs a plain re-encode vs a moviepy text composition.

    python benchmarks/burn_speed.py [--video V ...] [--style clean] [--preset medium] [--crf 18] [--repeat 3]

All three encode the same picture with the same x264 settings; the plain
re-encode draws nothing, the burn draws the captions with libass
(captionkit.render.burn.burn), and the moviepy run composites one TextClip per
cue (the usual Python way). The plain and burn runs alternate ``--repeat``
times and each keeps its fastest wall-clock and CPU time (the machine is
shared; CPU time is the steadier measure). Target: burn at most 15 % slower
than the plain re-encode.

By default two videos are measured: the presenter sample as it is (1280x720,
a still portrait: the worst case, as the encoder has little else to do) and
the same at 1920x1080 with a slow camera push-in (every frame moves, as in
avatar videos).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from captionkit.cues.segment import build_track  # noqa: E402
from captionkit.media import probe, run_ffmpeg  # noqa: E402
from captionkit.model import Track, Word  # noqa: E402
from captionkit.render.burn import burn, burn_arguments, video_colour  # noqa: E402
from captionkit.style import fonts_dir, load_style, resolve  # noqa: E402

SAMPLE = REPO / "samples" / "presenter.mp4"
WORDS = REPO / "samples" / "presenter.words.json"


@dataclass
class Timing:
    """The fastest wall-clock and CPU (this process and ffmpeg, user + system) seconds of several runs."""

    wall: float = float("inf")
    cpu: float = float("inf")

    def measure(self, action) -> None:
        before_wall, before_cpu = time.perf_counter(), _cpu_seconds()
        action()
        self.wall = min(self.wall, time.perf_counter() - before_wall)
        self.cpu = min(self.cpu, _cpu_seconds() - before_cpu)


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def interleaved(actions: dict[str, object], repeat: int) -> dict[str, Timing]:
    """Run the actions in turn ``repeat`` times (so background load hits them alike); keep each one's fastest."""
    timings = {name: Timing() for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            timings[name].measure(action)
    return timings


def plain_reencode(video: Path, out: Path, crf: int, preset: str) -> None:
    arguments = burn_arguments(video, Path("unused.ass"), fonts_dir(), out, video_colour(video), crf=crf,
                               preset=preset, video_filter="null")
    run_ffmpeg(arguments, what="plain re-encode")


def moviepy_composite(video: Path, track: Track, out: Path, crf: int, preset: str, style_name: str) -> None:
    import warnings

    from moviepy import CompositeVideoClip, TextClip, VideoFileClip

    warnings.filterwarnings("ignore", message=".*bytes wanted but 0 bytes read.*")  # moviepy's last-frame notice

    clip = VideoFileClip(str(video))
    metrics = resolve(load_style(style_name), (clip.w, clip.h))
    font = str(fonts_dir() / "NotoSans-Regular.ttf")
    texts = []
    for cue in track.cues:
        text = TextClip(font=font, text=cue.text, font_size=round(metrics.font_size), color="white",
                        stroke_color="black", stroke_width=max(1, round(metrics.outline)), method="label",
                        text_align="center", margin=(0, round(metrics.font_size * 0.3)))
        y = clip.h - metrics.margin_v - text.h
        texts.append(text.with_start(cue.start).with_duration(cue.duration).with_position(("center", y)))
    CompositeVideoClip([clip, *texts]).write_videofile(
        str(out), codec="libx264", preset=preset, ffmpeg_params=["-crf", str(crf)], audio_codec="aac",
        threads=2, logger=None,
    )
    clip.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, action="append",
                        help="video to caption (repeatable; default: the presenter sample, still and with camera "
                             "motion at 1080p)")
    parser.add_argument("--words", type=Path, default=WORDS, help="words JSON for the captions (default: the sample's)")
    parser.add_argument("--style", default="clean")
    parser.add_argument("--crf", type=int, default=18)
    parser.add_argument("--preset", default="medium")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-moviepy", action="store_true", help="skip the (slow) moviepy comparison")
    args = parser.parse_args()

    words = [Word.from_dict(item) for item in json.loads(args.words.read_text())["words"]]
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        videos = args.video or [SAMPLE, moving_sample(work)]
        for video in videos:
            compare(video, words, work, args)


def moving_sample(work: Path) -> Path:
    """Ten seconds of the presenter sample at 1920x1080 with a slow camera push-in (avatar videos move in every frame)."""
    out = work / "presenter-1080p-moving.mp4"
    zoom = "zoompan=z='1+0.0006*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=1920x1080:fps=30"
    run_ffmpeg(["-i", str(SAMPLE), "-t", "10", "-vf", f"scale=1920:1080,{zoom}", "-c:v", "libx264", "-preset", "veryfast",
                "-crf", "16", "-c:a", "copy", str(out)], what="making the moving benchmark video")
    return out


def compare(video: Path, words: list[Word], work: Path, args: argparse.Namespace) -> None:
    info = probe(video)
    track = build_track(words, fps=float(info.fps) if info.fps else None)
    print(f"\nvideo: {video.name} {info.width}x{info.height} {float(info.fps or 0):.3g} fps {info.duration:.1f} s; "
          f"{len(track.cues)} cues; style {args.style}; x264 crf {args.crf} preset {args.preset}; "
          f"fastest of {args.repeat} interleaved runs")
    timings = interleaved({
        "plain re-encode": lambda: plain_reencode(video, work / "plain.mp4", args.crf, args.preset),
        "burn-in (libass)": lambda: burn(video, track, work / "burned.mp4", style=args.style, crf=args.crf,
                                         preset=args.preset, progress=False),
    }, args.repeat)
    if not args.no_moviepy:
        timings |= interleaved({"moviepy TextClips": lambda: moviepy_composite(
            video, track, work / "moviepy.mp4", args.crf, args.preset, args.style)}, 1)
    for name, timing in timings.items():
        print(f"{name:<18} wall {timing.wall:7.2f} s ({info.duration / timing.wall:5.2f}x real time)  "
              f"cpu {timing.cpu:7.2f} s")
    plain, burned = timings["plain re-encode"], timings["burn-in (libass)"]
    verdict = "met" if burned.cpu / plain.cpu <= 1.15 else "NOT met"
    print(f"burn / plain       wall {burned.wall / plain.wall:6.3f}   cpu {burned.cpu / plain.cpu:6.3f}"
          f"   (target <= 1.15 on cpu: {verdict})")
    if "moviepy TextClips" in timings:
        composite = timings["moviepy TextClips"]
        print(f"moviepy / burn     wall {composite.wall / burned.wall:6.2f}   cpu {composite.cpu / burned.cpu:6.2f}")

if __name__ == "__main__":
    main()
