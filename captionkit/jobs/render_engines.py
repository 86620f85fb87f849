"""The engines ``render`` drives, behind two small interfaces: speech per TTS segment, an avatar clip per piece.

- **local**: piper speech (:mod:`captionkit.engines.local_speech`) and the
  presenter (:func:`captionkit.engines.presenter.render_avatar_clip`); no
  account, no network.
- **infsh**: ``falai/dia-tts`` and ``bytedance/omnihuman-1-5`` (or 1-0) on
  inference.sh through :func:`captionkit.infsh.tasks.run_tasks`: every task is
  journaled the moment it is submitted, so a killed run polls it again instead
  of paying twice. The first TTS segment is made first; the later ones get its
  audio and text as ``ref_audio``/``ref_text`` so every segment has the same
  voices. All avatar pieces are submitted at once (at most ``concurrency`` in
  flight).

Each unit of work is a cache entry (:mod:`captionkit.jobs.render_cache`)
keyed by its inputs' content; only entries not done before are made.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from ..assembly.narration import write_wav
from ..assembly.plan import Plan
from ..assembly.speech_plan import SpeechSegment
from ..progress import progress_bar
from .render_cache import Entry, StepRecord, file_digest

if TYPE_CHECKING:
    from .render import RenderOptions, _Run

DIA_APP = "falai/dia-tts"


class SpeechEngine(Protocol):
    def describe(self) -> dict[str, Any]: ...

    def synthesize(self, segments: Sequence[SpeechSegment], run: "_Run", record: StepRecord) -> list[Path]: ...


class AvatarEngine(Protocol):
    def describe(self) -> dict[str, Any]: ...

    def clips(self, portrait: Path, plan: Plan, audio: list[Path], run: "_Run", record: StepRecord) -> list[Path]:
        """One clip per piece of ``plan``; ``audio`` holds each piece's WAV (its MP3 upload copy beside it)."""


def speech_engine(options: "RenderOptions") -> SpeechEngine:
    return InfshSpeech() if options.engine == "infsh" else LocalSpeech(options)


def avatar_engine(options: "RenderOptions") -> AvatarEngine:
    return InfshAvatar(options) if options.engine == "infsh" else LocalAvatar(options)


# ---------------------------------------------------------------------------------------------------------------
# local


class LocalSpeech:
    """piper, one call per segment; ``[S2]`` in the transformed voice."""

    def __init__(self, options: "RenderOptions") -> None:
        self.voices = options.voices

    def describe(self) -> dict[str, Any]:
        return {"engine": "local", "tts": "piper joe (deterministic)", "voices": self.voices.describe(),
                "pauses": [self.voices.turn_pause, self.voices.sound_pause, self.voices.sentence_pause]}

    def synthesize(self, segments: Sequence[SpeechSegment], run: "_Run", record: StepRecord) -> list[Path]:
        from ..engines.local_speech import speak_turns

        files = []
        with progress_bar(total=len(segments), label="speech", unit=" segments") as bar:
            for segment in segments:
                entry = record.count(run.cache.entry("speech", {**self.describe(), "text": segment.dia_text}))
                path = entry.path(f"{segment.name}.wav")
                if not entry.reused:
                    samples, rate = speak_turns(segment.turns, self.voices)
                    write_wav(samples, rate, path)
                    entry.finish(seconds=round(len(samples) / rate, 3))
                files.append(path)
                bar.update(1)
        return files


class LocalAvatar:
    """The presenter clip per piece: the portrait with a gentle sway, at the output size."""

    def __init__(self, options: "RenderOptions") -> None:
        self.size = options.size
        self.motion = options.motion

    def describe(self) -> dict[str, Any]:
        return {"engine": "local", "avatar": "presenter", "size": list(self.size), "motion": asdict(self.motion)}

    def clips(self, portrait: Path, plan: Plan, audio_files: list[Path], run: "_Run", record: StepRecord) -> list[Path]:
        from ..engines.presenter import render_avatar_clip

        portrait_digest = file_digest(portrait)
        clips = []
        with progress_bar(total=len(plan.pieces), label="avatar clips", unit=" clips") as bar:
            for piece, audio in zip(plan.pieces, audio_files):
                inputs = {**self.describe(), "portrait": portrait_digest, "audio": file_digest(audio),
                          "frames": piece.frames, "fps": str(plan.fps), "clock": round(piece.start, 6)}
                entry = record.count(run.cache.entry("avatar", inputs))
                path = entry.path(f"{piece.name}.mp4")
                if not entry.reused:
                    render_avatar_clip(portrait, audio, path, frames=piece.frames, size=self.size, fps=plan.fps,
                                       clock_start=piece.start, motion=self.motion)
                    entry.finish()
                clips.append(path)
                bar.update(1)
        return clips


# ---------------------------------------------------------------------------------------------------------------
# inference.sh


class InfshSpeech:
    """``falai/dia-tts``: the first segment alone, then the rest cloned from it, all journaled."""

    def describe(self) -> dict[str, Any]:
        return {"engine": "infsh", "app": DIA_APP}

    def synthesize(self, segments: Sequence[SpeechSegment], run: "_Run", record: StepRecord) -> list[Path]:
        first = segments[0]
        [reference] = self._round([first], None, run, record)
        rest = self._round(segments[1:], (reference, first.dia_text), run, record) if len(segments) > 1 else []
        return [reference, *rest]

    def _round(self, segments: Sequence[SpeechSegment], reference: tuple[Path, str] | None, run: "_Run",
               record: StepRecord) -> list[Path]:
        clone = {} if reference is None else {"ref": file_digest(reference[0]), "ref_text": reference[1]}
        work: list[tuple[Entry, dict[str, Any], str]] = []
        for segment in segments:
            entry = record.count(run.cache.entry("speech", {**self.describe(), "text": segment.dia_text, **clone}))
            inputs: dict[str, Any] = {"text": segment.dia_text}
            if reference is not None:
                inputs.update(ref_audio=reference[0], ref_text=reference[1])
            work.append((entry, inputs, segment.name))
        outputs = run_journaled(run, record, DIA_APP, work, "audio", "speech", default_suffix=".wav")
        return outputs


class InfshAvatar:
    """OmniHuman, one task per piece (its MP3 upload copy and the portrait), all submitted at once."""

    def __init__(self, options: "RenderOptions") -> None:
        self.app = options.avatar_model.app

    def describe(self) -> dict[str, Any]:
        return {"engine": "infsh", "app": self.app}

    def clips(self, portrait: Path, plan: Plan, audio_files: list[Path], run: "_Run", record: StepRecord) -> list[Path]:
        portrait_digest = file_digest(portrait)
        work: list[tuple[Entry, dict[str, Any], str]] = []
        for piece, wav in zip(plan.pieces, audio_files):
            audio = wav.with_suffix(".mp3")
            entry = record.count(run.cache.entry(
                "avatar", {**self.describe(), "portrait": portrait_digest, "audio": file_digest(audio)}))
            work.append((entry, {"image": portrait, "audio": audio}, piece.name))
        return run_journaled(run, record, self.app, work, "video", "avatar clips", default_suffix=".mp4")


def run_journaled(run: "_Run", record: StepRecord, app: str, work: list[tuple[Entry, dict[str, Any], str]],
                  output_field: str, label: str, *, default_suffix: str) -> list[Path]:
    """Run the not-yet-done entries of ``work`` (entry, inputs, file stem) as tasks of ``app``; their files.

    The journal key of a task is its entry's content key, so a rerun finds the
    task it submitted before. A task's entry is finished (its file downloaded
    and ``done.json`` written) only once it completed, so a failure or a kill
    leaves it to the journal. A task that failed in an earlier run is
    submitted again (the user ran again to retry it).
    """
    from ..infsh.tasks import TaskRequest, run_tasks

    pending = {entry.key: (entry, inputs, stem) for entry, inputs, stem in work if not entry.reused}
    if pending:
        with progress_bar(total=len(pending), label=label, unit=" tasks") as bar:
            finished: set[str] = set()

            def on_update(key: str, state) -> None:
                if state.status in ("completed", "failed", "cancelled") and key not in finished:
                    finished.add(key)
                    bar.update(1)

            states = run_tasks(
                run.client(), [TaskRequest(key, app, inputs) for key, (_, inputs, _) in pending.items()],
                run.journal(), concurrency=run.options.concurrency, timeout=run.options.task_timeout,
                poll_interval=run.options.poll_interval, on_update=on_update, retry_failed=True,
            )
        for key, (entry, _, stem) in pending.items():
            state = states[key]  # completed: run_tasks raises for a failed or timed-out task
            value = (state.output or {}).get(output_field)
            target = entry.path(stem + _suffix(value, default_suffix))
            run.client().download(value, target, what=f"{app} {output_field}")
            entry.finish(task={"app": app, "task_id": state.id, "status": state.status, "cost": state.cost},
                         file=target.name)
    files = []
    for entry, _, _ in work:
        values = entry.record
        record.tasks.append({**values["task"], "reused": entry.reused})
        files.append(entry.folder / values["file"])
    return files


def _suffix(value: Any, default: str) -> str:
    from ..infsh.client import file_url

    url = file_url(value) or ""
    suffix = Path(url.split("?")[0]).suffix.lower()
    return suffix if suffix in (".wav", ".mp3", ".flac", ".ogg", ".m4a", ".mp4", ".mov", ".webm") else default
