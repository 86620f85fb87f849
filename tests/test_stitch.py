"""``captionkit stitch``: 20 avatar clips of ~29 s, each +-2 frames off its piece, merged without drift.

The clips fake an avatar model: a solid colour per clip (so each clip's first
frame can be found in the output) and the piece's audio muxed as AAC. Where
each piece's speech really is in the merged audio is measured by the onset of
its first word (see ``assembly_helpers.measure_joins``), independently of the
code under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assembly_helpers as helpers
from captionkit.assembly.plan import Plan, PlanOptions, plan_tracks
from captionkit.assembly.split import split_audio
from captionkit.assembly.stitch import Placement, stitch, verify_joins
from captionkit.cli import main
from captionkit.formats import load
from captionkit.media import frame_times, probe, run_ffmpeg
from captionkit.model import Track

FRAME = 1 / 30


@pytest.fixture(scope="module")
def twenty(tmp_path_factory):
    """~575 s of narration split into 20 pieces, and one fake avatar clip per piece."""
    folder = tmp_path_factory.mktemp("twenty clips 'ü'")
    spoken = helpers.narration(folder / "master.wav", 565, seed=5)
    result = split_audio(spoken.path, folder / "pieces", words=spoken.words)
    clips, deltas = helpers.avatar_clips(result.plan, result.directory, folder)
    return spoken, result, clips, deltas, helpers.decoded(spoken.path)


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """~40 s of narration in 3 pieces of at most 15 s, with fake avatar clips: for the quick tests."""
    folder = tmp_path_factory.mktemp("short clips 'ü' a:b")
    spoken = helpers.narration(folder / "master.wav", 40, seed=4)
    result = split_audio(spoken.path, folder / "pieces", words=spoken.words, options=PlanOptions(max_seconds=15))
    clips, deltas = helpers.avatar_clips(result.plan, result.directory, folder)
    return spoken, result, clips, deltas, helpers.decoded(spoken.path)


def assert_no_drift(errors: helpers.JoinErrors) -> None:
    assert max(abs(e) for e in errors.first_frame) <= FRAME, errors.first_frame
    assert max(abs(e) for e in errors.captions) <= FRAME, errors.captions
    assert abs(errors.end) <= FRAME, errors.end


@pytest.mark.slow
def test_twenty_clips_with_a_plan_land_on_the_master_audio(twenty, tmp_path):
    spoken, split, clips, deltas, master_audio = twenty
    plan = split.plan
    durations = [p.duration for p in plan.pieces]
    assert len(durations) == 20 and max(durations) <= 29.5 and 27.5 <= sum(durations) / 20, durations
    assert sorted(set(deltas)) == [-2, -1, 0, 1, 2] or {-2, 2} <= set(deltas)
    out = tmp_path / "merged with plan.mp4"
    result = stitch(clips, out, plan=split.plan_path)
    assert result.method == "re-encode" and "frames longer than its piece" in result.reason
    assert not result.warnings
    assert [p.adjustment for p in result.placements] == [-d for d in deltas]
    assert sum(p.frames for p in result.placements) == plan.total_frames
    assert probe(out).duration == pytest.approx(plan.total_frames / 30, abs=0.03)
    errors = helpers.measure_joins(out, plan, result.track, master_audio)
    assert_no_drift(errors)
    # the captions written next to the video are the master captions, unchanged
    written = load(out.with_suffix(".srt"))
    master = load(split.master_captions)
    assert [(c.start, c.end, c.lines) for c in written.cues] == [(c.start, c.end, c.lines) for c in master.cues]
    assert out.with_suffix(".vtt").exists() and out.with_suffix(".ass").exists()


@pytest.mark.slow
def test_twenty_clips_without_a_plan_keep_their_audio_and_captions_follow_it(twenty, tmp_path):
    spoken, split, clips, deltas, master_audio = twenty
    plan = split.plan
    out = tmp_path / "merged without plan.mp4"
    captions = [split.directory / f"{p.name}.srt" for p in plan.pieces]
    result = stitch(clips, out, captions=captions)
    assert result.method == "stream copy" and "all 20 clips match" in result.reason
    assert not result.warnings
    assert [p.frames for p in result.placements] == [p.frames + d for p, d in zip(plan.pieces, deltas)]
    errors = helpers.measure_joins(out, plan, result.track, master_audio)
    assert_no_drift(errors)
    written = load(out.with_suffix(".srt"))
    assert [c.lines for c in written.cues] == [c.lines for c in result.track.cues]
    assert max(abs(a.start - b.start) for a, b in zip(written.cues, result.track.cues)) <= 0.001


def test_normalising_path_merges_clips_of_different_sizes_and_frame_rates(short, tmp_path):
    _, split, _, _, _ = short
    pieces = split.plan.pieces[:3]
    clips = [
        helpers.avatar_clip(tmp_path / "a.mp4", 60, split.directory / f"{pieces[0].name}.wav", helpers.PALETTE[0],
                            size=(160, 90), fps="30"),
        helpers.avatar_clip(tmp_path / "b ü.mp4", 50, split.directory / f"{pieces[1].name}.wav", helpers.PALETTE[1],
                            size=(128, 96), fps="25"),
        helpers.avatar_clip(tmp_path / "c'x.mp4", 48, None, helpers.PALETTE[2], size=(176, 144), fps="24"),
    ]
    out = tmp_path / "mixed.mp4"
    result = stitch(clips, out, captions=[split.directory / f"{p.name}.srt" for p in pieces], write_captions=False)
    assert result.method == "re-encode"
    assert "resolution" in result.reason and "frame rate" in result.reason
    info = probe(out)
    assert (info.width, info.height, info.fps) == (160, 90, 30)
    assert [p.frames for p in result.placements] == [60, 60, 60]  # 2 s each at 30 fps
    assert [round(p.video_start, 3) for p in result.placements] == [0.0, 2.0, 4.0]
    assert all(abs(p.av_offset) < 0.002 for p in result.placements[:2])
    assert result.placements[2].audio_start is None  # a clip without sound: its silence is not "measured"


def test_a_clip_given_twice_and_two_silent_clips_of_one_length_are_each_placed(short, tmp_path):
    _, split, _, _, _ = short
    piece = split.plan.pieces[0]
    voiced = helpers.avatar_clip(tmp_path / "a.mp4", 30, split.directory / f"{piece.name}.wav", helpers.PALETTE[0])
    silent = helpers.avatar_clip(tmp_path / "b.mp4", 24, None, helpers.PALETTE[1], size=(128, 96))
    result = stitch([voiced, silent, voiced, silent], tmp_path / "out.mp4", write_captions=False,
                    captions=[split.directory / f"{piece.name}.srt"] * 4)
    assert result.method == "re-encode"
    assert [p.frames for p in result.placements] == [30, 24, 30, 24]
    assert [round(p.video_start, 3) for p in result.placements] == [0.0, 1.0, 1.8, 2.8]
    assert all(abs(result.placements[i].av_offset) < 0.002 for i in (0, 2))  # each use of the clip has its sound


def test_clips_with_different_audio_copy_the_video_and_encode_the_audio_once(short, tmp_path):
    _, split, _, _, _ = short
    pieces = split.plan.pieces[:2]
    first = helpers.avatar_clip(tmp_path / "a.mp4", 45, split.directory / f"{pieces[0].name}.wav", helpers.PALETTE[0])
    second = tmp_path / "b.mp4"  # the same video, but 44.1 kHz audio
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=0x3cb44b:s=160x90:r=30", "-i", str(split.directory / f"{pieces[1].name}.wav"),
                 "-map", "0:v", "-map", "1:a", "-frames:v", "40", "-c:v", "libx264", "-preset", "ultrafast",
                 "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "44100", str(second)])
    result = stitch([first, second], tmp_path / "out.mp4", write_captions=False,
                    captions=[split.directory / f"{p.name}.srt" for p in pieces])
    assert result.method == "stream copy"
    assert "not copied: clip 2 has different AAC parameters" in result.reason
    assert [round(p.video_start, 4) for p in result.placements] == [0.0, 1.5]
    assert all(abs(p.av_offset) < 0.001 for p in result.placements)  # audio re-encoded once: sample exact


def test_size_option_scales_and_pads(short, tmp_path):
    _, split, clips, _, _ = short
    short = [
        helpers.avatar_clip(tmp_path / f"s{i}.mp4", 30, split.directory / f"{split.plan.pieces[i].name}.wav",
                            helpers.PALETTE[i])
        for i in range(2)
    ]
    result = stitch(short, tmp_path / "big.mp4", size=(320, 240), write_captions=False,
                    captions=[split.directory / f"{p.name}.srt" for p in split.plan.pieces[:2]])
    assert result.method == "re-encode" and "320x240" in result.reason
    info = probe(tmp_path / "big.mp4")
    assert (info.width, info.height) == (320, 240)


@pytest.mark.slow
def test_clips_exactly_as_long_as_their_pieces_are_copied_with_the_master_audio(tmp_path):
    spoken = helpers.narration(tmp_path / "short.wav", 40, seed=4)
    split = split_audio(spoken.path, tmp_path / "pieces", words=spoken.words, options=PlanOptions(max_seconds=15))
    clips, deltas = helpers.avatar_clips(split.plan, split.directory, tmp_path, spread=0)
    assert deltas == [0] * len(clips)
    result = stitch(clips, tmp_path / "exact.mp4", plan=split.plan_path)
    assert result.method == "stream copy" and "the master audio is encoded once" in result.reason
    assert not result.warnings
    assert all(abs(p.video_start - piece.start) < 1e-6 for p, piece in zip(result.placements, split.plan.pieces))
    assert all(abs(p.av_offset) < 0.001 for p in result.placements)
    errors = helpers.measure_joins(result.output, split.plan, result.track, helpers.decoded(spoken.path))
    assert_no_drift(errors)


@pytest.mark.slow
def test_clips_at_another_frame_rate_than_the_plan_are_fitted_to_their_pieces(tmp_path):
    spoken = helpers.narration(tmp_path / "short.wav", 40, seed=4)
    split = split_audio(spoken.path, tmp_path / "pieces", words=spoken.words, options=PlanOptions(max_seconds=15))
    clips = [  # a 25 fps avatar model, each clip a frame or so off its piece
        helpers.avatar_clip(tmp_path / f"c{i}.mp4", round(piece.duration * 25) + (1 if i % 2 else -1),
                            split.directory / f"{piece.name}.wav", helpers.PALETTE[i], fps="25")
        for i, piece in enumerate(split.plan.pieces)
    ]
    result = stitch(clips, tmp_path / "fitted.mp4", plan=split.plan_path, write_captions=False)
    assert result.method == "re-encode" and "25 fps but the plan is 30 fps" in result.reason
    assert probe(result.output).fps == 30
    assert [p.frames for p in result.placements] == [piece.frames for piece in split.plan.pieces]
    # every clip starts on exactly its piece's first frame, and not one frame is lost or doubled
    assert len(frame_times(result.output)) == split.plan.pieces[-1].end_frame
    firsts = helpers.first_frames(result.output, len(clips))
    assert [round(t * 30) for t in firsts] == [piece.start_frame for piece in split.plan.pieces]
    errors = helpers.measure_joins(result.output, split.plan, result.track, helpers.decoded(spoken.path))
    assert_no_drift(errors)


@pytest.mark.slow
def test_stitch_command_with_plan_and_verify(tmp_path, capsys):
    spoken = helpers.narration(tmp_path / "short.wav", 40, seed=2)
    # captions from the aligner, not piper's phoneme durations (those sit ~55 ms after the audible onset, which
    # --verify rightly reports): what is left for --verify to find is what stitching did
    script = tmp_path / "script.txt"
    script.write_text(" ".join(word.text for word in spoken.words), encoding="utf-8")
    split = split_audio(spoken.path, tmp_path / "pieces", script=script, options=PlanOptions(max_seconds=15))
    clips, _ = helpers.avatar_clips(split.plan, split.directory, tmp_path)
    out = tmp_path / "out: ü 'q'.mp4"
    code = main(["stitch", *map(str, clips), "-o", str(out), "--plan", str(split.plan_path), "--verify", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report["warnings"]
    assert report["method"] == "re-encode"
    assert len(report["clips"]) == len(split.plan.pieces)
    assert len(report["joins"]) == len(split.plan.pieces)
    assert all(j["offset"] is not None and abs(j["offset"]) <= FRAME for j in report["joins"])
    assert [j["at"] for j in report["joins"]][-1] == "end"
    assert Path(report["captions"][0]).name == "out: ü 'q'.srt"
    # captions 100 ms late after the second join are caught there, and the join is named
    master, _ = plan_tracks(split.plan)
    second_join = split.plan.pieces[2].start
    late = Track([c for c in master.cues if c.start < second_join], "en")
    late.cues += Track([c for c in master.cues if c.start >= second_join]).shifted(0.1).cues
    placements = [
        Placement(clip, piece.frames, 0, piece.start, piece.start, piece.start)
        for clip, piece in zip(clips, split.plan.pieces)
    ]
    checks = verify_joins(out, late, placements)
    assert abs(checks[0].offset) <= FRAME
    assert checks[1].name == "join 2" and checks[1].offset == pytest.approx(0.1, abs=FRAME)


@pytest.mark.slow
def test_stitch_command_transcribes_clips_without_captions(short, tmp_path, capsys):
    spoken, split, clips, deltas, master_audio = short
    out = tmp_path / "two.mp4"
    assert main(["stitch", str(clips[0]), str(clips[1]), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("stream copy: ")
    track = load(out.with_suffix(".srt"))
    join = (split.plan.pieces[0].frames + deltas[0]) / 30
    second = [c for c in track.cues if c.start >= join]
    assert second, "the second clip has captions"
    # the second clip's first caption starts near its first word, moved to where the clip really starts
    piece = split.plan.pieces[1]
    expected = join + piece.words[0].start - piece.start
    assert abs(second[0].start - expected) < 0.15


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["{c0}", "--plan", "{plan}"], "one clip per piece"),
        (["{c0}", "missing.mp4"], "no such file"),
        (["{c0}", "{c1}", "--size", "big"], "WIDTHxHEIGHT"),
        (["{c0}", "{c1}", "--size", "321x240"], "even"),
        (["{c0}", "{c1}", "--captions", "{c0}"], "caption files for 2 clips"),
        (["{c0}", "{wav}"], "no video stream"),
        (["{c0}", "{c1}", "--plan", "{wav}"], "plan"),
    ],
)
def test_stitch_command_errors_are_one_line(short, tmp_path, capsys, arguments, message):
    spoken, split, clips, _, _ = short
    values = {"{c0}": str(clips[0]), "{c1}": str(clips[1]), "{plan}": str(split.plan_path), "{wav}": str(spoken.path)}
    arguments = [values.get(a, a) for a in arguments]
    code = main(["stitch", *arguments, "-o", str(tmp_path / "x.mp4")])
    error = capsys.readouterr().err
    assert code == 2, error
    assert error.startswith("captionkit: error:") and message in error and error.count("\n") == 1
    assert not (tmp_path / "x.mp4").exists()


def test_output_must_not_overwrite_an_input(short, capsys):
    _, _, clips, _, _ = short
    assert main(["stitch", str(clips[0]), str(clips[1]), "-o", str(clips[0])]) == 2
    assert "would overwrite the input" in capsys.readouterr().err


def test_plan_with_moved_master_uses_the_piece_wavs(short, tmp_path):
    spoken, split, clips, _, _ = short
    plan = Plan.load(split.plan_path)
    plan.source = str(tmp_path / "gone.wav")
    moved = plan.save(split.directory / "plan-moved.json")
    count = 2
    plan.pieces = plan.pieces[:count]
    plan.save(moved)
    result = stitch(clips[:count], tmp_path / "moved.mp4", plan=moved, write_captions=False)
    assert all(p.audio_start is not None and abs(p.audio_start - p.start) < 0.001 for p in result.placements)
