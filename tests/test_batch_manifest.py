"""Batch manifests: the shape users write, and one-line errors naming the place for everything wrong."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from captionkit.batch.manifest import ManifestError, load_manifest
from captionkit.batch.state import BatchState
from captionkit.cli import main
from helpers import assert_one_line_error, run_cli


@pytest.fixture
def project(tmp_path) -> Path:
    """A manifest folder with two (unread) videos, a script per video and a translations folder."""
    folder = tmp_path / "my 'project': ünï"
    (folder / "videos").mkdir(parents=True)
    (folder / "scripts").mkdir()
    (folder / "translations").mkdir()
    for name in ("intro", "-dash clip"):
        (folder / "videos" / f"{name}.mp4").write_bytes(b"not read while planning")
        (folder / "scripts" / f"{name}.txt").write_text("Hello.\n", encoding="utf-8")
    return folder


def write(folder: Path, text: str) -> Path:
    path = folder / "batch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cli_error(capsys, manifest: Path) -> str:
    """Run ``captionkit batch MANIFEST`` in-process; return its single error line."""
    code = main(["batch", str(manifest)])
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("captionkit: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_the_issue_shape_with_extensions(project):
    manifest = load_manifest(write(project, """
output = "out"
workers = 2
[defaults]
style = "clean"
model = "tiny.en"
[[jobs]]
kind = "localize"
inputs = ["videos/*.mp4"]
to = ["es", "ja", "ar"]
translator = "file"
translations = "translations"
script = "scripts/{stem}.txt"
burn = true
workers = 1
[[jobs]]
kind = "caption"
name = "english"
input = "videos/intro.mp4"
profile = "social"
"""))
    assert manifest.output == (project / "out").resolve() and manifest.workers == 2
    assert manifest.job_workers == {1: 1}
    keys = [task.key for task in manifest.tasks]
    assert keys == ["-dash clip", "intro", "english/intro"]          # sorted glob, then job 2
    localize = manifest.tasks[1]
    assert localize.kind == "localize" and localize.languages == ("es", "ja", "ar")
    assert localize.out_dir == manifest.output / "intro"
    assert localize.settings.script == (project / "scripts" / "intro.txt").resolve()
    assert localize.settings.burn and localize.settings.style == "clean" and localize.settings.model == "tiny.en"
    caption = manifest.tasks[2]
    assert caption.out_dir == manifest.output / "english" / "intro"
    assert caption.settings.profile == "social" and caption.settings.style == "clean"
    assert caption.settings.to == ()                                   # defaults never give a caption job languages
    assert len({task.fingerprint for task in manifest.tasks}) == 3


def test_fingerprint_follows_inputs_and_settings(project):
    text = '[[jobs]]\nkind = "localize"\ninputs = ["videos/intro.mp4"]\nto = ["es"]\ntranslations = "translations"\n'
    first = load_manifest(write(project, text)).tasks[0].fingerprint
    assert load_manifest(write(project, text)).tasks[0].fingerprint == first
    (project / "translations" / "intro.es.csv").write_text("id,target\n", encoding="utf-8")
    filled = load_manifest(write(project, text)).tasks[0].fingerprint
    assert filled != first                                   # filling the translations makes the task run again
    assert load_manifest(write(project, text.replace('"es"', '"de"'))).tasks[0].fingerprint != filled


@pytest.mark.parametrize(("text", "fragments"), [
    ('output = "out"\n[[jobs]]\nkind = "caption"\ninputs = ["videos/*.mp4"]\nstyel = "clean"\n',
     ["job 1: unknown key 'styel'", "did you mean 'style'?"]),
    ('outptu = "out"\n[[jobs]]\nkind = "caption"\ninputs = ["videos/*.mp4"]\n', ["unknown key 'outptu'"]),
    ('[[jobs]]\nkind = "caption"\ninputs = ["videos/intro.mp4"]\n[[jobs]]\nkind = "caption"\ninputs = ["videos/missing.mp4"]\n',
     ["job 2: inputs: 'videos/missing.mp4' does not exist"]),
    ('[[jobs]]\nkind = "caption"\ninputs = ["clips/*.mov"]\n', ["job 1: inputs: 'clips/*.mov' matches no file"]),
    ('[[jobs]]\nkind = "localize"\ninputs = ["videos/*.mp4"]\nto = ["es", "xx"]\n',
     ["job 1: to: 'xx' is not a language code"]),
    ('[[jobs]]\nkind = "localize"\ninputs = ["videos/*.mp4"]\n', ["job 1: localize jobs need target languages"]),
    ('[[jobs]]\nkind = "caption"\ninputs = ["videos/*.mp4"]\nto = ["es"]\n', ["job 1: 'to' does not apply to caption jobs"]),
    ('[[jobs]]\nkind = "caption"\nname = "../elsewhere"\ninputs = ["videos/*.mp4"]\n',
     ["job 1: name '../elsewhere' must be a plain folder name"]),
    ('[[jobs]]\nkind = "caption"\nname = "/tmp/abs"\ninputs = ["videos/*.mp4"]\n', ["job 1: name '/tmp/abs'"]),
    ('output = "."\n[[jobs]]\nkind = "caption"\ninputs = ["videos/*.mp4"]\n', ["output: '.' is the manifest's own folder"]),
    ('[[jobs]]\nkind = "caption"\ninputs = ["videos/intro.mp4"]\n[[jobs]]\nkind = "caption"\ninput = "videos/intro.mp4"\n',
     ["job 2: intro.mp4 and intro.mp4 (job 1) would both write to", "give one of the jobs a name"]),
    ('[[jobs]]\nkind = "subtitle"\ninputs = ["videos/*.mp4"]\n', ["job 1: kind 'subtitle' is not one of caption, localize, render"]),
    ('[[jobs]]\nkind = "caption"\ninputs = ["videos/*.mp4"]\nburn = "yes"\n', ["job 1: burn must be true or false"]),
    ('[[jobs]]\nkind = "caption"\ninputs = ["videos/*.mp4"]\nscript = "scripts/{stem}.md"\n',
     ["job 1: script: ", "clip.md does not exist"]),
    ('[[jobs]]\nkind = "render"\ninputs = ["scripts/*.txt"]\n', ["job 1: render jobs need the presenter's picture"]),
    ('[[jobs]]\nkind = "render"\ninputs = ["scripts/*.txt"]\nportrait = "scripts/intro.txt"\nsize = "big"\n',
     ["job 1: size 'big' must be WIDTHxHEIGHT"]),
    ('[[jobs]\nkind = "caption"\n', ["not valid TOML"]),
    ('output = "out"\n', ["no jobs; add at least one [[jobs]]"]),
])
def test_bad_manifests_get_one_line_errors(project, capsys, text, fragments):
    line = cli_error(capsys, write(project, text))
    assert str(project / "batch.toml") in line
    for fragment in fragments:
        assert fragment in line, line


def test_a_symlink_cannot_lead_outputs_out_of_the_output_folder(project, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "out").mkdir()
    os.symlink(elsewhere, project / "out" / "intro")
    line = cli_error(capsys, write(project, '[[jobs]]\nkind = "caption"\ninputs = ["videos/intro.mp4"]\n'))
    assert "is a symbolic link" in line and "remove the link" in line
    assert list(elsewhere.iterdir()) == []


def test_a_bad_manifest_loses_nothing(project, capsys):
    """An earlier batch's outputs and state are left exactly as they were."""
    out = project / "out"
    (out / "intro").mkdir(parents=True)
    (out / "intro" / "intro.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHello.\n", encoding="utf-8")
    state = BatchState(out / "batch-state.json")
    state.start_run("local", 1)
    state.save()
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    cli_error(capsys, write(project, '[[jobs]]\nkind = "localize"\ninputs = ["videos/*.mp4"]\nto = ["klingon"]\n'))
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before


def test_missing_manifest_through_the_real_command(tmp_path):
    result = run_cli("batch", tmp_path / "nowhere.toml")
    assert_one_line_error(result, "nowhere.toml: no such manifest file")


def test_manifest_error_is_a_captionkit_error(project):
    with pytest.raises(ManifestError, match="job 1: unknown key 'input_files'"):
        load_manifest(write(project, '[[jobs]]\nkind = "caption"\ninput_files = ["a.mp4"]\n'))


def test_an_output_folder_that_cannot_be_made_is_one_line_before_anything_runs(project, capsys):
    (project / "notes.txt").write_text("a file, not a folder\n", encoding="utf-8")
    manifest = write(project, 'output = "notes.txt/out"\n[[jobs]]\nkind = "caption"\ninputs = ["videos/*.mp4"]\n')
    code = main(["batch", str(manifest)])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1, lines
    assert lines[0].startswith("captionkit: error: cannot write ") and "notes.txt is a file, not a folder" in lines[0]
    assert lines[0].endswith("as 'output' in batch.toml")
    assert (project / "notes.txt").read_text(encoding="utf-8") == "a file, not a folder\n"


def test_the_state_file_and_report_never_replace_an_input(project, capsys):
    (project / "out").mkdir()
    (project / "out" / "batch-report.html").write_text("<p>my own notes</p>\n", encoding="utf-8")
    manifest = write(project, 'output = "out"\n[[jobs]]\nkind = "caption"\ninputs = ["out/batch-report.html"]\n')
    code = main(["batch", str(manifest)])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1, lines
    assert lines[0].startswith("captionkit: error: the report ") and "would overwrite the input" in lines[0]
    assert (project / "out" / "batch-report.html").read_text(encoding="utf-8") == "<p>my own notes</p>\n"
    assert not (project / "out" / "batch-state.json").exists()
