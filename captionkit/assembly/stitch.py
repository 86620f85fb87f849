"""Stitch avatar clips into one video whose captions land where the speech lands, join after join.

Two ways in:

- **with a plan** (from ``captionkit split``): the clips' video is laid end to
  end, each trimmed or padded by whole frames to its piece's exact length, and
  the ORIGINAL master audio is muxed once (one AAC encode), so the master
  captions hold unchanged and a clip a frame too long cannot push the later
  clips off their words.
- **without a plan** (clips from anywhere): each clip keeps its own audio. When
  the clips match (video codec and its parameters, size, frame rate, pixel
  format, time base; AAC audio of one kind) everything is stream-copied: each
  later clip's AAC priming is dropped and its audio kept within half an AAC
  frame of its video, so nothing accumulates (copying with the concat demuxer
  would add ~21 ms per join). When only the audio differs, the video is copied
  and the audio encoded once; otherwise the clips are normalised once (scale
  and pad, frame rate, audio resample) and re-encoded. Each clip's captions
  are shifted by where that clip's sound really starts in the output.

After writing, every join is measured: the output's frame timestamps give
where each clip's first frame is; cross-correlating the output's audio with
each clip's (or the master's) audio gives where its sound is.
"""

from __future__ import annotations

import math
import statistics
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import CaptionkitError, MediaError
from ..files import atomic_output
from ..media import MediaInfo, probe, run_ffmpeg
from ..model import Track, Word
from .plan import Plan, join_tracks, parse_fps, plan_tracks, script_text

AUDIO_BITRATE = "192k"
#: Sample rate of the decoded audio used to measure where each clip's sound lies.
MEASURE_RATE = 16000
#: Seconds of a clip's audio matched against the output, and how far from the expected place to look.
MEASURE_WINDOW = 4.0
MEASURE_SEARCH = 0.5
#: Seconds of each clip's audio decoded to find a window with sound in it.
MEASURE_HEAD = 6.0
CAPTION_FORMATS = (".srt", ".vtt", ".ass")
#: Words at the end of the video whose median offset ``--verify`` reports.
VERIFY_WORDS = 9


@dataclass(slots=True)
class Clip:
    """An input clip: its probe, and its video frame count (counted, not estimated)."""

    path: Path
    info: MediaInfo
    frames: int
    video_start: float
    audio_start: float | None
    extradata: bytes | None
    audio_extradata: bytes | None

    @property
    def video_duration(self) -> float:
        return float(self.frames / self.info.fps) if self.info.fps else self.info.duration


@dataclass(slots=True)
class Placement:
    """Where one clip sits in the output, as measured from the written file."""

    clip: Path
    frames: int  # frames the clip fills in the output
    adjustment: int  # frames added (+, last frame held) or cut (-) to fit its piece or its own length
    start: float  # nominal start (seconds)
    video_start: float  # measured: time of the clip's first frame in the output
    audio_start: float | None  # measured: where the clip's (or its piece's) sound time 0 lies in the output

    @property
    def av_offset(self) -> float | None:
        return None if self.audio_start is None else self.audio_start - self.video_start


@dataclass(slots=True)
class JoinCheck:
    """A ``--verify`` result: how far the captions are from the re-aligned speech after one join."""

    name: str  # "join 1" (the start of clip 2) ... or "end"
    time: float
    offset: float | None  # captions minus speech, seconds (median over the words of the clip after the join)
    words: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.time:.2f} s)"


@dataclass(slots=True)
class StitchResult:
    output: Path
    method: str
    reason: str
    size: tuple[int, int]
    fps: Fraction
    placements: list[Placement]
    track: Track | None = None
    caption_files: list[Path] = field(default_factory=list)
    joins: list[JoinCheck] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def frame_duration(self) -> float:
        return float(1 / self.fps)


def stitch(
    clips: Sequence[str | Path],
    output: str | Path,
    *,
    plan: Plan | str | Path | None = None,
    captions: Sequence[str | Path] | None = None,
    size: tuple[int, int] | None = None,
    verify: bool = False,
    model: str | None = None,
    profile: str | None = None,
    crf: int = 18,
    preset: str = "veryfast",
    write_captions: bool = True,
) -> StitchResult:
    """Merge ``clips`` in order into ``output`` and write its captions next to it (``OUT.srt/.vtt/.ass``).

    ``profile`` is the caption profile for clips that are transcribed (with
    a plan, the plan's own profile is used, so the master captions are the
    ones ``split`` wrote).
    """
    output = Path(output)
    if not clips:
        raise CaptionkitError("no clips to stitch; name the clips in order")
    if isinstance(plan, (str, Path)):
        plan_dir = Path(plan).parent
        plan = Plan.load(plan)
    else:
        plan_dir = None
    if plan is not None and len(plan.pieces) != len(clips):
        raise CaptionkitError(
            f"the plan has {len(plan.pieces)} pieces but {len(clips)} clips were given; give one clip per piece, in order"
        )
    if captions and len(captions) != len(clips):
        raise CaptionkitError(f"{len(captions)} caption files for {len(clips)} clips; give one per clip, in order")
    if plan is not None and captions:
        raise CaptionkitError("--captions is for stitching without a plan; with --plan the master captions are used")
    inputs = [_read_clip(Path(path)) for path in clips]
    if any(output.resolve() == clip.path.resolve() for clip in inputs):
        raise CaptionkitError(f"{output}: is one of the input clips; write the merged video to a new file")
    target_size = size or (inputs[0].info.width, inputs[0].info.height)
    fps = plan.fps if plan is not None else inputs[0].info.fps
    if plan is not None:
        targets = [piece.frames for piece in plan.pieces]
    else:
        targets = [max(1, round(clip.video_duration * fps)) for clip in inputs]
    copy, reason = _copy_decision(inputs, target_size, fps, targets, plan is not None)
    audio_copy = copy and plan is None and _audio_copy_problem(inputs, output) is None
    if audio_copy:
        reason = reason.split(";")[0] + (
            "; their AAC audio is copied too, each clip's encoder priming dropped and its length kept "
            "within half an AAC frame of its video, so nothing drifts"
        )
        _remux(inputs, targets, fps, output)
    else:
        if copy and plan is None:
            reason += f" (not copied: {_audio_copy_problem(inputs, output)})"
        _merge(inputs, targets, fps, target_size, copy, plan, plan_dir, output, crf=crf, preset=preset)
    method = "stream copy" if copy else "re-encode"
    result = StitchResult(output, method, reason, target_size, Fraction(fps), [])
    result.placements = _measure(result, inputs, targets, plan, plan_dir)
    result.warnings += _sync_warnings(result)
    result.track = _captions(result, inputs, plan, captions, model, profile or "netflix")
    if write_captions and result.track is not None:
        result.caption_files = _write_captions(result.track, output, target_size, fps)
    if verify and result.track is not None:
        result.joins = verify_joins(output, result.track, result.placements, model=model)
        frame = result.frame_duration
        for check in result.joins:
            if check.offset is not None and abs(check.offset) > frame:
                result.warnings.append(
                    f"{check.label}: the captions are {check.offset * 1000:+.0f} ms off the speech (more than one frame)"
                )
    return result


# ---------------------------------------------------------------------------------------------------------------
# Inputs and the copy decision


def _read_clip(path: Path) -> Clip:
    import av

    info = probe(path)
    if not info.has_video:
        raise MediaError(f"{path}: has no video stream; stitch avatar video clips")
    if not info.fps:
        raise MediaError(f"{path}: its frame rate is unknown; re-export the clip with a constant frame rate")
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        frames = sum(1 for packet in container.demux(video) if packet.pts is not None and packet.size)
        extradata = bytes(video.codec_context.extradata) if video.codec_context.extradata else None
        audio_extradata = bytes(audio.codec_context.extradata or b"") if audio is not None else None
        video_start = float(video.start_time * video.time_base) if video.start_time is not None else 0.0
        audio_start = (
            float(audio.start_time * audio.time_base) if audio is not None and audio.start_time is not None
            else (0.0 if audio is not None else None)
        )
    if frames == 0:
        raise MediaError(f"{path}: its video has no frames; check the clip")
    return Clip(path, info, frames, video_start, audio_start, extradata, audio_extradata)


def _copy_decision(
    clips: list[Clip], size: tuple[int, int], fps: Fraction, targets: list[int], with_plan: bool
) -> tuple[bool, str]:
    """Whether the video can be stream-copied, and why (or why not)."""
    first = clips[0].info
    reasons: list[str] = []
    checks = [
        ("codec", lambda i: i.video_codec),
        ("resolution", lambda i: (i.width, i.height)),
        ("frame rate", lambda i: i.fps),
        ("pixel format", lambda i: i.pixel_format),
        ("time base", lambda i: i.video_time_base),
    ]
    for name, value in checks:
        for index, clip in enumerate(clips[1:], start=2):
            if value(clip.info) != value(first):
                reasons.append(f"clip {index} differs in {name} ({_show(value(clip.info))} vs {_show(value(first))})")
                break
    if not reasons:
        for index, clip in enumerate(clips[1:], start=2):
            if clip.extradata != clips[0].extradata:
                reasons.append(f"clip {index} has different {first.video_codec} parameters (SPS/PPS)")
                break
    if (first.width, first.height) != tuple(size):
        reasons.append(f"the output size {size[0]}x{size[1]} differs from the clips' {first.width}x{first.height}")
    if first.fps != fps:
        reasons.append(f"the clips are {_show(first.fps)} fps but the plan is {_show(fps)} fps")
    if first.video_codec not in ("h264", "hevc", "mpeg4", "av1"):
        reasons.append(f"{first.video_codec} video cannot be copied into MP4")
    if with_plan and not reasons:
        for index, (clip, target) in enumerate(zip(clips, targets), start=1):
            if clip.frames != target:
                difference = clip.frames - target
                reasons.append(
                    f"clip {index} is {abs(difference)} frame{'s' if abs(difference) != 1 else ''} "
                    f"{'longer' if difference > 0 else 'shorter'} than its piece"
                )
    if reasons:
        return False, "re-encoding the video once: " + "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
    audio = "the master audio" if with_plan else "the clips' audio"
    return True, (
        f"stream-copying the video: all {len(clips)} clips match ({first.video_codec} {first.width}x{first.height} "
        f"{_show(first.fps)} fps {first.pixel_format}); {audio} is encoded once so AAC priming adds no drift"
    )


def _show(value) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{float(value):.3f}"
    if isinstance(value, tuple):
        return "x".join(str(v) for v in value)
    return str(value)


# ---------------------------------------------------------------------------------------------------------------
# Stream copy of video and audio (no encode at all)


def _audio_copy_problem(clips: list[Clip], output: Path) -> str | None:
    """Why the clips' audio cannot be stream-copied end to end, or None when it can."""
    first = clips[0].info
    if output.suffix.lower() not in (".mp4", ".mov", ".m4v"):
        return f"copying audio is done for MP4/MOV output, not {output.suffix or 'no extension'}"
    for index, clip in enumerate(clips, start=1):
        info = clip.info
        if not info.has_audio or info.audio_codec != "aac":
            return f"clip {index} has {'no' if not info.has_audio else info.audio_codec} audio, not AAC"
        if (info.sample_rate, info.channels) != (first.sample_rate, first.channels) or clip.audio_extradata != clips[0].audio_extradata:
            return f"clip {index} has different AAC parameters"
        if abs(clip.video_start) > 1e-6 or clip.audio_start is None or abs(clip.audio_start) > 1e-6:
            return f"clip {index} does not start its video and audio at 0"
    return None


def _silent_aac_packet(template) -> "object":
    """One AAC frame of silence with the clips' parameters, to fill a clip whose audio is shorter than its video."""
    import av

    encoder = av.CodecContext.create("aac", "w")
    encoder.sample_rate = template.sample_rate
    encoder.layout = template.layout
    encoder.format = "fltp"
    frame_size = 1024
    packets = []
    for index in range(8):
        frame = av.AudioFrame.from_ndarray(
            np.zeros((len(template.layout.channels), frame_size), np.float32), format="fltp", layout=template.layout.name
        )
        frame.sample_rate = template.sample_rate
        frame.pts = index * frame_size
        packets += encoder.encode(frame)
    return packets[len(packets) // 2]


def _remux(clips: list[Clip], targets: list[int], fps: Fraction, output: Path) -> None:
    """Copy every clip's video and AAC audio packets into one file, without decoding.

    Video packets move by whole frames. Audio packets are laid end to end:
    each later clip's priming packets (before its time 0) are dropped, and
    each clip contributes just as many AAC frames as keep the audio within
    half a frame of where its video ends (dropping the tail of a clip whose
    sound runs longer, adding silent frames to one whose sound is shorter),
    so the error never accumulates across joins.
    """
    import av

    with atomic_output(output) as temporary, av.open(str(temporary), "w", options={"movflags": "+faststart"}) as out:
        with av.open(str(clips[0].path)) as first:
            video_out = out.add_stream_from_template(first.streams.video[0])
            audio_out = out.add_stream_from_template(first.streams.audio[0])
            rate = first.streams.audio[0].codec_context.sample_rate
            frame_size = first.streams.audio[0].codec_context.frame_size or 1024
            silence = None
        audio_cursor: int | None = None  # next audio pts, in samples
        frames_before = 0
        for index, (clip, frames) in enumerate(zip(clips, targets)):
            offset = Fraction(frames_before, 1) / fps
            audio_end = round((frames_before + frames) * rate / fps)
            with av.open(str(clip.path)) as container:
                video, audio = container.streams.video[0], container.streams.audio[0]
                video_shift = round(offset / video.time_base)
                for packet in container.demux(video, audio):
                    if packet.dts is None or packet.size == 0:
                        continue
                    if packet.stream is video:
                        packet.pts += video_shift
                        packet.dts += video_shift
                        packet.stream = video_out
                        out.mux(packet)
                        continue
                    duration = frame_size  # every AAC frame decodes to this many samples, whatever the container says
                    if packet.pts + duration <= 0 and index > 0:
                        continue  # encoder priming of a later clip
                    if audio_cursor is None:
                        audio_cursor = packet.pts
                    if audio_cursor + duration > audio_end + duration // 2:
                        continue  # past this clip's video: its tail goes
                    packet.pts = packet.dts = audio_cursor
                    audio_cursor += duration
                    packet.stream = audio_out
                    out.mux(packet)
                while audio_cursor is not None and audio_cursor + frame_size // 2 <= audio_end:
                    silence = silence or _silent_aac_packet(audio.codec_context)
                    filler = av.Packet(bytes(silence))
                    filler.pts = filler.dts = audio_cursor
                    filler.duration = frame_size
                    filler.time_base = Fraction(1, rate)
                    filler.stream = audio_out
                    out.mux(filler)
                    audio_cursor += frame_size
            frames_before += frames


# ---------------------------------------------------------------------------------------------------------------
# The ffmpeg graph


def _merge(
    clips: list[Clip], targets: list[int], fps: Fraction, size: tuple[int, int], copy: bool,
    plan: Plan | None, plan_dir: Path | None, output: Path, *, crf: int, preset: str,
) -> None:
    """One ffmpeg run: the clips' video (copied or normalised) and the audio (master, or the clips'), encoded once."""
    with tempfile.TemporaryDirectory(prefix="captionkit-stitch-") as work:
        args, filters, video_label = _video_inputs(clips, targets, fps, size, copy, Path(work))
        if plan is not None:
            audio_args, audio_filters = _master_audio_graph(plan, plan_dir, 1 if copy else len(clips), Path(work))
        elif copy:  # the concat list is input 0; each clip is opened again for its audio
            audio_args = [arg for clip in clips for arg in ("-i", str(clip.path))]
            audio_filters = _clip_audio_graph(clips, targets, fps, list(range(1, len(clips) + 1)))
        else:
            audio_args, audio_filters = [], _clip_audio_graph(clips, targets, fps, list(range(len(clips))))
        video_codec = ["-c:v", "copy"] if copy else [
            "-c:v", "libx264", "-crf", str(crf), "-preset", preset, "-pix_fmt", "yuv420p",
        ]
        with atomic_output(output) as temporary:
            run_ffmpeg(
                [
                    *args, *audio_args, "-filter_complex", ";".join(filters + audio_filters),
                    "-map", video_label, "-map", "[audio]",
                    *video_codec, "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-movflags", "+faststart",
                    str(temporary),
                ],
                what="stitching the clips",
                duration=sum(targets) / float(fps),
                progress_label="stitching",
            )


def _concat_entry(path: Path) -> str:
    escaped = str(path.resolve()).replace("'", "'\\''")
    return f"file '{escaped}'"


def _video_inputs(
    clips: list[Clip], targets: list[int], fps: Fraction, size: tuple[int, int], copy: bool, work: Path
) -> tuple[list[str], list[str], str]:
    """ffmpeg inputs and filters for the video: a concat list to copy, or one normalising chain per clip."""
    if copy:
        lines = ["ffconcat version 1.0"]
        for clip, frames in zip(clips, targets):
            # inpoint 0 places each clip's first frame at its offset even when its audio starts earlier (priming)
            lines += [_concat_entry(clip.path), "inpoint 0", f"duration {float(frames / fps):.6f}"]
        listing = work / "clips.ffconcat"
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return ["-f", "concat", "-safe", "0", "-i", str(listing)], [], "0:v:0"
    width, height = size
    args: list[str] = []
    filters: list[str] = []
    for index, (clip, frames) in enumerate(zip(clips, targets)):
        args += ["-i", str(clip.path)]
        filters.append(
            f"[{index}:v:0]setpts=PTS-STARTPTS,fps={fps},"
            f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,"
            f"tpad=stop_mode=clone:stop={frames},trim=end_frame={frames},setpts=N/({fps})/TB[v{index}]"
        )
    # Every frame is there, in order: number them afresh so no frame's duration field (a clone from tpad
    # keeps its source's) can make concat overlap two clips and the encoder drop a frame at a join.
    filters.append(
        "".join(f"[v{i}]" for i in range(len(clips))) + f"concat=n={len(clips)}:v=1:a=0,setpts=N/({fps})/TB[video]"
    )
    return args, filters, "[video]"


def _samples_at(frame: int, fps: Fraction, rate: int) -> int:
    return round(frame * rate / fps)


def _clip_audio_graph(clips: list[Clip], targets: list[int], fps: Fraction, streams: list[int]) -> list[str]:
    """Each clip's own audio fitted to its video length (silence for a clip without sound), concatenated.

    Lengths are counted in samples from the frame boundaries of the whole
    output, so rounding never accumulates across joins.
    """
    with_audio = [clip for clip in clips if clip.info.has_audio]
    rate = (with_audio[0].info.sample_rate if with_audio else None) or 48000
    layout = (with_audio[0].info.audio_layout if with_audio else None) or "stereo"
    filters: list[str] = []
    position = 0
    for index, (clip, frames, stream) in enumerate(zip(clips, targets, streams)):
        length = _samples_at(position + frames, fps, rate) - _samples_at(position, fps, rate)
        position += frames
        if clip.info.has_audio:
            # sound time 0 is the clip's first frame; silence fills any lead, and the tail is fitted
            filters.append(
                f"[{stream}:a:0]asetpts=PTS-{clip.video_start:.6f}/TB,aresample={rate}:async=1:first_pts=0,"
                f"aformat=sample_fmts=fltp:channel_layouts={layout},"
                f"apad=whole_len={length},atrim=end_sample={length}[a{index}]"
            )
        else:
            filters.append(f"anullsrc=r={rate}:cl={layout},atrim=end_sample={length}[a{index}]")
    filters.append("".join(f"[a{i}]" for i in range(len(clips))) + f"concat=n={len(clips)}:v=0:a=1[audio]")
    return filters


def master_audio_inputs(plan: Plan, plan_dir: Path | None) -> list[Path]:
    """The original master audio named in the plan, or else the pieces' WAV files next to plan.json."""
    if plan.source and Path(plan.source).is_file():
        return [Path(plan.source)]
    pieces = [(plan_dir or Path(".")) / f"{piece.name}.wav" for piece in plan.pieces]
    if all(path.is_file() for path in pieces):
        return pieces
    raise CaptionkitError(
        f"the plan's master audio {plan.source!r} is gone and its piece WAVs are not next to plan.json; "
        "keep the split folder together"
    )


def _master_audio_graph(plan: Plan, plan_dir: Path | None, stream: int, work: Path) -> tuple[list[str], list[str]]:
    """The master audio, once, exactly as long as the plan's frames (the pieces' WAVs joined if it moved)."""
    sources = master_audio_inputs(plan, plan_dir)
    if len(sources) == 1:
        args = ["-i", str(sources[0])]
    else:  # PCM pieces: joining them is sample-exact
        listing = work / "pieces.ffconcat"
        listing.write_text("ffconcat version 1.0\n" + "".join(_concat_entry(p) + "\n" for p in sources), "utf-8")
        args = ["-f", "concat", "-safe", "0", "-i", str(listing)]
    rate = probe(sources[0]).sample_rate or 48000
    length = _samples_at(plan.total_frames, plan.fps, rate)
    filters = [f"[{stream}:a:0]aresample=async=1:first_pts=0,apad=whole_len={length},atrim=end_sample={length}[audio]"]
    return args, filters


# ---------------------------------------------------------------------------------------------------------------
# Measuring where each clip really is in the output


def video_frame_times(path: Path) -> np.ndarray:
    """Presentation times of every video frame of ``path``, from its packets (no decoding), sorted."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None and p.size]
    return np.sort(np.asarray(times))


def locate(
    audio: np.ndarray, reference: np.ndarray, expected: float, *, audio_start: float = 0.0,
    search: float = MEASURE_SEARCH,
) -> float | None:
    """Where ``reference`` best matches ``audio`` (which starts at ``audio_start`` s) within ``search`` s of ``expected``.

    Both are 16 kHz samples. Normalised cross-correlation by FFT; None when the
    reference is silent or the match is poor (so a wrong place is never
    reported as measured).
    """
    if len(reference) == 0 or float(np.sqrt(np.mean(reference**2))) < 1e-4:
        return None
    reach = round(search * MEASURE_RATE)
    first = round((expected - audio_start) * MEASURE_RATE) - reach
    begin = max(0, first)
    segment = audio[begin : first + 2 * reach + len(reference)]
    if len(segment) < len(reference):
        return None
    size = 1 << int(np.ceil(np.log2(len(segment) + len(reference))))
    correlation = np.fft.irfft(np.fft.rfft(segment, size) * np.conj(np.fft.rfft(reference, size)), size)
    lags = len(segment) - len(reference) + 1
    cumulative = np.concatenate([[0.0], np.cumsum(segment.astype(np.float64) ** 2)])
    energy = (cumulative[len(reference):] - cumulative[: -len(reference)])[:lags]
    score = correlation[:lags] / (np.sqrt(np.maximum(energy, 1e-12)) * np.linalg.norm(reference))
    best = int(np.argmax(score))
    if score[best] < 0.5:
        return None
    return audio_start + (begin + best) / MEASURE_RATE


def audio_window(container, start: float, seconds: float) -> tuple[float, np.ndarray]:
    """About ``seconds`` of an open container's audio from ``start``, as (time of the first sample, 16 kHz mono).

    Decoding starts half a second early (after a seek the AAC decoder needs a
    frame to settle) and the samples are timed by the decoded frames' own
    timestamps.
    """
    import av

    stream = container.streams.audio[0]
    container.seek(max(0, int((start - 0.5) / stream.time_base)), stream=stream)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=MEASURE_RATE)
    chunks: list[np.ndarray] = []
    first_time, have = None, 0
    for frame in container.decode(stream):
        if first_time is None:
            first_time = float(frame.time or 0.0)
        for out in resampler.resample(frame):
            chunks.append(out.to_ndarray().reshape(-1))
            have += len(chunks[-1])
        if first_time + have / MEASURE_RATE >= start + seconds:
            break
    samples = np.concatenate(chunks).astype(np.float32) / 32768.0 if chunks else np.zeros(0, np.float32)
    return (first_time or 0.0), samples


def audio_head(path: Path, seconds: float) -> np.ndarray:
    """The first ``seconds`` of ``path``'s audio as mono float32 at ``MEASURE_RATE`` (decoding stops there)."""
    import av

    resampler = av.AudioResampler(format="s16", layout="mono", rate=MEASURE_RATE)
    chunks: list[np.ndarray] = []
    wanted, have = round(seconds * MEASURE_RATE), 0
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.audio[0]):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
                have += len(chunks[-1])
            if have >= wanted:
                break
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    return samples[:wanted].astype(np.float32) / 32768.0


def _speech_window(audio: np.ndarray, start: float, limit: float) -> tuple[float, np.ndarray]:
    """The first ``MEASURE_WINDOW`` seconds from ``start`` (before ``limit``) that hold sound."""
    window = round(MEASURE_WINDOW * MEASURE_RATE)
    position = start
    while position < limit:
        first = round(position * MEASURE_RATE)
        piece = audio[first : min(first + window, round(limit * MEASURE_RATE))]
        if len(piece) and float(np.sqrt(np.mean(piece**2))) >= 1e-3:
            return position, piece
        position += MEASURE_WINDOW
    return start, np.zeros(0, np.float32)


def _measure(result: StitchResult, clips: list[Clip], targets: list[int], plan: Plan | None, plan_dir) -> list[Placement]:
    """Each clip's first-frame time (from the output's frame timestamps) and sound start (by correlation)."""
    import av

    from ..media import load_audio

    frame_times = video_frame_times(result.output)
    if len(frame_times) != sum(targets):
        result.warnings.append(
            f"the output has {len(frame_times)} frames where {sum(targets)} were expected; check the clips"
        )
    sources = master_audio_inputs(plan, plan_dir) if plan is not None else []
    master = load_audio(sources[0], MEASURE_RATE) if len(sources) == 1 else None
    placements: list[Placement] = []
    position = 0
    with av.open(str(result.output)) as output:
        for index, (clip, frames) in enumerate(zip(clips, targets)):
            nominal = float(position / result.fps)
            video_start = float(frame_times[position]) if position < len(frame_times) else nominal
            # the reference sound, where its time `origin` should land in the output, and where it ends
            if plan is not None:
                piece = plan.pieces[index]
                if master is not None:
                    reference, origin, limit = master, piece.start, piece.end
                else:
                    reference, origin, limit = load_audio(sources[index], MEASURE_RATE), 0.0, piece.duration
                expected = piece.start
            else:
                reference = audio_head(clip.path, MEASURE_HEAD) if clip.info.has_audio else np.zeros(0, np.float32)
                origin, expected, limit = 0.0, video_start, frames / float(result.fps)  # the part that is kept
            at, window = _speech_window(reference, origin, limit)
            around = expected + (at - origin)
            heard_from, heard = audio_window(
                output, around - MEASURE_SEARCH, len(window) / MEASURE_RATE + 2 * MEASURE_SEARCH
            )
            found = locate(heard, window, around, audio_start=heard_from)
            audio_start = None if found is None else found - (at - origin)
            adjustment = frames - clip_frames_at(clip, result.fps)
            placements.append(Placement(clip.path, frames, adjustment, nominal, video_start, audio_start))
            position += frames
    return placements


def clip_frames_at(clip: Clip, fps: Fraction) -> int:
    """The clip's length in frames at the output's frame rate."""
    return clip.frames if clip.info.fps == fps else round(clip.video_duration * fps)


def _sync_warnings(result: StitchResult) -> list[str]:
    """A warning for every clip whose first frame is more than a frame from its sound."""
    warnings = []
    frame = result.frame_duration
    for index, placement in enumerate(result.placements, start=1):
        if placement.audio_start is None:
            warnings.append(f"clip {index}: its sound could not be located in the output (silent?); timing not measured")
            continue
        if abs(placement.av_offset) > frame:
            warnings.append(
                f"clip {index}: its first frame is {placement.av_offset * 1000:+.0f} ms from its sound (more than a frame)"
            )
    return warnings


# ---------------------------------------------------------------------------------------------------------------
# Captions


def _captions(
    result: StitchResult, clips: list[Clip], plan: Plan | None, captions, model: str | None, profile: str
) -> Track | None:
    """The merged video's captions: the plan's master captions, or each clip's shifted to where it really is."""
    if plan is not None:
        master, _ = plan_tracks(plan)
        offsets = [p.audio_start - p.start for p in result.placements if p.audio_start is not None]
        shift = statistics.median(offsets) if offsets else 0.0
        if abs(shift) > 0.001:
            result.warnings.append(f"the master audio lies {shift * 1000:+.1f} ms off in the output; captions moved with it")
            return master.shifted(shift)
        return master
    tracks = [_clip_track(clip, captions[i] if captions else None, model, profile, result.fps) for i, clip in enumerate(clips)]
    offsets = []
    for placement, track in zip(result.placements, tracks):
        start = placement.audio_start if placement.audio_start is not None else placement.video_start
        end_in_clip = placement.frames / float(result.fps)
        for cue in track.cues:  # a cue never runs into the next clip
            cue.end = min(cue.end, end_in_clip)
        track.cues = [cue for cue in track.cues if cue.start < end_in_clip and cue.end > cue.start]
        offsets.append(start)
    return join_tracks(tracks, offsets, tracks[0].language if tracks else "en")


def _clip_track(clip: Clip, caption_file, model: str | None, profile: str, fps: Fraction) -> Track:
    """A clip's captions in its own time: from its caption file, or by transcribing its audio."""
    if caption_file is not None:
        from ..formats import load

        return load(caption_file)
    if not clip.info.has_audio:
        return Track([], "en")
    from ..cues.segment import build_track
    from ..speech.transcribe import transcribe

    transcription = transcribe(clip.path, progress_label=None, **({"model": model} if model else {}))
    return build_track(transcription.words, profile=profile, language=transcription.language, fps=float(fps))


def caption_paths(output: str | Path) -> list[Path]:
    """The caption files written next to the merged video ``output``."""
    return [Path(output).with_suffix(suffix) for suffix in CAPTION_FORMATS]


def _write_captions(track: Track, output: Path, size: tuple[int, int], fps: Fraction) -> list[Path]:
    from ..formats import save

    written = []
    for path in caption_paths(output):
        suffix = path.suffix
        options = {"size": size, "fps": float(fps)} if suffix == ".ass" else {}
        written.append(save(track, path, **options))
    return written


# ---------------------------------------------------------------------------------------------------------------
# --verify


def verify_joins(output: Path, track: Track, placements: list[Placement], *, model: str | None = None) -> list[JoinCheck]:
    """Re-align the merged audio with the captions' text; the caption offset just after each join and at the end.

    A join's offset is the median, over the words of the clip after it (the
    last few words for the end), of caption time minus re-aligned speech time:
    a stitching error moves a whole clip, while the aligner's own error
    (~25 ms a word) averages out. Captions without word times are checked by
    each cue's start against its first word.
    """
    import difflib

    from ..speech.align import align_script

    anchors = _caption_anchors(track)
    if not anchors:
        return []
    script = script_text([word for word, _ in anchors], track.language)
    alignment = align_script(output, script, sounds=False, progress_label="verifying", **({"model": model} if model else {}))
    spoken = [word for word in alignment.words if word.kind == "speech"]
    matcher = difflib.SequenceMatcher(
        a=[_token(word.text) for word, _ in anchors], b=[_token(word.text) for word in spoken], autojunk=False
    )
    pairs: list[tuple[float, float]] = []  # (caption time, speech time) of matched words with a caption time
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            caption_time = anchors[block.a + k][1]
            if caption_time is not None and spoken[block.b + k].probability > 0:
                pairs.append((caption_time, spoken[block.b + k].start))
    starts = [p.video_start for p in placements]
    checks = []
    for join in range(1, len(placements) + 1):
        if join < len(placements):  # every word of the clip after the join: a stitching error shifts them all
            name, time = f"join {join}", starts[join]
            following = starts[join + 1] if join + 1 < len(starts) else math.inf
            near = [pair for pair in pairs if time - 0.001 <= pair[0] < following - 0.001]
        else:
            near = pairs[-VERIFY_WORDS:]
            name, time = "end", near[0][0] if near else starts[-1]
        offsets = [caption - speech for caption, speech in near]
        checks.append(JoinCheck(name, time, statistics.median(offsets) if offsets else None, len(offsets)))
    return checks


def _token(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _caption_anchors(track: Track) -> list[tuple[Word, float | None]]:
    """Every caption word with the time the captions give it (None for a cue's later words without times)."""
    anchors: list[tuple[Word, float | None]] = []
    for cue in track.cues:
        if cue.words:
            anchors += [(word, word.start) for word in cue.words if word.kind == "speech"]
        else:
            tokens = " ".join(cue.lines).split()
            anchors += [(Word(token, cue.start, cue.end), cue.start if i == 0 else None) for i, token in enumerate(tokens)]
    return anchors
