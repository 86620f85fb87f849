"""``captionkit render`` offline: a short script and the sample portrait to a captioned video.

The whole job runs once per module (320x180, two avatar pieces) and is then
checked: the captions carry the script's exact words, lint clean, and sit on
the speech at every join (measured on the output's waveform); a rerun reuses
every step; an edit redoes only what changed; bad input gets a one-line error.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from captionkit.assembly.narration import integrated_loudness, read_wav, true_peak
from captionkit.assembly.plan import Plan
from captionkit.assembly.speech_plan import SpeechPlanOptions
from captionkit.formats import load
from captionkit.jobs.render import RenderOptions, render
from captionkit.cues.lint import lint_track
from captionkit.media import load_audio, probe
from captionkit.script import read_script
from helpers import REPO, assert_one_line_error, run_cli

PORTRAIT = REPO / "samples" / "portrait.png"
SCRIPT = ("[S1] Welcome to the short test. Every caption follows the script. "
          "[S2] Even the numbers, like 25 frames? [S1] Yes, exactly as written.")
FRAME = 1 / 30
SIZE = (320, 180)
#: Short TTS segments and pieces so a few seconds of speech exercise every join.
OPTIONS = RenderOptions(size=SIZE, max_clip=4.0, speech=SpeechPlanOptions(min_seconds=1.0, max_seconds=4.5),
                        preset="veryfast")


def _render(folder: Path, script_text: str = SCRIPT, **options):
    script = folder / "talk 'one': ü.txt"
    script.write_text(script_text + "\n", encoding="utf-8")
    return render(script, PORTRAIT, folder / "out dir", options.pop("options", OPTIONS), **options)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    return folder, _render(folder)


def _plan(result) -> Plan:
    return Plan.load(result.report.steps[3].outputs["plan"])


def test_outputs_are_complete(rendered):
    _, result = rendered
    video = probe(result.outputs["video"])
    assert (video.width, video.height) == SIZE and video.has_audio and float(video.fps) == 30
    plan = _plan(result)
    assert len(plan.pieces) >= 2
    assert video.duration == pytest.approx(plan.total_frames / 30, abs=0.05)
    soft = probe(result.outputs["soft"])
    assert soft.has_video and soft.has_audio
    import av

    with av.open(str(result.outputs["soft"])) as container:
        assert [s.codec_context.name for s in container.streams.subtitles] == ["mov_text"]
    assert sorted(p.name for p in result.outputs["video"].parent.iterdir()) == sorted(
        [".captionkit", "report.json"] + [f"talk 'one': ü.{kind}" for kind in ("srt", "vtt", "ass", "captioned.mp4",
                                                                                 "subtitled.mp4")])


def test_captions_carry_the_exact_words_and_lint_clean(rendered):
    _, result = rendered
    track = load(result.outputs["srt"])
    caption_words = " ".join(line for cue in track.cues for line in cue.lines).replace("\n", " ").split()
    caption_words = [w.lstrip("-") for w in caption_words if w != "-"]
    assert caption_words == [word.text for word in read_script(SCRIPT).spoken]
    profile = result.report.steps[3].outputs["profile"]
    assert [v for v in lint_track(track, profile, 30) if v.severity == "error"] == []
    assert load(result.outputs["vtt"]).cues and load(result.outputs["ass"]).cues


def test_captions_stay_on_the_speech_at_every_join(rendered):
    """At each join: the output's sound is where the master's is (cross-correlation), the first word after the
    join starts within a frame of the sound's onset in the output's waveform, and its caption is up by then."""
    _, result = rendered
    plan = _plan(result)
    master_path = Path(result.report.steps[2].outputs["master"])
    master = load_audio(master_path, 16000)
    output = load_audio(result.outputs["video"], 16000)
    track = load(result.outputs["srt"])
    for piece in plan.pieces[1:]:
        word = piece.words[0]
        # where a second of the master from just before the word sits in the output
        start = round((word.start - 0.1) * 16000)
        reference = master[start : start + 16000]
        search = round(0.1 * 16000)
        window = output[start - search : start + len(reference) + search]
        scores = [float(np.dot(window[k : k + len(reference)], reference)) for k in range(2 * search + 1)]
        shift = (int(np.argmax(scores)) - search) / 16000
        assert abs(shift) <= FRAME / 2, f"{piece.name}: sound moved {shift * 1000:.1f} ms"
        onset = _onset(output, piece.start, word.start + 0.3)
        assert abs(word.start - onset) <= FRAME, f"{piece.name}: {word.text!r} at {word.start:.3f}, sound at {onset:.3f}"
        cue = next(c for c in track.cues if c.start <= word.start + FRAME and c.end > word.start)
        assert word.text in cue.text.split()[0] or word.text in cue.text
        assert cue.start >= piece.start - FRAME  # never shown over the previous clip's speech


def _onset(audio: np.ndarray, begin: float, end: float, rate: int = 16000) -> float:
    """The first 5 ms window from ``begin`` whose level is within 30 dB of the loudest before ``end``."""
    window = rate // 200
    chunk = audio[round(begin * rate) : round(end * rate)]
    levels = np.sqrt(np.mean(chunk[: len(chunk) // window * window].reshape(-1, window) ** 2, axis=1))
    first = int(np.argmax(levels > levels.max() * 10 ** (-30 / 20)))
    return begin + first * window / rate


def test_master_and_report(rendered):
    _, result = rendered
    samples, rate = read_wav(result.report.steps[2].outputs["master"])
    assert rate == 48000
    assert integrated_loudness(samples, rate) == pytest.approx(-16.0, abs=0.5)
    assert true_peak(samples) <= -1.0
    report = json.loads(result.outputs["report"].read_text("utf-8"))
    assert [step["name"] for step in report["steps"]] == ["check", "speech", "master", "align", "avatar", "finish",
                                                           "report"]
    assert report["steps"][0]["inputs"]["portrait"].startswith("sha256:")
    assert all(step["seconds"] >= 0 for step in report["steps"])
    assert report["steps"][1]["made"] >= 2  # several TTS segments
    assert report["steps"][4]["made"] == len(_plan(result).pieces)
    assert report["spoken_seconds"] == pytest.approx(len(samples) / rate, abs=0.01)


def test_rerun_reuses_every_step_and_gives_the_same_outputs(rendered):
    folder, first = rendered
    before = {kind: path.read_bytes() for kind, path in first.outputs.items() if kind != "report"}
    again = _render(folder)
    assert sum(step.made for step in again.report.steps) == 0
    assert {kind: path.read_bytes() for kind, path in again.outputs.items() if kind != "report"} == before


def test_edit_redoes_only_the_changed_segment(rendered, tmp_path):
    folder, first = rendered
    edited = _render(folder, SCRIPT.replace("exactly as written", "just as written"))
    speech, avatar = edited.report.steps[1], edited.report.steps[4]
    assert speech.made == 1 and speech.reused == len(speech.outputs["segments"]) - 1
    # only the last segment's block changed: the avatar clips of the others are reused
    assert avatar.made >= 1 and avatar.reused >= 1 and avatar.made + avatar.reused == len(_plan(edited).pieces)
    assert "just as written" in load(edited.outputs["srt"]).cues[-1].text


def test_cli_json_then_force_redoes_everything(tmp_path):
    script = tmp_path / "-short script.txt"  # a leading dash is a file name, not an option
    script.write_text("Hello there. This is short.", "utf-8")
    command = ["render", script, "--portrait", PORTRAIT, "-o", tmp_path / "out: ü", "--size", "320x180", "--json"]
    first = run_cli(*command)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert Path(summary["outputs"]["video"]).is_file() and summary["plan"]["pieces"] == 1
    assert [step["name"] for step in summary["steps"]][-1] == "report" and summary["real_time_factor"] > 0
    forced = json.loads(run_cli(*command, "--force").stdout)
    assert sum(step["reused"] for step in forced["steps"]) == 0
    assert sum(step["made"] for step in forced["steps"]) == sum(step["made"] for step in summary["steps"])


def test_cli_dry_run_spends_nothing(tmp_path):
    script = tmp_path / "script.txt"
    script.write_text((REPO / "samples" / "script.txt").read_text("utf-8"), "utf-8")
    result = run_cli("render", script, "--portrait", PORTRAIT, "-o", tmp_path / "out", "--dry-run",
                     "--engine", "infsh")
    assert result.returncode == 0, result.stderr
    assert "TTS segments" in result.stdout and "avatar pieces" in result.stdout
    assert "falai/dia-tts" in result.stdout and "bytedance/omnihuman-1-5" in result.stdout
    assert not (tmp_path / "out").exists()


def test_cli_json_dry_run(tmp_path):
    script = tmp_path / "s.txt"
    script.write_text(" ".join(["This sentence takes a few seconds to say out loud."] * 12), "utf-8")
    result = run_cli("render", script, "--portrait", PORTRAIT, "-o", tmp_path / "out", "--dry-run", "--json",
                     "--max-clip", "10")
    plan = json.loads(result.stdout)["plan"]
    assert plan["paid_clips"] == 0 and plan["tasks"] == {}
    assert 36 < plan["speech_seconds"] < 46  # twelve sentences of about 3.3 s
    # each TTS segment fits one avatar clip of 9.5 s with its pauses: two sentences each
    assert plan["segments"] == plan["pieces"] == 6


def test_output_never_overwrites_the_script(tmp_path):
    script = tmp_path / "talk.srt"
    script.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello there.\n", "utf-8")
    before = script.read_bytes()
    result = run_cli("render", script, "--portrait", PORTRAIT, "-o", tmp_path, "--size", "320x180")
    assert_one_line_error(result, "would overwrite the input")
    assert script.read_bytes() == before


@pytest.mark.parametrize("case", ["missing portrait", "not an image", "empty script", "unwritable output",
                                  "three speakers", "clip too long"])
def test_bad_input_gets_one_line_error_and_no_files(tmp_path, case):
    script = tmp_path / "script.txt"
    script.write_text("Hello there.", "utf-8")
    portrait, out, extra = PORTRAIT, tmp_path / "out", []
    fragment = {"missing portrait": "no such portrait", "not an image": "not an image",
                "empty script": "no words", "unwritable output": "is a file, not a folder",
                "three speakers": "at most 2", "clip too long": "at most 30"}[case]
    if case == "missing portrait":
        portrait = tmp_path / "nobody.png"
    elif case == "not an image":
        portrait = tmp_path / "fake.png"
        portrait.write_text("not a picture", "utf-8")
    elif case == "empty script":
        script.write_text("  \n", "utf-8")
    elif case == "unwritable output":
        (tmp_path / "blocker").write_text("a file", "utf-8")
        out = tmp_path / "blocker" / "out"
    elif case == "three speakers":
        script.write_text("[S1] One. [S2] Two. [S3] Three.", "utf-8")
    else:
        extra = ["--max-clip", "45"]
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_cli("render", script, "--portrait", portrait, "-o", out, "--size", "320x180", *extra)
    assert_one_line_error(result, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
