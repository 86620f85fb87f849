"""The one function every executor runs: one task (a job over one input), checked and summarised.

:func:`run_task` runs the job (``caption``, ``localize`` or ``render``) into the task's own folder, then
lints each caption file it wrote, grabs a poster frame per language for the report, and hashes every
output. It never raises: a failure becomes a record with a one-line error, so one bad input cannot stop a
batch. It runs the same in a local worker process and on a Dask worker.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CaptionkitError
from .manifest import REPORT_FILES, Task
from .state import DONE, FAILED, NEEDS_INPUT, TaskRecord, file_hash, now, worker_name

#: progress(task key, stage, fraction of the stage done)
ProgressSink = Callable[[str, str, float], None]
#: Width of poster frames in the report, in pixels (smaller videos keep their own width).
POSTER_WIDTH = 320
THREADS_VARIABLE = "CAPTIONKIT_THREADS"
#: What tasks import (the jobs, the speech model's runtime, libass's fonts, the formats): the fork server
#: that starts a batch's own worker processes imports them once, instead of every worker on its first task
#: (about 0.5 CPU seconds each).
WORKER_MODULES = ("captionkit.batch.tasks", "captionkit.jobs.caption", "captionkit.jobs.localize",
                  "captionkit.jobs.render", "captionkit.speech.align", "captionkit.render.burn",
                  "captionkit.cues.lint", "captionkit.formats.ass", "faster_whisper")


@dataclass(frozen=True)
class WorkerMemory:
    """How a worker process's allocator (glibc malloc) keeps the memory it frees.

    By default glibc maps every block above 32 MiB afresh and unmaps it when freed, so the speech
    model's attention buffers (tiny: 6 heads x 1500 x 1500 floats, 54 MB, in every encoder layer) are
    zero-filled page by page on every call: about 70,000 page faults per one-line localize task.
    Served from the heap and kept, they are reused: half the page faults and about 30 % less CPU in the
    model's thread, in local and Dask workers alike (measured per thread in the workers of a 10-task
    batch, CPU 0.31 -> 0.22 s and 72,000 -> 33,000 faults per task). A worker then holds
    up to ``trim_threshold`` of freed memory for its next task (peak memory 315 -> 355 MB there). This also undoes the
    ``MALLOC_TRIM_THRESHOLD_=65536`` that Dask's nanny starts workers with, which returned even small
    blocks at once (35 % more CPU in the model's thread than in a local worker).
    """

    mmap_threshold: int = 128 * 2**20  # blocks up to this size come from the heap, and are reused
    trim_threshold: int = 256 * 2**20  # free memory the heap keeps instead of returning it at once


def use_threads(threads: int) -> None:
    """Let this process's ffmpeg runs, speech model and numerical libraries use ``threads`` threads."""
    for name in (THREADS_VARIABLE, "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


def keep_freed_memory(settings: WorkerMemory = WorkerMemory()) -> None:
    """Apply ``settings`` to this process's allocator (glibc only; elsewhere nothing changes)."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):  # not glibc (macOS, Windows, musl)
        return
    mallopt(-3, settings.mmap_threshold)  # M_MMAP_THRESHOLD
    mallopt(-1, settings.trim_threshold)  # M_TRIM_THRESHOLD


def run_task(task: Task, output: Path, threads: int, progress: ProgressSink | None = None) -> TaskRecord:
    """Run ``task`` (outputs in ``task.out_dir``) and describe what happened; never raises."""
    use_threads(threads)
    keep_freed_memory()
    started, clock = now(), time.perf_counter()

    def stage(name: str, fraction: float = 0.0) -> None:
        if progress is not None:
            progress(task.key, name, fraction)

    status, error = DONE, None
    rows: list[dict] = []
    warnings: list[str] = []
    try:
        _remove_leftovers(task.out_dir)
        rows, warnings = RUNNERS[task.kind](task, output, stage)
    except CaptionkitError as problem:
        status, error = FAILED, str(problem)
        if type(problem).__name__ == "TranslationsNeeded":
            status, error = NEEDS_INPUT, _translations_wanted(task, problem)
    except Exception as problem:  # noqa: BLE001 - one task's bug must not stop the batch; it is reported
        where = traceback.extract_tb(problem.__traceback__)[-1]
        error = f"{type(problem).__name__}: {problem} (at {Path(where.filename).name}:{where.lineno})"
        status = FAILED
    outputs = {
        path.relative_to(output).as_posix(): file_hash(path) or ""
        for path in sorted(task.out_dir.rglob("*")) if path.is_file() and not _is_temporary(path)
    }
    stage("finished", 1.0)
    return TaskRecord(
        key=task.key, fingerprint=task.fingerprint, status=status, run=0, started=started, finished=now(),
        seconds=round(time.perf_counter() - clock, 3), worker=worker_name(), outputs=outputs,
        rows=rows, error=" ".join(error.split()) if error else None, warnings=warnings,
    )


def _run_caption(task: Task, output: Path, stage) -> tuple[list[dict], list[str]]:
    import warnings as warning_module

    from ..jobs.caption import caption
    from ..speech.models import DEFAULT_MODEL

    settings = task.settings
    stage("captioning")
    with warning_module.catch_warnings():
        warning_module.simplefilter("ignore")
        result = caption(
            task.input, task.out_dir, script=settings.script, burn=settings.burn, style=settings.style or "clean",
            profile=settings.profile, model=settings.model or DEFAULT_MODEL, language=settings.language,
            sdh=settings.sdh,
        )
    stage("checking", 0.5)
    profile = settings.profile or _style_profile(settings.style or "clean")
    row = _language_row(task, output, result.track.language, result.outputs["srt"], profile,
                        result.outputs.get("video"))
    return [row], list(result.warnings)


def _run_localize(task: Task, output: Path, stage) -> tuple[list[dict], list[str]]:
    from ..jobs.localize import LocalizeOptions, localize

    settings = task.settings
    options = LocalizeOptions(
        translator=settings.translator, translations=settings.translations, glossary=settings.glossary,
        burn=settings.burn, style=settings.style, profile=settings.profile, script=settings.script,
        captions=settings.captions, model=settings.model, source_language=settings.language,
    )
    result = localize(task.input, list(settings.to), task.out_dir, options,
                      progress=lambda name, fraction: stage(name, fraction))
    stage("checking", 0.9)
    profile = settings.profile or _style_profile(settings.style or "clean")
    rows = []
    for language, made in result.languages.items():
        rows.append(_language_row(task, output, language, made.outputs["srt"], profile, made.outputs.get("video")))
    return rows, list(result.warnings)


def _run_render(task: Task, output: Path, stage) -> tuple[list[dict], list[str]]:
    from .. import formats
    from ..jobs.render import RenderOptions, render

    settings = task.settings
    defaults = RenderOptions()  # a setting the manifest leaves out keeps render's own default
    options = RenderOptions(
        engine=settings.engine if settings.engine is not None else defaults.engine,
        avatar=settings.avatar if settings.avatar is not None else defaults.avatar,
        style=settings.style if settings.style is not None else defaults.style,
        profile=settings.profile if settings.profile is not None else defaults.profile,
        model=settings.model if settings.model is not None else defaults.model,
        size=settings.size if settings.size is not None else defaults.size,
    )
    assert settings.portrait is not None  # the manifest rejects a render job without a portrait
    result = render(task.input, settings.portrait, task.out_dir, options,
                    on_step=lambda record, finished: stage(record.name, 1.0 if finished else 0.0))
    stage("checking", 0.9)
    captions = result.outputs["srt"]
    language = formats.load(captions).language or "en"
    profile = settings.profile or _style_profile(settings.style or "clean")
    row = _language_row(task, output, language, captions, profile, result.outputs.get("video"))
    return [row], [warning for step in result.report.steps for warning in getattr(step, "warnings", [])]


RUNNERS = {"caption": _run_caption, "localize": _run_localize, "render": _run_render}


def _translations_wanted(task: Task, problem: CaptionkitError) -> str:
    """What to do when the ``file`` translator wrote exchange files, in the batch's terms."""
    files: dict[str, list[Path]] = getattr(problem, "files", {})
    if not files:
        return str(problem)
    written = ", ".join(str(paths[0].with_suffix("")) + ".{csv,xlf,po}" for paths in files.values())
    where = f"and put it in {task.settings.translations}" if task.settings.translations else "where it is"
    return f"translations needed for {', '.join(files)}: fill the target column of one of {written} {where}, " \
           "then run the batch again"


def _style_profile(style: str) -> str:
    from ..jobs.caption import profile_for_style

    return profile_for_style(style)


def _language_row(task: Task, output: Path, language: str, captions: Path, profile: str,
                  burned: Path | None) -> dict:
    """One report row: the caption file's lint result and a poster frame at a caption in the middle."""
    from .. import formats
    from ..cues.lint import lint_file
    from ..media import probe

    picture = burned or task.input
    try:
        info = probe(picture) if picture.is_file() else None
    except CaptionkitError:  # a caption file as the input: no picture for the poster
        info = None
    fps = float(info.fps) if info is not None and info.fps else None
    report = lint_file(captions, profile, fps, language=language)
    track = formats.load(captions, language=language)
    row = {
        "language": language,
        "captions": captions.relative_to(output).as_posix(),
        "cues": len(track.cues),
        "lint": {"profile": report.profile.name, "passed": report.passed, "errors": len(report.errors),
                 "unavoidable": len(report.unavoidable),
                 "first": report.errors[0].message if report.errors else None},
        "poster": None, "poster_text": "", "poster_time": None, "burned": burned is not None,
    }
    if info is not None and info.has_video and track.cues:
        cue = track.cues[len(track.cues) // 2]
        moment = (cue.start + cue.end) / 2
        poster = output / REPORT_FILES / f"{task.key.replace('/', '__')}.{language}.jpg"
        _grab_frame(picture, moment, poster)
        row.update(poster=poster.relative_to(output).as_posix(), poster_text="\n".join(cue.lines),
                   poster_time=round(moment, 3))
    return row


def _grab_frame(video: Path, seconds: float, poster: Path) -> None:
    """A JPEG of the frame shown at ``seconds``, at most :data:`POSTER_WIDTH` wide."""
    from ..files import atomic_output
    from ..media import run_ffmpeg

    with atomic_output(poster) as temporary:
        run_ffmpeg(["-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1",
                    "-vf", f"scale='min({POSTER_WIDTH},iw)':-2", "-q:v", "4", str(temporary)],
                   what="grabbing a poster frame")


def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and ".tmp-" in path.name


def _remove_leftovers(folder: Path) -> None:
    """Temporary files a killed earlier run left in ``folder`` (finished outputs are only ever renamed in)."""
    if folder.is_dir():
        for path in folder.rglob(".*.tmp-*"):
            if path.is_file():
                path.unlink()
