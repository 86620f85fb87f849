"""The speech-model registry: bundled models, the assembled multilingual model, folders, errors."""

from __future__ import annotations

import shutil

import pytest

from captionkit.errors import ModelError
from captionkit.speech import models


def test_default_model_is_bundled_tiny_en():
    location = models.resolve_model("tiny.en")
    assert (models.Path(location) / "model.bin").is_file()
    assert not models.is_multilingual("tiny.en")


def test_base_is_assembled_once_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CAPTIONKIT_CACHE", str(tmp_path / "cache"))
    location = models.Path(models.resolve_model("base"))
    assert location.parent.parent == tmp_path / "cache"
    assert {"model.bin", "config.json", "tokenizer.json"} <= {p.name for p in location.iterdir()}
    parts = sorted(models._package_data(p) for p in models._BASE_PACKAGES)
    expected_size = sum(f.stat().st_size for folder in parts for f in folder.glob("model.bin.part*"))
    assert (location / "model.bin").stat().st_size == expected_size
    modified = (location / "model.bin").stat().st_mtime_ns
    assert models.resolve_model("base") == str(location)  # second call reuses it
    assert (location / "model.bin").stat().st_mtime_ns == modified


def test_a_crash_while_assembling_leaves_no_broken_model(tmp_path, monkeypatch):
    monkeypatch.setenv("CAPTIONKIT_CACHE", str(tmp_path / "cache"))
    real_copy = shutil.copyfileobj
    copied = []

    def copy_then_crash(source, target, length=0):
        copied.append(source)
        if len(copied) == 2:
            raise OSError("disk full")
        real_copy(source, target, length)

    monkeypatch.setattr(models.shutil, "copyfileobj", copy_then_crash)
    with pytest.raises(OSError, match="disk full"):
        models.resolve_model("base")
    folder = tmp_path / "cache" / "models"
    assert not (folder / "whisper-base").exists()
    assert list(folder.iterdir()) == []  # the staging folder is gone too
    monkeypatch.undo()
    monkeypatch.setenv("CAPTIONKIT_CACHE", str(tmp_path / "cache"))
    assert (models.Path(models.resolve_model("base")) / "model.bin").is_file()


def test_a_model_folder_by_path(tmp_path):
    bundled = models.Path(models.resolve_model("tiny.en"))
    copy = tmp_path / "my model"
    shutil.copytree(bundled, copy)
    assert models.resolve_model(str(copy)) == str(copy)


def test_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(ModelError, match="not a CTranslate2 Whisper model folder"):
        models.resolve_model(str(tmp_path))


def test_a_missing_model_folder(tmp_path):
    with pytest.raises(ModelError, match="no such model folder"):
        models.resolve_model(str(tmp_path / "nope"))


def test_hub_names_pass_through_untouched():
    assert models.resolve_model("Systran/faster-whisper-small") == "Systran/faster-whisper-small"
