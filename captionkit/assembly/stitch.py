"""Stitch avatar clips into one video whose captions land where the speech lands, join after join.

Two ways in:

- **with a plan** (from ``captionkit split``): the clips' video is laid end to
  end, each trimmed or padded by whole frames to its piece's exact length, and
  the ORIGINAL master audio is muxed once (one AAC encode), so the master
  captions hold unchanged and a clip a frame too long cannot push the later
  clips off their words.
- **without a plan** (clips from anywhere): each clip keeps its own audio. When
  the clips match (video codec and its parameters, size, frame rate, pixel
  format, time base; AAC audio of one kind) everything is stream-copied
  (:mod:`.stitch_remux`); when only the audio differs, the video is copied and
  the audio encoded once; otherwise the clips are normalised once (scale and
  pad, frame rate, audio resample) and re-encoded (:mod:`.stitch_graph`). Each
  clip's captions are shifted by where that clip's sound really starts in the
  output.

This module decides and orchestrates; after writing, every join is measured
(:mod:`.stitch_measure`) and, with ``verify``, checked by re-alignment
(:mod:`.stitch_verify`).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Sequence

from ..errors import CaptionkitError, MediaError
from ..files import atomic_output, guard_outputs, work_folder, written_path
from ..formats import CAPTION_OUTPUTS
from ..media import probe, run_ffmpeg
from ..model import Track
from .plan import Plan, join_tracks, plan_tracks
from .stitch_clips import Clip, read_clip
from .stitch_graph import clip_listing, concat_listing, merge_arguments
from .stitch_measure import Placement, measure_placements
from .stitch_remux import audio_copy_problem, remux
from .stitch_verify import JoinCheck, verify_joins

__all__ = ["Placement", "JoinCheck", "StitchResult", "stitch", "verify_joins", "caption_paths", "master_audio_inputs"]



@dataclass(slots=True)
class StitchResult:
    """What ``stitch`` made, how, and what it measured."""

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

    @property
    def joins_off(self) -> list[JoinCheck]:
        """The joins ``--verify`` found more than one frame off."""
        return [check for check in self.joins if check.offset is not None and abs(check.offset) > self.frame_duration]

    def to_dict(self) -> dict:
        return {
            "output": str(self.output),
            "method": self.method,
            "reason": self.reason,
            "size": list(self.size),
            "fps": str(self.fps),
            "captions": [str(path) for path in self.caption_files],
            "clips": [placement.to_dict() for placement in self.placements],
            "joins": [check.to_dict() for check in self.joins],
            "warnings": self.warnings,
        }


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
    audio_stream: int | str | None = None,
) -> StitchResult:
    """Merge ``clips`` in order into ``output`` and write its captions next to it (``OUT.srt/.vtt/.ass``).

    ``profile`` is the caption profile for clips that are transcribed (with
    a plan, the plan's own profile is used, so the master captions are the
    ones ``split`` wrote). ``audio_stream`` picks each clip's sound (a number,
    1 = the first, or a language tag; see :func:`captionkit.media.choose_audio_stream`).
    """
    import av

    output = Path(output)
    if not clips:
        raise CaptionkitError("no clips to stitch; name the clips in order")
    plan_file = Path(plan) if isinstance(plan, (str, Path)) else None
    plan_dir = plan_file.parent if plan_file is not None else None
    if isinstance(plan, (str, Path)):
        plan = Plan.load(Path(plan))
    if plan is not None and len(plan.pieces) != len(clips):
        raise CaptionkitError(
            f"the plan has {len(plan.pieces)} pieces but {len(clips)} clips were given; give one clip per piece, in order"
        )
    if captions and len(captions) != len(clips):
        raise CaptionkitError(f"{len(captions)} caption files for {len(clips)} clips; give one per clip, in order")
    if plan is not None and captions:
        raise CaptionkitError("--captions is for stitching without a plan; with --plan the master captions are used")
    guard_outputs([*clips, plan_file, *(captions or [])], [("-o", output), *(("-o", path) for path in caption_paths(output))])
    inputs = [read_clip(Path(path), audio_stream) for path in clips]
    first = inputs[0].info
    # read_clip rejects a clip without a video stream or a frame rate, so these are set
    assert first.width is not None and first.height is not None and first.fps is not None
    target_size = size or (first.width, first.height)
    fps = plan.fps if plan is not None else first.fps
    targets = [piece.frames for piece in plan.pieces] if plan is not None else [
        max(1, round(clip.video_duration * fps)) for clip in inputs]
    master_sources = master_audio_inputs(plan, plan_dir) if plan is not None else []
    copy, reason = copy_decision(inputs, target_size, fps, targets, plan is not None)
    try:
        copy_problem = audio_copy_problem(inputs, output) if copy and plan is None else "a plan"
        if copy_problem is None:
            reason = reason.split(";")[0] + (
                "; their AAC audio is copied too, each clip's encoder priming dropped and its length kept "
                "within half an AAC frame of its video, so nothing drifts"
            )
            remux(inputs, targets, fps, output)
        else:
            if copy and plan is None:
                reason += f" (not copied: {copy_problem})"
            _merge(inputs, targets, fps, target_size, copy, plan, master_sources, output, crf=crf, preset=preset)
        placements, notes = measure_placements(written_path(output), inputs, targets, fps, plan, master_sources)
    except av.error.FFmpegError as error:  # a clip that breaks part-way through decoding or copying
        raise MediaError(f"stitching failed while reading the clips ({error}); check or re-export them") from error
    track, caption_notes = _captions(placements, inputs, plan, captions, model, profile or "netflix", Fraction(fps))
    result = StitchResult(output, "stream copy" if copy else "re-encode", reason, target_size, Fraction(fps),
                          placements, track, warnings=notes + caption_notes)
    if write_captions and track is not None:
        result.caption_files = _write_captions(track, output, target_size, fps)
    if verify and track is not None:
        result.joins = verify_joins(output, track, placements, model=model)
        result.warnings += [
            f"{check.label}: the captions are {check.offset * 1000:+.0f} ms off the speech (more than one frame)"
            for check in result.joins_off if check.offset is not None
        ]
    return result


# ---------------------------------------------------------------------------------------------------------------
# The decision


def copy_decision(
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
# Running ffmpeg


def _merge(
    clips: list[Clip], targets: list[int], fps: Fraction, size: tuple[int, int], copy: bool,
    plan: Plan | None, master_sources: list[Path], output: Path, *, crf: int, preset: str,
) -> None:
    """Write the listings the graph reads, and run it once into ``output``."""
    with work_folder("stitch") as work:
        video_listing = None
        if copy:
            video_listing = work / "clips.ffconcat"
            video_listing.write_text(clip_listing(clips, targets, fps), encoding="utf-8")
        master = None
        if plan is not None:
            rate = probe(master_sources[0]).sample_rate or 48000
            if len(master_sources) == 1:
                master = (master_sources[0], False, rate, plan.total_frames)
            else:  # PCM pieces: joining them is sample-exact
                listing = work / "pieces.ffconcat"
                listing.write_text(concat_listing([(path, None) for path in master_sources]), encoding="utf-8")
                master = (listing, True, rate, plan.total_frames)
        with atomic_output(output) as temporary:
            run_ffmpeg(
                merge_arguments(clips, targets, fps, size, temporary, copy=copy, crf=crf, preset=preset,
                                video_listing=video_listing, master=master),
                what="stitching the clips",
                duration=sum(targets) / float(fps),
                progress_label="stitching",
            )


def master_audio_inputs(plan: Plan, plan_dir: Path | None) -> list[Path]:
    """The original master audio named in the plan, or else the pieces' WAV files next to plan.json."""
    if plan.source and Path(plan.source).is_file():
        return [Path(plan.source)]
    pieces = [(plan_dir or Path(".")) / f"{piece.name}.wav" for piece in plan.pieces]
    if all(path.is_file() for path in pieces):
        return pieces
    master = f"master audio {plan.source!r} is gone" if plan.source else "master audio is used through its pieces"
    raise CaptionkitError(
        f"the plan's {master} and its piece WAVs are not next to plan.json; keep the split folder together"
    )


# ---------------------------------------------------------------------------------------------------------------
# Captions


def _captions(
    placements: list[Placement], clips: list[Clip], plan: Plan | None, captions, model: str | None, profile: str,
    fps: Fraction,
) -> tuple[Track | None, list[str]]:
    """The merged video's captions (the plan's master captions, or each clip's shifted to where it really is),
    and a warning when the master audio had to be followed."""
    if plan is not None:
        master, _ = plan_tracks(plan)
        offsets = [p.audio_start - p.start for p in placements if p.audio_start is not None]
        shift = statistics.median(offsets) if offsets else 0.0
        if abs(shift) > 0.001:
            return master.shifted(shift), [
                f"the master audio lies {shift * 1000:+.1f} ms off in the output; captions moved with it"]
        return master, []
    tracks = [_clip_track(clip, captions[i] if captions else None, model, profile, fps) for i, clip in enumerate(clips)]
    offsets = []
    for placement, track in zip(placements, tracks):
        start = placement.audio_start if placement.audio_start is not None else placement.video_start
        end_in_clip = placement.frames / float(fps)
        for cue in track.cues:  # a cue never runs into the next clip
            cue.end = min(cue.end, end_in_clip)
        track.cues = [cue for cue in track.cues if cue.start < end_in_clip and cue.end > cue.start]
        offsets.append(start)
    return join_tracks(tracks, offsets, tracks[0].language if tracks else "en"), []


def _clip_track(clip: Clip, caption_file, model: str | None, profile: str, fps: Fraction) -> Track:
    """A clip's captions in its own time: from its caption file, or by transcribing its audio."""
    if caption_file is not None:
        from ..formats import load

        return load(caption_file)
    if not clip.info.has_audio:
        return Track([], "en")
    from ..cues.segment import build_track
    from ..media import decode_audio
    from ..speech.transcribe import transcribe

    with decode_audio(clip.path, stream=(clip.audio_index or 0) + 1) as audio:
        transcription = transcribe(audio, progress_label=None, **({"model": model} if model else {}))
    return build_track(transcription.words, profile=profile, language=transcription.language, fps=float(fps))


def caption_paths(output: str | Path) -> list[Path]:
    """The caption files written next to the merged video ``output``."""
    return [Path(output).with_suffix(f".{name}") for name in CAPTION_OUTPUTS]


def _write_captions(track: Track, output: Path, size: tuple[int, int], fps: Fraction) -> list[Path]:
    from ..formats import format_of, save

    written = []
    for path in caption_paths(output):
        options = {"size": size, "fps": float(fps)} if format_of(path).styled else {}
        written.append(save(track, path, **options))
    return written
