"""The render job: a script and a portrait in, a finished, captioned talking-head video out.

Seven steps, each with its own progress (and per piece where there are pieces):

1. **check**: read the script (Dia ``[S1]``/``[S2]``, sound cues; plain text is
   one speaker), check its speakers against the avatar, the portrait and the
   output folder, and run the preflight checks (a failure stops the run unless
   ``force``).
2. **speech**: plan the TTS calls (:mod:`captionkit.assembly.speech_plan`) and
   synthesize each segment (piper offline; ``falai/dia-tts`` on inference.sh,
   later segments cloned from the first so the voices stay the same).
3. **master**: join the segments into one 48 kHz narration with natural
   pauses at -16 LUFS, true peak at most -1 dBTP (:mod:`captionkit.assembly.narration`).
4. **align**: force-align the script to the master and plan the avatar pieces
   with the split planner (at most the avatar's clip limit each).
5. **avatar**: one clip per piece from the portrait (the presenter engine
   offline; OmniHuman on inference.sh, all pieces submitted at once).
6. **finish**: stitch the clips with the plan and the master audio, write the
   captions (SRT, WebVTT, ASS), burn them in the style, and add them as a soft
   track to a clean copy.
7. **report**: ``OUTDIR/report.json``.

Every piece of work is cached by the content of its inputs
(:mod:`captionkit.jobs.render_cache`), so a rerun after a crash or an edit
redoes only what changed, and inference.sh tasks are journaled the moment they
are submitted (``OUTDIR/.captionkit/tasks.jsonl``), so a killed run resumes
polling them instead of paying again.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterator

from ..assembly.narration import NarrationOptions, join_segments, read_wav, write_wav
from ..assembly.plan import PlanOptions
from ..assembly.speech_plan import SpeechPlan, SpeechPlanOptions, avatar_piece_estimate, plan_speech
from ..engines.local_speech import LocalVoices
from ..engines.presenter import Motion
from ..errors import CaptionkitError, MediaError
from ..files import guard_outputs, make_folder
from ..formats import CAPTION_OUTPUTS
from ..infsh.apps import AVATARS, DEFAULT_AVATAR, Avatar
from ..progress import progress_bar
from ..script import Script, read_script
from ..speech.models import DEFAULT_MODEL
from .render_cache import CACHE_FOLDER, RenderReport, StepCache, StepRecord, file_digest, text_digest

ENGINES = ("local", "infsh")
STEP_TITLES = {
    "check": "read and check the script, portrait and output folder",
    "speech": "plan and synthesize the speech",
    "master": "join the master narration",
    "align": "align the script and plan the avatar pieces",
    "avatar": "make one avatar clip per piece",
    "finish": "stitch, caption, burn and mux",
    "report": "write report.json",
}
TASK_JOURNAL = "tasks.jsonl"
REPORT = "report.json"


#: The output shapes: 16:9, 9:16 and 1:1.
SIZES = ((1280, 720), (720, 1280), (1080, 1080))


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Everything that decides what ``render`` makes (each part of it keys the cache of the steps it affects)."""

    engine: str = "local"
    avatar: str = DEFAULT_AVATAR
    style: str = "clean"
    profile: str | None = None  # None: the profile the style is made for
    size: tuple[int, int] = SIZES[0]
    max_clip: float | None = None  # None: the avatar's recommended length
    margin: float = 0.5  # seconds kept under max_clip
    model: str = DEFAULT_MODEL  # the speech model for alignment
    crf: int = 18  # x264 quality of the final video
    preset: str = "veryfast"  # x264 preset of the final video (crf 18 keeps it visually lossless)
    speech: SpeechPlanOptions = SpeechPlanOptions()
    narration: NarrationOptions = NarrationOptions()
    voices: LocalVoices = LocalVoices()
    motion: Motion = Motion()
    concurrency: int = 4  # inference.sh tasks in flight at once
    task_timeout: float = 900.0  # seconds one inference.sh task may take
    poll_interval: float = 2.0

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise CaptionkitError(f"unknown engine {self.engine!r}; use local or infsh")
        if self.avatar not in AVATARS:
            raise CaptionkitError(f"unknown avatar {self.avatar!r}; use {' or '.join(AVATARS)}")
        width, height = self.size
        if width < 64 or height < 64 or width % 2 or height % 2:
            raise CaptionkitError(f"--size {width}x{height}: give even numbers of at least 64, e.g. 1280x720")
        limit = self.avatar_model.limit_seconds
        if not self.margin < self.clip_seconds <= limit:
            raise CaptionkitError(
                f"--max-clip {self.clip_seconds:g}: {self.avatar} takes at most {limit:g} s of audio per clip "
                f"(under {self.avatar_model.recommended_seconds:g} s is best); give more than {self.margin:g} "
                f"and at most {limit:g}"
            )

    @property
    def avatar_model(self) -> Avatar:
        return AVATARS[self.avatar]

    @property
    def clip_seconds(self) -> float:
        return self.max_clip if self.max_clip is not None else self.avatar_model.recommended_seconds

    @property
    def speech_options(self) -> SpeechPlanOptions:
        """The TTS range, narrowed so one segment (with its pauses) fits one avatar clip, with a tenth to spare
        for the estimate: then every join between clips is a join between segments, where the master's
        layout knows exactly where the speech starts, and an edit redoes one segment and one clip."""
        fit = (self.clip_seconds - self.margin - self.narration.lead_in - self.narration.tail) * 0.9
        return replace(self.speech, max_seconds=min(self.speech.max_seconds, fit),
                       min_seconds=min(self.speech.min_seconds, fit))

    @property
    def plan_options(self) -> PlanOptions:
        return PlanOptions(self.clip_seconds, self.margin, Fraction(self.avatar_model.fps))

    def summary(self) -> dict[str, Any]:
        """The options for the report (plain JSON)."""
        return {
            "engine": self.engine, "avatar": self.avatar, "style": self.style, "profile": self.profile,
            "size": f"{self.size[0]}x{self.size[1]}", "max_clip": self.clip_seconds, "margin": self.margin,
            "model": self.model, "crf": self.crf, "preset": self.preset,
        }


@dataclass(slots=True)
class RenderResult:
    """What a run made (or, for a dry run, would make)."""

    outputs: dict[str, Path]
    report: RenderReport
    plan: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"outputs": {kind: str(path) for kind, path in self.outputs.items()}, "plan": self.plan,
                **{key: value for key, value in self.report.to_dict().items() if key != "outputs"}}


#: ``on_step(record, finished)``: called when a step starts (False) and when it ends (True).
StepCallback = Callable[[StepRecord, bool], None]


class _Run:
    """One run's shared state: options, cache, report, and the step being done."""

    def __init__(self, options: RenderOptions, out_dir: Path, force: bool, on_step: StepCallback | None) -> None:
        self.options = options
        self.out_dir = out_dir
        self.cache = StepCache(out_dir / CACHE_FOLDER, force=force)
        self.force = force
        self.report = RenderReport(options.engine, options.avatar, options.summary())
        self.on_step = on_step
        self._client = None
        self._journal_fresh = not force

    def client(self):
        """The inference.sh client, connected on first use (a run with nothing to submit needs no key)."""
        from ..infsh.client import connect

        if self._client is None:
            self._client = connect()
        return self._client

    def journal(self):
        """The task journal in the output folder; ``--force`` starts a new one and keeps the old one beside it."""
        from ..infsh.tasks import TaskJournal

        path = self.cache.root / TASK_JOURNAL
        if not self._journal_fresh and path.exists():
            number = 1
            while (old := path.with_suffix(f".{number}.jsonl")).exists():
                number += 1
            path.rename(old)
        self._journal_fresh = True
        return TaskJournal(path)

    @contextmanager
    def step(self, name: str) -> Iterator[StepRecord]:
        record = StepRecord(len(self.report.steps) + 1, name, STEP_TITLES[name])
        self.report.steps.append(record)
        if self.on_step:
            self.on_step(record, False)
        try:
            yield record
        finally:
            record.stop()
        if self.on_step:
            self.on_step(record, True)


def render(
    script: str | os.PathLike,
    portrait: str | os.PathLike,
    out_dir: str | os.PathLike,
    options: RenderOptions = RenderOptions(),
    *,
    force: bool = False,
    dry_run: bool = False,
    on_step: StepCallback | None = None,
) -> RenderResult:
    """Make the captioned video of ``script`` spoken by ``portrait`` in ``out_dir`` (see the module docstring).

    ``force`` redoes every step (and runs past preflight failures); ``dry_run``
    stops after planning and spends nothing.
    """
    script_path, portrait_path, out_path = Path(script), Path(portrait), Path(out_dir)
    run = _Run(options, out_path, force, on_step)
    with run.step("check") as record:
        parsed = _check_inputs(script_path, portrait_path, out_path, options, force, dry_run, record)
    with run.step("speech") as record:
        speech_plan = plan_speech(parsed, options.speech_options)
        record.warnings += speech_plan.warnings
        plan = _dry_plan(speech_plan, options)
        record.outputs["segments"] = [segment.to_dict() for segment in speech_plan.segments]
        if dry_run:
            return RenderResult({}, run.report, plan)
        segment_files = _synthesize(run, speech_plan, record)
    with run.step("master") as record:
        master, blocks, speech = _master(run, segment_files, record)
    with run.step("align") as record:
        plan_path, piece_audio = _align(run, master, blocks, speech, script_path, parsed, record)
    with run.step("avatar") as record:
        clips = _avatar_clips(run, portrait_path, plan_path, piece_audio, record)
    with run.step("finish") as record:
        outputs = _finish(run, script_path.stem, clips, plan_path, master, record)
    run.report.spoken_seconds = _duration(master)
    with run.step("report") as record:
        record.outputs["report"] = str(out_path / REPORT)
        outputs["report"] = out_path / REPORT
        run.report.outputs = {kind: str(path) for kind, path in outputs.items()}
    plan.update(_actual_plan(plan_path, options.engine))
    run.report.save(out_path / REPORT)
    return RenderResult(outputs, run.report, plan)


# ---------------------------------------------------------------------------------------------------------------
# 1. check


def _check_inputs(script: Path, portrait: Path, out_dir: Path, options: RenderOptions, force: bool,
                  dry_run: bool, record: StepRecord) -> Script:
    parsed = read_script(script)
    speakers = [speaker or "S1" for speaker in parsed.speakers] or ["S1"]
    avatar = options.avatar_model
    if len(speakers) > avatar.max_speakers:
        raise CaptionkitError(
            f"{script}: has {len(speakers)} speakers ({', '.join(speakers)}) but {avatar.name} drives at most "
            f"{avatar.max_speakers}; " + ("use --avatar omnihuman-1-5 or " if avatar.max_speakers == 1 else "")
            + f"keep to {avatar.max_speakers} speaker{'s' if avatar.max_speakers > 1 else ''}"
        )
    if any(not speaker.upper().startswith("S") for speaker in speakers):
        raise CaptionkitError(f"{script}: speakers must be Dia tags [S1] and [S2], not {', '.join(speakers)}")
    check_portrait(portrait)
    if not dry_run:
        guard_outputs([script, portrait],
                      [("-o", path) for path in [*output_paths(out_dir, script.stem).values(), out_dir / REPORT]])
        make_folder(out_dir)
    problems = _preflight(portrait, script, options.avatar)
    failures = [problem for problem in problems if problem.severity == "fail"]
    record.warnings += [f"{p.subject}: {p.message} ({p.fix})" for p in problems if p.severity != "fail"]
    if failures and not force:
        first = failures[0]
        more = f" (and {len(failures) - 1} more: see 'captionkit check')" if len(failures) > 1 else ""
        raise CaptionkitError(f"{first.subject}: {first.message}; {first.fix}{more}; or run with --force")
    record.warnings += [f"{p.subject}: {p.message} (ignored with --force)" for p in failures]
    record.inputs = {"script": file_digest(script), "portrait": file_digest(portrait)}
    record.outputs = {"speakers": speakers, "sentences": len(parsed.sentences), "words": len(parsed.spoken)}
    return parsed


def _preflight(portrait: Path, script: Path, avatar: str) -> list:
    """The preflight problems of the portrait and script (``captionkit check``)."""
    from ..preflight import run_checks

    return run_checks(portrait=portrait, script=script, avatar=avatar).problems


def check_portrait(path: Path) -> None:
    """Refuse a missing portrait or one that is not an image, in one line."""
    from PIL import Image, UnidentifiedImageError

    if not path.exists():
        raise MediaError(f"{path}: no such portrait; check the path")
    if path.is_dir():
        raise MediaError(f"{path}: is a folder; give the portrait image file (PNG or JPEG)")
    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise MediaError(f"{path}: is not an image captionkit can read; give a PNG or JPEG portrait") from error


# ---------------------------------------------------------------------------------------------------------------
# 2. speech


def _dry_plan(speech_plan: SpeechPlan, options: RenderOptions) -> dict[str, Any]:
    """What the run will do, from the text alone: segments, pieces, tasks per app, seconds of avatar video."""
    narration = options.narration
    seconds = (speech_plan.estimate + narration.lead_in + narration.tail
               + narration.segment_pause * (len(speech_plan.segments) - 1))
    # one avatar piece per TTS segment, or more where a segment is longer than the clip limit
    pieces = sum(avatar_piece_estimate(segment.estimate, options.clip_seconds, options.margin)
                 for segment in speech_plan.segments)
    tasks: dict[str, int] = {}
    if options.engine == "infsh":
        tasks = {"falai/dia-tts": len(speech_plan.segments), options.avatar_model.app: pieces}
    return {
        "estimated": True,
        "segments": len(speech_plan.segments),
        "speech_seconds": round(seconds, 1),
        "pieces": pieces,
        "max_piece_seconds": options.clip_seconds - options.margin,
        "avatar_seconds": round(seconds, 1),
        "paid_clips": pieces if options.engine == "infsh" else 0,
        "tasks": tasks,
    }


def _synthesize(run: _Run, speech_plan: SpeechPlan, record: StepRecord) -> list[Path]:
    from .render_engines import speech_engine

    engine = speech_engine(run.options)
    record.inputs = {"engine": engine.describe(), "segments": [text_digest(s.dia_text) for s in speech_plan.segments]}
    files = engine.synthesize(speech_plan.segments, run, record)
    record.outputs["files"] = [str(path) for path in files]
    return files


# ---------------------------------------------------------------------------------------------------------------
# 3. master


def _master(run: _Run, segment_files: list[Path],
            record: StepRecord) -> tuple[Path, list[int], list[tuple[float, float]]]:
    """The master narration, its block boundaries (frames at the avatar's rate), one block per segment, and
    where each block's speech starts and ends."""
    from ..assembly.narration import integrated_loudness, true_peak

    options = run.options.narration
    fps = run.options.plan_options.fps
    record.inputs = {"segments": [file_digest(path) for path in segment_files], "options": asdict(options),
                     "fps": str(fps)}
    entry = record.count(run.cache.entry("master", record.inputs))
    master = entry.path("master.wav")
    if not entry.reused:
        joined = join_segments([read_audio(path) for path in segment_files], options, fps)
        write_wav(joined.samples, options.sample_rate, master)
        written, rate = read_wav(master)
        entry.finish(loudness=round(integrated_loudness(written, rate), 2), true_peak=round(true_peak(written), 2),
                     seconds=round(len(written) / rate, 3), blocks=joined.blocks, speech=joined.speech)
    values = entry.record
    record.outputs = {"master": str(master), "sha256": file_digest(master), "seconds": values["seconds"],
                      "loudness_lufs": values["loudness"], "true_peak_dbtp": values["true_peak"],
                      "blocks": values["blocks"], "speech": values["speech"]}
    return master, values["blocks"], [tuple(span) for span in values["speech"]]


def read_audio(path: Path) -> tuple[Any, int]:
    """A segment's samples and rate: 16-bit WAV read directly, anything else (a service's float WAV, MP3)
    decoded by ffmpeg at its own rate."""
    import wave

    if path.suffix.lower() == ".wav":
        try:
            return read_wav(path)
        except (wave.Error, EOFError):
            pass
    from ..media import load_audio, probe

    rate = probe(path).sample_rate or 48000
    return load_audio(path, rate), rate


# ---------------------------------------------------------------------------------------------------------------
# 4. align


def _align(run: _Run, master: Path, blocks: list[int], speech: list[tuple[float, float]], script: Path,
           parsed: Script, record: StepRecord) -> tuple[Path, list[Path]]:
    """Align the script to the master, then plan the avatar pieces block by block.

    Where each block's speech starts and ends is known from the waveform (the
    master was built so), so the first word of a block starts, and its last
    word ends, exactly there (:func:`snap_to_speech`): the captions after
    every join start on the sound.

    Each block (one TTS segment) is split on its own, so an unchanged block
    gives the same piece audio however the rest of the script was edited, and
    its avatar clip is reused; a block is one piece unless it is longer than
    the clip limit. Returns the whole plan and each piece's WAV, in order.
    """
    from ..assembly.plan import Piece, Plan
    from ..assembly.split import PLAN_NAME, split_audio
    from ..model import Word
    from ..speech.align import align_script
    from .caption import profile_for_style

    options = run.options
    profile = options.profile or profile_for_style(options.style)
    record.inputs = {"master": file_digest(master), "script": file_digest(script), "model": options.model}
    entry = record.count(run.cache.entry("align", record.inputs))
    words_path = entry.path("words.json")
    if not entry.reused:
        alignment = align_script(master, parsed, model=options.model, sounds=False, progress_label="aligning")
        words_path.write_text(json.dumps({"language": alignment.language,
                                          "words": [w.to_dict() for w in alignment.words]}), "utf-8")
        entry.finish(language=alignment.language,
                     warnings=[] if alignment.report.ok else [alignment.report.summary().replace("\n", "; ")])
    record.warnings += entry.record["warnings"]
    data = json.loads(words_path.read_text("utf-8"))
    words = snap_to_speech([Word.from_dict(item) for item in data["words"]], speech)
    samples, rate = read_wav(master)
    fps = options.plan_options.fps
    pieces: list[Piece] = []
    audio: list[Path] = []
    warnings: list[str] = []
    keys = []
    for first, last in zip(blocks, blocks[1:]):
        start, end = float(first / fps), float(last / fps)
        block = samples[round(first * rate / fps) : round(last * rate / fps)]
        local = [Word(w.text, max(0.0, w.start - start), min(w.end, end) - start, w.probability, w.speaker, w.kind)
                 for w in words if start <= w.start < end]
        split = record.count(run.cache.entry("pieces", {
            "block": text_digest(block.tobytes().hex()), "words": [w.to_dict() for w in local],
            "plan": options.plan_options.to_dict(), "profile": profile, "language": data["language"]}))
        keys.append(split.key)
        if not split.reused:
            write_wav(block, rate, split.path("block.wav"))
            result = split_audio(split.path("block.wav"), split.folder, words=local, options=options.plan_options,
                                 language=data["language"], profile=profile)
            split.finish(warnings=result.plan.warnings)
        warnings += split.record["warnings"]
        for piece in Plan.load(split.folder / PLAN_NAME).pieces:
            moved = [Word(w.text, w.start + start, w.end + start, w.probability, w.speaker, w.kind) for w in piece.words]
            pieces.append(Piece(len(pieces) + 1, piece.start_frame + first, piece.end_frame + first, fps, moved))
            audio.append(split.folder / f"{piece.name}.wav")
    plan = Plan(pieces, options.plan_options, len(samples) / rate, data["language"], str(master.resolve()), warnings,
                profile)
    whole = run.cache.entry("plan", {"blocks": keys, "master": record.inputs["master"]})
    if not whole.reused:
        plan.save(whole.path(PLAN_NAME))
        whole.finish()
    record.warnings += warnings
    record.outputs = {"words": str(words_path), "plan": str(whole.folder / PLAN_NAME), "pieces": len(pieces),
                      "profile": profile}
    return whole.folder / PLAN_NAME, audio


#: How far an aligned word may be from its block's known speech edge and still be moved onto it (seconds).
SNAP_LIMIT = 0.15


def snap_to_speech(words: list, speech: list[tuple[float, float]]) -> list:
    """``words`` with each block's first word starting, and last word ending, where its speech really does.

    A word further than :data:`SNAP_LIMIT` from the edge is left alone (the
    aligner found something else there). Pure: returns new words.
    """
    from ..model import Word

    result = [Word(w.text, w.start, w.end, w.probability, w.speaker, w.kind) for w in words]
    for onset, end in speech:
        inside = [w for w in result if w.kind == "speech" and onset - SNAP_LIMIT <= w.start < end + SNAP_LIMIT]
        if not inside:
            continue
        first, last = inside[0], inside[-1]
        if abs(first.start - onset) <= SNAP_LIMIT:
            first.start = min(onset, first.end)
        if abs(last.end - end) <= SNAP_LIMIT:
            last.end = max(end, last.start)
    return result


# ---------------------------------------------------------------------------------------------------------------
# 5. avatar


def _avatar_clips(run: _Run, portrait: Path, plan_path: Path, audio: list[Path], record: StepRecord) -> list[Path]:
    from ..assembly.plan import Plan
    from .render_engines import avatar_engine

    plan = Plan.load(plan_path)
    engine = avatar_engine(run.options)
    record.inputs = {"engine": engine.describe(), "portrait": file_digest(portrait), "plan": file_digest(plan_path)}
    clips = engine.clips(portrait, plan, audio, run, record)
    record.outputs = {"clips": [str(path) for path in clips],
                      "avatar_seconds": round(float(plan.total_frames / plan.fps), 3)}
    return clips


# ---------------------------------------------------------------------------------------------------------------
# 6. finish


def _finish(run: _Run, stem: str, clips: list[Path], plan_path: Path, master: Path,
            record: StepRecord) -> dict[str, Path]:
    from .. import formats
    from ..assembly.stitch import stitch
    from ..cues.lint import lint_track
    from ..render.burn import burn
    from ..render.mux import SubtitleInput, mux

    options = run.options
    outputs = output_paths(run.out_dir, stem)
    record.inputs = {
        "clips": [file_digest(path) for path in clips], "plan": file_digest(plan_path), "master": file_digest(master),
        "style": options.style, "size": list(options.size), "crf": options.crf, "preset": options.preset,
    }
    entry = record.count(run.cache.entry("finish", record.inputs))
    if entry.reused and all(outputs[k].is_file() and file_digest(outputs[k]) == digest
                            for k, digest in entry.record["outputs"].items()):
        record.warnings += entry.record["warnings"]
        record.outputs = {kind: str(path) for kind, path in outputs.items()}
        return outputs
    if entry.reused:  # an output was removed or changed since: make them again
        record.reused, record.made = record.reused - 1, record.made + 1
    stitched = entry.path("stitched.mp4")
    with progress_bar(total=4, label="finishing", unit=" parts") as bar:
        result = stitch(clips, stitched, plan=plan_path, size=options.size, write_captions=False, preset="veryfast")
        bar.update(1)
        track = result.track
        assert track is not None  # with a plan, stitch always carries the master captions
        warnings = list(result.warnings)
        fps = float(result.fps)
        for kind in CAPTION_OUTPUTS:
            extra = {"size": options.size, "style": options.style, "fps": fps} if formats.format_named(kind).styled else {}
            formats.save(track, outputs[kind], **extra)
        problems = [v for v in lint_track(track, _profile(plan_path), fps) if v.severity == "error"]
        warnings += [f"caption lint: cue {v.cue}: {v.kind}: {v.message}" for v in problems[:5]]
        bar.update(1)
        burn(stitched, track, outputs["video"], style=options.style, crf=options.crf, preset=options.preset,
             progress=False)
        bar.update(1)
        mux(stitched, [SubtitleInput(outputs["srt"], language=track.language)], outputs["soft"])
        bar.update(1)
    record.warnings += warnings
    entry.finish(outputs={kind: file_digest(path) for kind, path in outputs.items()}, warnings=warnings)
    record.outputs = {kind: str(path) for kind, path in outputs.items()}
    return outputs


def output_paths(out_dir: Path, stem: str) -> dict[str, Path]:
    """The files a run writes, by kind (report.json aside)."""
    names = {**{kind: f"{stem}.{kind}" for kind in CAPTION_OUTPUTS},
             "video": f"{stem}.captioned.mp4", "soft": f"{stem}.subtitled.mp4"}
    return {kind: out_dir / name for kind, name in names.items()}


def _profile(plan_path: Path) -> str:
    return json.loads(plan_path.read_text("utf-8")).get("profile", "netflix")


def _duration(master: Path) -> float:
    samples, rate = read_wav(master)
    return len(samples) / rate


def _actual_plan(plan_path: Path, engine: str) -> dict[str, Any]:
    """The plan as made: pieces, their lengths, seconds of avatar video and how many clips were paid for."""
    from ..assembly.plan import Plan

    plan = Plan.load(plan_path)
    return {"estimated": False, "pieces": len(plan.pieces), "avatar_seconds": round(float(plan.total_frames / plan.fps), 3),
            "piece_seconds": [round(piece.duration, 3) for piece in plan.pieces],
            "paid_clips": len(plan.pieces) if engine == "infsh" else 0}


def describe_plan(plan: dict[str, Any], options: RenderOptions) -> list[str]:
    """The dry-run plan as lines of text."""
    lines = [
        f"{plan['segments']} TTS segment{'s' if plan['segments'] != 1 else ''} "
        f"({options.speech_options.min_seconds:g}-{options.speech_options.max_seconds:.1f} s each), about {plan['speech_seconds']:g} s of speech",
        f"{plan['pieces']} avatar piece{'s' if plan['pieces'] != 1 else ''} of at most {plan['max_piece_seconds']:g} s "
        f"({options.avatar}), about {plan['avatar_seconds']:g} s of avatar video",
    ]
    if plan["tasks"]:
        lines.append("inference.sh tasks: " + ", ".join(f"{count} x {app}" for app, count in plan["tasks"].items())
                     + f" ({plan['paid_clips']} paid avatar clips)")
    else:
        lines.append("all offline (piper speech, presenter clips): nothing paid")
    return lines


