"""Media timing: audio that starts after the picture, several audio streams, cues that would outlast the media."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from captionkit.errors import MediaError
from captionkit.media import MODEL_SAMPLE_RATE, choose_audio_stream, load_audio, probe, run_ffmpeg
from captionkit.model import Cue, Track, Word
from helpers import run_cli, run_main

DELAY = 1.0


def _lag(late: np.ndarray, early: np.ndarray) -> float:
    """Seconds by which ``late`` trails ``early`` (cross-correlation of their first seconds)."""
    size = 1 << 19
    a, b = late[: 8 * MODEL_SAMPLE_RATE], early[: 8 * MODEL_SAMPLE_RATE]
    correlation = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    lag = int(np.argmax(correlation))
    return (lag if lag < size // 2 else lag - size) / MODEL_SAMPLE_RATE


@pytest.fixture(scope="module")
def delayed_video(tmp_path_factory, spoken_sample):
    """A video whose AAC sound starts DELAY seconds after its picture (an edit list in the MP4)."""
    wav, _ = spoken_sample
    path = tmp_path_factory.mktemp("timing") / "late sound.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=12", "-itsoffset", str(DELAY), "-i", str(wav),
                "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(path)])
    return path


@pytest.fixture(scope="module")
def two_streams(tmp_path_factory, spoken_sample):
    """A video whose first audio stream is silent and untagged, the second the speech, tagged English."""
    wav, _ = spoken_sample
    path = tmp_path_factory.mktemp("streams") / "dubbed.mkv"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=11", "-f", "lavfi", "-i",
                "anullsrc=r=48000:cl=stereo", "-i", str(wav), "-map", "0:v", "-map", "1:a", "-map", "2:a",
                "-t", "11", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                "-metadata:s:a:1", "language=eng", str(path)])
    return path


def test_audio_that_starts_late_is_decoded_on_the_files_timeline(delayed_video, spoken_sample):
    wav, _ = spoken_sample
    assert _lag(load_audio(delayed_video), load_audio(wav)) == pytest.approx(DELAY, abs=0.003)


def test_transcribed_words_are_timed_from_the_picture_not_the_sound(delayed_video, spoken_sample, tmp_path):
    wav, speech = spoken_sample
    result = run_cli("transcribe", delayed_video, "-o", tmp_path / "late.json", "--words", tmp_path / "w.json")
    assert result.returncode == 0, result.stderr
    import json

    words = json.loads((tmp_path / "w.json").read_text())["words"]
    first_true = next(word.start for word in speech.words)
    assert words[0]["start"] == pytest.approx(first_true + DELAY, abs=0.12)


def test_a_silent_first_stream_gives_way_to_the_tagged_speech(two_streams, spoken_sample):
    assert choose_audio_stream(two_streams) == 1
    assert choose_audio_stream(two_streams, 1) == 0 and choose_audio_stream(two_streams, "en") == 1
    assert choose_audio_stream(two_streams, "eng") == 1
    with pytest.raises(MediaError, match="no audio stream is tagged 'de'"):
        choose_audio_stream(two_streams, "de")
    wav, _ = spoken_sample
    assert _lag(load_audio(two_streams), load_audio(wav)) == pytest.approx(0.0, abs=0.003)
    assert float(np.abs(load_audio(two_streams, stream=1)).max()) == 0.0


def test_audio_stream_option_reaches_the_model(two_streams, tmp_path):
    silent = run_cli("transcribe", two_streams, "-o", tmp_path / "a.srt", "--audio-stream", "1")
    assert silent.returncode == 0 and "no speech was found" in silent.stderr
    spoken = run_cli("transcribe", two_streams, "-o", tmp_path / "b.srt")
    assert spoken.returncode == 0, spoken.stderr
    assert "product tour" in (tmp_path / "b.srt").read_text().lower()


def test_no_cue_or_word_outlasts_the_media():
    track = Track([
        Cue(0.0, 0.97, ["Hi."], words=[Word("Hi.", 0.02, 0.15)]),
        Cue(20.0, 23.3, ["One sentence too many."], words=[Word("One", 20.0, 20.3), Word("many.", 22.0, 23.3)]),
        Cue(21.0, 22.0, ["Never heard."]),
    ])
    ended = track.ended_by(20.6)
    assert [(cue.start, cue.end) for cue in ended.cues] == [(0.0, 0.97), (20.0, 20.6)]  # the third starts too late
    assert all(word.end <= 20.6 for word in ended.words)
    assert [word.text for word in ended.words] == ["Hi.", "One"]
    short = track.ended_by(0.2)
    assert [(cue.start, cue.end) for cue in short.cues] == [(0.0, 0.2)]


def test_a_tiny_clip_gets_a_cue_no_longer_than_itself(tmp_path):
    from captionkit.cli.transcribe import write_outputs
    from captionkit.engines import synthetic

    clip = synthetic.make_silent_audio(tmp_path / "blip.wav", 0.2)
    source = probe(clip)
    track = write_outputs([Word("Hi.", 0.02, 0.15)], source, tmp_path / "blip.srt", tmp_path / "blip.json",
                          profile="netflix", language="en")
    from captionkit.formats import load

    assert track.cues and track.cues[-1].end <= source.duration + 1e-9
    written = load(tmp_path / "blip.srt")
    assert len(written.cues) == 1 and written.cues[0].end <= 0.2 + 1e-9


def test_bad_audio_stream_choices_are_one_line_errors(two_streams):
    result = run_main("transcribe", two_streams, "-o", "x.srt", "--audio-stream", "3")
    assert result.returncode == 2 and "has 2 audio stream(s)" in result.stderr


def test_split_cuts_a_late_stream_on_the_files_timeline(delayed_video, spoken_sample, tmp_path):
    from captionkit.assembly.split import split_audio
    from captionkit.formats import load

    wav, speech = spoken_sample
    words = [Word(w.text, w.start + DELAY, w.end + DELAY) for w in speech.words]  # as transcribe times them
    result = split_audio(delayed_video, tmp_path / "pieces", words=words)
    first = result.plan.pieces[0]
    # the piece's sound is where its words are: DELAY of silence, then the speech
    assert _lag(load_audio(result.piece_files[0]["audio"]), load_audio(wav)) == pytest.approx(DELAY - first.start, abs=0.003)
    cue = load(tmp_path / "pieces" / f"{first.name}.srt").cues[0]
    assert cue.start == pytest.approx(words[0].start - first.start, abs=0.04)
    assert result.plan.duration == pytest.approx(probe(delayed_video).duration, abs=0.1)


def test_stitch_listens_to_the_audio_stream_asked_for(two_streams, spoken_sample, tmp_path):
    wav, _ = spoken_sample
    (tmp_path / "c.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello.\n", "utf-8")
    second = shutil.copy(two_streams, tmp_path / "second.mkv")
    for choice, heard in (("2", True), ("1", False), (None, True)):  # default: the tagged speech
        out = tmp_path / f"merged-{choice}.mp4"
        result = run_cli("stitch", two_streams, second, "-o", out, "--captions", tmp_path / "c.srt",
                         tmp_path / "c.srt", *(["--audio-stream", choice] if choice else []))
        assert result.returncode == 0, result.stderr
        sound = load_audio(out)
        assert (float(np.abs(sound).max()) > 0.1) == heard, choice
        if heard:  # the speech of the first clip, where its picture starts
            assert _lag(sound, load_audio(wav)) == pytest.approx(0.0, abs=0.003)
    result = run_cli("stitch", two_streams, second, "-o", tmp_path / "x.mp4", "--audio-stream", "3")
    assert result.returncode == 2 and "there is no --audio-stream 3" in result.stderr


def test_stitch_with_a_plan_keeps_a_late_stream_where_split_put_it(delayed_video, spoken_sample, tmp_path):
    from captionkit.assembly.split import split_audio

    wav, speech = spoken_sample
    words = [Word(w.text, w.start + DELAY, w.end + DELAY) for w in speech.words]
    result = split_audio(delayed_video, tmp_path / "pieces", words=words)
    assert result.plan.source is None  # the master is not muxed as it is: its sound starts after its picture
    clips = []
    for piece in result.plan.pieces:  # an "avatar clip" per piece: any picture, the piece's own sound
        clip = tmp_path / f"{piece.name}.mp4"
        run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=s=160x90:r=30:d={piece.duration}", "-i",
                    str(result.piece_files[0]["audio"].with_name(f"{piece.name}.wav")), "-c:v", "libx264",
                    "-preset", "ultrafast", "-c:a", "aac", "-shortest", str(clip)])
        clips.append(clip)
    out = tmp_path / "stitched.mp4"
    stitched = run_cli("stitch", *clips, "-o", out, "--plan", tmp_path / "pieces" / "plan.json")
    assert stitched.returncode == 0, stitched.stderr
    assert _lag(load_audio(out), load_audio(wav)) == pytest.approx(DELAY, abs=0.003)
