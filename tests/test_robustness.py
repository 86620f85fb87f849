"""Hostile and careless use of every command: one clear line, never a traceback, never a lost input.

Each test here backs rows of docs/robustness.md.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from captionkit.engines import synthetic
from captionkit.errors import CaptionkitWarning
from helpers import assert_one_line_error, run_cli, run_main

SRT = "1\n00:00:00,200 --> 00:00:01,000\nHello there.\n"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    """A one-second video with sound, a WAV, captions and a script (copied per test)."""
    folder = tmp_path_factory.mktemp("robust")
    video = synthetic.make_video(folder / "clip.mp4", 1.0, size=(160, 90))
    audio = synthetic.make_silent_audio(folder / "voice.wav", 1.0)
    (folder / "clip.srt").write_text(SRT)
    (folder / "script.txt").write_text("Hello there.\n")
    (folder / "words.json").write_text('{"words": [{"word": "Hello", "start": 0.2, "end": 0.5}]}')
    shutil.copy(SAMPLES / "portrait.png", folder / "portrait.png")
    return {"video": video, "audio": audio, "srt": folder / "clip.srt", "script": folder / "script.txt",
            "words": folder / "words.json", "portrait": folder / "portrait.png"}


@pytest.fixture
def work(tmp_path, media) -> Path:
    for path in media.values():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _spellings(path: Path) -> list[str]:
    """The same file as a user might name it: relative, with ./ and .., through a symlink."""
    link = path.with_name("alias-" + path.name)
    if not link.exists():
        link.symlink_to(path.name)
    return [path.name, f"./{path.name}", f"../{path.parent.name}/{path.name}", str(path), link.name]


def _folder_spellings(folder: Path) -> list[str]:
    """The same folder as a user might name it, for commands whose -o is a folder."""
    link = folder / "alias-folder"
    if not link.exists():
        link.symlink_to(".")
    return [".", "./", f"../{folder.name}", str(folder), link.name]


#: (command line, the input file an output names, the output option): {out} is spelled as the input, {dir} as
#: its folder (for commands that write named files into the -o folder)
_OUTPUT_AGAINST_INPUT = [
    ("caption clip.mp4 --script clip.srt -o {dir}", "clip.srt", "the output"),
    ("render clip.srt --portrait portrait.png -o {dir}", "clip.srt", "-o"),
    ("preview portrait.png clip.srt -o {out}", "portrait.png", "-o"),  # a still image is a one-frame video
    ("transcribe voice.wav -o {out}", "voice.wav", "-o"),
    ("transcribe voice.wav -o new.srt --words {out}", "voice.wav", "--words"),
    ("align voice.wav script.txt -o {out}", "voice.wav", "-o"),
    ("align voice.wav clip.srt -o {out}", "clip.srt", "-o"),
    ("align voice.wav script.txt -o new.srt --words {out}", "script.txt", "--words"),
    ("align voice.wav script.txt -o new.srt --words {out}", "voice.wav", "--words"),
    ("burn clip.mp4 clip.srt -o {out}", "clip.mp4", "-o"),
    ("mux clip.mp4 clip.srt -o {out}", "clip.mp4", "-o"),
    ("stitch clip.mp4 clip.mp4 -o {out}", "clip.mp4", "-o"),
    ("split voice.wav --words {out} -o .", "plan.json", "-o"),
]


@pytest.mark.parametrize("line, victim, option", _OUTPUT_AGAINST_INPUT)
def test_no_output_option_can_name_an_input(work, line, victim, option):
    if victim == "plan.json":
        shutil.copy(work / "words.json", work / "plan.json")
    before = {path.name: path.read_bytes() for path in work.iterdir() if path.is_file()}
    spellings = _folder_spellings(work) if "{dir}" in line else _spellings(work / victim)
    for spelling in spellings:
        args = line.format(out=spelling, dir=spelling).split()
        result = run_main(*args, cwd=work)
        assert_one_line_error(result, "inputs are never overwritten", option)
    after = {path.name: path.read_bytes() for path in work.iterdir() if path.is_file() and not path.is_symlink()}
    assert after == {name: data for name, data in before.items() if name in after}


#: Commands that write no file (their results go to standard output).
_NO_FILES_WRITTEN = {"check": "check --script script.txt --audio voice.wav --portrait portrait.png",
                     "lint": "lint clip.srt", "styles": "styles"}
#: Commands tried against their inputs in their own tests (they need translations or a manifest set up first); both
#: check through files.guard_outputs.
_TRIED_ELSEWHERE = {"localize": "test_localize.py::test_an_input_is_never_overwritten_by_an_output",
                    "batch": "test_batch_manifest.py::test_the_state_file_and_report_never_replace_an_input"}


def test_every_command_is_tried_against_its_inputs(work):
    from captionkit.cli import build_parser

    commands = set(build_parser()._subparsers._group_actions[0].choices)
    tried = {line.split()[0] for line, _, _ in _OUTPUT_AGAINST_INPUT}
    assert commands == tried | set(_NO_FILES_WRITTEN) | set(_TRIED_ELSEWHERE), "a command is missing here"
    before = {path.name: path.read_bytes() for path in work.iterdir()}
    for line in _NO_FILES_WRITTEN.values():
        run_main(*line.split(), cwd=work)
        assert {path.name: path.read_bytes() for path in work.iterdir()} == before, line


def test_caption_outputs_beside_the_video_never_replace_the_script(work):
    # the default output clip.srt beside clip.mp4 is the script itself
    result = run_main("caption", "clip.mp4", "--script", "clip.srt", cwd=work)
    assert_one_line_error(result, "would overwrite the input clip.srt", "inputs are never overwritten")
    result = run_main("caption", "clip.mp4", "--script", "clip.srt", "-o", ".", cwd=work)
    assert_one_line_error(result, "inputs are never overwritten")
    assert (work / "clip.srt").read_text() == SRT
    assert not (work / "clip.vtt").exists()


def test_stitch_captions_beside_the_output_never_replace_a_caption_input(work):
    (work / "clip2.srt").write_text(SRT)
    result = run_main("stitch", "clip.mp4", "clip.mp4", "-o", "clip2.mp4", "--captions", "clip2.srt", "clip.srt",
                      cwd=work)
    assert_one_line_error(result, "clip2.srt", "inputs are never overwritten")
    assert (work / "clip2.srt").read_text() == SRT and not (work / "clip2.mp4").exists()


@pytest.mark.parametrize("line, fragment", [
    ("split voice.wav --words /tmp -o pieces", "is a folder"),
    ("transcribe voice.wav -o script.txt/x.srt", "is a file, not a folder"),
    ("mux clip.mp4 clip.srt -o script.txt/x.mp4", "is a file, not a folder"),
    ("stitch clip.mp4 clip.mp4 -o script.txt/x.mp4", "is a file, not a folder"),
    ("caption clip.mp4 -o /proc/x", "cannot write /proc/x/clip.srt"),
    ("transcribe voice.wav -o /proc/x.srt", "does not accept new files"),
    ("transcribe voice.wav -o out.srt --words /tmp", "--words /tmp is a folder"),
    ("caption clip.mp4 -o out.srt", "give a folder such as -o out/"),
])
def test_outputs_that_cannot_be_written_are_one_line_errors(work, line, fragment):
    assert_one_line_error(run_main(*line.split(), cwd=work), fragment)
    assert not (work / "out.srt").exists() and not (work / "pieces").exists()


@pytest.mark.parametrize("line", [
    "caption clip.mp4 -o {ro}",
    "caption clip.mp4 --burn -o {ro}",
    "transcribe voice.wav -o {ro}/x.srt",
    "transcribe voice.wav -o ok.srt --words {ro}/w.json",
    "align voice.wav script.txt -o {ro}/x.srt",
    "align voice.wav script.txt -o ok.srt --words {ro}/w.json",
    "preview clip.mp4 clip.srt -o {ro}/sheet.png",
    "split voice.wav --words words.json -o {ro}/pieces",
    "burn clip.mp4 clip.srt -o {ro}/x.mp4",
    "mux clip.mp4 clip.srt -o {ro}/x.mp4",
    "stitch clip.mp4 clip.mp4 -o {ro}/x.mp4",
])
def test_read_only_folders_are_one_line_errors_and_nothing_is_left(work, read_only_folder, line):
    result = run_main(*line.format(ro=read_only_folder).split(), cwd=work)
    assert_one_line_error(result, "cannot write", "choose another folder with -o")
    assert not (work / "ok.srt").exists()
    assert list(read_only_folder.iterdir()) == []


@pytest.mark.parametrize("line, fragment", [
    ("preview clip.mp4 clip.srt -o s.png --tile-width -10", "--tile-width: -10 is too small"),
    ("preview clip.mp4 clip.srt -o s.png --frames 0", "--frames: 0 is too small"),
    ("preview clip.mp4 clip.srt -o s.png --columns x", "--columns: 'x' is not a whole number"),
    ("lint clip.srt --fps 0", "--fps: 0 is not a frame rate"),
    ("lint clip.srt --fps -25", "--fps: -25 is not a frame rate"),
    ("lint clip.srt --fps abc", "--fps: 'abc' is not a frame rate"),
    ("lint clip.srt --language zz", "--language: 'zz' is not an ISO 639-1 language code"),
    ("transcribe voice.wav -o x.srt --language zz", "--language: 'zz'"),
    ("align voice.wav script.txt -o x.srt --language english", "--language: 'english'"),
    ("caption clip.mp4 --language 12", "--language: '12'"),
    ("split voice.wav -o p --language zz", "--language: 'zz'"),
    ("split voice.wav -o p --max 0", "--max: 0 is not a duration"),
    ("split voice.wav -o p --margin -1", "--margin: -1 is negative"),
    ("split voice.wav -o p --fps 0", "--fps: 0 is not a frame rate"),
    ("split voice.wav -o p --max 5 --margin 5", "--margin 5 leaves nothing of --max 5"),
    ("transcribe voice.wav -o x.srt --audio-stream 0", "numbered from 1"),
    ("transcribe voice.wav -o x.srt --audio-stream 3", "has 1 audio stream(s)"),
    ("caption clip.mp4 --audio-stream fra", "no audio stream is tagged 'fra'"),
    ("stitch clip.mp4 clip.mp4 -o m.mp4 --crf 99", "--crf 99 is out of range"),
    ("burn clip.mp4 clip.srt -o x.mp4 --crf 99", "--crf 99 is out of range"),
    ("nosuchcommand", "invalid choice"),
])
def test_bad_option_values_stop_before_any_work(work, line, fragment):
    assert_one_line_error(run_main(*line.split(), cwd=work), fragment)


def test_valid_language_tags_pass(work):
    from captionkit.cli._options import language_code

    assert [language_code(code) for code in ("en", "pt-BR", "zh-Hant", "es-419", "haw")] == \
        ["en", "pt-BR", "zh-Hant", "es-419", "haw"]


def test_lint_help_tells_the_exit_codes_truthfully():
    text = " ".join(run_main("lint", "--help").stdout.split())
    assert "1 when at least one violation is an error" in text
    assert "unavoidable violations are listed but do not fail" in text
    assert "exit 1 on any violation" not in text


def test_an_unexpected_failure_is_one_line_and_debug_shows_the_traceback(monkeypatch):
    import captionkit.cli.styles as styles

    def broken(args):
        raise ValueError("something nobody foresaw")

    monkeypatch.setattr(styles, "run", broken)
    result = run_main("styles")
    assert_one_line_error(result, "unexpected ValueError: something nobody foresaw", "--debug")
    assert result.returncode == 70
    with pytest.raises(ValueError):
        run_main("--debug", "styles")
    with pytest.raises(ValueError):
        run_main("styles", "--debug")


def test_every_warning_is_one_line_on_standard_error_once(monkeypatch):
    import captionkit.cli.styles as styles
    from captionkit.cli import report_warnings

    def noisy(args):
        warnings.warn("the first clip is silent", CaptionkitWarning, stacklevel=1)
        warnings.warn("a library's own chatter", DeprecationWarning, stacklevel=1)  # 1: raised from this module, as before
        report_warnings(["the first clip is silent", "join 2 is 40 ms off"])
        print("the result")
        return 0

    monkeypatch.setattr(styles, "run", noisy)
    result = run_main("styles")
    assert result.returncode == 0 and result.stdout == "the result\n"
    assert result.stderr.splitlines() == [
        "captionkit: warning: the first clip is silent",
        "captionkit: warning: join 2 is 40 ms off",
    ]


def test_the_real_command_line_has_the_same_boundary(work):
    """The installed entry point, in a subprocess: option errors and output errors alike."""
    assert_one_line_error(run_cli("lint", "clip.srt", "--fps", "0", cwd=work), "--fps")
    assert_one_line_error(run_cli("transcribe", "voice.wav", "-o", "x.docx", cwd=work), "caption format")
    assert_one_line_error(run_cli("transcribe", "voice.wav", "-o", "x.json", "--words", "voice.wav", cwd=work),
                          "inputs are never overwritten")


@pytest.mark.parametrize("name", ["x.srt", "x", "x.png"])
def test_bad_output_names_of_burn(work, name):
    assert_one_line_error(run_main("burn", "clip.mp4", "clip.srt", "-o", name, cwd=work),
                          "burn writes a video; name the output .mp4")
    assert not (work / name).exists()


def test_burn_pads_an_odd_sized_video_and_says_so(tmp_path):
    from captionkit.media import probe, run_ffmpeg

    odd = tmp_path / "odd.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc=s=161x91:r=30:d=1", "-c:v", "libx264", "-pix_fmt", "yuv444p",
                "-preset", "ultrafast", odd])
    (tmp_path / "odd.srt").write_text(SRT)
    result = run_cli("burn", odd, tmp_path / "odd.srt", "-o", tmp_path / "out.mp4", "--preset", "ultrafast")
    assert result.returncode == 0, result.stderr  # 4:4:4 holds any size: kept as it is
    assert (probe(tmp_path / "out.mp4").width, probe(tmp_path / "out.mp4").height) == (161, 91)
    assert "warning" not in result.stderr
    source = tmp_path / "odd420.mkv"  # an odd-sized 4:2:0 file exists in the wild (made by other encoders)
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc=s=161x91:r=30:d=1", "-c:v", "ffv1", "-pix_fmt", "yuv420p", source])
    result = run_cli("burn", source, tmp_path / "odd.srt", "-o", tmp_path / "out420.mp4", "--preset", "ultrafast")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "captionkit: warning: odd420.mkv is 161x91, which yuv420p cannot hold; "
        "padded to 162x92 with black at the right/bottom"]
    assert (probe(tmp_path / "out420.mp4").width, probe(tmp_path / "out420.mp4").height) == (162, 92)


def test_mux_reads_captions_as_every_command_does(work):
    (work / "plain.srt").write_text("00:00:00,200 --> 00:00:00,600\nHello there.\n\n"
                                    "00:00:00,700 --> 00:00:00,900\nSecond.\n")
    result = run_main("mux", "clip.mp4", "plain.srt", "-o", "out.mkv", cwd=work)
    assert result.returncode == 0, result.stderr
    from captionkit import formats
    from captionkit.media import run_ffmpeg

    run_ffmpeg(["-i", work / "out.mkv", "-map", "0:s:0", work / "back.srt"])
    assert [cue.text for cue in formats.load(work / "back.srt").cues] == ["Hello there.", "Second."]
    (work / "empty.srt").write_text("")
    assert_one_line_error(run_main("mux", "clip.mp4", "empty.srt", "-o", "e.mp4", cwd=work),
                          "empty.srt: has no captions")
    assert not (work / "e.mp4").exists()


def test_a_broken_clip_is_one_line_in_stitch(work, monkeypatch):
    import av

    import captionkit.assembly.stitch as stitching

    def broken(*args, **kwargs):
        raise av.error.InvalidDataError(1094995529, "Invalid data found when processing input")

    monkeypatch.setattr(stitching, "remux", broken)
    monkeypatch.setattr(stitching, "_merge", broken)
    result = run_main("stitch", "clip.mp4", "clip.mp4", "-o", "merged.mp4", cwd=work)
    assert_one_line_error(result, "stitching failed while reading the clips", "Invalid data")
    assert not (work / "merged.mp4").exists()


def test_a_name_with_a_colon_reaches_ffmpeg_as_a_file(work):
    shutil.copy(work / "clip.mp4", work / "a:b.mp4")
    result = run_main("mux", "a:b.mp4", "clip.srt", "-o", "c:d.mp4", cwd=work)
    assert result.returncode == 0, result.stderr
    assert (work / "c:d.mp4").stat().st_size > 0
