"""Outputs (captionkit.files): the input guard, writes refused by the system, runs committed together,
and temporary files of dead runs cleaned up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from captionkit import files
from captionkit.errors import OutputError
from captionkit.files import OutputSet, atomic_output, guard_outputs, same_file, write_text_atomic


def spellings(path: Path) -> list[Path]:
    """Other names for the same file: relative with ``./`` and ``..``, a symlink, a hard link."""
    link = path.with_name("link to " + path.name)
    link.symlink_to(path.name)
    hard = path.with_name("hard " + path.name)
    os.link(path, hard)
    dotted = path.parent / "." / ".." / path.parent.name / path.name
    return [path, dotted, link, hard]


def test_every_spelling_of_an_input_is_refused(tmp_path):
    source = tmp_path / "talk.srt"
    source.write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    for spelling in spellings(source):
        with pytest.raises(OutputError, match="inputs are never overwritten"):
            guard_outputs([source], [("-o", spelling)])
        with pytest.raises(OutputError, match="--words"):
            guard_outputs([spelling], [("-o", tmp_path / "new.srt"), ("--words", source)])
    guard_outputs([source], [("-o", tmp_path / "other.srt")])  # a new name is fine
    assert source.read_text().endswith("Hi\n")


def test_case_insensitive_file_systems_compare_names_without_case(tmp_path, monkeypatch):
    source = tmp_path / "Talk.srt"
    source.write_text("x")
    assert not same_file(tmp_path / "TALK.SRT", source)  # this file system tells case apart
    monkeypatch.setattr(files, "_case_insensitive", lambda folder: True)
    assert same_file(tmp_path / "TALK.SRT", source)
    with pytest.raises(OutputError, match="would overwrite the input"):
        guard_outputs([source], [("-o", tmp_path / "talk.SRT")])


def test_two_outputs_with_one_name_are_refused(tmp_path):
    with pytest.raises(OutputError, match="give each output its own name"):
        guard_outputs([], [("-o", tmp_path / "x.json"), ("--words", tmp_path / "./x.json")])


@pytest.mark.parametrize("where, message", [
    ("file/x.srt", "is a file, not a folder"),
    ("/proc/x.srt", "does not accept new files"),
    ("folder", "is a folder"),
])
def test_unwritable_places_are_one_line_errors(tmp_path, where, message):
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder").mkdir()
    target = Path(where) if where.startswith("/") else tmp_path / where
    with pytest.raises(OutputError, match=message):
        guard_outputs([], [("-o", target)])
    with pytest.raises(OutputError, match=message):
        write_text_atomic(target, "text")


def test_read_only_folder(read_only_folder):
    with pytest.raises(OutputError, match=r"cannot write .*x\.srt: (permission denied|operation not permitted)"):
        guard_outputs([], [("-o", read_only_folder / "x.srt")])
    with pytest.raises(OutputError, match="choose another folder with -o"):
        write_text_atomic(read_only_folder / "x.srt", "text")


def test_an_output_set_commits_together_or_not_at_all(tmp_path):
    old = tmp_path / "old.srt"
    old.write_text("previous")
    with pytest.raises(RuntimeError):
        with OutputSet():
            write_text_atomic(old, "replaced")
            write_text_atomic(tmp_path / "made" / "deep" / "new.srt", "new")
            assert old.read_text() == "previous"  # nothing moves before the end
            assert files.written_path(old).read_text() == "replaced"
            raise RuntimeError("the run failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.srt"]  # no files, no folders it made
    assert old.read_text() == "previous"
    with OutputSet():
        write_text_atomic(old, "replaced")
        write_text_atomic(tmp_path / "made" / "new.srt", "new")
    assert old.read_text() == "replaced" and (tmp_path / "made" / "new.srt").read_text() == "new"
    assert not [p for p in tmp_path.rglob(".*")]


def test_interruption_discards_the_set(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with OutputSet():
            write_text_atomic(tmp_path / "a.srt", "a")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_detached_set_inside_another_commits_on_its_own(tmp_path):
    with pytest.raises(RuntimeError):
        with OutputSet():
            with OutputSet(detached=True):
                write_text_atomic(tmp_path / "item-1.srt", "kept")
            write_text_atomic(tmp_path / "item-2.srt", "lost")
            raise RuntimeError
    assert [p.name for p in tmp_path.iterdir()] == ["item-1.srt"]


def test_temporary_files_of_a_dead_run_are_removed_by_the_next(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    stale = tmp_path / f".talk.captionkit-{pid}-0123abcd.mp4"
    stale.write_bytes(b"half a video")
    mine = files.temporary_sibling(tmp_path / "busy.mp4")
    mine.write_bytes(b"being written by this process")
    someone_elses = tmp_path / "notes.captionkit-1-0123abcd.txt"  # not hidden: not ours
    someone_elses.write_text("keep")
    write_text_atomic(tmp_path / "talk.srt", "new run")
    assert not stale.exists() and mine.exists() and someone_elses.exists()


def test_work_folders_of_a_dead_run_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(files.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(files.tempfile, "tempdir", str(tmp_path))
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)
    stale = tmp_path / f"captionkit-burn-{dead}-abc123"
    (stale / "fonts").mkdir(parents=True)
    with files.work_folder("burn") as work:
        assert work.parent == tmp_path and work.exists() and not stale.exists()
    assert not work.exists()


def test_an_error_reading_an_input_inside_the_block_is_not_blamed_on_the_output(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_output(tmp_path / "out.srt") as temporary:
            temporary.write_text("x")
            (tmp_path / "missing input.txt").read_text()
    assert list(tmp_path.iterdir()) == []


def test_files_in_a_work_folder_are_not_held_back_by_the_set(tmp_path):
    with OutputSet():
        with files.work_folder("test") as work:
            write_text_atomic(work / "intermediate.srt", "x")
            assert (work / "intermediate.srt").read_text() == "x"  # readable at once, e.g. by ffmpeg
        write_text_atomic(tmp_path / "final.srt", "y")
        assert not (tmp_path / "final.srt").exists()
    assert (tmp_path / "final.srt").read_text() == "y"


def test_an_output_of_this_run_can_be_read_back_before_the_commit(tmp_path):
    """Later stages that read what an earlier stage wrote (a caption file muxed, a video probed) see it."""
    from captionkit import formats
    from captionkit.engines import synthetic
    from captionkit.media import probe
    from captionkit.model import Cue, Track

    with OutputSet():
        formats.save(Track([Cue(0.0, 1.0, ["Hello."])]), tmp_path / "made.srt")
        synthetic.make_video(tmp_path / "made.mp4", 0.5, size=(64, 36))
        assert not (tmp_path / "made.srt").exists()
        assert formats.load(tmp_path / "made.srt").cues[0].text == "Hello."
        assert probe(tmp_path / "made.mp4").has_video
    assert (tmp_path / "made.srt").exists() and (tmp_path / "made.mp4").exists()
