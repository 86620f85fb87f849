"""Batch manifests: a TOML file of jobs, checked and expanded into one task per input.

```toml
output = "out"                    # where every output goes (relative to the manifest)
workers = 2                       # optional: how many tasks run at once (default: what the machine can carry)
[defaults]                        # optional: settings every job takes unless it sets its own
style = "clean"
[[jobs]]
kind = "localize"                 # caption | localize | render
inputs = ["videos/*.mp4"]         # files or globs, relative to the manifest (or input = "one.mp4")
to = ["es", "ja", "ar"]           # target languages (localize)
translator = "file"
translations = "translations"     # filled <stem>.<lang>.csv|.xlf|.po
burn = true
```

Each input's outputs go to ``<output>/<input stem>/`` (``<output>/<name>/<input stem>/`` for a job with a
``name``). Every problem is a one-line :class:`ManifestError` naming the file, the job and the key; nothing
is written before the whole manifest has been checked.
"""

from __future__ import annotations

import difflib
import glob
import hashlib
import importlib.util
import json
import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CaptionkitError

JOB_KINDS = ("caption", "localize", "render")
TRANSLATORS = ("file", "infsh", "argos")
EXECUTORS = ("local", "dask")
STATE_FILE = "batch-state.json"
REPORT_FILE = "batch-report.html"
REPORT_FILES = "batch-report-files"
#: Names in the output folder that belong to the batch itself, never to a job.
RESERVED_NAMES = (STATE_FILE, REPORT_FILE, REPORT_FILES)

TOP_KEYS = {"output", "workers", "executor", "scheduler", "defaults", "jobs"}
#: Job settings, by the kinds that take them.
SETTING_KINDS: dict[str, tuple[str, ...]] = {
    "burn": JOB_KINDS,
    "style": JOB_KINDS,
    "profile": JOB_KINDS,
    "model": ("caption", "localize"),
    "language": ("caption", "localize"),
    "script": ("caption", "localize"),
    "sdh": ("caption",),
    "to": ("localize",),
    "translator": ("localize",),
    "translations": ("localize",),
    "glossary": ("localize",),
    "captions": ("localize",),
    "portrait": ("render",),
    "engine": ("render",),
    "avatar": ("render",),
    "size": ("render",),
    "workers": JOB_KINDS,
}
JOB_KEYS = {"kind", "name", "input", "inputs", "languages", *SETTING_KINDS}
#: Settings that name a file or folder next to the manifest; ``{stem}`` is the input's stem.
PATH_SETTINGS = ("script", "translations", "glossary", "captions", "portrait")


class ManifestError(CaptionkitError):
    """A manifest that cannot be run as written."""


@dataclass(frozen=True)
class JobSettings:
    """What one job asks for; ``None`` means the job's own default."""

    burn: bool = False
    style: str | None = None
    profile: str | None = None
    model: str | None = None
    language: str | None = None
    script: Path | None = None
    sdh: bool = False
    to: tuple[str, ...] = ()
    translator: str = "file"
    translations: Path | None = None
    glossary: Path | None = None
    captions: Path | None = None
    portrait: Path | None = None
    engine: str | None = None
    avatar: str | None = None
    size: tuple[int, int] | None = None     # render: the output video's width and height


@dataclass(frozen=True)
class Task:
    """One job over one input: the unit the executors run and the state file records."""

    key: str                 # the output folder relative to the batch output (unique)
    job: int                 # the job's number in the manifest, from 1
    kind: str
    input: Path
    out_dir: Path
    settings: JobSettings
    fingerprint: str = ""    # changes when the input, a file it uses or a setting changes

    @property
    def languages(self) -> tuple[str, ...]:
        return self.settings.to


@dataclass(frozen=True)
class Manifest:
    """A checked manifest: the output folder, run defaults and every task in order."""

    path: Path
    output: Path
    tasks: tuple[Task, ...]
    workers: int | None = None
    executor: str | None = None
    scheduler: str | None = None
    job_workers: dict[int, int] = field(default_factory=dict)   # per-job cap on tasks at once


def load_manifest(path: str | os.PathLike) -> Manifest:
    """Read and check ``path``; raise :class:`ManifestError` (one line, naming the place) if anything is wrong."""
    manifest_path = Path(path)
    if not manifest_path.is_file():
        raise ManifestError(f"{manifest_path}: no such manifest file; give the path of a .toml batch manifest")
    try:
        table = tomllib.loads(manifest_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ManifestError(f"{manifest_path}: not UTF-8 text ({error.reason}); save it as UTF-8") from error
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{manifest_path}: not valid TOML: {error}") from error
    return _Reader(manifest_path, table).manifest()


class _Reader:
    def __init__(self, path: Path, table: dict[str, Any]) -> None:
        self.path = path
        self.table = table
        self.root = path.resolve().parent

    def fail(self, where: str, message: str) -> ManifestError:
        return ManifestError(f"{self.path}: {where}{message}")

    def manifest(self) -> Manifest:
        self.check_keys(self.table, TOP_KEYS, "")
        output = self.output_folder()
        defaults = self.table.get("defaults", {})
        if not isinstance(defaults, dict):
            raise self.fail("", "'defaults' must be a table of job settings ([defaults])")
        self.check_keys(defaults, set(SETTING_KINDS), "defaults: ")
        jobs = self.table.get("jobs")
        if not isinstance(jobs, list) or not jobs or not all(isinstance(job, dict) for job in jobs):
            raise self.fail("", "no jobs; add at least one [[jobs]] table with kind and inputs")
        tasks: list[Task] = []
        job_workers: dict[int, int] = {}
        for number, job in enumerate(jobs, start=1):
            where = f"job {number}: "
            self.check_keys(job, JOB_KEYS, where)
            kind = job.get("kind")
            if kind not in JOB_KINDS:
                raise self.fail(where, f"kind {kind!r} is not one of {', '.join(JOB_KINDS)}; set kind = \"caption\"")
            merged = {key: value for key, value in defaults.items() if kind in SETTING_KINDS[key]}
            merged.update({key: value for key, value in job.items() if key not in ("kind", "name", "input", "inputs")})
            if "languages" in merged:
                if "to" in job:
                    raise self.fail(where, "give the target languages once, as 'to' or 'languages', not both")
                merged["to"] = merged.pop("languages")
            for key in merged:
                if kind not in SETTING_KINDS[key]:
                    users = " or ".join(SETTING_KINDS[key])
                    raise self.fail(where, f"'{key}' does not apply to {kind} jobs (only to {users} jobs); remove it")
            if "workers" in merged:
                job_workers[number] = self.positive_int(merged.pop("workers"), where + "workers")
            name = self.job_name(job.get("name"), where)
            for source in self.inputs(job, kind, where):
                stem = source.stem if source.is_file() else source.name
                out_dir = self.inside_output(output, [*([name] if name else []), stem], where, source)
                settings = self.settings(merged, kind, stem, where)
                key = out_dir.relative_to(output).as_posix()
                tasks.append(Task(key, number, kind, source, out_dir, settings))
        self.check_distinct(tasks)
        return Manifest(
            self.path, output, tuple(_with_fingerprint(task) for task in tasks),
            workers=self.positive_int(self.table["workers"], "workers") if "workers" in self.table else None,
            executor=self.choice(self.table.get("executor"), EXECUTORS, "", "executor"),
            scheduler=self.text(self.table.get("scheduler"), "", "scheduler"),
            job_workers=job_workers,
        )

    def check_keys(self, table: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                near = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f"did you mean '{near[0]}'?" if near else f"known keys: {', '.join(sorted(allowed))}"
                raise self.fail(where, f"unknown key '{key}'; {hint}")

    def output_folder(self) -> Path:
        value = self.table.get("output", "out")
        if not isinstance(value, str) or not value.strip():
            raise self.fail("", "output must be a folder path such as \"out\"")
        output = (self.root / value).resolve() if not Path(value).is_absolute() else Path(value).resolve()
        if output.exists() and not output.is_dir():
            raise self.fail("output: ", f"{output} exists and is not a folder; name a folder")
        if output == self.root or output in self.root.parents:
            raise self.fail("output: ", f"{value!r} is the manifest's own folder or above it; name a subfolder such as \"out\"")
        return output

    def job_name(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value or value in (".", "..") or "/" in value or "\\" in value \
                or value.startswith("."):
            raise self.fail(where, f"name {value!r} must be a plain folder name (no '/', '..' or leading '.'); "
                                   "it names the job's folder inside the output folder")
        return value

    def inputs(self, job: dict[str, Any], kind: str, where: str) -> list[Path]:
        if "input" in job and "inputs" in job:
            raise self.fail(where, "give either 'input' or 'inputs', not both")
        patterns = job.get("inputs", job.get("input"))
        if isinstance(patterns, str):
            patterns = [patterns]
        if not patterns or not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
            raise self.fail(where, "inputs must be a list of files or globs, e.g. inputs = [\"videos/*.mp4\"]")
        found: list[Path] = []
        for pattern in patterns:
            full = str(Path(pattern).expanduser() if Path(pattern).expanduser().is_absolute() else self.root / pattern)
            if glob.has_magic(pattern):
                matches = sorted(Path(match) for match in glob.glob(full, recursive=True))
                matches = [match for match in matches if match.is_file() or kind == "localize" and match.is_dir()]
                if not matches:
                    raise self.fail(where, f"inputs: {pattern!r} matches no file (looked in {self.root}); "
                                           "check the pattern")
            else:
                matches = [Path(full)]
                if not matches[0].exists():
                    raise self.fail(where, f"inputs: {pattern!r} does not exist ({matches[0]}); fix the path")
                if matches[0].is_dir() and kind != "localize":
                    raise self.fail(where, f"inputs: {pattern!r} is a folder; name files or a glob such as "
                                           f"\"{pattern.rstrip('/')}/*.mp4\"")
            found += [match.resolve() for match in matches if match.resolve() not in found]
        return found

    def inside_output(self, output: Path, parts: list[str], where: str, source: Path) -> Path:
        """``output/parts...``, refused if it is reserved, unsafe, or leaves ``output`` through a link."""
        for part in parts:
            if part in (".", "..", "") or "/" in part or "\\" in part or part in RESERVED_NAMES:
                raise self.fail(where, f"input {source.name!r} would write to {part!r}, outside its own folder in "
                                       f"{output}; rename the input")
        folder = output.joinpath(*parts)
        step = output
        for part in parts:
            step = step / part
            if step.is_symlink():
                raise self.fail(where, f"{step} is a symbolic link (to {os.readlink(step)}); outputs must stay "
                                       f"inside {output}: remove the link")
        if folder.exists() and not folder.resolve().is_relative_to(output):
            raise self.fail(where, f"{folder} leads outside {output}; remove what redirects it")
        return folder

    def settings(self, values: dict[str, Any], kind: str, stem: str, where: str) -> JobSettings:
        settings: dict[str, Any] = {}
        for key in ("burn", "sdh"):
            if key in values:
                if not isinstance(values[key], bool):
                    raise self.fail(where, f"{key} must be true or false")
                settings[key] = values[key]
        for key in ("style", "profile", "model", "engine", "avatar"):
            if key in values:
                settings[key] = self.text(values[key], where, key)
        if "language" in values:
            settings["language"] = self.language(values["language"], where + "language: ")
        if "size" in values:
            settings["size"] = self.size(values["size"], where)
        if "translator" in values:
            settings["translator"] = self.choice(values["translator"], TRANSLATORS, where, "translator")
        if kind == "localize":
            targets = values.get("to")
            if isinstance(targets, str):
                targets = [part.strip() for part in targets.split(",")]
            if not targets or not isinstance(targets, list):
                raise self.fail(where, "localize jobs need target languages: to = [\"es\", \"ja\"]")
            languages = tuple(self.language(code, where + "to: ") for code in targets)
            if len(set(languages)) != len(languages):
                raise self.fail(where, f"to: {', '.join(languages)} names a language twice; list each once")
            settings["to"] = languages
        for key in PATH_SETTINGS:
            if key in values:
                settings[key] = self.side_path(values[key], stem, where + key)
        if kind == "render":
            if importlib.util.find_spec("captionkit.jobs.render") is None:
                raise self.fail(where, "render jobs need `captionkit render`, which this version of captionkit "
                                       "does not have; render the videos first, then caption or localize them")
            if "portrait" not in settings:
                raise self.fail(where, "render jobs need the presenter's picture: portrait = \"portrait.png\"")
        return JobSettings(**settings)

    def side_path(self, value: Any, stem: str, where: str) -> Path:
        if not isinstance(value, str) or not value:
            raise self.fail("", f"{where} must be a path (relative to the manifest; {{stem}} is the input's stem)")
        path = self.root / Path(value.replace("{stem}", stem)).expanduser()
        if not path.exists():
            raise self.fail("", f"{where}: {path} does not exist; fix the path")
        return path.resolve()

    def size(self, value: Any, where: str) -> tuple[int, int]:
        parts = value.lower().split("x") if isinstance(value, str) else []
        if len(parts) != 2 or not all(part.isdigit() and int(part) >= 16 for part in parts):
            raise self.fail(where, f"size {value!r} must be WIDTHxHEIGHT in pixels, e.g. \"1280x720\"")
        return int(parts[0]), int(parts[1])

    def language(self, code: Any, where: str) -> str:
        from ..render.mux import LANGUAGES

        if not isinstance(code, str) or code.replace("_", "-").split("-")[0].lower() not in LANGUAGES:
            raise self.fail(where, f"{code!r} is not a language code captionkit knows; use ISO 639-1 codes "
                                   "such as es, ja, ar, de")
        return code

    def text(self, value: Any, where: str, key: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{key} must be a non-empty string")
        return value

    def choice(self, value: Any, allowed: tuple[str, ...], where: str, key: str) -> str | None:
        if value is None:
            return None
        if value not in allowed:
            raise self.fail(where, f"{key} {value!r} is not one of {', '.join(allowed)}")
        return value

    def positive_int(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail("", f"{where} must be a whole number of at least 1")
        return value

    def check_distinct(self, tasks: list[Task]) -> None:
        seen: dict[str, Task] = {}
        for task in tasks:
            other = seen.get(task.key)
            if other is not None:
                raise self.fail(
                    f"job {task.job}: ",
                    f"{task.input.name} and {other.input.name} (job {other.job}) would both write to "
                    f"{task.out_dir}; give one of the jobs a name (name = \"...\") or rename an input",
                )
            seen[task.key] = task


def _with_fingerprint(task: Task) -> Task:
    """``task`` with a hash of what decides its outputs: kind, settings, and the files it reads."""
    settings = {key: str(value) if isinstance(value, Path) else value for key, value in asdict(task.settings).items()}
    named = (task.settings.script, task.settings.glossary, task.settings.captions, task.settings.portrait)
    files = [task.input, *(path for path in named if path)]
    if task.settings.translations:
        files += sorted(task.settings.translations.glob(f"{glob.escape(task.input.stem)}.*"))
    described = {
        "kind": task.kind,
        "settings": settings,
        "files": [_file_identity(path) for path in files],
    }
    digest = hashlib.sha256(json.dumps(described, sort_keys=True, default=list).encode()).hexdigest()[:16]
    return Task(task.key, task.job, task.kind, task.input, task.out_dir, task.settings, digest)


def _file_identity(path: Path) -> list:
    """Small files by content; large media by name, size and modification time (hashing them would be slow)."""
    if path.is_dir():
        return [str(path), sorted(_file_identity(child) for child in path.rglob("*") if child.is_file())]
    stat = path.stat()
    if stat.st_size <= 1 << 20:
        return [str(path), hashlib.sha256(path.read_bytes()).hexdigest()]
    return [str(path), stat.st_size, stat.st_mtime_ns]
