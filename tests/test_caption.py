"""The main job end to end, as a user runs it: ``captionkit caption`` and ``captionkit transcribe``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from captionkit import formats
from captionkit.cues.lint import lint_track
from captionkit.media import probe, run_ffmpeg
from helpers import PANGRAM_TEXT, REPO, assert_one_line_error, run_cli, word_error_rate

SAMPLES = REPO / "samples"


def caption_text(track) -> str:
    return " ".join(line for cue in track.cues for line in cue.lines)


def assert_well_formed(track, fps: float) -> None:
    assert all(cue.start < cue.end for cue in track.cues)
    assert all(a.end <= b.start for a, b in zip(track.cues, track.cues[1:]))
    failing = [v for v in lint_track(track, "netflix", fps) if v.severity == "error"]
    assert failing == []


@pytest.mark.slow
def test_readme_command_on_the_bundled_sample(tmp_path):
    """README command 1 without the burn (burn is covered below on a smaller video)."""
    result = run_cli("caption", SAMPLES / "presenter.mp4", "-o", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert set(summary["outputs"]) == {"srt", "vtt", "ass"}
    spoken = (SAMPLES / "presenter.txt").read_text(encoding="utf-8")
    for kind in ("srt", "vtt", "ass"):
        track = formats.load(tmp_path / f"presenter.{kind}")
        assert word_error_rate(spoken, caption_text(track)) < 0.10, kind
    assert_well_formed(formats.load(tmp_path / "presenter.srt"), 30)


@pytest.mark.slow
def test_caption_and_burn(tmp_path, talking_video):
    out = tmp_path / "out folder"
    result = run_cli("caption", talking_video, "-o", out, "--burn")
    assert result.returncode == 0, result.stderr
    name = talking_video.stem
    written = {path.name for path in out.iterdir()}
    assert written == {f"{name}.srt", f"{name}.vtt", f"{name}.ass", f"{name}.captioned.mp4"}
    source, burned = probe(talking_video), probe(out / f"{name}.captioned.mp4")
    assert (burned.width, burned.height, burned.fps) == (source.width, source.height, source.fps)
    assert burned.audio_codec == source.audio_codec
    assert burned.duration == pytest.approx(source.duration, abs=0.05)
    track = formats.load(out / f"{name}.srt")
    assert word_error_rate(PANGRAM_TEXT, caption_text(track)) < 0.10
    assert_well_formed(track, 30)


@pytest.mark.slow
def test_caption_with_the_script_uses_its_exact_words(tmp_path, talking_video):
    script = tmp_path / "script.txt"
    script.write_text("[S1] " + PANGRAM_TEXT.replace("three", "3"), encoding="utf-8")
    result = run_cli("caption", talking_video, "--script", script, "-o", tmp_path)
    assert result.returncode == 0, result.stderr
    track = formats.load(tmp_path / f"{talking_video.stem}.srt")
    assert caption_text(track).split() == PANGRAM_TEXT.replace("three", "3").split()


def test_silent_video_gives_empty_captions_and_a_warning(tmp_path):
    quiet = tmp_path / "quiet.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=gray:s=160x90:r=30:d=3", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono",
                "-t", "3", "-c:v", "libx264", "-c:a", "aac", str(quiet)])
    result = run_cli("caption", quiet, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "warning: no speech was found" in result.stderr
    assert formats.load(tmp_path / "out" / "quiet.srt").cues == []


def test_transcribe_writes_captions_and_words(tmp_path, spoken_sample):
    wav, speech = spoken_sample
    out, words = tmp_path / "out.vtt", tmp_path / "words.json"
    result = run_cli("transcribe", wav, "-o", out, "--words", words)
    assert result.returncode == 0, result.stderr
    data = json.loads(words.read_text(encoding="utf-8"))
    assert set(data["words"][0]) >= {"word", "start", "end", "probability", "speaker"}
    assert all(isinstance(w["start"], float) and w["start"] <= w["end"] for w in data["words"])
    assert word_error_rate(PANGRAM_TEXT, " ".join(w["word"] for w in data["words"])) < 0.10
    assert formats.load(out).cues


@pytest.fixture(scope="module")
def picture_only(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bad") / "picture only.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=1", "-c:v", "libx264", str(path)])
    return path


@pytest.mark.parametrize("command", ["caption", "transcribe"])
def test_bad_media_gives_a_one_line_error(tmp_path, command, picture_only):
    not_media = tmp_path / "notes.mp4"
    not_media.write_text("not a video")
    output = ["-o", tmp_path / "x.srt"] if command == "transcribe" else ["-o", tmp_path]
    assert_one_line_error(run_cli(command, tmp_path / "absent.mp4", *output), "no such file")
    assert_one_line_error(run_cli(command, not_media, *output), "not a media file")
    assert_one_line_error(run_cli(command, picture_only, *output), "no audio stream")
    assert not list(tmp_path.glob("*.srt")) and not list(tmp_path.glob(".*tmp*"))


def test_other_bad_input_gives_a_one_line_error(tmp_path, spoken_sample):
    wav = spoken_sample[0]
    assert_one_line_error(run_cli("transcribe", wav, "-o", tmp_path / "x.docx"), "caption format")
    assert_one_line_error(run_cli("transcribe", wav, "-o", tmp_path / "x.srt", "--language", "es"), "--model base")
    assert_one_line_error(run_cli("transcribe", wav, "-o", tmp_path / "x.srt", "--model", str(tmp_path)), "model")
    assert_one_line_error(run_cli("caption", wav, "--script", tmp_path / "absent.txt"), "no such script file")
    assert_one_line_error(run_cli("caption", wav, "--burn"), "no video stream")
    assert list(tmp_path.iterdir()) == []
