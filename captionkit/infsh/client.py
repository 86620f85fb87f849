"""The inference.sh client: run an app on the service and fetch its output files.

Two backends behind one small interface (:class:`Client`):

- the Python SDK (``inferencesh``), used when an API key is set in
  ``INFERENCE_API_KEY`` or ``INFSH_API_KEY``;
- the ``infsh``/``belt`` command line, used when no key is set but the CLI
  is on PATH (it has its own ``infsh login``).

Inputs are plain JSON values, except that a :class:`pathlib.Path` marks a
local file to upload: the SDK backend uploads it and passes its URI, the CLI
backend passes the absolute path for the CLI to upload. Every other string is
sent as text (the SDK's own guessing, which uploads any string that happens to
name a file or look like base64, is switched off so caption text stays text).

``INFERENCE_BASE_URL`` points the SDK at another server (tests use a local fake).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from ..errors import CaptionkitError, ExternalToolError
from ..files import atomic_output

KEY_VARIABLES = ("INFERENCE_API_KEY", "INFSH_API_KEY")
BASE_URL_VARIABLE = "INFERENCE_BASE_URL"
CLI_NAMES = ("infsh", "belt")
#: How long to wait for a task, in seconds, unless told otherwise.
DEFAULT_TIMEOUT = 1800.0
_COMPLETED, _FAILED, _CANCELLED, _REJECTED = 10, 11, 12, 13
_STATUS_NAMES = {"completed": _COMPLETED, "failed": _FAILED, "cancelled": _CANCELLED, "rejected": _REJECTED}


class InfshError(ExternalToolError):
    """The service, or the way to it, failed; the message says what it said."""


@dataclass(slots=True)
class TaskResult:
    """A finished task: its id and the app's output fields (file fields are URLs or ``{uri}`` objects)."""

    id: str | None
    output: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


class Backend(Protocol):
    name: str

    def run(self, app: str, inputs: dict[str, Any], *, timeout: float) -> TaskResult: ...


class Client:
    """Runs inference.sh apps and downloads their outputs."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @property
    def name(self) -> str:
        return self.backend.name

    def run(self, app: str, inputs: dict[str, Any], *, timeout: float = DEFAULT_TIMEOUT) -> TaskResult:
        """Run ``app`` on ``inputs`` (Path values are uploaded) and wait for it to finish."""
        for path in _local_files(inputs):
            if not path.is_file():
                raise CaptionkitError(f"{path}: no such file to upload to inference.sh; check the path")
        return self.backend.run(app, inputs, timeout=timeout)

    def download(self, value: Any, destination: str | os.PathLike, *, what: str = "output") -> Path:
        """Fetch an output file (a URL, or an object with ``uri``/``url``) to ``destination`` atomically."""
        url = file_url(value)
        if url is None:
            raise InfshError(f"the service returned no {what} file (got {value!r}); try again or check the app")
        final = Path(destination)
        with atomic_output(final) as temporary:
            if url.startswith(("http://", "https://")):
                _http_download(url, temporary, what)
            elif Path(url.removeprefix("file://")).is_file():
                shutil.copyfile(url.removeprefix("file://"), temporary)
            else:
                raise InfshError(f"cannot download the {what} from {url!r}: not an http(s) URL")
        return final


def connect(*, prefer: str = "auto", api_key: str | None = None, base_url: str | None = None) -> Client:
    """A client using the SDK when a key is set, else the ``infsh``/``belt`` CLI.

    ``prefer`` is ``auto``, ``sdk`` or ``cli``.
    """
    key = api_key or next((os.environ[name] for name in KEY_VARIABLES if os.environ.get(name)), None)
    base_url = base_url or os.environ.get(BASE_URL_VARIABLE) or None
    cli = next((found for name in CLI_NAMES if (found := shutil.which(name))), None)
    if prefer not in ("auto", "sdk", "cli"):
        raise CaptionkitError(f"unknown inference.sh backend {prefer!r}; use auto, sdk or cli")
    if prefer in ("auto", "sdk") and key:
        return Client(SdkBackend(key, base_url))
    if prefer in ("auto", "cli") and cli:
        return Client(CliBackend(cli, key))
    if prefer == "sdk":
        raise CaptionkitError("no inference.sh API key: set INFERENCE_API_KEY (or INFSH_API_KEY)")
    if prefer == "cli":
        raise CaptionkitError("the inference.sh CLI (infsh or belt) is not on PATH; install it or set INFERENCE_API_KEY")
    raise CaptionkitError(
        "no way to reach inference.sh: set INFERENCE_API_KEY (or INFSH_API_KEY), "
        "or install the infsh CLI and run 'infsh login'"
    )


# --------------------------------------------------------------------------- SDK


class SdkBackend:
    """The ``inferencesh`` Python SDK."""

    name = "sdk"

    def __init__(self, api_key: str, base_url: str | None = None) -> None:
        try:
            from inferencesh import Inference
        except ImportError as error:  # pragma: no cover - a declared dependency
            raise CaptionkitError("the inferencesh package is missing; run 'pip install inferencesh'") from error
        self.client = Inference(api_key=api_key, base_url=base_url)
        # Files are uploaded explicitly (Path values); never guess from strings.
        self.client._process_input_data = lambda value, path="root": value

    def run(self, app: str, inputs: dict[str, Any], *, timeout: float) -> TaskResult:
        with _service_errors(app):
            uploaded = _replace_paths(inputs, self._upload)
            task = self.client.tasks.run({"app": app, "input": uploaded}, wait=False)
            task_id = task.get("id")
            final = self.client.wait_for_completion(task_id, timeout=timeout)
        return _finished(app, final)

    def _upload(self, path: Path) -> str:
        uploaded = self.client.files.upload(str(path))
        uri = uploaded.get("uri") if isinstance(uploaded, dict) else None
        if not uri:
            raise InfshError(f"uploading {path.name} to inference.sh gave no file URI; try again")
        return uri


class _service_errors:
    """Turn the SDK's exceptions into one-line :class:`InfshError` s naming the app."""

    def __init__(self, app: str) -> None:
        self.app = app

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or isinstance(error, CaptionkitError):
            return False
        from inferencesh import APIError

        if isinstance(error, APIError):
            hint = {401: "check INFERENCE_API_KEY", 403: "check the key's permissions",
                    404: "check the app name", 402: "add credits"}.get(error.status_code, "try again later")
            raise InfshError(f"inference.sh refused the request for {self.app} "
                             f"(HTTP {error.status_code}: {_one_line(error.message)}); {hint}") from error
        if isinstance(error, TimeoutError):
            raise InfshError(f"{self.app} did not finish in time ({_one_line(str(error))}); "
                             "try again or raise the timeout") from error
        if isinstance(error, RuntimeError):
            raise InfshError(f"{self.app} failed on inference.sh: {_one_line(str(error))}") from error
        if isinstance(error, (OSError, ValueError)) or type(error).__module__.startswith("requests"):
            raise InfshError(f"cannot reach inference.sh for {self.app} ({_one_line(str(error))}); "
                             "check the network") from error
        return False


# --------------------------------------------------------------------------- CLI


class CliBackend:
    """The ``infsh``/``belt`` command line (``app run APP --input JSON --json``)."""

    name = "cli"

    def __init__(self, executable: str, api_key: str | None = None) -> None:
        self.executable = executable
        self.api_key = api_key

    def run(self, app: str, inputs: dict[str, Any], *, timeout: float) -> TaskResult:
        payload = json.dumps(_replace_paths(inputs, lambda path: str(path.resolve())), ensure_ascii=False)
        environment = {**os.environ, "BELT_NO_UPDATE_CHECK": "1"}
        if self.api_key:
            environment["INFSH_API_KEY"] = self.api_key
        command = [self.executable, "app", "run", app, "--input", payload, "--json"]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=timeout,
                                       encoding="utf-8", errors="replace")
        except subprocess.TimeoutExpired as error:
            raise InfshError(f"{app} did not finish within {timeout:.0f} s; try again or raise the timeout") from error
        except OSError as error:
            raise InfshError(f"cannot run {self.executable}: {error}") from error
        task = _parse_json(completed.stdout)
        if completed.returncode != 0:
            message = (task or {}).get("error") or _last_line(completed.stderr) or _last_line(completed.stdout)
            raise InfshError(f"{app} failed on inference.sh ({Path(self.executable).name} exit "
                             f"{completed.returncode}): {_one_line(message or 'no message')}")
        if task is None:
            raise InfshError(f"{Path(self.executable).name} printed no JSON result for {app}; "
                             f"update the CLI (output: {_one_line(completed.stdout[-200:])})")
        return _finished(app, task)


# --------------------------------------------------------------------------- shared


def file_url(value: Any) -> str | None:
    """The URL of a file output: a string, or an object with ``uri`` or ``url``."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict):
        return value.get("uri") or value.get("url") or None
    return None


def status_code(status: Any) -> int | None:
    """A task status as the SDK's integer (10 completed, 11 failed...), from an int or a name."""
    if isinstance(status, int):
        return status
    if isinstance(status, str):
        return int(status) if status.isdigit() else _STATUS_NAMES.get(status.lower())
    return None


def _finished(app: str, task: dict[str, Any]) -> TaskResult:
    status = status_code(task.get("status_text") or task.get("status"))
    if status in (_FAILED, _CANCELLED, _REJECTED) or (task.get("error") and status != _COMPLETED):
        word = {_FAILED: "failed", _CANCELLED: "was cancelled", _REJECTED: "was rejected"}.get(status, "failed")
        raise InfshError(f"{app} {word} on inference.sh: {_one_line(task.get('error') or 'no message')}")
    output = task.get("output", task)
    if not isinstance(output, dict):
        raise InfshError(f"{app} returned an output captionkit cannot read ({_one_line(repr(output)[:120])})")
    return TaskResult(id=task.get("id"), output=output, raw=task)


def _replace_paths(value: Any, replace: Callable[[Path], str]) -> Any:
    if isinstance(value, Path):
        return replace(value)
    if isinstance(value, dict):
        return {key: _replace_paths(item, replace) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replace_paths(item, replace) for item in value]
    return value


def _local_files(value: Any) -> list[Path]:
    if isinstance(value, Path):
        return [value]
    if isinstance(value, dict):
        return [path for item in value.values() for path in _local_files(item)]
    if isinstance(value, (list, tuple)):
        return [path for item in value for path in _local_files(item)]
    return []


def _http_download(url: str, target: Path, what: str) -> None:
    import requests

    try:
        with requests.get(url, stream=True, timeout=60) as response:
            if response.status_code != 200:
                raise InfshError(f"downloading the {what} failed (HTTP {response.status_code}); try again")
            with open(target, "wb") as sink:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    sink.write(chunk)
    except requests.RequestException as error:
        raise InfshError(f"downloading the {what} failed ({_one_line(str(error))}); check the network") from error


def _parse_json(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(text[start:])
    except json.JSONDecodeError:
        try:
            data, _ = json.JSONDecoder().raw_decode(text[start:])
        except json.JSONDecodeError:
            return None
    return data if isinstance(data, dict) else None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())
