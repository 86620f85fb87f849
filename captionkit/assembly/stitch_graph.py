"""The ffmpeg command lines ``stitch`` runs, built with ffmpeg-python: pure functions of the clips' facts.

Nothing here touches a file; the caller writes the concat listing (:func:`concat_listing`)
and runs the arguments. Filter options that hold paths or expressions with ``:`` go as
keyword options: ffmpeg-python escapes those once per parser level (its positional
arguments are escaped twice).
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Sequence

from ..media import ffmpeg_path
from .stitch_clips import Clip

AUDIO_BITRATE = "192k"


def samples_at(frame: int, fps: Fraction, rate: int) -> int:
    """The audio sample at which video frame ``frame`` starts (counted from the start of the output)."""
    return round(frame * rate / fps)


def concat_listing(entries: Sequence[tuple[Path, float | None]]) -> str:
    """An ffconcat file: each path (absolute, quoted) with ``inpoint 0`` and its duration when given."""
    lines = ["ffconcat version 1.0"]
    for path, duration in entries:
        escaped = str(Path(path).resolve()).replace("'", "'\\''")
        lines.append(f"file '{escaped}'")
        if duration is not None:
            # inpoint 0 places each clip's first frame at its offset even when its audio starts earlier (priming)
            lines += ["inpoint 0", f"duration {duration:.6f}"]
    return "\n".join(lines) + "\n"


def clip_listing(clips: Sequence[Clip], targets: Sequence[int], fps: Fraction) -> str:
    """The concat listing that lays the clips' video end to end, each exactly its target frames long."""
    return concat_listing([(clip.path, float(frames / fps)) for clip, frames in zip(clips, targets)])


def merge_arguments(
    clips: Sequence[Clip], targets: Sequence[int], fps: Fraction, size: tuple[int, int], out: Path, *,
    copy: bool, crf: int, preset: str, video_listing: Path | None = None,
    master: tuple[Path, bool, int, int] | None = None,
) -> list[str]:
    """One ffmpeg run: the clips' video (copied through ``video_listing``, or normalised) and the audio, encoded once.

    ``master`` is ``(path, is_listing, sample_rate, total_frames)`` of the plan's master audio; without
    it each clip's own audio is fitted to its video and concatenated.
    """
    import ffmpeg

    inputs = clip_inputs(clips)
    if copy:
        assert video_listing is not None
        video = ffmpeg.input(ffmpeg_path(video_listing), f="concat", safe=0)["v:0"]
    else:
        video = normalised_video(inputs, targets, fps, size)
    if master is not None:
        path, is_listing, rate, total_frames = master
        audio = master_audio(ffmpeg.input(ffmpeg_path(path), **({"f": "concat", "safe": 0} if is_listing else {})),
                             samples_at(total_frames, fps, rate))
    else:
        audio = clips_audio(clips, inputs, targets, fps)
    codec = {"c:v": "copy"} if copy else {"c:v": "libx264", "crf": crf, "preset": preset, "pix_fmt": "yuv420p"}
    return ffmpeg.output(video, audio, ffmpeg_path(out), **codec,
                         **{"c:a": "aac", "b:a": AUDIO_BITRATE, "movflags": "+faststart"}).get_args()


def clip_inputs(clips: Sequence[Clip]) -> list:
    """One graph input per clip. A file given more than once is spelled differently each later time
    (``dir/./name``): ffmpeg-python merges identical inputs, and identical filter chains on them, which
    would leave one chain feeding two places (and a split filter would hold every frame of the first use
    in memory until the second)."""
    import ffmpeg

    uses: dict[str, int] = {}
    inputs = []
    for clip in clips:
        url = ffmpeg_path(clip.path)
        use = uses[url] = uses.get(url, -1) + 1
        folder, name = url.rsplit(os.sep, 1)
        inputs.append(ffmpeg.input(folder + (os.sep + ".") * use + os.sep + name))
    return inputs


def split_uses(stream, count: int) -> list:
    """An audio ``stream`` for each of ``count`` uses (split: identical sources would be merged, see
    :func:`clip_inputs`)."""
    if count == 1:
        return [stream]
    parts = stream.filter_multi_output("asplit", count)
    return [parts.stream(use) for use in range(count)]


def normalised_video(inputs: list, targets: Sequence[int], fps: Fraction, size: tuple[int, int]):
    """Each clip scaled and padded to ``size`` at ``fps``, held or cut to its frames, and all concatenated."""
    import ffmpeg

    width, height = size
    parts = []
    for given, frames in zip(inputs, targets):
        parts.append(
            given["v:0"].filter("setpts", "PTS-STARTPTS").filter("fps", fps=str(fps))
            .filter("scale", width, height, force_original_aspect_ratio="decrease")
            .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2").filter("setsar", 1).filter("format", "yuv420p")
            .filter("tpad", stop_mode="clone", stop=frames).filter("trim", end_frame=frames)
            .filter("setpts", f"N/({fps})/TB")
        )
    # Every frame is there, in order: number them afresh so no frame's duration field (a clone from tpad
    # keeps its source's) can make concat overlap two clips and the encoder drop a frame at a join.
    return ffmpeg.concat(*parts, v=1, a=0).filter("setpts", f"N/({fps})/TB")


def clips_audio(clips: Sequence[Clip], inputs: list, targets: Sequence[int], fps: Fraction):
    """Each clip's own audio fitted to its video length (silence for a clip without sound), concatenated.

    Lengths are counted in samples from the frame boundaries of the whole output, so rounding never
    accumulates across joins.
    """
    import ffmpeg

    with_audio = [clip for clip in clips if clip.info.has_audio]
    rate = (with_audio[0].info.sample_rate if with_audio else None) or 48000
    layout = (with_audio[0].info.audio_layout if with_audio else None) or "stereo"
    silent = [index for index, clip in enumerate(clips) if clip.audio_index is None]
    fills = split_uses(ffmpeg.input(f"anullsrc=r={rate}:cl={layout}", f="lavfi")["a:0"], len(silent)) if silent else []
    parts = []
    position = 0
    for index, (clip, given, frames) in enumerate(zip(clips, inputs, targets)):
        length = samples_at(position + frames, fps, rate) - samples_at(position, fps, rate)
        position += frames
        if clip.audio_index is None:
            sound = fills[silent.index(index)]
        else:
            # sound time 0 is the clip's first frame; silence fills any lead, and the tail is fitted
            sound = (given[f"a:{clip.audio_index}"].filter("asetpts", f"PTS-{clip.video_start:.6f}/TB")
                     .filter("aresample", rate, **{"async": 1, "first_pts": 0})
                     .filter("aformat", sample_fmts="fltp", channel_layouts=layout)
                     .filter("apad", whole_len=length))
        parts.append(sound.filter("atrim", end_sample=length))
    return ffmpeg.concat(*parts, v=0, a=1)


def master_audio(given, length: int):
    """The master audio, once, exactly ``length`` samples long."""
    return (given["a:0"].filter("aresample", **{"async": 1, "first_pts": 0})
            .filter("apad", whole_len=length).filter("atrim", end_sample=length))
