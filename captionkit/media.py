"""The media edge: find ffmpeg, probe files with PyAV, decode audio, run ffmpeg.

Everything that touches a media file's bytes goes through here, so the rest
of captionkit deals only in seconds, sample arrays and paths.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np

from .errors import CaptionkitError, ExternalToolError, MediaError
from .files import written_path

#: The sample rate Whisper models expect.
MODEL_SAMPLE_RATE = 16000


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg binary: the system's if on PATH, else the one shipped in imageio-ffmpeg."""
    override = os.environ.get("CAPTIONKIT_FFMPEG")
    if override:
        return override
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise ExternalToolError("ffmpeg was not found: install it, or run 'pip install imageio-ffmpeg'") from error
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a probe of a media file found."""

    path: Path
    duration: float
    has_video: bool
    has_audio: bool
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    video_codec: str | None = None
    pixel_format: str | None = None
    video_time_base: Fraction | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    audio_layout: str | None = None

    @property
    def frame_duration(self) -> float | None:
        return float(1 / self.fps) if self.fps else None


def _check_exists(path: Path) -> None:
    path = written_path(path)
    if not path.exists():
        raise MediaError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise MediaError(f"{path}: is a folder, not a media file; name a video or audio file")


def probe(path: str | os.PathLike) -> MediaInfo:
    """Probe ``path`` with PyAV; raise :class:`MediaError` if it is missing or not media."""
    import av

    media_path = Path(path)
    _check_exists(media_path)
    try:
        container = open_media(media_path)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as error:
        raise MediaError(f"{media_path}: not a media file ffmpeg can read; give a video or audio file") from error
    with container:
        video = next((s for s in container.streams.video), None)
        audio = next((s for s in container.streams.audio), None)
        if video is None and audio is None:
            raise MediaError(f"{media_path}: contains no audio or video stream; give a video or audio file")
        fields: dict = {
            "path": media_path,
            "duration": _container_duration(container, video, audio),
            "has_video": video is not None,
            "has_audio": audio is not None,
        }
        if video is not None:
            ctx = video.codec_context
            fps = video.average_rate or video.guessed_rate or video.base_rate
            fields.update(
                width=ctx.width,
                height=ctx.height,
                fps=Fraction(fps) if fps else None,
                video_codec=ctx.name,
                pixel_format=ctx.pix_fmt,
                video_time_base=Fraction(video.time_base) if video.time_base else None,
            )
        if audio is not None:
            ctx = audio.codec_context
            fields.update(
                audio_codec=ctx.name,
                sample_rate=ctx.sample_rate,
                channels=ctx.channels,
                audio_layout=ctx.layout.name if ctx.layout else None,
            )
    return MediaInfo(**fields)


def _container_duration(container, video, audio) -> float:
    if container.duration is not None and container.duration > 0:
        return container.duration / 1_000_000
    for stream in (audio, video):
        if stream is not None and stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
    return 0.0


# -- Language tags of streams ---------------------------------------------------------------------

#: ISO 639-1 -> (ISO 639-2/T, ISO 639-2/B, English name) for the languages captionkit meets most.
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "ar": ("ara", "ara", "Arabic"), "bg": ("bul", "bul", "Bulgarian"), "bn": ("ben", "ben", "Bengali"),
    "ca": ("cat", "cat", "Catalan"), "cs": ("ces", "cze", "Czech"), "cy": ("cym", "wel", "Welsh"),
    "da": ("dan", "dan", "Danish"), "de": ("deu", "ger", "German"), "el": ("ell", "gre", "Greek"),
    "en": ("eng", "eng", "English"), "es": ("spa", "spa", "Spanish"), "et": ("est", "est", "Estonian"),
    "eu": ("eus", "baq", "Basque"), "fa": ("fas", "per", "Persian"), "fi": ("fin", "fin", "Finnish"),
    "fr": ("fra", "fre", "French"), "ga": ("gle", "gle", "Irish"), "he": ("heb", "heb", "Hebrew"),
    "hi": ("hin", "hin", "Hindi"), "hr": ("hrv", "hrv", "Croatian"), "hu": ("hun", "hun", "Hungarian"),
    "hy": ("hye", "arm", "Armenian"), "id": ("ind", "ind", "Indonesian"), "is": ("isl", "ice", "Icelandic"),
    "it": ("ita", "ita", "Italian"), "ja": ("jpn", "jpn", "Japanese"), "ka": ("kat", "geo", "Georgian"),
    "ko": ("kor", "kor", "Korean"), "lt": ("lit", "lit", "Lithuanian"), "lv": ("lav", "lav", "Latvian"),
    "mk": ("mkd", "mac", "Macedonian"), "ms": ("msa", "may", "Malay"), "nl": ("nld", "dut", "Dutch"),
    "no": ("nor", "nor", "Norwegian"), "nb": ("nob", "nob", "Norwegian Bokmål"), "pl": ("pol", "pol", "Polish"),
    "pt": ("por", "por", "Portuguese"), "ro": ("ron", "rum", "Romanian"), "ru": ("rus", "rus", "Russian"),
    "sk": ("slk", "slo", "Slovak"), "sl": ("slv", "slv", "Slovenian"), "sq": ("sqi", "alb", "Albanian"),
    "sr": ("srp", "srp", "Serbian"), "sv": ("swe", "swe", "Swedish"), "sw": ("swa", "swa", "Swahili"),
    "ta": ("tam", "tam", "Tamil"), "th": ("tha", "tha", "Thai"), "tl": ("tgl", "tgl", "Tagalog"),
    "tr": ("tur", "tur", "Turkish"), "uk": ("ukr", "ukr", "Ukrainian"), "ur": ("urd", "urd", "Urdu"),
    "vi": ("vie", "vie", "Vietnamese"), "zh": ("zho", "chi", "Chinese"),
}


def language_tag(code: str | None, *, bibliographic: bool = False) -> str:
    """``en``/``en-US``/``eng`` -> the ISO 639-2 code (``eng``); unknown -> ``und``."""
    if not code:
        return "und"
    base = code.replace("_", "-").split("-")[0].lower()
    if base in LANGUAGES:
        terminologic, biblio, _ = LANGUAGES[base]
        return biblio if bibliographic else terminologic
    for terminologic, biblio, _ in LANGUAGES.values():
        if base in (terminologic, biblio):
            return biblio if bibliographic else terminologic
    if re.fullmatch(r"[a-z]{3}", base):
        return base
    raise CaptionkitError(f"language '{code}' is not a language code captionkit knows; use e.g. en, es, de or eng")


def language_name(code: str | None) -> str | None:
    if not code:
        return None
    tag = language_tag(code)
    return next((name for terminologic, _, name in LANGUAGES.values() if terminologic == tag), None)



def ffmpeg_path(path: str | os.PathLike) -> str:
    """``path`` as ffmpeg (and PyAV) must be given it: an absolute ``file:`` URL, so a name with a colon
    (``a:b.mp4``) is not read as a protocol and one starting with ``-`` is not read as an option. An
    output written earlier in this run and not yet committed is read from its staged file."""
    return "file:" + os.path.abspath(os.fspath(written_path(path)))


def open_media(path: str | os.PathLike, mode: Literal["r", "w"] = "r", **options: Any) -> Any:
    """``av.open`` for a local path, safe for any file name (see :func:`ffmpeg_path`)."""
    import av

    return av.open(ffmpeg_path(path), mode, **options)


#: A stream whose loudest moment in its first minutes is below this (dBFS) counts as silent.
SILENT_STREAM_DBFS = -60.0
#: How much of each audio stream is listened to when choosing one (seconds).
STREAM_SCAN_SECONDS = 120.0


class Audio:
    """Mono float32 samples at ``sample_rate``, read by slices (``audio[a:b]`` is an array) and ``len``.

    Decoded media is spooled to an anonymous temporary file (unlinked at once, so nothing is
    left behind even after ``kill -9``) and each slice is read from it: memory holds only the
    slices in use, however long the audio. Samples already in memory are wrapped as they are.
    """

    def __init__(self, samples: np.ndarray | None = None, *, sample_rate: int = MODEL_SAMPLE_RATE,
                 spool: Any = None, length: int = 0) -> None:
        self.sample_rate = sample_rate
        self._samples = None if samples is None else np.asarray(samples, dtype=np.float32)
        self._spool = spool
        self._lock = threading.Lock()
        self._length = len(self._samples) if self._samples is not None else length

    def __len__(self) -> int:
        return self._length

    @property
    def duration(self) -> float:
        return self._length / self.sample_rate

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("audio is read by contiguous slices, audio[a:b]")
        if self._samples is not None:
            return self._samples[key]
        start, stop, _ = key.indices(self._length)
        samples = np.empty(max(0, stop - start), dtype=np.float32)
        with self._lock:  # slices may be read from several threads
            self._spool.seek(start * samples.itemsize)
            read = self._spool.readinto(memoryview(samples.data).cast("B"))
        if read != samples.nbytes:
            raise MediaError("the decoded audio could not be read back from the temporary folder")
        return samples

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()

    def __enter__(self) -> "Audio":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Audio as the speech code takes it: an array, or an :class:`Audio` read by slices.
Samples = np.ndarray | Audio


def decode_audio(
    path: str | os.PathLike, sample_rate: int = MODEL_SAMPLE_RATE, *, stream: int | str | None = None,
) -> Audio:
    """Decode one audio stream of ``path`` to mono float32 samples at ``sample_rate``, on the file's timeline.

    Sample 0 is the file's time 0 (where the picture starts), so an audio stream that starts later
    (a start time or an edit list) is preceded by silence, and one that starts earlier is cut.
    ``stream`` is the audio stream's number (1 = the first) or language tag; by default the first,
    unless it is silent and another one has sound (see :func:`choose_audio_stream`). The samples
    are streamed to a temporary file as they are decoded (see :class:`Audio`), so memory stays
    flat with the length of the media.
    """
    import tempfile

    import av

    info = probe(path)
    if not info.has_audio:
        raise MediaError(f"{info.path}: has no audio stream, so there is no speech to caption; give a file with sound")
    index = choose_audio_stream(info.path, stream)
    spool = tempfile.TemporaryFile(prefix="captionkit-audio-")
    try:
        with open_media(info.path) as container:
            origin = (container.start_time or 0) / 1_000_000
            length = _decode_into(container, container.streams.audio[index], sample_rate, origin, spool)
        spool.flush()
    except av.error.FFmpegError as error:
        spool.close()
        raise MediaError(f"{info.path}: its audio could not be decoded ({error}); re-export the file") from error
    except OSError as error:
        spool.close()
        raise MediaError(f"{info.path}: its decoded audio could not be held in the temporary folder "
                         f"{tempfile.gettempdir()} ({error.strerror or error}); free some space or set TMPDIR") from error
    except BaseException:
        spool.close()
        raise
    return Audio(sample_rate=sample_rate, spool=spool, length=length)


def load_audio(
    path: str | os.PathLike, sample_rate: int = MODEL_SAMPLE_RATE, *, stream: int | str | None = None,
) -> np.ndarray:
    """All the samples :func:`decode_audio` gives, in one array (for short media, or whole-signal measures)."""
    with decode_audio(path, sample_rate, stream=stream) as audio:
        return audio[:]


def _decode_into(container, audio_stream, sample_rate: int, origin: float, sink) -> int:
    """Write ``audio_stream`` resampled to mono float32 into the binary file ``sink``, the first frame placed at
    its time from ``origin`` (silence before it, samples before time 0 dropped); return the sample count."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    skip: int | None = None  # samples still to drop (before time 0), set by the first frame's time
    written = 0

    def place(chunk: np.ndarray) -> None:
        nonlocal skip, written
        assert skip is not None
        dropped = min(skip, len(chunk))
        skip -= dropped
        sink.write(chunk[dropped:].astype(np.float32, copy=False).tobytes())
        written += len(chunk) - dropped

    for frame in container.decode(audio_stream):
        if skip is None:
            position = round(_time_on_timeline(frame, origin) * sample_rate)
            skip = max(0, -position)
            if position > 0:  # the audio starts after the picture: silence until it does
                sink.write(np.zeros(position, dtype=np.float32).tobytes())
                written = position
        for resampled in resampler.resample(frame):
            place(resampled.to_ndarray().reshape(-1))
    if skip is not None:
        for resampled in resampler.resample(None):
            place(resampled.to_ndarray().reshape(-1))
    return written


def _time_on_timeline(frame, origin: float) -> float:
    """Seconds from the file's time 0 (``origin``, the container's start) to a decoded frame."""
    return (frame.time if frame.time is not None else origin) - origin


@dataclass(frozen=True, slots=True)
class AudioSpan:
    """Audio stream's own sample rate, how many samples it decodes to, and where it starts on the file's timeline."""

    sample_rate: int
    samples: int
    #: seconds of silence before its sound, as :func:`decode_audio` places it (negative: seconds of it before
    #: time 0, which are cut)
    start: float


def audio_span(path: str | os.PathLike, index: int) -> AudioSpan:
    """Decode audio stream ``index`` (0-based) once to measure its :class:`AudioSpan` (the sample count is
    exact, unlike a header's estimate)."""
    import av

    count, start = 0, None
    try:
        with open_media(path) as container:
            origin = (container.start_time or 0) / 1_000_000
            stream = container.streams.audio[index]
            rate = stream.codec_context.sample_rate or 48000
            for frame in container.decode(stream):
                if start is None:
                    start = _time_on_timeline(frame, origin)
                count += frame.samples
    except av.error.FFmpegError as error:
        raise MediaError(f"{path}: its audio could not be decoded ({error}); re-export the file") from error
    return AudioSpan(rate, count, start or 0.0)


def choose_audio_stream(path: str | os.PathLike, wanted: int | str | None = None) -> int:
    """The index (0-based, among audio streams) of the stream to listen to.

    ``wanted`` is a number (1 = the first) or a language tag (``en``/``eng``). By default the first
    stream, unless it is silent: then the first stream with sound, language-tagged ones first.
    """
    with open_media(path) as container:
        streams = list(container.streams.audio)
        tags = [(stream.metadata.get("language") or "und").lower() for stream in streams]
    if isinstance(wanted, int):
        if not 1 <= wanted <= len(streams):
            raise MediaError(f"{path}: has {len(streams)} audio stream(s), so there is no --audio-stream {wanted}; "
                             f"give 1 to {len(streams)}")
        return wanted - 1
    if isinstance(wanted, str):
        codes = {wanted.lower(), language_tag(wanted), language_tag(wanted, bibliographic=True)}
        for index, tag in enumerate(tags):
            if tag in codes or tag.split("-")[0] in codes:
                return index
        raise MediaError(f"{path}: no audio stream is tagged {wanted!r} (tags: {', '.join(tags)}); "
                         "give a stream number or one of those languages with --audio-stream")
    if len(streams) < 2 or not _silent(path, 0):
        return 0
    order = sorted(range(1, len(streams)), key=lambda index: tags[index] == "und")
    return next((index for index in order if not _silent(path, index)), 0)


def _silent(path: str | os.PathLike, index: int) -> bool:
    """Whether audio stream ``index`` has no sound in its first minutes."""
    with open_media(path) as container:
        audio_stream = container.streams.audio[index]
        loudest = 0.0
        for frame in container.decode(audio_stream):
            values = frame.to_ndarray()
            if values.dtype.kind in "iu":
                values = values / float(np.iinfo(values.dtype).max)
            loudest = max(loudest, float(np.abs(values).max(initial=0.0)))
            if loudest > 10 ** (SILENT_STREAM_DBFS / 20) or (frame.time or 0) > STREAM_SCAN_SECONDS:
                break
    return loudest <= 10 ** (SILENT_STREAM_DBFS / 20)


_TIME_PATTERN = re.compile(r"out_time_us=(\d+)")


def run_ffmpeg(
    args: Sequence[str | os.PathLike],
    *,
    what: str = "ffmpeg",
    duration: float | None = None,
    progress_label: str | None = None,
    env: dict[str, str] | None = None,
) -> None:
    """Run ffmpeg with ``args`` (an argv list, no shell); raise a one-line error if it fails.

    Path objects among ``args`` are passed as ``file:`` URLs (see :func:`ffmpeg_path`). ffmpeg runs
    in its own process group and dies with captionkit (even on ``kill -9``); Ctrl-C stops it and
    propagates as ``KeyboardInterrupt``. With ``duration`` and ``progress_label``, show a progress
    bar over the output time ffmpeg reports. ``env`` replaces the environment ffmpeg runs in.
    """
    paths = [ffmpeg_path(arg) if isinstance(arg, os.PathLike) else arg for arg in args]
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *_thread_limit(paths)]
    show_progress = bool(duration and progress_label)
    if show_progress:
        command[4:4] = ["-progress", "pipe:1", "-nostats"]
    process = subprocess.Popen(
        [*_dying_with_parent(), *command], stdout=subprocess.PIPE if show_progress else subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", env=env, start_new_session=True,
    )
    try:
        if show_progress:
            from .progress import progress_bar

            with progress_bar(total=round(duration or 0, 1), label=progress_label, unit="s") as bar:
                assert process.stdout is not None
                for line in process.stdout:
                    match = _TIME_PATTERN.match(line.strip())
                    if match:
                        bar.update_to(min(int(match.group(1)) / 1e6, duration or 0))
        _, stderr = process.communicate()
    except BaseException:  # Ctrl-C or an error of ours: ffmpeg must not outlive the run
        _stop(process)
        raise
    if process.returncode != 0:
        raise ExternalToolError(f"{what} failed: {_last_error_line(stderr)}")


@functools.cache
def _dying_with_parent() -> tuple[str, ...]:
    """A command prefix that has Linux kill the command when this process dies (``PR_SET_PDEATHSIG``, kept across
    exec): util-linux's ``setpriv --pdeathsig KILL``; nothing where there is none (the process group remains).

    Not a ``preexec_fn``: with one, the forked child runs Python's after-fork clean-up before exec, which frees the
    other threads' objects; a PyAV scaler freed there waited for good on threads the child does not have (a fake
    inference.sh service thread running ffmpeg hung the test suite)."""
    setpriv = shutil.which("setpriv") if sys.platform.startswith("linux") else None
    return (setpriv, "--pdeathsig", "KILL", "--") if setpriv else ()


def _stop(process: subprocess.Popen) -> None:
    """Kill ``process`` and everything it started (its process group) and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        process.communicate(timeout=5)


def _thread_limit(args: Sequence[str]) -> list[str]:
    """``args`` limited to ``CAPTIONKIT_THREADS`` threads (set by batch workers sharing a machine), if set:
    for every filtergraph, and for the encoder of the output (the last argument)."""
    threads = os.environ.get("CAPTIONKIT_THREADS")
    if not threads or not args or str(args[-1]).startswith("-"):
        return list(args)
    limit = ["-filter_threads", threads, "-filter_complex_threads", threads]
    return [*limit, *args[:-1], "-threads", threads, args[-1]]


def _last_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in reversed(lines):
        if "error" in line.lower() or "invalid" in line.lower() or "no such" in line.lower():
            return line
    return lines[-1] if lines else "no message"


def frame_times(path: str | os.PathLike) -> np.ndarray:
    """Presentation times (seconds) of every decoded video frame of ``path``."""
    with open_media(path) as container:
        stream = container.streams.video[0]
        times = [float(frame.pts * stream.time_base) for frame in container.decode(stream) if frame.pts is not None]
    return np.asarray(times)


def packet_frame_times(path: str | os.PathLike) -> np.ndarray:
    """Presentation times (seconds) of every video frame of ``path``, from its packets (no decoding), sorted."""
    with open_media(path) as container:
        stream = container.streams.video[0]
        times = [float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None and p.size]
    return np.sort(np.asarray(times))


def audio_head(
    path: str | os.PathLike, seconds: float, sample_rate: int = MODEL_SAMPLE_RATE, *, stream: int = 0,
) -> np.ndarray:
    """The first ``seconds`` of audio stream ``stream`` (0-based) as mono float32 at ``sample_rate`` (decoding
    stops there)."""
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks: list[np.ndarray] = []
    wanted, have = round(seconds * sample_rate), 0
    with open_media(path) as container:
        for frame in container.decode(container.streams.audio[stream]):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
                have += len(chunks[-1])
            if have >= wanted:
                break
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return samples[:wanted].astype(np.float32, copy=False)


def audio_window(container, start: float, seconds: float, sample_rate: int = MODEL_SAMPLE_RATE) -> tuple[float, np.ndarray]:
    """About ``seconds`` of an open container's first audio stream from ``start``, as (time of the first
    sample, mono float32 at ``sample_rate``).

    Decoding starts half a second early (after a seek the AAC decoder needs a frame to settle) and the
    samples are timed by the decoded frames' own timestamps.
    """
    import av

    stream = container.streams.audio[0]
    container.seek(max(0, int((start - 0.5) / stream.time_base)), stream=stream)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks: list[np.ndarray] = []
    first_time, have = None, 0
    for frame in container.decode(stream):
        if first_time is None:
            first_time = float(frame.time or 0.0)
        for out in resampler.resample(frame):
            chunks.append(out.to_ndarray().reshape(-1))
            have += len(chunks[-1])
        if first_time + have / sample_rate >= start + seconds:
            break
    samples = np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)
    return (first_time or 0.0), samples

