"""Split long narration into pieces for an avatar model (the edge around :mod:`.plan`).

Finds the words (aligning the script, or transcribing without one), plans the
cuts, and writes into one folder, per piece: ``piece-01.wav`` (sample-exact
slice of the master), ``piece-01.mp3`` (44.1 kHz, the upload form),
``piece-01.txt`` (its script, Dia tags kept) and ``piece-01.srt`` (its
captions, in its own time); and for the whole: ``captions.srt`` (the master
captions) and ``plan.json``, written last.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..errors import CaptionkitError, MediaError
from ..files import atomic_output, guard_outputs, make_folder, write_text_atomic
from ..media import audio_span, choose_audio_stream, decode_audio, probe, run_ffmpeg
from ..model import Word
from .plan import Plan, PlanOptions, master_track, plan_pieces, plan_tracks

UPLOAD_SAMPLE_RATE = 44100
UPLOAD_BITRATE = "192k"
PLAN_NAME = "plan.json"
MASTER_CAPTIONS = "captions.srt"
#: The files written for each piece.
PIECE_SUFFIXES = (".wav", ".mp3", ".txt", ".srt")
#: Pieces written per ffmpeg run: ffmpeg 9's scheduler stalled for good with all 122 pieces of an hour of
#: narration (244 outputs of one filter graph) in one run; 41 pieces (20 minutes) still finished.
PIECES_PER_RUN = 16


@dataclass(slots=True)
class SplitResult:
    """The plan and every file written, by piece."""

    plan: Plan
    directory: Path
    master_captions: Path
    piece_files: list[dict[str, Path]]

    @property
    def plan_path(self) -> Path:
        return self.directory / PLAN_NAME


def split_audio(
    audio: str | Path,
    out_dir: str | Path,
    *,
    script: str | Path | None = None,
    words: Sequence[Word] | None = None,
    options: PlanOptions = PlanOptions(),  # noqa: B008 -- PlanOptions is a frozen dataclass, safe to share
    model: str | None = None,
    language: str | None = None,
    profile: str = "netflix",
    sdh: bool = False,
    audio_stream: int | str | None = None,
) -> SplitResult:
    """Plan and write the pieces of ``audio`` into ``out_dir``.

    The words that show where the pauses are come from ``words`` when given
    (e.g. a TTS engine's own timings), else from aligning ``script`` with the
    audio, else from transcribing it. The master captions are the ones
    ``align`` makes from the same words (sound cues only with ``sdh``), and the
    cuts fall between their cues where the limit allows.
    """
    audio_path = Path(audio)
    info = probe(audio_path)
    if not info.has_audio:
        raise MediaError(f"{audio_path}: has no audio stream; give the narration's audio file")
    stream = choose_audio_stream(audio_path, audio_stream)
    span = audio_span(audio_path, stream)
    if span.samples == 0:
        raise MediaError(f"{audio_path}: the audio is empty; give the narration's audio file")
    sample_rate = span.sample_rate
    lead = round(span.start * sample_rate)  # the words are timed on the file's timeline
    duration = (span.samples + lead) / sample_rate
    if words is None:
        words, language = _find_words(audio_path, stream, script, model, language)
    language = language or "en"
    captions = master_track(words, profile, language, options.fps, sdh)
    # stitch muxes the master's first audio stream as it is; any other stream, or one that starts after the
    # picture, reaches stitch through the piece WAVs, which are cut on the file's timeline
    as_is = stream == 0 and lead == 0
    plan = plan_pieces(words, duration, options, language=language,
                       source=str(audio_path.resolve()) if as_is else None, cues=captions.cues)
    directory = Path(out_dir)
    if directory.exists() and not directory.is_dir():
        raise CaptionkitError(f"{directory}: is a file; give a folder for the pieces with -o")
    guard_outputs([audio_path, script],
                  [directory / f"{piece.name}{suffix}" for piece in plan.pieces for suffix in PIECE_SUFFIXES]
                  + [directory / MASTER_CAPTIONS, directory / PLAN_NAME])
    make_folder(directory)
    piece_files = _write_audio_pieces(audio_path, stream, plan, directory, sample_rate, lead)
    plan.profile, plan.sdh = profile, sdh
    plan = Plan.from_dict(plan.to_dict())  # exactly what plan.json holds, so stitch rebuilds the same captions
    master, piece_tracks = plan_tracks(plan)
    from ..formats import save

    for piece, files, track in zip(plan.pieces, piece_files, piece_tracks):
        files["script"] = write_text_atomic(directory / f"{piece.name}.txt", piece.script(plan.language) + "\n")
        files["captions"] = directory / f"{piece.name}.srt"
        save(track, files["captions"])
    master_path = directory / MASTER_CAPTIONS
    save(master, master_path)
    plan.save(directory / PLAN_NAME)
    return SplitResult(plan, directory, master_path, piece_files)


def _find_words(
    path: Path, stream: int, script, model: str | None, language: str | None,
) -> tuple[list[Word], str | None]:
    """The timed words of audio stream ``stream`` (0-based): the script aligned with it, or a transcription."""
    options: dict[str, Any] = {"model": model} if model else {}  # model is left out: the default model
    with decode_audio(path, stream=stream + 1) as audio:
        if script is not None:
            from ..script import read_script

            try:
                from ..speech.align import align_script
            except ImportError as error:
                raise CaptionkitError(
                    "aligning a script needs captionkit.speech.align, which this build lacks; split without --script"
                ) from error
            alignment = align_script(audio, read_script(script), language=language, **options)
            return list(alignment.words), alignment.language
        from ..speech.transcribe import transcribe

        transcription = transcribe(audio, language=language, **options)
        return list(transcription.words), transcription.language


def _write_audio_pieces(
    audio: Path, stream: int, plan: Plan, directory: Path, sample_rate: int, lead: int,
) -> list[dict[str, Path]]:
    """Every piece as a sample-exact PCM WAV and as an MP3 upload copy, ``PIECES_PER_RUN`` pieces per ffmpeg run.

    The pieces are cut on the file's timeline, like the words: an audio stream that starts ``lead``
    samples after time 0 is preceded by that much silence (a negative ``lead`` is cut). The last piece
    is padded with silence to its whole number of frames.
    """
    if lead > 0:
        onto_timeline = f"adelay=delays={lead}S:all=1,"
    elif lead < 0:
        onto_timeline = f"atrim=start_sample={-lead},asetpts=PTS-STARTPTS,"
    else:
        onto_timeline = ""
    for first_piece in range(0, len(plan.pieces), PIECES_PER_RUN):
        pieces = plan.pieces[first_piece : first_piece + PIECES_PER_RUN]
        bounds = [(round(piece.start_frame * sample_rate / plan.fps), round(piece.end_frame * sample_rate / plan.fps))
                  for piece in pieces]
        # decoding stops at the end of the run's last piece
        graph = [f"[0:a:{stream}]{onto_timeline}atrim=end_sample={bounds[-1][1]},asplit={len(pieces)}"
                 + "".join(f"[in{i}]" for i in range(len(pieces)))]
        outputs: list[tuple[str, Path, list[str]]] = []
        for i, (piece, (first, last)) in enumerate(zip(pieces, bounds)):
            graph.append(
                f"[in{i}]atrim=start_sample={first}:end_sample={last},asetpts=PTS-STARTPTS,"
                f"apad=whole_len={last - first},asplit=2[wav{i}][mp3{i}]"
            )
            outputs.append((f"[wav{i}]", directory / f"{piece.name}.wav", ["-c:a", "pcm_s16le"]))
            outputs.append((
                f"[mp3{i}]",
                directory / f"{piece.name}.mp3",
                ["-c:a", "libmp3lame", "-b:a", UPLOAD_BITRATE, "-ar", str(UPLOAD_SAMPLE_RATE)],
            ))
        with contextlib.ExitStack() as stack:
            args: list[str | Path] = ["-i", audio, "-filter_complex", ";".join(graph)]
            for label, path, codec in outputs:
                temporary = stack.enter_context(atomic_output(path))
                args += ["-map", label, *codec, temporary]
            run_ffmpeg(args, what="writing the audio pieces", duration=pieces[-1].end,
                       progress_label=f"writing pieces {pieces[0].index}-{pieces[-1].index} of {len(plan.pieces)}")
    return [
        {"audio": directory / f"{piece.name}.wav", "upload": directory / f"{piece.name}.mp3"}
        for piece in plan.pieces
    ]


def piece_summary(result: SplitResult) -> list[dict]:
    """One row per piece for reports and ``--json``."""
    rows = []
    descriptions = [*result.plan.cut_descriptions(), "end of audio"]
    for piece, files, cut in zip(result.plan.pieces, result.piece_files, descriptions):
        rows.append({
            "piece": piece.index,
            "start": round(piece.start, 3),
            "end": round(piece.end, 3),
            "duration": round(piece.duration, 3),
            "frames": piece.frames,
            "words": len(piece.words),
            "cut_after": cut,
            **{kind: str(path) for kind, path in files.items()},
        })
    return rows
