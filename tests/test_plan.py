"""The cut planner: pure timing logic, tested on constructed word timings (fast)."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from captionkit.assembly.plan import (
    Plan,
    PlanOptions,
    join_tracks,
    master_track,
    plan_pieces,
    script_text,
    split_track,
)
from captionkit.errors import CaptionkitError
from captionkit.model import Cue, Track, Word


def sentences(specs, *, start=0.4, word=0.3, inner_gap=0.0, pause=0.5, speakers=None):
    """Words from ``specs``: a list of sentence lengths (words) or (length, punctuation) pairs."""
    words, t = [], start
    for index, spec in enumerate(specs):
        count, mark = spec if isinstance(spec, tuple) else (spec, ".")
        speaker = speakers[index % len(speakers)] if speakers else None
        for k in range(count):
            text = f"w{index}_{k}" + (mark if k == count - 1 else "")
            words.append(Word(text, t, t + word, speaker=speaker))
            t += word + (inner_gap if k < count - 1 else 0.0)
        t += pause if isinstance(pause, float) else pause[index % len(pause)]
    return words, t


def word_inside(word: Word, plan: Plan) -> bool:
    return any(p.start - 1e-9 <= word.start and word.end <= p.end + 1e-9 for p in plan.pieces)


def check_invariants(plan: Plan, words: list[Word], duration: float) -> None:
    limit = plan.options.limit_frames
    assert plan.pieces[0].start_frame == 0
    # plan_pieces ignores up to a thousandth of a frame past a whole frame (float noise in a duration)
    assert plan.total_frames * (1 / plan.fps) >= duration - 1 / (1000 * plan.fps) - 1e-9
    assert plan.total_frames - 1 < duration * plan.fps + 1e-6
    for piece, following in zip(plan.pieces, plan.pieces[1:]):
        assert piece.end_frame == following.start_frame
    for piece in plan.pieces:
        assert 0 < piece.frames <= limit
        assert piece.duration <= plan.options.max_seconds - plan.options.margin + 1e-9
        assert isinstance(piece.start_frame, int) and isinstance(piece.end_frame, int)
    assert [w.text for w in plan.words] == [w.text for w in sorted(words, key=lambda w: (w.start, w.end))]


def test_audio_within_the_limit_is_one_piece_of_whole_frames():
    words, end = sentences([5, 6])
    duration = end + 0.013  # not a whole number of frames: the last frame is padded
    plan = plan_pieces(words, duration, PlanOptions())
    assert len(plan.pieces) == 1
    assert plan.total_frames == math.ceil(duration * 30) == 142
    check_invariants(plan, words, end + 0.013)


def test_95_seconds_of_sentences_make_4_pieces_cut_at_sentence_ends_in_the_middle_of_the_pause():
    words, end = sentences([8, 11, 6, 9, 12, 7, 10, 5] * 4, word=0.28, pause=[0.45, 0.6, 0.7])
    assert 90 < end < 100
    plan = plan_pieces(words, end, PlanOptions(max_seconds=30))
    assert len(plan.pieces) == 4
    check_invariants(plan, words, end)
    frame = 1 / 30
    for piece, following in zip(plan.pieces, plan.pieces[1:]):
        before, after = piece.words[-1], following.words[0]
        assert before.text.endswith(".")
        middle = (before.end + after.start) / 2
        assert abs(piece.end - middle) <= frame / 2 + 1e-9
    assert all(word_inside(w, plan) for w in words)
    assert "sentence end" in plan.cut_descriptions()[0]


def test_sentence_end_is_preferred_over_a_clause_end_and_a_longer_plain_gap():
    # 40 s of speech: a clause end with a long pause at ~16 s, a sentence end at ~22 s, plain gaps elsewhere
    words, t = [], 0.4
    for k in range(110):
        text = f"w{k}"
        gap = 0.05
        if k == 45:
            text, gap = text + ",", 0.9
        if k == 62:
            text, gap = text + ".", 0.4
        words.append(Word(text, t, t + 0.3))
        t += 0.3 + gap
    plan = plan_pieces(words, t, PlanOptions())
    assert len(plan.pieces) == 2
    assert plan.pieces[0].words[-1].text == "w62."


def test_without_punctuation_the_longest_gap_wins():
    words, t = [], 0.4
    for k in range(120):
        gap = 0.6 if k == 58 else (0.25 if k in (40, 75) else 0.04)
        words.append(Word(f"w{k}", t, t + 0.3))
        t += 0.3 + gap
    plan = plan_pieces(words, t, PlanOptions())
    assert [p.words[-1].text for p in plan.pieces[:-1]] == ["w58"]


def test_a_clause_end_is_preferred_over_a_plain_gap():
    words, t = [], 0.4
    for k in range(120):
        text, gap = f"w{k}", 0.1
        if k == 50:
            text = text + ";"
        words.append(Word(text, t, t + 0.3))
        t += 0.3 + gap
    plan = plan_pieces(words, t, PlanOptions())
    assert plan.pieces[0].words[-1].text == "w50;"


def test_the_last_pieces_are_balanced_instead_of_leaving_a_short_tail():
    words, end = sentences([6] * 30, pause=0.4)  # 30 sentences of 2.2 s: ~66 s
    plan = plan_pieces(words, end, PlanOptions())
    assert len(plan.pieces) == 3
    durations = [p.duration for p in plan.pieces]
    assert min(durations) > 0.8 * max(durations), durations
    check_invariants(plan, words, end)


def test_dialogue_is_cut_at_a_speaker_turn():
    # every sentence ends with a full stop, but the speaker changes only every third sentence
    words, t = [], 0.4
    speaker_of = ["S1", "S1", "S1", "S2", "S2", "S2"]
    for index in range(24):
        for k in range(5):
            text = f"s{index}w{k}" + ("." if k == 4 else "")
            words.append(Word(text, t, t + 0.3, speaker=speaker_of[index % 6]))
            t += 0.3
        t += 0.5
    plan = plan_pieces(words, t, PlanOptions())
    assert len(plan.pieces) == 2
    before, after = plan.pieces[0].words[-1], plan.pieces[1].words[0]
    assert before.speaker != after.speaker
    assert "speaker turn" in plan.cut_descriptions()[0]


@pytest.mark.parametrize("fps", [25, Fraction(30000, 1001), 24, 60])
def test_cuts_fall_on_frames_of_the_avatar_frame_rate(fps):
    words, end = sentences([9, 7, 11, 6] * 6, pause=[0.5, 0.7])
    plan = plan_pieces(words, end, PlanOptions(fps=fps))
    check_invariants(plan, words, end)
    for piece in plan.pieces:
        assert piece.start == pytest.approx(piece.start_frame / float(plan.fps))
        assert (piece.duration * float(plan.fps)) == pytest.approx(piece.frames)


def test_margin_and_max_bound_every_piece():
    words, end = sentences([7, 9, 8, 6, 10] * 8, pause=0.45)
    plan = plan_pieces(words, end, PlanOptions(max_seconds=20, margin=2))
    assert all(p.duration <= 18 + 1e-9 for p in plan.pieces)
    check_invariants(plan, words, end)


def test_speech_without_any_pause_is_still_cut_within_the_limit_and_says_where():
    words = [Word(f"w{k}", 0.2 + 0.3 * k, 0.2 + 0.3 * (k + 1)) for k in range(240)]  # 72 s, no gaps at all
    end = words[-1].end + 0.2
    plan = plan_pieces(words, end, PlanOptions())
    check_invariants(plan, words, end)
    assert plan.warnings and all("no pause" in w for w in plan.warnings)
    assert all(word_inside(w, plan) for w in words)  # cut between words that touch, on their shared frame


def test_speech_without_a_frame_boundary_between_words_is_cut_inside_a_word_and_says_so():
    words = [Word(f"w{k}", 0.21 + 0.31 * k, 0.21 + 0.31 * (k + 1)) for k in range(220)]
    end = words[-1].end + 0.2
    plan = plan_pieces(words, end, PlanOptions())
    check_invariants(plan, words, end)
    assert plan.warnings and all("inside a word" in w or "no pause" in w for w in plan.warnings)


@pytest.mark.parametrize("max_seconds", [2.0, 0.5])
def test_when_not_even_a_word_boundary_fits_the_limit_words_are_cut_and_it_says_so(max_seconds):
    # words touch, and a frame boundary meets a word boundary only every 3.1 s: more than the limit
    words = [Word(f"w{k}", 0.21 + 0.31 * k, 0.21 + 0.31 * (k + 1)) for k in range(40)]
    end = words[-1].end + 0.05
    plan = plan_pieces(words, end, PlanOptions(max_seconds=max_seconds, margin=0.1))
    check_invariants(plan, words, end)
    assert any("inside a word" in warning for warning in plan.warnings)


def test_a_long_silence_offers_cuts_inside_it():
    first, t = sentences([8] * 8, pause=0.4)
    second, end = sentences([8] * 8, start=t + 45.0, pause=0.4)
    words = first + second
    plan = plan_pieces(words, end, PlanOptions())
    check_invariants(plan, words, end)
    assert not plan.warnings
    assert all(word_inside(w, plan) for w in words)


def test_silent_audio_is_cut_into_pieces_within_the_limit():
    plan = plan_pieces([], 100.0, PlanOptions())
    assert len(plan.pieces) == 4
    check_invariants(plan, [], 100.0)


def test_overlapping_and_unsorted_words_are_kept_each_once():
    words, end = sentences([6, 8, 7, 9] * 6)
    shuffled = list(reversed(words))
    shuffled.append(Word("overlap", words[10].start + 0.1, words[10].end + 0.1))
    plan = plan_pieces(shuffled, end, PlanOptions())
    check_invariants(plan, shuffled, end)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"max_seconds": 30, "margin": 30}, "--margin"),
        ({"max_seconds": 0}, "--max"),
        ({"margin": -1}, "--margin"),
        ({"fps": 0}, "frame rate"),
        ({"fps": "fast"}, "frame rate"),
        ({"max_seconds": 0.02, "margin": 0}, "one frame"),
    ],
)
def test_bad_options_are_one_line_errors(kwargs, message):
    with pytest.raises(CaptionkitError, match=message) as error:
        PlanOptions(**kwargs)
    assert "\n" not in str(error.value)


def test_empty_audio_is_an_error():
    with pytest.raises(CaptionkitError, match="empty"):
        plan_pieces([], 0.0)


def test_plan_json_round_trips(tmp_path):
    words, end = sentences([8, 9, 7, 10] * 5, speakers=["S1", "S2"])
    words.insert(5, Word("[laughs]", words[4].end + 0.01, words[4].end + 0.2, kind="sound", speaker="S1"))
    plan = plan_pieces(words, end, PlanOptions(max_seconds=25, margin=1, fps=Fraction(30000, 1001)), source="/a b/m.wav")
    path = plan.save(tmp_path / "plan ü.json")
    loaded = Plan.load(path)
    assert loaded.to_dict() == plan.to_dict()
    assert loaded.options == plan.options
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["options"] == {"max_seconds": 25, "margin": 1, "fps": "30000/1001"}
    assert data["pieces"][0]["script"].startswith("[S1] w0_0")
    assert data["pieces"][0]["frames"] == data["pieces"][0]["end_frame"] - data["pieces"][0]["start_frame"]


@pytest.mark.parametrize("content", ["{}", "not json", '{"version": 1, "pieces": [{"index": 1}], "options": {}}'])
def test_a_bad_plan_file_is_a_one_line_error(tmp_path, content):
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CaptionkitError) as error:
        Plan.load(path)
    assert "\n" not in str(error.value)
    with pytest.raises(CaptionkitError, match="no such plan"):
        Plan.load(tmp_path / "missing.json")


def test_script_text_keeps_dia_tags_and_sounds():
    words = [
        Word("Hello", 0, 0.3, speaker="S1"), Word("there.", 0.3, 0.6, speaker="S1"),
        Word("[laughs]", 0.7, 1.0, speaker="S1", kind="sound"),
        Word("Hi!", 1.2, 1.5, speaker="S2"), Word("Again.", 1.6, 1.9, speaker="S1"),
    ]
    assert script_text(words) == "[S1] Hello there. (laughs) [S2] Hi! [S1] Again."
    assert script_text([Word("你好", 0, 1), Word("世界", 1, 2)], "zh") == "你好世界"


def test_split_track_and_join_tracks_restore_the_master():
    words, end = sentences([6, 7, 8, 5] * 6)
    plan = plan_pieces(words, end, PlanOptions())
    cues = []
    for index in range(0, len(words), 4):
        group = words[index : index + 4]
        cues.append(Cue(group[0].start, group[-1].end + 0.5, [" ".join(w.text for w in group)], words=group))
    master = Track(cues)
    pieces = split_track(master, plan)
    assert len(pieces) == len(plan.pieces)
    for piece, track in zip(plan.pieces, pieces):
        assert all(0 <= c.start and c.end <= piece.duration + 1e-9 for c in track.cues)
    joined = join_tracks(pieces, [p.start for p in plan.pieces])
    piece_ends = [next(p.end for p in reversed(plan.pieces) if p.start <= c.words[0].start) for c in master.cues]
    # each cue is where it was; only a cue running past its piece's end is ended there, in the piece's track
    assert [(round(c.start, 9), round(c.end, 9), c.lines) for c in joined.cues] == [
        (round(c.start, 9), round(min(c.end, end), 9), c.lines) for c, end in zip(master.cues, piece_ends)
    ]


# --------------------------------------------------------------------------- properties

word_runs = st.lists(
    st.tuples(
        st.floats(0.08, 0.9),  # word length
        st.one_of(st.just(0.0), st.floats(0.0, 0.05), st.floats(0.05, 1.5)),  # gap after it
        st.sampled_from(["", "", "", ",", ".", "?"]),
        st.sampled_from(["S1", "S2", None]),
    ),
    min_size=0,
    max_size=400,
)


@settings(max_examples=60, deadline=None)
@given(runs=word_runs, lead=st.floats(0, 3), tail=st.floats(0, 3), max_seconds=st.sampled_from([10, 20, 30]),
       fps=st.sampled_from([24, 25, 30, Fraction(30000, 1001)]))
@example(runs=[], lead=1.375, tail=1.255005190155475, max_seconds=10, fps=25)  # 0.13 thousandths of a frame over 66
def test_any_words_give_a_valid_plan(runs, lead, tail, max_seconds, fps):
    words, t = [], lead
    for k, (length, gap, mark, speaker) in enumerate(runs):
        words.append(Word(f"w{k}{mark}", t, t + length, speaker=speaker))
        t += length + gap
    end = t + tail + 0.01
    plan = plan_pieces(words, end, PlanOptions(max_seconds=max_seconds, fps=fps))
    check_invariants(plan, words, end)
    in_word_cuts = len(plan.warnings)
    # a word is only cut when the plan says so
    split_words = [w for w in words if not word_inside(w, plan)]
    assert len(split_words) <= in_word_cuts * 2
    assert len(plan.pieces) <= -(-plan.total_frames // plan.options.limit_frames) + 2


def test_cuts_fall_between_caption_cues():
    # short sentences with equal pauses: "Yes." joins the sentence after it in one cue, so the pause
    # after it is inside a cue and is not cut while other pauses fit the limit
    specs = [(1, "."), 9, 8, (1, "."), 9, 7, (1, "."), 10, 9, 8, (1, "."), 9]
    words, end = sentences(specs, pause=0.4)
    words = [Word("Yes." if w.text.endswith("_0.") else w.text, w.start, w.end) for w in words]
    cues = master_track(words, "netflix", "en", Fraction(30)).cues
    plan = plan_pieces(words, end, PlanOptions(max_seconds=12), cues=cues)
    check_invariants(plan, words, end)
    cue_of = {id(w): index for index, cue in enumerate(cues) for w in cue.words}
    for piece, following in zip(plan.pieces, plan.pieces[1:]):
        assert cue_of[id(piece.words[-1])] != cue_of[id(following.words[0])], plan.cut_descriptions()
