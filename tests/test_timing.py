"""Timing passes on whole frames: in/out placement, minimum and maximum duration, chaining, shot changes."""

from __future__ import annotations

import pytest

from captionkit.cues.profiles import load_profile
from captionkit.cues.timing import (
    Span,
    TimingRules,
    chain_gaps,
    frame_ceil,
    place_in_times,
    place_out_times,
    snap_in_times,
    snap_out_times,
    time_cues,
)

NETFLIX = load_profile("netflix")


def rules_at(fps: float) -> TimingRules:
    return TimingRules.from_profile(NETFLIX, NETFLIX.frame_rate(fps))


@pytest.mark.parametrize(
    "fps, min_frames, max_frames, chain_frames, shot_frames",
    [(24, 20, 168, 12, 12), (25, 21, 175, 12, 12), (29.97, 25, 209, 15, 15), (30, 25, 210, 15, 15), (60, 50, 420, 30, 30)],
)
def test_rules_in_frames_follow_netflix_at_every_rate(fps, min_frames, max_frames, chain_frames, shot_frames):
    rules = rules_at(fps)
    assert (rules.min_frames, rules.max_frames, rules.chain_frames, rules.shot_frames) == (
        min_frames, max_frames, chain_frames, shot_frames,
    )
    assert rules.gap_frames == 2  # "regardless of frame rate"


def test_frame_ceil_is_the_first_frame_at_or_after_a_time():
    assert frame_ceil(1.0, 30) == 30
    assert frame_ceil(1.01, 30) == 31
    assert frame_ceil(1.067, 30) == 32  # 32/30 = 1.0667 written to the millisecond is still frame 32
    assert frame_ceil(0.0, 24) == 0


def test_in_times_keep_order_and_room_for_the_gap():
    rules = rules_at(24)
    spans = [Span(10, 12, 20), Span(11, 14, 20), Span(40, 50, 20)]
    assert place_in_times(spans, rules) == [10, 13, 40]


def test_out_times_reach_minimum_duration_without_crowding_the_next_cue():
    rules = rules_at(24)
    spans = [Span(0, 5, 20), Span(100, 104, 20), Span(110, 140, 20)]
    ins = place_in_times(spans, rules)
    assert place_out_times(ins, spans, rules) == [20, 108, 140]


def test_out_times_never_exceed_the_maximum_duration():
    rules = rules_at(24)
    assert place_out_times([0], [Span(0, 500, 20)], rules) == [168]


def test_out_times_extend_for_reading_speed():
    rules = rules_at(25)
    assert place_out_times([0], [Span(0, 10, 60)], rules) == [60]


@pytest.mark.parametrize("gap, closed", [(3, True), (12, True), (13, False), (2, False)])
def test_gaps_of_half_a_second_or_less_close_to_two_frames(gap, closed):
    rules = rules_at(24)
    outs = chain_gaps([0, 50 + gap], [50, 100], rules)
    assert outs[0] == (50 + gap - 2 if closed else 50)


def test_chaining_never_breaks_the_maximum_duration():
    rules = rules_at(24)
    assert chain_gaps([0, 172], [160, 200], rules) == [160, 200]  # closing would take 170 frames > 168
    assert chain_gaps([0, 170], [160, 200], rules) == [168, 200]


@pytest.mark.parametrize(
    "in_frame, cut, snapped",
    [
        (105, 100, 100),  # less than 12 frames after the cut: onto it
        (111, 100, 100),
        (112, 100, 112),  # 12 frames after: far enough
        (95, 100, 100),   # 5 frames before (red zone, 1-8): onto the cut
        (92, 100, 100),   # 8 frames before
        (91, 100, 88),    # 9 frames before (green zone, 9-11): 12 frames before the cut
        (89, 100, 88),
        (88, 100, 88),
    ],
)
def test_in_times_snap_to_shot_changes_at_24_fps(in_frame, cut, snapped):
    rules = rules_at(24)
    spans = [Span(in_frame, in_frame + 40, 20)]
    assert snap_in_times([in_frame], spans, [cut], rules) == [snapped]


def test_in_time_snap_keeps_the_previous_cue_whole():
    rules = rules_at(24)
    spans = [Span(60, 99, 20), Span(105, 140, 20)]
    # Moving the second cue back to the cut at 100 would leave the first cue's speech (to 99) no gap.
    assert snap_in_times([60, 105], spans, [100], rules) == [60, 105]


@pytest.mark.parametrize(
    "out_frame, cut, snapped",
    [(95, 100, 98), (105, 100, 98), (100, 100, 98), (98, 100, 98), (80, 100, 80), (112, 100, 112)],
)
def test_out_times_snap_to_two_frames_before_a_shot_change(out_frame, cut, snapped):
    rules = rules_at(24)
    spans = [Span(0, out_frame, 20)]
    assert snap_out_times([0], [out_frame], spans, [cut], rules) == [snapped]


def test_out_time_keeps_clear_of_a_cut_when_ending_before_it_would_be_too_short():
    rules = rules_at(24)
    spans = [Span(90, 105, 20)]  # starts 10 frames before the cut, needs 20 frames
    assert snap_out_times([90], [110], spans, [100], rules) == [112]


def test_time_cues_end_to_end_at_24_fps():
    rules = rules_at(24)
    spans = [Span(0, 10, 20), Span(26, 60, 20), Span(72, 85, 20)]
    assert time_cues(spans, rules) == [(0, 24), (26, 70), (72, 92)]
    # A cut at 70: the third cue starts on it, the second ends 2 frames before it.
    assert time_cues(spans, rules, shot_changes=[70]) == [(0, 24), (26, 68), (70, 90)]
