"""The media edge: probing, decoding audio, and the errors a user sees for bad media."""

from __future__ import annotations

import numpy as np
import pytest

from captionkit.engines import synthetic
from captionkit.errors import MediaError
from captionkit.media import MODEL_SAMPLE_RATE, decode_audio, ffmpeg_exe, load_audio, probe


def test_ffmpeg_has_what_captionkit_needs():
    import subprocess

    filters = subprocess.run([ffmpeg_exe(), "-hide_banner", "-filters"], capture_output=True, text=True).stdout
    encoders = subprocess.run([ffmpeg_exe(), "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    assert " ass " in filters and " subtitles " in filters
    assert "libx264" in encoders and "mov_text" in encoders


def test_probe_reports_streams(talking_video, spoken_sample):
    info = probe(talking_video)
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (640, 360)
    assert info.fps == 30
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.duration == pytest.approx(spoken_sample[1].duration + 0.2, abs=0.1)


def test_load_audio_is_mono_16k_float(talking_video):
    samples = load_audio(talking_video)
    info = probe(talking_video)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) / MODEL_SAMPLE_RATE == pytest.approx(info.duration, abs=0.1)
    assert 0.05 < np.abs(samples).max() < 1.1  # full scale is 1.0; AAC may overshoot it a little on loud speech


def test_decoded_audio_is_read_by_slices_from_a_file_without_a_name(talking_video):
    import tempfile
    from pathlib import Path

    whole = load_audio(talking_video)
    with decode_audio(talking_video) as audio:
        # unlinked at once: nothing to leave behind
        assert not list(Path(tempfile.gettempdir()).glob("captionkit-audio-*"))
        assert len(audio) == len(whole) and audio.duration == pytest.approx(len(whole) / MODEL_SAMPLE_RATE)
        for part in (slice(None), slice(1000, 5000), slice(-100, None), slice(len(whole) - 5, len(whole) + 50)):
            assert np.array_equal(audio[part], whole[part])
        assert len(audio[len(whole) + 10 :]) == 0
        with pytest.raises(TypeError, match="contiguous slices"):
            audio[::2]


def test_missing_file(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        probe(tmp_path / "absent.mp4")


def test_not_a_media_file(tmp_path):
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("this is not a video")
    with pytest.raises(MediaError, match="not a media file"):
        probe(bogus)


def test_no_audio_stream(tmp_path):
    silent_video = tmp_path / "picture only.mp4"
    from captionkit.media import run_ffmpeg

    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=160x90:r=30:d=1", "-c:v", "libx264", str(silent_video)])
    with pytest.raises(MediaError, match="no audio stream"):
        load_audio(silent_video)


def test_paths_with_awkward_characters(tmp_path):
    awkward = tmp_path / "it's a \"test\", [v1]: é 字.mp4"
    synthetic.make_video(awkward, 1.0, size=(160, 90))
    assert probe(awkward).has_audio
