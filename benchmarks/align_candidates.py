"""Language-independent refinement candidates (issue #10 item 5), measured on verified truth.

    python benchmarks/align_candidates.py [--languages en,es,de] [--sets tuning,held-out] [--no-cost] [--tune]

Each candidate is applied after the attention stage and the language-independent
lag + pause snapping (``refine_words(method="energy")``), in place of the default's
pocketsphinx stage (an English acoustic model; Spanish and German words spelled
in its phones by rule). Words after a pause keep the snapping stage's start (it
is on the pause's end); the candidates move the starts inside continuous speech:

- **(a) acoustic onsets** (``OnsetOptions``): each such start moves to the
  acoustic boundary near it: the energy valley (``kind="valley"``) or the peak
  of the positive spectral flux (``kind="flux"``) of a 40-band log-mel
  spectrogram (5 ms hop), within ``reach_seconds`` and weighted by a Gaussian
  around the attention's boundary.
- **(b) stable-ts-style muting** (``MuteOptions``): the latest start such that
  muting the audio from the middle of the previous word up to it keeps the
  Whisper decoder's probability of the word's first token (teacher-forced, the
  script's tokens) within stable-ts's tolerances (3 % relative, 0.05 absolute,
  never under 0.5); found by bisection to 20 ms, every other word probed in the
  same pass (two muted copies of each window per step, as stable-ts does), then
  its measured bias taken off. Word starts only (the measure here).

Rows: the raw attention, lag + snapping, the default (+ pocketsphinx), (a) and
(b): word-start errors (median / p90 / max) on espeak words and sentence onsets,
as in ``align_accuracy.py`` (the truth and its waveform check:
``benchmarks/truth.py``). The raw attention comes from ``truth.raw_alignment``
(cached), so every row refines the same times. CPU seconds (process time, all
threads) of each refinement, and over transcribing the same clips
(``transcribe``); the attention alignment (``align_script(refine=False)``) is
timed too (``--no-cost`` skips both).

``--tune`` prints the grid of (a)'s options on the tuning clips of the languages
given, ranked by one score for all of them (a language-independent stage gets
one setting), and (b)'s median signed error on the words it moves (its bias).
The held-out clips never choose a value.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import truth

from captionkit.model import Word, keep_in_order
from captionkit.speech import refine
from captionkit.speech.align import align_script
from captionkit.speech.transcribe import transcribe
from captionkit.speech.whisper_adapter import WINDOW_SECONDS, adapter_for

RATE = truth.RATE


def after_pause(word: Word, speech: np.ndarray, guard: float) -> bool:
    """Whether the speech mask has silence within ``guard`` seconds before ``word`` starts."""
    frame = refine.DEFAULT_OPTIONS.frame_seconds
    return not speech[max(0, int(round((word.start - guard) / frame))) : int(round(word.start / frame))].all()


# -- (a) acoustic onsets ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnsetOptions:
    """Candidate (a). Chosen on the tuning clips of en, es and de together (``--tune``)."""

    #: "flux" (peak of the positive spectral flux) or "valley" (minimum of the level).
    kind: str = "valley"
    #: How far either side of the boundary the onset is looked for.
    reach_seconds: float = 0.1
    #: Width of the Gaussian that weights candidates by their distance from the boundary.
    spread_seconds: float = 0.06
    #: A flux peak weaker than this (mean dB rise per band and frame) leaves the boundary where it is.
    min_flux_db: float = 1.0
    #: A valley at the boundary counts this much deeper, less with the Gaussian away from it (not tuned).
    valley_bonus_db: float = 6.0
    #: A word that starts this soon after silence (by the speech mask) is after a pause: snapping placed it.
    pause_guard_seconds: float = 0.05
    #: Analysis: hop, window, bands.
    hop_seconds: float = 0.005
    window_seconds: float = 0.025
    bands: int = 40


def log_mel(audio: np.ndarray, options: OnsetOptions) -> np.ndarray:
    """(frames, bands) log-mel energies in dB, frame ``k`` centred at ``k * hop_seconds``."""
    hop, width = round(options.hop_seconds * RATE), round(options.window_seconds * RATE)
    size = 1 << (width - 1).bit_length()
    padded = np.pad(audio.astype(np.float64), (width // 2, width))
    count = 1 + (len(audio) - 1) // hop
    edges = 700 * (10 ** (np.linspace(2595 * np.log10(1 + 60 / 700), 2595 * np.log10(1 + 7600 / 700),
                                      options.bands + 2) / 2595) - 1)
    bins = np.fft.rfftfreq(size, 1 / RATE)
    bank = np.zeros((options.bands, len(bins)))
    for band in range(options.bands):
        low, centre, high = edges[band : band + 3]
        bank[band] = np.clip(np.minimum((bins - low) / (centre - low), (high - bins) / (high - centre)), 0, None)
    window = np.hanning(width)
    levels = np.empty((count, options.bands))
    for first in range(0, count, 2000):  # blocks: memory stays small
        frames = np.arange(first, min(count, first + 2000))
        chunk = padded[frames[:, None] * hop + np.arange(width)[None, :]] * window
        power = np.abs(np.fft.rfft(chunk, size)) ** 2
        levels[frames] = 10 * np.log10(power @ bank.T + 1e-10)
    return levels


def onset_refine(words: list[Word], audio: np.ndarray, options: OnsetOptions, features=None) -> list[Word]:
    """Copies of ``words`` (after lag and snapping) with each start inside continuous speech moved to the
    acoustic onset near it (the word before still ends where the moved one starts, if it did)."""
    levels = log_mel(audio, options) if features is None else features
    flux = np.concatenate([[0.0], np.maximum(0.0, np.diff(levels, axis=0)).mean(axis=1)])
    energy = 10 * np.log10(np.mean(10 ** (levels / 10), axis=1) + 1e-12)
    speech = refine.speech_mask(audio, RATE)
    hop = options.hop_seconds
    moved = [replace(word) for word in words]
    spoken = [i for i, word in enumerate(moved) if word.kind == "speech" and any(ch.isalnum() for ch in word.text)]
    for before, index in itertools.pairwise(spoken):
        word, previous = moved[index], moved[before]
        if after_pause(word, speech, options.pause_guard_seconds):
            continue  # the snapping stage put it on the pause's end
        low = max(word.start - options.reach_seconds, previous.start + 0.03)
        high = min(word.start + options.reach_seconds, word.end - 0.03)
        frames = np.arange(int(np.ceil(low / hop)), int(high / hop) + 1)
        frames = frames[(frames > 0) & (frames < len(flux))]
        if len(frames) == 0:
            continue
        weight = np.exp(-0.5 * ((frames * hop - word.start) / options.spread_seconds) ** 2)
        if options.kind == "flux":
            best = frames[np.argmax(flux[frames] * weight)]
            if flux[best] < options.min_flux_db:
                continue
        else:
            best = frames[np.argmin(energy[frames] - options.valley_bonus_db * weight)]
        start = float(best * hop)
        if abs(previous.end - word.start) < 0.02:
            previous.end = start
        word.start = start
    return refine.give_minimum_length(keep_in_order(moved), refine.DEFAULT_OPTIONS.min_word_seconds,
                                      len(audio) / RATE)


# -- (b) stable-ts-style muting ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MuteOptions:
    """Candidate (b): stable-ts's ``refine`` defaults, with its finest precision (its default is 0.1 s)."""

    precision_seconds: float = 0.02
    rel_prob_decrease: float = 0.03
    abs_prob_decrease: float = 0.05
    prob_threshold: float = 0.5
    #: A start is searched from ``rel_duration_change`` of the word's length before it (not before the middle of
    #: the previous word, where its muting begins) to the word's end.
    rel_duration_change: float = 0.5
    #: Tokens per decoder pass (stable-ts: 100; the decoder holds 448 positions).
    max_tokens: int = 200
    #: Words after a pause keep the snapping stage's start (as in (a)).
    pause_guard_seconds: float = 0.05
    #: The latest start the decoder tolerates is this much after the true start, taken off (``--tune``: median
    #: on the words it moved in the tuning clips, en +49, es +42, de +74 ms).
    start_bias_seconds: float = 0.05


class _Prober:
    """The first-token probability of every word of one window, with parts of its audio muted."""

    def __init__(self, whisper, tokenizer, audio: np.ndarray, begin: float, end: float, tokens: list[list[int]]):
        self.whisper, self.tokenizer = whisper, tokenizer
        self.begin = begin
        self.audio = audio[int(begin * RATE) : int(end * RATE)]
        self.tokens = tokens
        self.firsts = np.cumsum([0] + [len(t) for t in tokens[:-1]])
        self.calls = 0

    def probabilities(self, mutes: list[tuple[float, float]]) -> np.ndarray:
        """Each word's first-token probability with the audio muted over ``mutes`` (absolute seconds)."""
        muted = self.audio.copy()
        for low, high in mutes:
            muted[max(0, int((low - self.begin) * RATE)) : max(0, int((high - self.begin) * RATE))] = 0.0
        encoded = self.whisper.encode(self.whisper.mel(muted))
        path = self.whisper.align(self.tokenizer, encoded, [token for word in self.tokens for token in word])
        self.calls += 1
        return path.probabilities[self.firsts]


def mute_refine(words: list[Word], audio: np.ndarray, whisper, tokenizer, options: MuteOptions) -> list[Word]:
    """Copies of ``words`` with each start moved to the latest point the decoder still hears the word from."""
    moved = [replace(word) for word in words]
    spoken = [i for i, word in enumerate(moved) if word.kind == "speech" and any(ch.isalnum() for ch in word.text)]
    duration = len(audio) / RATE
    speech = refine.speech_mask(audio, RATE)
    tokens = {i: tokenizer.encode(" " + moved[i].text) for i in spoken}
    lows, fixed = {}, set()
    for position, index in enumerate(spoken):
        word = moved[index]
        previous = moved[spoken[position - 1]] if position else None
        middle = (previous.start + previous.end) / 2 + 0.02 if previous else 0.0
        lows[index] = max(middle, word.start - options.rel_duration_change * (word.end - word.start))
        if previous is None or after_pause(word, speech, options.pause_guard_seconds):
            fixed.add(index)
    # windows of at most 30 s of audio and ``max_tokens`` tokens
    groups: list[list[int]] = [[]]
    for index in spoken:
        group = groups[-1]
        count = sum(len(tokens[i]) for i in group) + len(tokens[index])
        if group and (moved[index].end + 0.2 - (lows[group[0]] - 0.2) > WINDOW_SECONDS - 0.5 or count > options.max_tokens):
            groups.append([])
        groups[-1].append(index)
    for group in groups:
        begin, end = max(0.0, lows[group[0]] - 0.2), min(duration, moved[group[-1]].end + 0.2)
        prober = _Prober(whisper, tokenizer, audio, begin, end, [tokens[i] for i in group])
        anchors = [begin] + [(moved[a].start + moved[a].end) / 2 for a in group[:-1]]  # mute from mid previous word
        low = np.array([lows[i] for i in group])
        high = np.array([moved[i].end for i in group])
        start = np.array([moved[i].start for i in group])
        best = start.copy()
        rows = [np.arange(len(group)) % 2 == row for row in (0, 1)]
        original = np.zeros(len(group))
        for row in rows:
            original[row] = prober.probabilities([(anchors[k], start[k]) for k in np.flatnonzero(row)])[row]
        searched = np.array([i not in fixed for i in group])
        active = searched & (original >= options.prob_threshold) & (high - low >= options.precision_seconds)
        while active.any():
            middle = np.where(active, (low + high) / 2, best)
            for row in rows:
                if not (active & row).any():
                    continue
                probabilities = prober.probabilities([(anchors[k], middle[k]) for k in np.flatnonzero(row)])
                for k in np.flatnonzero(active & row):
                    drop = original[k] - probabilities[k]
                    if (probabilities[k] >= options.prob_threshold and drop <= options.abs_prob_decrease
                            and drop <= options.rel_prob_decrease * original[k]):
                        low[k], best[k] = middle[k], middle[k]
                    else:
                        high[k] = middle[k]
            active &= high - low >= options.precision_seconds
        for k, index in enumerate(group):
            if searched[k] and best[k] != start[k]:
                previous = moved[spoken[spoken.index(index) - 1]]
                new = float(min(max(lows[index], best[k] - options.start_bias_seconds), moved[index].end))
                if previous.end > new or abs(previous.end - moved[index].start) < 0.02:
                    previous.end = new  # the word before still ends where this one starts
                moved[index].start = new
    return refine.give_minimum_length(keep_in_order(moved), refine.DEFAULT_OPTIONS.min_word_seconds, duration)


# -- measuring -------------------------------------------------------------------------------------------


def model_for(language: str) -> str:
    return "tiny.en" if language == "en" else "base"


def specs_for(language: str, which: str) -> list[truth.ClipSpec]:
    tuning, held_out = (truth.TUNING, truth.HELD_OUT) if language == "en" else truth.OTHER_LANGUAGES[language]
    return tuning if which == "tuning" else held_out


def cpu_of(function, *arguments):
    """(result, process CPU seconds) of one call."""
    before = time.process_time()
    result = function(*arguments)
    return result, time.process_time() - before


def measure(language: str, which: str, cost: bool) -> None:
    model = model_for(language)
    clips = [truth.load_clip(spec) for spec in specs_for(language, which)]
    print(f"\n== {language} {which}, {model}: {len(clips)} clips, {sum(c.duration for c in clips):.0f} s, "
          f"{sum(w is not None for c in clips for w in c.words)} words with truth")
    print(truth.describe_checks(clips))
    whisper = adapter_for(model)
    tokenizer = whisper.tokenizer(language)
    rows = {
        "raw cross-attention": lambda clip, raw: [replace(w) for w in raw],
        "lag + snapping (any language)": lambda clip, raw: energy(clip, raw, language, model),
        "default: + pocketsphinx": lambda clip, raw: refine.refine_words(raw, clip.audio, RATE, language=language,
                                                                         model=model, method="best"),
        "(a) lag + snapping + onsets": lambda clip, raw: onset_refine(energy(clip, raw, language, model), clip.audio,
                                                                      OnsetOptions()),
        "(b) lag + snapping + muting": lambda clip, raw: mute_refine(energy(clip, raw, language, model), clip.audio,
                                                                     whisper, tokenizer, MuteOptions()),
    }
    raws = [truth.raw_alignment(clip, model) for clip in clips]
    transcribing = float("nan")
    if cost:
        _, transcribing = cpu_of(lambda: [transcribe(c.audio, model=model, language=language, progress_label=None)
                                          for c in clips])
        _, attention = cpu_of(lambda: [align_script(c.audio, c.text, model=model, language=language, refine=False,
                                                    progress_label=None) for c in clips])
        print(f"CPU s: transcribing {transcribing:.1f}, the attention alignment {attention:.1f} "
              f"({attention / transcribing:.2f}x transcribing)")
    print(f"{truth.HEADER} {'CPU s':>7s} {'/trans':>6s}")
    for label, stage in rows.items():
        score, seconds = truth.Score(), 0.0
        for clip, raw in zip(clips, raws):
            words, spent = cpu_of(stage, clip, raw)
            seconds += spent
            score.add(clip, words)
        print(f"{truth.format_row(label, score.figures())} {seconds:7.2f} {seconds / transcribing:5.2f}x", flush=True)


def energy(clip: truth.Clip, raw: list[Word], language: str, model: str) -> list[Word]:
    return refine.refine_words(raw, clip.audio, RATE, language=language, model=model, method="energy")


#: English targets, by which ``--tune`` ranks (a)'s settings: the sum over languages of median / 20 ms +
#: p90 / 50 ms + max / 250 ms (smaller is better).
TARGETS_MS = {"median": 20.0, "p90": 50.0, "max": 250.0}


def tuning_data(languages: list[str]):
    """(language, clip, its lag + snapping words) for every tuning clip of ``languages``."""
    data = []
    for language in languages:
        model = model_for(language)
        for spec in specs_for(language, "tuning"):
            clip = truth.load_clip(spec)
            data.append((language, clip, energy(clip, truth.raw_alignment(clip, model), language, model)))
    return data


def tune_onsets(data, languages: list[str]) -> None:
    """(a)'s options on the tuning clips of ``languages`` together: median / p90 / max per language, best last."""
    features = [log_mel(clip.audio, OnsetOptions()) for _, clip, _ in data]
    print(f"\n== (a) on the tuning clips ({', '.join(languages)}): median / p90 / max ms per language, and the "
          "score (sum of each figure over its English target)")
    grid = [OnsetOptions(kind=kind, reach_seconds=reach, spread_seconds=spread, min_flux_db=flux)
            for kind in ("flux", "valley") for reach in (0.04, 0.06, 0.1, 0.15) for spread in (0.02, 0.03, 0.06, 1.0)
            for flux in ((0.5, 1.0, 2.0) if kind == "flux" else (0.0,))]
    best: tuple[float, str] = (float("inf"), "")
    for options in [None, *grid]:
        scores = {language: truth.Score() for language in languages}
        for (language, clip, snapped), levels in zip(data, features):
            words = snapped if options is None else onset_refine(snapped, clip.audio, options, levels)
            scores[language].add(clip, words)
        label = "lag + snapping" if options is None else (
            f"{options.kind} reach {options.reach_seconds} spread {options.spread_seconds} flux {options.min_flux_db}")
        figures = {language: score.figures() for language, score in scores.items()}
        total = sum(f[key] / target for f in figures.values() for key, target in TARGETS_MS.items())
        row = "  ".join(f"{lang} {f['median']:5.1f} {f['p90']:4.0f} {f['max']:4.0f}" for lang, f in figures.items())
        print(f"{label:44s} {row}  score {total:5.2f}", flush=True)
        if options is not None and total < best[0]:
            best = (total, label)
    print(f"best: {best[1]} (score {best[0]:.2f})")


def tune_muting(data, languages: list[str]) -> None:
    """(b)'s median signed start error without a bias, on the words it moved, per language."""
    print("\n== (b) without a bias on the tuning clips: median signed start error of the words it moved")
    for language in languages:
        whisper = adapter_for(model_for(language))
        tokenizer = whisper.tokenizer(language)
        errors = []
        for _, clip, snapped in (item for item in data if item[0] == language):
            words = mute_refine(snapped, clip.audio, whisper, tokenizer, replace(MuteOptions(), start_bias_seconds=0.0))
            errors += [word.start - true.start for word, before, true in zip(words, snapped, clip.words)
                       if true is not None and abs(word.start - before.start) > 1e-6]
        print(f"{language}: {len(errors)} words moved, median {np.median(errors) * 1000:+.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="en,es,de")
    parser.add_argument("--sets", default="tuning,held-out")
    parser.add_argument("--no-cost", action="store_true", help="do not time transcribing and the attention")
    parser.add_argument("--tune", action="store_true", help="print the grid of (a)'s options on the tuning clips")
    args = parser.parse_args()
    languages = args.languages.split(",")
    if args.tune:
        data = tuning_data(languages)
        tune_onsets(data, languages)
        tune_muting(data, languages)
        return
    for language in languages:
        for which in args.sets.split(","):
            measure(language, which, not args.no_cost)


if __name__ == "__main__":
    main()
