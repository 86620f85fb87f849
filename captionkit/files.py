"""Outputs: checked before the work, written under a temporary name, committed together.

- :func:`guard_outputs` is the one check every command makes before it starts:
  no output may be (through symlinks, ``..``, hard links or a case-insensitive
  file system) one of the inputs, and each output's folder must be writable.
- :func:`atomic_output` yields a hidden temporary name beside the output and
  renames it onto the output when the block succeeds. Inside an
  :class:`OutputSet` the rename waits until the whole run has succeeded, so a
  run that fails leaves no new outputs (and replaces no old ones).
- Temporary files and folders carry the id of the process that made them; ones
  left by a process that no longer runs (``kill -9``, power loss) are removed by
  the next run that writes beside them.

A write that the operating system refuses is a one-line :class:`OutputError`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from .errors import OutputError

#: Marks our temporary names: ``.<stem>.captionkit-<pid>-<hex><suffix>`` beside an output,
#: ``captionkit-<purpose>-<pid>-<random>`` in the system's temporary folder.
_TEMPORARY_FILE = re.compile(r"^\..*\.captionkit-(\d+)-[0-9a-f]{8}(\.[^.]*)?$")
_TEMPORARY_FOLDER = re.compile(r"^captionkit-[\w.-]*?-(\d+)-[\w]+$")

_HINT = "choose another folder with -o"


# -- Temporary names and stale leftovers ----------------------------------------------------------

def temporary_sibling(path: Path) -> Path:
    """A fresh hidden temporary name next to ``path`` that keeps its extension (ffmpeg reads it)."""
    return path.with_name(f".{path.stem}.captionkit-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")


def _process_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def _stale_entries(folder: Path, pattern: re.Pattern[str]) -> list[os.DirEntry]:
    """Entries of ``folder`` named by ``pattern`` (group 1: the process id) whose process no longer runs."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return [entry for entry in entries
            if (match := pattern.match(entry.name)) and _process_gone(int(match.group(1)))]


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove our temporary files in ``folder`` whose process no longer runs; return what was removed."""
    removed: list[Path] = []
    for entry in _stale_entries(folder, _TEMPORARY_FILE):
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def remove_stale_work_folders() -> list[Path]:
    """Remove our folders in the system's temporary folder whose process no longer runs."""
    removed: list[Path] = []
    for entry in _stale_entries(Path(tempfile.gettempdir()), _TEMPORARY_FOLDER):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def work_folder(purpose: str) -> Iterator[Path]:
    """A private folder in the system's temporary folder, removed afterwards (and by the next run if we die)."""
    remove_stale_work_folders()
    folder = Path(tempfile.mkdtemp(prefix=f"captionkit-{purpose}-{os.getpid()}-"))
    _work_folders.add(folder)
    try:
        yield folder
    finally:
        _work_folders.discard(folder)
        shutil.rmtree(folder, ignore_errors=True)


#: Work folders in use: files written there are intermediate, never staged in an :class:`OutputSet`.
_work_folders: set[Path] = set()


def _intermediate(path: Path) -> bool:
    return any(path.is_relative_to(folder) for folder in _work_folders)


# -- Checking outputs against inputs -------------------------------------------------------------

def _identity(path: Path) -> tuple[str, tuple[int, int] | None]:
    """The resolved, case-folded path and, for an existing file, its device and inode."""
    try:
        resolved = Path(os.path.abspath(path)).resolve(strict=False)
    except (OSError, ValueError):  # not a usable path (text given in place of a file): nothing to clash with
        return os.fspath(path), None
    try:
        stat = resolved.stat()
        inode: tuple[int, int] | None = (stat.st_dev, stat.st_ino)
    except (OSError, ValueError):
        inode = None
    return os.path.normcase(str(resolved)), inode


def _case_insensitive(folder: Path) -> bool:
    """Whether the file system holding ``folder`` ignores case (macOS, Windows, some mounts)."""
    try:
        name = next(entry.name for entry in os.scandir(folder) if entry.name.lower() != entry.name.upper())
    except (OSError, StopIteration):
        return os.name == "nt"
    swapped = name.swapcase()
    return (folder / swapped).exists() and os.path.samefile(folder / name, folder / swapped)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` and ``b`` name the same file, by any spelling (symlink, ``..``, hard link, case)."""
    (name_a, inode_a), (name_b, inode_b) = _identity(Path(a)), _identity(Path(b))
    if inode_a is not None and inode_a == inode_b:
        return True
    if name_a == name_b:
        return True
    if name_a.lower() == name_b.lower():
        parent = Path(name_b).parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        return _case_insensitive(parent)
    return False


def guard_outputs(
    inputs: Iterable[str | os.PathLike | None],
    outputs: Iterable[tuple[str, str | os.PathLike | None]] | Iterable[str | os.PathLike | None],
    *,
    hint: str = _HINT,
) -> None:
    """Refuse a run before it starts if an output would replace an input or cannot be written.

    ``inputs`` are paths (``None`` and ``-`` for standard input are skipped); ``outputs`` are
    paths or ``(option, path)`` pairs such as ``("--words", path)``, so the message can name the
    option. Every command calls this once, with every file it reads and every file it will write.
    ``hint`` ends a message about an unwritable folder: where the user chooses another one.
    """
    sources = [Path(item) for item in inputs if item is not None and str(item) not in ("", "-")]
    seen: list[tuple[str, Path]] = []
    for item in outputs:
        option, path = item if isinstance(item, tuple) else ("the output", item)
        if path is None:
            continue
        target = Path(path)
        for source in sources:
            if same_file(target, source):
                raise OutputError(
                    f"{option} {target} would overwrite the input {source}; inputs are never overwritten, "
                    "choose another name"
                )
        for other_option, other in seen:
            if same_file(target, other):
                raise OutputError(f"{option} {target} is also {other_option}; give each output its own name")
        if target.is_dir():
            raise OutputError(f"{option} {target} is a folder; give a file name")
        check_writable_folder(target.parent, target, hint=hint)
        seen.append((option, target))


def check_writable_folder(folder: Path, output: Path | None = None, *, hint: str = _HINT) -> None:
    """Raise :class:`OutputError` unless files can be created in ``folder`` (or the folders to be made for it)."""
    what = output if output is not None else folder
    existing = Path(os.path.abspath(folder))
    while not existing.exists():
        if existing.is_symlink():
            raise OutputError(f"cannot write {what}: {existing} is a broken link; {hint}")
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"cannot write {what}: {existing} is a file, not a folder; {hint}")
    try:
        handle, probe = tempfile.mkstemp(prefix=".captionkit-probe-", dir=existing)
    except OSError as error:
        raise output_error(what, error, hint) from None
    os.close(handle)
    os.unlink(probe)


def _reason(error: OSError) -> str:
    """A few words on why the operating system refused a write."""
    import errno

    return {
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "over the disk quota",
        errno.ENOENT: "the folder does not accept new files",
        errno.ENOTDIR: "part of the path is a file, not a folder",
        errno.EISDIR: "it is a folder",
        errno.ENAMETOOLONG: "the name is too long",
    }.get(error.errno or 0, error.strerror or str(error))


def output_error(path: Path, error: OSError, hint: str = _HINT) -> OutputError:
    """The one-line error for an OS refusal while writing ``path``."""
    return OutputError(f"cannot write {path}: {_reason(error)}; {hint}")


# -- Writing ---------------------------------------------------------------------------------------

_current_set: contextvars.ContextVar["OutputSet | None"] = contextvars.ContextVar("captionkit_outputs", default=None)


class OutputSet:
    """The outputs of one run, committed together when the ``with`` block succeeds.

    Every :func:`atomic_output` inside the block (in this thread) stages its file instead of
    renaming it; on success all are renamed into place, on any failure or interruption all
    are deleted, with the folders the run created. A nested set joins the outer one unless
    ``detached`` (a batch item that should be kept even if a later item fails).
    """

    def __init__(self, *, detached: bool = False) -> None:
        self.detached = detached
        self.staged: dict[Path, Path] = {}
        self.created: list[Path] = []
        self._token: contextvars.Token | None = None
        self._joined: OutputSet | None = None

    def __enter__(self) -> "OutputSet":
        outer = _current_set.get()
        self._joined = outer if outer is not None and not self.detached else None
        self._token = _current_set.set(self._joined or self)
        return self._joined or self

    def __exit__(self, kind, error, traceback) -> None:
        assert self._token is not None
        _current_set.reset(self._token)
        if self._joined is not None:
            return
        if kind is None:
            self.commit()
        else:
            self.discard()

    def stage(self, temporary: Path, final: Path) -> None:
        key = Path(os.path.abspath(final))
        previous = self.staged.pop(key, None)
        if previous is not None and previous != temporary:
            with contextlib.suppress(FileNotFoundError):
                previous.unlink()
        self.staged[key] = temporary

    def location(self, path: Path) -> Path:
        """Where ``path``'s content is now: its staged temporary file until the commit."""
        return self.staged.get(Path(os.path.abspath(path)), path)

    def commit(self) -> None:
        try:
            for final, temporary in list(self.staged.items()):
                try:
                    os.replace(temporary, final)
                except OSError as error:
                    raise output_error(final, error) from None
                del self.staged[final]
        finally:
            self.discard()

    def discard(self) -> None:
        for temporary in self.staged.values():
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        self.staged.clear()
        for folder in reversed(self.created):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty: never a folder that holds anything else
        self.created.clear()


def written_path(path: str | os.PathLike) -> Path:
    """Where an output written earlier in this run can be read now (its staged file until the commit)."""
    current = _current_set.get()
    return current.location(Path(path)) if current is not None else Path(path)


def make_folder(folder: str | os.PathLike) -> Path:
    """Create ``folder`` (and its parents) for outputs; folders made inside an :class:`OutputSet` are
    removed again if the run fails. A file in the way is a one-line error."""
    folder = Path(folder)
    missing: list[Path] = []
    probe = Path(os.path.abspath(folder))
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    if not probe.is_dir() or (folder.exists() and not folder.is_dir()):
        blocker = folder if folder.exists() else probe
        raise OutputError(f"cannot write into {folder}: {blocker} is a file, not a folder; {_HINT}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create the folder {folder}: {_reason(error)}; {_HINT}") from None
    current = _current_set.get()
    if current is not None:
        current.created.extend(reversed(missing))
    return folder


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write to; move it onto ``path`` if the block succeeds.

    Inside an :class:`OutputSet` the move happens when the whole set commits. A write the
    operating system refuses becomes an :class:`OutputError` that names ``path``.
    """
    final = Path(path)
    if final.is_dir():
        raise OutputError(f"cannot write {final}: it is a folder; give a file name")
    make_folder(final.parent)
    remove_stale_temporaries(final.parent)
    temporary = temporary_sibling(final)
    current = None if _intermediate(final) else _current_set.get()
    staged = False
    try:
        try:
            yield temporary
            if current is not None:
                current.stage(temporary, final)
                staged = True
            else:
                os.replace(temporary, final)
        except OSError as error:
            if _about(error, temporary, final):
                raise output_error(final, error) from None
            raise
    finally:
        if not staged:
            with contextlib.suppress(OSError):
                temporary.unlink()


def _about(error: OSError, temporary: Path, final: Path) -> bool:
    """Whether an OSError is about writing this output (not about reading some input)."""
    if not error.filename:
        return isinstance(error, (PermissionError, IsADirectoryError, NotADirectoryError)) or error.errno in (28, 30, 122)
    named = {os.path.abspath(str(error.filename)), os.path.abspath(str(getattr(error, "filename2", "") or ""))}
    return bool(named & {os.path.abspath(temporary), os.path.abspath(final)})


def write_text_atomic(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically and return the final path."""
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding=encoding)
    return Path(path)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the final path."""
    with atomic_output(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)
