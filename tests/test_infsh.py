"""The inference.sh client and the caption-videos engine, driven against a fake of the service."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from captionkit.engines.synthetic import make_video
from captionkit.errors import CaptionkitError
from captionkit.infsh.caption_videos import APP, caption_video, segments, style_options
from captionkit.infsh.client import InfshError, connect
from captionkit.model import Cue, Track
from captionkit.style import load_style
from helpers import assert_one_line_error, run_cli
from render_helpers import changed_box, frames, timed_cue

KEY = "inf_test_key"


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("infsh") / "talk 'x', [1].mp4", 2.0, size=(320, 180), fps=25,
                      source="black")


@pytest.fixture
def service(fake_infsh):
    return fake_infsh


@pytest.fixture
def no_cli(monkeypatch, tmp_path):
    """A PATH without any infsh/belt."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}{Path(sys.executable).parent}")


TRACK = Track([Cue(0.2, 0.9, ["Hello from the service"]), Cue(1.1, 1.8, ["Second cue"])])


def test_the_sdk_uploads_runs_waits_and_downloads_a_real_captioned_video(infsh_sdk, video, tmp_path, no_cli):
    service = infsh_sdk
    out = tmp_path / "captioned 'ü'.mp4"
    result = caption_video(video, TRACK, out, style="clean")
    assert result.path == out and out.is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file left behind"
    run = next(body for method, path, body in service.requests if path == "/apps/run")
    assert run["app"] == APP
    assert run["input"]["video_file"].startswith("inf://files/")
    assert [s["text"] for s in run["input"]["segments"]] == ["Hello from the service", "Second cue"]
    assert run["input"]["segments"][0]["start"] == pytest.approx(0.2)
    assert run["input"]["font"] == "Noto Sans" and run["input"]["position"] == "center-bottom"
    uploads = [body for method, path, body in service.requests if method == "PUT"]
    assert uploads == [video.stat().st_size]
    source, captioned = frames(video), frames(out)
    assert changed_box(source[12][1], captioned[12][1], threshold=40) is not None, "captions are on the video"
    assert changed_box(source[0][1], captioned[0][1], threshold=40) is None


def test_caption_text_that_looks_like_a_file_or_base64_is_sent_as_text(service, video, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Hello").write_text("a file named like a caption")
    track = Track([Cue(0.2, 0.8, ["Hello"]), Cue(1.0, 1.6, ["Internationalization"])])
    client = connect(api_key=KEY, base_url=service.url)
    caption_video(video, track, tmp_path / "out.mp4", client=client)
    run = next(body for method, path, body in service.requests if path == "/apps/run")
    assert [s["text"] for s in run["input"]["segments"]] == ["Hello", "Internationalization"]
    assert sum(1 for method, *_ in service.requests if method == "PUT") == 1


def test_a_failed_task_surfaces_the_service_message(service, video, tmp_path):
    service.fail(APP, "quota exceeded: add credits to continue")
    client = connect(api_key=KEY, base_url=service.url)
    with pytest.raises(InfshError, match="infsh/caption-videos failed on inference.sh .*: quota exceeded") as caught:
        caption_video(video, TRACK, tmp_path / "out.mp4", client=client)
    assert "\n" not in str(caught.value)
    assert not list(tmp_path.iterdir())


def test_a_rejected_key_is_a_clear_error(service, video, tmp_path):
    client = connect(api_key="inf_wrong", base_url=service.url)
    with pytest.raises(InfshError, match=r"HTTP 401: API key invalid\); check INFERENCE_API_KEY"):
        caption_video(video, TRACK, tmp_path / "out.mp4", client=client)


def test_the_cli_is_used_when_no_key_is_set(infsh_cli, video, tmp_path):
    client = connect()
    assert client.name == "cli"
    out = caption_video(video, TRACK, tmp_path / "cli out.mp4", client=client).path
    assert changed_box(frames(video)[12][1], frames(out)[12][1], threshold=40) is not None
    infsh_cli.fail(APP, "GPU out of memory")
    with pytest.raises(InfshError, match=r"infsh/caption-videos failed on inference.sh .*: GPU out of memory"):
        caption_video(video, TRACK, tmp_path / "fails.mp4", client=connect())
    assert not (tmp_path / "fails.mp4").exists()


def test_without_a_key_or_a_cli_the_error_says_what_to_do(service, no_cli):
    with pytest.raises(CaptionkitError, match="set INFERENCE_API_KEY .*infsh login"):
        connect()


def test_burn_command_with_the_infsh_engine_warns_about_what_the_app_cannot_draw(infsh_sdk, video, tmp_path):
    service = infsh_sdk
    from captionkit import formats

    subs = formats.save(Track([timed_cue("big bold words here", 0.2, word=0.3)]), tmp_path / "words.json")
    result = run_cli("burn", video, subs, "--style", "social", "--engine", "infsh", "-o", tmp_path / "s.mp4")
    assert result.returncode == 0, result.stderr
    assert "captionkit: warning: infsh/caption-videos cannot highlight the spoken word" in result.stderr
    run = next(body for method, path, body in service.requests if path == "/apps/run")
    assert all(len(s["text"].split()) <= 3 for s in run["input"]["segments"])
    assert run["input"]["segments"][0]["text"].isupper()

    service.fail(APP, "GPU on fire")
    assert_one_line_error(run_cli("burn", video, subs, "--engine", "infsh", "-o", tmp_path / "f.mp4"), "GPU on fire")
    assert not (tmp_path / "f.mp4").exists()


def test_style_mapping_names_what_is_lost():
    lower, lost = style_options(load_style("lower-third"), (1920, 1080),
                                Track([Cue(0, 1, ["a"], speaker="S1"), Cue(1, 2, ["b"], speaker="S2")]))
    assert lower["position"] == "left-bottom" and lower["text_align"] == "left"
    assert lower["bg_color"] == "#102040" and lower["stroke_width"] == 0
    assert any("box" in warning for warning in lost)
    social, lost = style_options(load_style("social"), (1080, 1920))
    assert any("highlight" in warning for warning in lost) and any("bold" in warning for warning in lost)
    assert social["font_size"] > 60 and social["margin_vertical"] > 1920 * 0.2
    hebrew, lost = style_options(load_style("clean"), (640, 360), Track([Cue(0, 1, ["שלום"])]))
    assert hebrew["font"] == "Alef" and any("Alef" in warning for warning in lost)
    named = segments(Track([Cue(0, 1, ["Hi"], speaker="S1")]), load_style("lower-third"), (640, 360),
                     speaker_names={"S1": "Ada"})
    assert named == [{"start": 0, "end": 1, "text": "Ada\nHi"}]
    assert np.all([s["end"] > s["start"] for s in segments(TRACK, load_style("social"), (360, 640))])
