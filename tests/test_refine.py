"""Timing refinement: lag removal, snapping to pauses, the acoustic re-alignment, its fallback, minimum lengths."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from captionkit.model import Word
from captionkit.speech import refine
from captionkit.speech.models import Calibration, calibration
from captionkit.speech.refine import (
    DEFAULT_OPTIONS,
    RefineOptions,
    give_minimum_length,
    refine_words,
    speech_mask,
)

RATE = 16000


def _bursts(spans: list[tuple[float, float]], total: float) -> np.ndarray:
    """Noise bursts (stand-ins for words) at ``spans`` in silence."""
    rng = np.random.default_rng(0)
    audio = np.zeros(int(total * RATE), dtype=np.float32)
    for start, end in spans:
        audio[int(start * RATE) : int(end * RATE)] = rng.normal(0, 0.2, int(end * RATE) - int(start * RATE))
    return audio


def _ordered_without_overlap(words: list[Word]) -> bool:
    return all(a.start <= a.end <= b.start + 1e-9 for a, b in itertools.pairwise(words))


def _aligned_start_errors(name: str, voice: str, speed: float, pitch: int, script: tuple[str, ...]):
    """A held-out espeak clip of ``script`` aligned by the public path: its words, and each word's start error."""
    from benchmarks import truth
    from captionkit.speech.align import align_script

    clip = truth.load_clip(truth.ClipSpec(name, "espeak", voice, "en", 0, 4, speed=speed, pitch=pitch, held_out=True,
                                          script=script))
    words = align_script(clip.audio, clip.text, progress_label=None).words
    errors = [word.start - true.start for word, true in zip(words, clip.words) if true is not None]
    assert len(errors) == len(clip.script_words)
    assert _ordered_without_overlap(words)
    return clip.script_words, np.array(errors)


def test_speech_mask_finds_the_bursts():
    mask = speech_mask(_bursts([(0.5, 1.0), (1.6, 2.0)], 2.5), RATE)
    assert not mask[:45].any() and mask[52:98].all() and not mask[103:158].any() and mask[162:198].all()


def test_words_after_a_pause_start_on_the_speech_not_in_the_silence():
    audio = _bursts([(0.5, 1.0), (1.6, 2.0)], 2.5)
    late = [Word("Hello.", 0.3, 1.4, speaker="S1"), Word("World", 1.4, 2.2, speaker="S1")]
    refined = refine_words(late, audio, RATE, language="es")
    assert refined[0].start == pytest.approx(0.5, abs=0.03) and refined[0].end == pytest.approx(1.0, abs=0.03)
    assert refined[1].start == pytest.approx(1.6, abs=0.03)
    assert [(w.text, w.speaker) for w in refined] == [("Hello.", "S1"), ("World", "S1")]
    assert late[0].start == 0.3  # the input is not changed


def test_sound_cues_and_punctuation_are_carried_in_order():
    audio = _bursts([(0.5, 1.0), (2.0, 2.4)], 3.0)
    words = [
        Word("Yes", 0.5, 1.05),
        Word("—", 1.05, 1.05),
        Word("[laughs]", 1.05, 2.0, kind="sound"),
        Word("no.", 2.05, 2.5),
    ]
    refined = refine_words(words, audio, RATE, language="de")
    assert [(w.text, w.kind) for w in refined] == [(w.text, w.kind) for w in words]
    assert _ordered_without_overlap(refined)
    assert refined[-1].end - refined[-1].start >= DEFAULT_OPTIONS.min_word_seconds


def test_zero_length_words_get_the_minimum_length_the_gaps_allow():
    minimum = 0.06
    words = [Word("a", 1.0, 1.5), Word("b", 1.5, 1.5), Word("c", 1.5, 1.5), Word("d", 2.0, 2.5)]
    give_minimum_length(words, minimum)
    assert all(w.end - w.start >= minimum - 1e-9 for w in words)
    assert _ordered_without_overlap(words)
    assert words[0].start == 1.0 and words[-1].end == 2.5 and words[0].end == 1.5  # the free gap was enough

    squeezed = [Word("a", 1.0, 1.1), Word("b", 1.1, 1.1), Word("c", 1.1, 1.1), Word("d", 1.1, 1.2)]
    give_minimum_length(squeezed, minimum)
    assert _ordered_without_overlap(squeezed)
    # 0.2 s for four words: the neighbours lend down to the minimum, the squeezed pair shares the rest
    assert [round(w.end - w.start, 3) for w in squeezed] == [0.06, 0.04, 0.04, 0.06]
    assert squeezed[0].start == 1.0 and squeezed[-1].end == pytest.approx(1.2)

    at_the_end = [Word("a", 0.0, 0.5), Word("b", 0.5, 0.5)]
    give_minimum_length(at_the_end, minimum, limit=0.52)
    assert at_the_end[1].end <= 0.52 + 1e-9 and at_the_end[1].end - at_the_end[1].start >= minimum - 1e-9


def test_refined_words_are_never_zero_length():
    audio = _bursts([(0.5, 1.0), (1.6, 2.0)], 2.5)
    stacked = [Word("one", 0.5, 1.0), Word("two", 1.0, 1.0), Word("three", 1.0, 1.0), Word("four.", 1.6, 2.0)]
    refined = refine_words(stacked, audio, RATE, language="es")
    assert _ordered_without_overlap(refined)
    assert all(w.end - w.start >= DEFAULT_OPTIONS.min_word_seconds - 1e-9 for w in refined)


def test_tuning_values_are_frozen_options_and_models_carry_their_calibration():
    with pytest.raises(AttributeError):
        DEFAULT_OPTIONS.pause_seconds = 1.0  # type: ignore[misc]
    assert calibration(None) == calibration("tiny.en") and calibration("tiny.en").start_lag_seconds > 0
    assert calibration("some/other-model") == Calibration()
    late = [Word("Hello", 1.0, 1.4)]
    moved = refine.remove_lag(late, "tiny.en")
    assert moved[0].start == pytest.approx(1.0 - calibration("tiny.en").start_lag_seconds)
    options = RefineOptions(min_word_seconds=0.2)
    refined = refine_words([Word("Hi", 0.5, 0.55)], _bursts([(0.5, 0.9)], 1.5), RATE, language="es", options=options)
    assert refined[0].end - refined[0].start >= 0.2 - 1e-9


def test_spanish_and_german_words_are_spelled_in_the_acoustic_models_phones():
    assert refine._spelled_phones("gracias", "es") == "G R AA S Y AA S"
    assert refine._spelled_phones("mañana", "es") == "M AA N Y AA N AA"
    assert refine._spelled_phones("schwester", "de") == "SH V EH S T ER"
    assert refine._spelled_phones("zusammen", "de") == "T S UH Z AA M AH N"
    assert {"en", "es", "de"} <= set(refine.SPHINX_LANGUAGES)


def test_nothing_to_refine():
    assert refine_words([], np.zeros(RATE, dtype=np.float32), RATE) == []


@pytest.fixture(scope="module")
def verified_clip():
    """About 12 s of espeak-ng speech (a voice not tuned on) with word truth checked against the energy."""
    from benchmarks import truth

    return truth.load_clip(truth.ClipSpec("refine-test", "espeak", "en-us+f2", "en", 12, 601, speed=1.1, held_out=True))


@pytest.mark.slow
def test_refinement_corrects_transcription_timing(verified_clip, monkeypatch):
    from difflib import SequenceMatcher

    from captionkit.speech import transcribe as transcription
    from captionkit.speech import units

    clip = verified_clip
    monkeypatch.setattr(units, "refine_words", lambda words, *args, **options: words)  # Whisper's own times
    heard = transcription.transcribe(clip.audio, progress_label=None).words
    refined = refine_words(heard, clip.audio, RATE, language="en")
    assert _ordered_without_overlap(refined)

    def plain(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    matcher = SequenceMatcher(None, [plain(w.text) for w in heard], [plain(t) for t in clip.script_words], autojunk=False)
    pairs = [(a + k, b + k) for a, b, size in matcher.get_matching_blocks() for k in range(size)
             if clip.words[b + k] is not None]
    assert len(pairs) >= 0.7 * len(clip.script_words)  # tiny.en mishears a few of espeak's words
    raw = np.abs([heard[i].start - clip.words[j].start for i, j in pairs])
    errors = np.abs([refined[i].start - clip.words[j].start for i, j in pairs])
    assert np.median(errors) <= 0.03 and np.median(errors) < np.median(raw)
    assert errors.max() <= 0.25


@pytest.mark.slow
def test_without_pocketsphinx_the_language_independent_refinement_is_used(verified_clip, monkeypatch):
    truths = [true for true in verified_clip.words if true is not None]
    lag = calibration("tiny.en")
    rng = np.random.default_rng(5)
    late = [Word(t.text, t.start + lag.start_lag_seconds + jitter, t.end + lag.end_lag_seconds + jitter)
            for t, jitter in zip(truths, rng.uniform(-0.1, 0.1, len(truths)))]  # tiny.en's lag, smeared
    monkeypatch.setattr(refine, "sphinx_available", lambda: False)
    refined = refine_words(late, verified_clip.audio, RATE, language="en", model="tiny.en")
    errors = np.abs([w.start - t.start for w, t in zip(refined, truths)])
    before = np.abs([w.start - lag.start_lag_seconds - t.start for w, t in zip(late, truths)])
    assert np.median(errors) < np.median(before) and _ordered_without_overlap(refined)
    assert len(truths) == len(verified_clip.words)
    onsets = np.abs([refined[index].start - onset for index, onset, _ in verified_clip.onsets])
    assert onsets.max() < 0.03  # every word after a pause starts on the sound


@pytest.mark.slow
def test_the_acoustic_aligner_times_a_stretch_the_same_whatever_it_heard_before(verified_clip):
    clip, options = verified_clip, DEFAULT_OPTIONS
    words = clip.script_words
    bounds = [index for index, _, _ in clip.onsets] + [len(words)]

    def sentence(k: int) -> list[tuple[float, float]] | None:
        _, onset, offset = clip.onsets[k]
        return refine._sphinx_pass(refine._sphinx_decoder(options.sphinx_top_gaussians), words[bounds[k] : bounds[k + 1]],
                                   clip.audio, RATE, onset - 0.1, offset + 0.1, "en", options.sphinx_dither)

    alone = sentence(1)
    hum = np.sin(2 * np.pi * 120 * np.arange(2 * RATE) / RATE).astype(np.float32)  # something else entirely
    refine._sphinx_pass(refine._sphinx_decoder(options.sphinx_top_gaussians), ["hello"], hum, RATE, 0.0, 2.0, "en")
    assert alone is not None and sentence(1) == alone  # its cepstral mean is its own, not carried over
    starts = [true.start for true in clip.words[bounds[1] : bounds[2]] if true is not None]
    assert np.median(np.abs([start - true for (start, _), true in zip(alone, starts)])) < 0.03


def test_a_word_after_a_commas_pause_starts_there_when_the_acoustic_aligner_fails_on_it():
    """Held-out espeak voice en-029+f4: pocketsphinx cannot align "restart the app" after "If the video freezes,"
    (whole or in halves), the comma's pause (60 ms) is too short for pause snapping, and the attention put
    "restart" 0.3 s late: the pause the stretch was halved at still starts it."""
    from benchmarks import truth

    clip = truth.load_clip(truth.ClipSpec("ho-029-f4", "espeak", "en-029+f4", "en", 30, 22, speed=1.15, pitch=65,
                                          held_out=True))
    (first, _, _), (_, _, previous_end), (last, next_onset, _) = clip.onsets[0], clip.onsets[1], clip.onsets[2]
    audio = clip.audio[: int((previous_end + next_onset) / 2 * RATE)]  # two sentences, "... freezes, restart ..."
    truths = clip.words[first:last]
    lag = calibration("tiny.en")
    heard = []
    for true, following in zip(truths, [*truths[1:], None]):
        late = 0.3 if true.text == "restart" else 0.0  # where tiny.en's attention put it
        end = max(true.start + late, following.start if following else true.end)
        heard.append(Word(true.text, true.start + lag.start_lag_seconds + late, end + lag.end_lag_seconds))
    restart = [true.text for true in truths].index("restart")
    refined = refine_words(heard, audio, RATE, language="en", model="tiny.en")
    assert refined[restart].start == pytest.approx(truths[restart].start, abs=0.05)
    assert _ordered_without_overlap(refined)


@pytest.mark.slow
def test_a_word_the_acoustic_aligner_stretches_over_the_next_gives_the_time_back():
    """Held-out espeak voice en-gb-x-gbcwmd: pocketsphinx aligns "... always jam on Mondays?" but gives "on" 0.4 s
    (2.9x its usual length) and starts "Mondays?" 0.27 s late, where the attention heard it 0.07-0.12 s late (the
    attention's 20 ms frames differ by one between CPUs)."""
    _, errors = _aligned_start_errors("refine-mondays", "en-gb-x-gbcwmd", 0.96, 38,
                                      ("Why does the printer always jam on Mondays?",))
    assert max(np.abs(errors)) < 0.15


@pytest.mark.slow
def test_a_word_the_attention_put_after_a_pause_is_aligned_before_it():
    """Held-out espeak voice en-us+m3: the attention stretches "work," over the pause after "Great work, everyone!"
    and puts "everyone!" after it, in the next stretch; pocketsphinx then leaves "everyone!"'s sound unworded after
    "work," (and, without the second try, squeezes it into "Turn": 0.87 s late)."""
    _, errors = _aligned_start_errors(
        "refine-everyone", "en-us+m3", 1.06, 53,
        ("Great work, everyone!", "Turn left at the bakery, then walk straight for two blocks."))
    assert max(np.abs(errors)) < 0.15


@pytest.mark.slow
def test_a_commas_pause_that_is_quiet_but_not_silent_parts_the_words_around_it():
    """Held-out espeak voice en-029+f4 at 1.16x: the comma's pause after "bakery," is 28-32 dB below the words
    around it but above the silence level; pocketsphinx cannot align the stretch, and the attention put "then"
    inside "bakery," (-275 ms). The failed stretch is halved at that pause, after the clause's end."""
    script_words, errors = _aligned_start_errors(
        "refine-then", "en-029+f4", 1.16, 48,
        ("Turn left at the bakery, then walk straight for two blocks.", "The river was wide and very quiet."))
    assert abs(errors[script_words.index("then")]) < 0.1
    assert max(np.abs(errors)) < 0.15


def test_a_quiet_stretch_between_loud_words_is_a_clause_pause_but_not_silence():
    """The clause-pause mask hears a 100 ms stretch 30 dB below the bursts around it as quiet; the speech mask,
    whose silence is 35 dB below the loudest speech, still hears it as sound."""
    audio = _bursts([(0.2, 0.6), (0.7, 1.1)], 1.4)
    rng = np.random.default_rng(1)
    audio[int(0.6 * RATE) : int(0.7 * RATE)] = rng.normal(0, 0.2 * 10 ** (-30 / 20), int(0.1 * RATE))
    frames = slice(int(0.63 / DEFAULT_OPTIONS.frame_seconds), int(0.67 / DEFAULT_OPTIONS.frame_seconds))
    level = refine.frame_levels(audio, RATE)
    speech = refine.speech_from_levels(level)
    clause_sound = refine.clause_sound_mask(level, speech)
    assert np.array_equal(speech, speech_mask(audio, RATE))
    assert speech[frames].all()
    assert not clause_sound[frames].any()
    assert clause_sound[int(0.4 / DEFAULT_OPTIONS.frame_seconds)]


@pytest.mark.slow
def test_a_sentences_first_word_starts_at_its_sound_where_the_acoustic_aligner_starts_it_late():
    """Held-out espeak voice en-029+f4: pocketsphinx gives the soft "F" and the vowel of "First," (0.3 s) to
    silence and starts the word at its "st"; the pause stage had it at the sound's start, and keeps it."""
    _, errors = _aligned_start_errors(
        "refine-first", "en-029+f4", 1.02, 56,
        ("First, captions follow the script exactly.", "The weather turned cold, so we stayed inside and worked."))
    assert abs(errors[0]) < 0.05
    assert max(np.abs(errors)) < 0.15
