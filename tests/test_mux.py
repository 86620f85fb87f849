"""Soft subtitle tracks: the right codecs, language tags, default track, and nothing re-encoded."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from captionkit.engines.synthetic import make_video
from captionkit.formats import ass
from captionkit.media import ffmpeg_exe
from captionkit.model import Cue, Track, Word
from captionkit.render.mux import SubtitleInput, language_from_filename, language_tag, mux
from helpers import assert_one_line_error, run_cli

#: PyAV names ASS "ssa" and SubRip "srt" or "subrip" depending on the container.
CODEC_NAMES = {"ssa": "ass", "subrip": "srt"}
SPANISH_SRT = "1\n00:00:00,500 --> 00:00:01,500\nHola, ¿qué tal?\n\n2\n00:00:02,000 --> 00:00:02,800\nSegundo\n"


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mux dir, 'x'")
    video = make_video(folder / "talk.mp4", 3.0, size=(320, 180), fps=25)
    spanish = folder / "talk.es.srt"
    spanish.write_text(SPANISH_SRT, encoding="utf-8")
    track = Track([Cue(0.5, 1.5, ["Hello there"]), Cue(2.0, 2.8, ["Second"])])
    styled = ass.write(track, folder / "talk styled.ass", size=(320, 180), style="boxed", fps=25)
    return folder, video, spanish, styled


def _streams(path: Path) -> list[dict]:
    import av

    with av.open(str(path)) as container:
        return [
            {"type": s.type, "codec": CODEC_NAMES.get(s.codec_context.name, s.codec_context.name), "language": s.metadata.get("language"),
             "title": s.metadata.get("title") or s.metadata.get("name"), "default": bool(int(s.disposition) & 1)}
            for s in container.streams
        ]


def _packets(path: Path, kind: str) -> list[bytes]:
    import av

    with av.open(str(path)) as container:
        stream = getattr(container.streams, kind)[0]
        return [bytes(p) for p in container.demux(stream) if p.size]


def _extract(path: Path, index: int, out: Path) -> str:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(path), "-map", f"0:s:{index}", str(out)], check=True)
    return out.read_text(encoding="utf-8")


def test_mp4_gets_mov_text_tracks_with_languages_and_one_default(material, tmp_path):
    _, video, spanish, styled = material
    out = mux(video, [spanish, SubtitleInput(styled, "en")], tmp_path / "out 'a', [1].mp4", default=1)
    subtitles = [s for s in _streams(out) if s["type"] == "subtitle"]
    assert [(s["codec"], s["language"], s["title"], s["default"]) for s in subtitles] == [
        ("mov_text", "spa", "Spanish", False), ("mov_text", "eng", "English", True)]
    assert "¿qué tal?" in _extract(out, 0, tmp_path / "es.srt")
    assert "Hello there" in _extract(out, 1, tmp_path / "en.srt")
    for kind in ("video", "audio"):
        assert _packets(out, kind) == _packets(video, kind), f"the {kind} must be copied, not re-encoded"


def test_mkv_keeps_srt_as_srt_and_ass_with_its_styles(material, tmp_path):
    _, video, spanish, styled = material
    out = mux(video, [SubtitleInput(styled, "de"), spanish], tmp_path / "out.mkv")
    subtitles = [s for s in _streams(out) if s["type"] == "subtitle"]
    assert [(s["codec"], s["language"], s["default"]) for s in subtitles] == [
        ("ass", "ger", True), ("srt", "spa", False)]
    ass_back = _extract(out, 0, tmp_path / "back.ass")
    assert "PlayResX: 320" in ass_back and "Style: Caption,Noto Sans" in ass_back
    assert _packets(out, "video") == _packets(video, "video")


def test_json_captions_are_converted_and_existing_tracks_kept(material, tmp_path):
    from captionkit import formats

    _, video, spanish, _ = material
    words = [Word("Words", 0.4, 0.8), Word("from", 0.8, 1.0), Word("JSON", 1.0, 1.5)]
    data = formats.save(Track([Cue(0.4, 1.6, ["Words from JSON"], words=words)]), tmp_path / "talk.en.json")
    first = mux(video, [spanish], tmp_path / "first.mp4")
    out = mux(first, [data], tmp_path / "second.mkv", default=None)
    subtitles = [s for s in _streams(out) if s["type"] == "subtitle"]
    assert [(s["codec"], s["language"], s["default"]) for s in subtitles] == [
        ("srt", "spa", False), ("srt", "eng", False)]
    assert "Words from JSON" in _extract(out, 1, tmp_path / "json.srt")
    assert "Hola" in _extract(out, 0, tmp_path / "kept.srt")


def test_language_codes():
    assert language_tag("en") == "eng" and language_tag("pt-BR") == "por" and language_tag(None) == "und"
    assert language_tag("de", bibliographic=True) == "ger" and language_tag("ger") == "deu"
    assert language_from_filename(Path("talk.es.srt")) == "es"
    assert language_from_filename(Path("talk.srt")) is None
    assert language_from_filename(Path("my.talk.final.srt")) is None


def test_mux_command_and_its_errors(material, tmp_path):
    _, video, spanish, styled = material
    result = run_cli("mux", video, spanish, styled, "--language", "es,en", "--default", "2", "-o", tmp_path / "c.mp4")
    assert result.returncode == 0, result.stderr
    subtitles = [s for s in _streams(tmp_path / "c.mp4") if s["type"] == "subtitle"]
    assert [(s["language"], s["default"]) for s in subtitles] == [("spa", False), ("eng", True)]
    assert_one_line_error(run_cli("mux", video, spanish, "-o", tmp_path / "c.avi"), ".mkv")
    assert_one_line_error(run_cli("mux", video, spanish, "--language", "es,en", "-o", tmp_path / "d.mp4"), "--language")
    assert_one_line_error(run_cli("mux", video, tmp_path / "none.srt", "-o", tmp_path / "d.mp4"), "no such")
    assert_one_line_error(run_cli("mux", video, spanish, "--default", "3", "-o", tmp_path / "d.mp4"), "default track")
    assert not (tmp_path / "d.mp4").exists()
