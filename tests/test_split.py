"""``captionkit split``: pieces of a 95 s Dia narration (piper speech with true word times)."""

from __future__ import annotations

import json
import math
import wave
from pathlib import Path

import numpy as np
import pytest

from assembly_helpers import narration
from captionkit.assembly.plan import Plan, PlanOptions, script_text
from captionkit.assembly.split import split_audio
from captionkit.cli import main
from captionkit.formats import load

FRAME = 1 / 30


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory):
    """About 95 s of two-speaker speech and its Dia script."""
    folder = tmp_path_factory.mktemp("split ü")
    spoken = narration(folder / "dialogue.wav", 95, seed=11, speakers=("S1", "S2"))
    script = folder / "dialogue [dia].txt"
    script.write_text(script_text(spoken.words) + "\n", encoding="utf-8")
    return spoken, script


@pytest.fixture(scope="module")
def pieces(dialogue, tmp_path_factory):
    spoken, _ = dialogue
    with pytest.MonkeyPatch.context() as patch:  # written in two ffmpeg runs (3 pieces, then 1), as long narration is
        patch.setattr("captionkit.assembly.split.PIECES_PER_RUN", 3)
        return split_audio(spoken.path, tmp_path_factory.mktemp("out") / "pieces 'a': ü", words=spoken.words)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), "<i2"), wav.getframerate()


def assert_cuts_in_pauses(plan: Plan, true_words) -> None:
    """Every cut lies strictly between two true words, no closer than 10 ms to either."""
    for cut in plan.cuts:
        assert not any(w.start - 0.01 < cut < w.end + 0.01 for w in true_words), f"cut at {cut:.3f} s touches a word"


def test_95_s_dia_narration_makes_4_pieces_cut_in_pauses(dialogue, pieces):
    spoken, _ = dialogue
    plan = pieces.plan
    assert 93 < plan.duration < 100
    assert len(plan.pieces) == 4
    assert all(p.duration <= 29.5 + 1e-9 for p in plan.pieces)
    assert_cuts_in_pauses(plan, spoken.words)
    for piece, following in zip(plan.pieces, plan.pieces[1:]):  # in the middle of the pause, within half a frame
        middle = (piece.words[-1].end + following.words[0].start) / 2
        assert abs(piece.end - middle) <= FRAME / 2 + 1e-6
    assert [w.text for w in plan.words] == [w.text for w in spoken.words]  # none lost or doubled


def test_piece_audio_is_a_sample_exact_slice_and_the_mp3_is_the_upload_form(dialogue, pieces):
    import av

    spoken, _ = dialogue
    master, rate = read_wav(spoken.path)
    slices = []
    for piece in pieces.plan.pieces:
        samples, piece_rate = read_wav(pieces.directory / f"{piece.name}.wav")
        assert piece_rate == rate
        assert len(samples) == round(piece.frames * rate / 30)  # a whole number of frames
        slices.append(samples)
        with av.open(str(pieces.directory / f"{piece.name}.mp3")) as container:
            stream = container.streams.audio[0]
            assert stream.codec_context.name.startswith("mp3")
            assert stream.codec_context.sample_rate == 44100
            assert stream.codec_context.bit_rate >= 128000
            assert abs(float(container.duration / 1e6) - piece.duration) < 0.06
    joined = np.concatenate(slices)
    assert np.array_equal(joined[: len(master)], master)
    assert not joined[len(master) :].any()  # the last piece is padded with silence to its last frame


def test_piece_scripts_keep_dia_tags_and_join_to_the_whole_script(dialogue, pieces):
    _, script = dialogue
    texts = [(pieces.directory / f"{p.name}.txt").read_text(encoding="utf-8").strip() for p in pieces.plan.pieces]
    assert all(text.startswith(("[S1]", "[S2]")) for text in texts)
    whole = script.read_text(encoding="utf-8").split()
    joined = " ".join(texts).split()
    # a piece restates its speaker tag; apart from that the words are the script's, in order
    assert [t for t in joined if t not in ("[S1]", "[S2]")] == [t for t in whole if t not in ("[S1]", "[S2]")]


def test_pieces_captions_rejoined_equal_the_whole_captions(pieces):
    master = load(pieces.master_captions)
    rejoined, ends = [], []
    for piece in pieces.plan.pieces:
        track = load(pieces.directory / f"{piece.name}.srt")
        assert all(0 <= cue.start < cue.end <= piece.duration + 0.001 for cue in track.cues)
        rejoined += track.shifted(piece.start).cues
        ends += [piece.end] * len(track.cues)
    assert [c.lines for c in rejoined] == [c.lines for c in master.cues]
    for mine, theirs, piece_end in zip(rejoined, master.cues, ends):
        assert mine.start == pytest.approx(theirs.start, abs=0.0015)  # SRT keeps milliseconds
        assert mine.end == pytest.approx(min(theirs.end, piece_end), abs=0.0015)  # a piece's cue ends by its end


def test_plan_json_records_pieces_words_and_options(pieces):
    data = json.loads(pieces.plan_path.read_text(encoding="utf-8"))
    assert data["options"] == {"max_seconds": 30.0, "margin": 0.5, "fps": "30"}
    assert Path(data["source"]).name == "dialogue.wav"
    assert [p["name"] for p in data["pieces"]] == ["piece-01", "piece-02", "piece-03", "piece-04"]
    assert all(p["words"] and p["script"] for p in data["pieces"])
    assert Plan.load(pieces.plan_path).to_dict() == data


@pytest.mark.slow
def test_split_command_aligns_the_script(dialogue, tmp_path, capsys):
    spoken, script = dialogue
    out = tmp_path / "with script"
    code = main(["split", str(spoken.path), "--script", str(script), "-o", str(out), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["pieces"]) == 4
    plan = Plan.load(out / "plan.json")
    assert all(p.duration <= 29.5 + 1e-9 for p in plan.pieces)
    assert_cuts_in_pauses(plan, spoken.words)
    assert [w.text for w in plan.words] == [w.text for w in spoken.words]
    assert plan.words[0].speaker in ("S1", "S2")
    # the master captions are align's on the same audio and script, byte for byte: every cue starts at its speech
    aligned = tmp_path / "aligned.srt"
    assert main(["align", str(spoken.path), str(script), "-o", str(aligned)]) == 0
    assert (out / "captions.srt").read_bytes() == aligned.read_bytes()
    master = load(out / "captions.srt")
    for piece in plan.pieces[1:]:
        first = next(cue for cue in master.cues if cue.start >= piece.start - 1e-6)
        assert first.start > piece.start + 0.05  # not pulled back to the cut


@pytest.mark.slow
def test_split_command_transcribes_without_a_script(spoken_sample, tmp_path, capsys):
    wav, speech = spoken_sample
    out = tmp_path / "transcribed"
    assert main(["split", str(wav), "--max", "6", "--margin", "0.5", "--fps", "25", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    plan = Plan.load(out / "plan.json")
    assert len(plan.pieces) >= 2 and f"{len(plan.pieces)} pieces" in printed
    assert all(p.duration <= 5.5 + 1e-9 and p.frames == round(p.duration * 25) for p in plan.pieces)
    assert_cuts_in_pauses(plan, speech.words)


def test_split_command_reads_words_json(dialogue, tmp_path, capsys):
    spoken, _ = dialogue
    words = tmp_path / "words.json"
    words.write_text(json.dumps({"words": [w.to_dict() for w in spoken.words]}), encoding="utf-8")
    assert main(["split", str(spoken.path), "--words", str(words), "--max", "20", "-o", str(tmp_path / "p")]) == 0
    assert "cut after" in capsys.readouterr().out
    plan = Plan.load(tmp_path / "p" / "plan.json")
    fewest = math.ceil(plan.total_frames / plan.options.limit_frames)
    assert fewest <= len(plan.pieces) <= fewest + 1 and plan.options == PlanOptions(max_seconds=20)
    assert all(p.duration <= 19.5 + 1e-9 for p in plan.pieces)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["missing.wav"], "no such file"),
        (["{wav}", "--max", "10", "--margin", "12"], "--margin"),
        (["{wav}", "--fps", "fast"], "frame rate"),
        (["{wav}", "--words", "{wav}"], "words JSON"),
    ],
)
def test_split_command_errors_are_one_line(dialogue, tmp_path, capsys, arguments, message):
    spoken, _ = dialogue
    arguments = [a.replace("{wav}", str(spoken.path)) for a in arguments]
    assert main(["split", *arguments, "-o", str(tmp_path / "o")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("captionkit: error:") and message in error and error.count("\n") == 1
