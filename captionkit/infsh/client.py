"""The inference.sh client: submit app tasks, poll them, download their output files.

Two backends behind one small interface (:class:`Backend`):

- the Python SDK (``inferencesh``), used when an API key is set in
  ``INFERENCE_API_KEY`` or ``INFSH_API_KEY``;
- the ``infsh``/``belt`` command line, used when no key is set but the CLI
  is on PATH (it has its own ``infsh login``).

Inputs are plain JSON values, except that a :class:`pathlib.Path` marks a
local file to upload: the SDK backend uploads it (once per content) and passes
its URI, the CLI backend passes the absolute path for the CLI to upload. Every
other string is sent as text (the SDK's own guessing, which uploads any string
that happens to name a file or look like base64, is switched off so caption
text stays text).

Transient faults (a connection that fails, HTTP 5xx, HTTP 429) are retried
with exponential backoff, honouring a 429's ``Retry-After``. Submitting is
the one call that costs money, so it is retried only when the service surely
did not take it: a refused connection, a 5xx or a 429 reply, never a reply
that was lost on the way back.

``INFERENCE_BASE_URL`` points the SDK at another server (tests use a local fake).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from ..errors import CaptionkitError, ExternalToolError
from ..files import atomic_output

KEY_VARIABLES = ("INFERENCE_API_KEY", "INFSH_API_KEY")
BASE_URL_VARIABLE = "INFERENCE_BASE_URL"
CLI_NAMES = ("infsh", "belt")
#: How long to wait for one task, in seconds, unless told otherwise.
DEFAULT_TIMEOUT = 1800.0
#: Seconds between two polls of a running task.
DEFAULT_POLL_INTERVAL = 2.0

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = "queued", "running", "completed", "failed", "cancelled"
TERMINAL = frozenset({COMPLETED, FAILED, CANCELLED})
# The SDK's TaskStatus numbers: 1-3 waiting for a worker, 4-9 on one, then the end states.
_STATUS_NUMBERS = {1: QUEUED, 2: QUEUED, 3: QUEUED, 4: RUNNING, 5: RUNNING, 6: RUNNING, 7: RUNNING, 8: RUNNING,
                   9: RUNNING, 10: COMPLETED, 11: FAILED, 12: CANCELLED, 13: FAILED}
_STATUS_WORDS = {"received": QUEUED, "queued": QUEUED, "dispatched": QUEUED, "pending": QUEUED,
                 "preparing": RUNNING, "serving": RUNNING, "setting_up": RUNNING, "running": RUNNING,
                 "cancelling": RUNNING, "uploading": RUNNING, "processing": RUNNING, "completed": COMPLETED,
                 "succeeded": COMPLETED, "failed": FAILED, "rejected": FAILED, "cancelled": CANCELLED,
                 "canceled": CANCELLED}


class InfshError(ExternalToolError):
    """The service, or the way to it, failed; the message says what it said and what to do."""


class MissingKeyError(InfshError):
    """No API key and no logged-in CLI."""


class RefusedKeyError(InfshError):
    """The service refused the key (HTTP 401/403, "API key invalid")."""


class InputValidationError(InfshError):
    """The app refused its input; ``field`` names the offending field when the service said which."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TaskFailedError(InfshError):
    """A task ended failed or cancelled; the message carries the service's own."""


class TaskTimeoutError(InfshError):
    """A task did not finish within its time limit (it may still be running on the service)."""


class TransientError(InfshError):
    """A fault worth retrying (connection, 5xx, 429); ``retry_after`` is the wait the service asked for."""

    def __init__(self, message: str, retry_after: float | None = None, *, maybe_taken: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        #: True when the service may have acted on the request (a reply lost on the way back).
        self.maybe_taken = maybe_taken


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How transient faults are retried: ``attempts`` tries in all, waits growing by ``factor``."""

    attempts: int = 6
    first_wait: float = 1.0
    factor: float = 2.0
    longest_wait: float = 60.0
    #: A 429's Retry-After longer than this is not waited for; the error is raised instead.
    longest_retry_after: float = 300.0

    def wait(self, attempt: int, error: TransientError) -> float | None:
        """Seconds to wait before try ``attempt + 1`` (``attempt`` from 1), or None to give up."""
        if attempt >= self.attempts:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.longest_retry_after else None
        return min(self.first_wait * self.factor ** (attempt - 1), self.longest_wait)


@dataclass(slots=True)
class TaskState:
    """What the service says about a task: ``status`` is one of queued, running, completed, failed, cancelled."""

    id: str
    app: str
    status: str
    output: dict[str, Any] | None = None
    error: str | None = None
    cost: float | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "app": self.app, "status": self.status, "output": self.output, "error": self.error,
                "cost": self.cost}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskState:
        return cls(id=data["id"], app=data["app"], status=data["status"], output=data.get("output"),
                   error=data.get("error"), cost=data.get("cost"))


class Backend(Protocol):
    name: str

    def prepare(self, inputs: dict[str, Any]) -> dict[str, Any]: ...

    def submit(self, app: str, inputs: dict[str, Any]) -> str: ...

    def poll(self, app: str, task_id: str) -> dict[str, Any]: ...


class Client:
    """Submits inference.sh app tasks, polls them and downloads their outputs."""

    def __init__(self, backend: Backend, *, retry: RetryPolicy = RetryPolicy(),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.backend = backend
        self.retry = retry
        self.sleep = sleep

    @property
    def name(self) -> str:
        return self.backend.name

    def submit(self, app: str, inputs: dict[str, Any]) -> str:
        """Start ``app`` on ``inputs`` (Path values are uploaded) and return the task id at once."""
        for path in local_files(inputs):
            if not path.is_file():
                raise CaptionkitError(f"{path}: no such file to upload to inference.sh; check the path")
        prepared = self._retrying(lambda: self.backend.prepare(inputs))
        return self._retrying(lambda: self.backend.submit(app, prepared), submitting=True)

    def poll(self, task_id: str, app: str = "") -> TaskState:
        """The task's current state (one request, retried on transient faults)."""
        task = self._retrying(lambda: self.backend.poll(app, task_id))
        return task_state(task, app, task_id)

    def wait(self, task_id: str, app: str = "", *, timeout: float = DEFAULT_TIMEOUT,
             poll_interval: float = DEFAULT_POLL_INTERVAL) -> TaskState:
        """Poll until the task completes; raise :class:`TaskFailedError` or :class:`TaskTimeoutError`."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.poll(task_id, app)
            if state.done:
                return raise_unless_completed(state)
            if time.monotonic() >= deadline:
                raise timed_out(state, timeout)
            self.sleep(min(poll_interval, max(0.0, deadline - time.monotonic())))

    def run(self, app: str, inputs: dict[str, Any], *, timeout: float = DEFAULT_TIMEOUT,
            poll_interval: float = DEFAULT_POLL_INTERVAL) -> TaskState:
        """Submit and wait: the completed task, or an :class:`InfshError`."""
        return self.wait(self.submit(app, inputs), app, timeout=timeout, poll_interval=poll_interval)

    def download(self, value: Any, destination: str | os.PathLike, *, what: str = "output") -> Path:
        """Fetch an output file (a URL, or an object with ``uri``/``url``) to ``destination`` atomically."""
        url = file_url(value)
        if url is None:
            raise InfshError(f"the service returned no {what} file (got {_one_line(repr(value))[:120]}); "
                             "try again or check the app")
        final = Path(destination)
        local = Path(url.removeprefix("file://"))
        if not url.startswith(("http://", "https://")) and not local.is_file():
            raise InfshError(f"cannot download the {what} from {url!r}: not an http(s) URL")
        with atomic_output(final) as temporary:
            if url.startswith(("http://", "https://")):
                self._retrying(lambda: _http_download(url, temporary, what))
            else:
                shutil.copyfile(local, temporary)
        return final

    def _retrying(self, call: Callable[[], Any], *, submitting: bool = False) -> Any:
        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except TransientError as error:
                if submitting and error.maybe_taken:
                    raise InfshError(f"{error}; the task may have been submitted: check the inference.sh "
                                     "dashboard before trying again") from error
                wait = self.retry.wait(attempt, error)
                if wait is None:
                    raise InfshError(f"{error} (after {attempt} tries); try again later") from error
                self.sleep(wait)


def connect(prefer: str = "auto", api_key: str | None = None, base_url: str | None = None, *,
            retry: RetryPolicy = RetryPolicy()) -> Client:
    """A client using the SDK when a key is set, else the ``infsh``/``belt`` CLI (after ``infsh login``).

    ``prefer`` is ``auto``, ``sdk`` or ``cli``.
    """
    if prefer not in ("auto", "sdk", "cli"):
        raise CaptionkitError(f"unknown inference.sh backend {prefer!r}; use auto, sdk or cli")
    key = api_key or next((os.environ[name] for name in KEY_VARIABLES if os.environ.get(name)), None)
    base_url = base_url or os.environ.get(BASE_URL_VARIABLE) or None
    cli = next((found for name in CLI_NAMES if (found := shutil.which(name))), None)
    if prefer in ("auto", "sdk") and key:
        return Client(SdkBackend(key, base_url), retry=retry)
    if prefer in ("auto", "cli") and cli:
        return Client(CliBackend(cli, key), retry=retry)
    if prefer == "sdk":
        raise MissingKeyError("no inference.sh API key: set INFERENCE_API_KEY (or INFSH_API_KEY)")
    if prefer == "cli":
        raise MissingKeyError("the inference.sh CLI (infsh or belt) is not on PATH; "
                              "install it (curl -fsSL https://cli.inference.sh | sh) or set INFERENCE_API_KEY")
    raise MissingKeyError("no way to reach inference.sh: set INFERENCE_API_KEY (or INFSH_API_KEY), "
                          "or install the infsh CLI and run 'infsh login'")


# --------------------------------------------------------------------------- task states


def status_name(status: Any) -> str | None:
    """A task status (the SDK's integer, or a word) as queued/running/completed/failed/cancelled."""
    if isinstance(status, bool):
        return None
    if isinstance(status, int):
        return _STATUS_NUMBERS.get(status, QUEUED if status == 0 else None)
    if isinstance(status, str):
        text = status.strip().lower()
        return _STATUS_NUMBERS.get(int(text)) if text.isdigit() else _STATUS_WORDS.get(text)
    return None


def task_state(task: dict[str, Any], app: str, task_id: str | None = None) -> TaskState:
    """Read a task object defensively (status as int or word; output nested or bare)."""
    raw_status = task.get("status_text") or task.get("status")
    status = status_name(raw_status)
    if status is None:
        raise InfshError(f"inference.sh gave task {task_id or task.get('id')} an unknown status {raw_status!r}; "
                         "update captionkit")
    error = task.get("error")
    if task.get("status") == 13 or str(raw_status).lower() == "rejected":
        error = f"rejected (no balance or payment method): {error or 'no message'}"
    output = task.get("output")
    if status == COMPLETED and not isinstance(output, dict):
        raise InfshError(f"{app or 'the app'} returned an output captionkit cannot read "
                         f"({_one_line(repr(output))[:120]})")
    return TaskState(id=str(task.get("id") or task_id), app=app or str(task.get("app") or ""), status=status,
                     output=output if isinstance(output, dict) else None,
                     error=_one_line(error) if error else None, cost=task_cost(task))


def task_cost(task: dict[str, Any]) -> float | None:
    """The cost the service reports for a task, where it reports one."""
    places = [task, task.get("usage"), task.get("billing"),
              (task.get("output") or {}).get("output_meta") if isinstance(task.get("output"), dict) else None]
    for place in places:
        if isinstance(place, dict):
            for name in ("cost", "cost_usd", "price", "credits"):
                value = place.get(name)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    return float(value)
    return None


def raise_unless_completed(state: TaskState) -> TaskState:
    """``state`` if it completed; else the one-line error the user should see."""
    if state.status == COMPLETED:
        return state
    field = validation_field(state.error or "")
    if field is not None:
        raise InputValidationError(f"{state.app} refused its input on inference.sh: field '{field}': "
                                   f"{state.error}; fix that input", field)
    word = "was cancelled" if state.status == CANCELLED else "failed"
    raise TaskFailedError(f"{state.app} {word} on inference.sh (task {state.id}): {state.error or 'no message'}")


def timed_out(state: TaskState, timeout: float) -> TaskTimeoutError:
    return TaskTimeoutError(f"{state.app} task {state.id} did not finish within {timeout:g} s (still {state.status}); "
                            "rerun to keep waiting for it, or raise the time limit")


_PYDANTIC_FIELD = re.compile(r"validation error[s]? for \w+\s+(\w[\w.\[\]]*)", re.IGNORECASE)
_NAMED_FIELD = re.compile(r"\bfield '?\"?([\w.\[\]]+)'?\"?|\b([\w.\[\]]+) is required\b", re.IGNORECASE)


def validation_field(message: str) -> str | None:
    """The input field a validation message names (pydantic's or the API's wording), else None."""
    if "validation" not in message.lower() and "invalid input" not in message.lower():
        return None
    match = _PYDANTIC_FIELD.search(message) or _NAMED_FIELD.search(message)
    if match is None:
        return ""
    return next(group for group in match.groups() if group)


# --------------------------------------------------------------------------- SDK


class SdkBackend:
    """The ``inferencesh`` Python SDK (its task and file calls; HTTP errors read with their headers)."""

    name = "sdk"

    def __init__(self, api_key: str, base_url: str | None = None) -> None:
        try:
            from inferencesh import Inference
        except ImportError as error:  # pragma: no cover - a declared dependency
            raise CaptionkitError("the inferencesh package is missing; run 'pip install inferencesh'") from error
        self.client = Inference(api_key=api_key, base_url=base_url)
        # Files are uploaded explicitly (Path values); never guess from strings.
        self.client._process_input_data = lambda value, path="root": value
        self._send = self.client._request
        self.client._request = self._request
        self._uploads: dict[str, str] = {}

    def prepare(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Upload the local files (each content once per client) and put their URIs in their place."""
        return _replace_paths(inputs, self._upload)

    def submit(self, app: str, inputs: dict[str, Any]) -> str:
        with _sdk_errors(app):
            task = self.client.tasks.run({"app": app, "input": inputs}, wait=False)
        task_id = task.get("id") if isinstance(task, dict) else None
        if not task_id:
            raise InfshError(f"inference.sh accepted {app} but returned no task id; check the dashboard before retrying")
        return str(task_id)

    def poll(self, app: str, task_id: str) -> dict[str, Any]:
        with _sdk_errors(app or "a task"):
            task = self.client.get_task(task_id).data
        if not isinstance(task, dict):
            raise InfshError(f"inference.sh returned no task for {task_id}; check the task id")
        return task

    def _upload(self, path: Path) -> str:
        digest = file_digest(path)
        if digest not in self._uploads:
            with _sdk_errors(f"uploading {path.name}"):
                uploaded = self.client.files.upload(str(path))
            uri = uploaded.get("uri") if isinstance(uploaded, dict) else None
            if not uri:
                raise InfshError(f"uploading {path.name} to inference.sh gave no file URI; try again")
            self._uploads[digest] = uri
        return self._uploads[digest]

    def _request(self, method: str, endpoint: str, **options: Any) -> Any:
        """The SDK's request, but an HTTP error keeps its ``Retry-After`` and a refused connection is marked."""
        import requests
        from inferencesh.client import Response

        if options.get("stream"):
            return self._send(method, endpoint, **options)
        try:
            response = self._send(method, endpoint, **{**options, "stream": True})
        except requests.ConnectionError as error:
            refused = isinstance(error, requests.ConnectTimeout) or any(
                name in repr(error) for name in ("NewConnectionError", "NameResolutionError"))
            raise TransientError(f"cannot reach inference.sh ({_short(error)})", maybe_taken=not refused) from error
        except requests.Timeout as error:
            raise TransientError(f"inference.sh did not answer in time ({_short(error)})",
                                 maybe_taken=True) from error
        text = response.text
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = None
        if not response.ok:
            raise _http_error(response.status_code, payload, text, response.headers.get("Retry-After"))
        if isinstance(payload, dict) and "data" in payload:
            return Response(payload["data"], payload.get("messages"))
        return Response(payload)


class HttpError(InfshError):
    """A non-transient HTTP error reply from the service."""

    def __init__(self, status: int, detail: str, fields: list[tuple[str, str]]) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status, self.detail, self.fields = status, detail, fields


def _http_error(status: int, payload: Any, text: str, retry_after: str | None) -> InfshError:
    detail = ""
    fields: list[tuple[str, str]] = []
    if isinstance(payload, dict):
        detail = str(payload.get("detail") or payload.get("title") or payload.get("message") or "")
        for item in payload.get("errors") or []:
            if isinstance(item, dict):
                where = item.get("field") or item.get("location") or item.get("loc") or item.get("pointer") or ""
                if isinstance(where, list):
                    where = ".".join(map(str, where))
                name = re.sub(r"^(body\.)?(input\.)?|^/?(input/)?", "", str(where)).replace("/", ".")
                fields.append((name, _one_line(item.get("message") or item.get("msg") or "")))
    detail = _one_line(detail or text[:300] or "no detail")
    if status == 429 or status >= 500:
        return TransientError(f"inference.sh answered HTTP {status}: {detail}", _seconds(retry_after))
    return HttpError(status, detail, fields)


def _seconds(retry_after: str | None) -> float | None:
    if not retry_after:
        return None
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(retry_after).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


@contextlib.contextmanager
def _sdk_errors(app: str) -> Iterator[None]:
    """Turn what the SDK raises into one-line :class:`InfshError` s naming the app."""
    try:
        yield
    except HttpError as error:
        raise _classified(app, error.status, error.detail, error.fields) from error
    except CaptionkitError:
        raise
    except RuntimeError as error:
        if "upload" in str(error).lower():
            raise TransientError(f"{app} failed: {_short(error)}") from error
        raise
    except Exception as error:
        if isinstance(error, OSError) or type(error).__module__.startswith(("requests", "urllib3")):
            raise TransientError(f"cannot reach inference.sh for {app} ({_short(error)})") from error
        raise


def _classified(app: str, status: int, detail: str, fields: list[tuple[str, str]]) -> InfshError:
    if status in (401, 403):
        hint = "check INFERENCE_API_KEY (or INFSH_API_KEY)" if status == 401 else "check the key's permissions"
        return RefusedKeyError(f"inference.sh refused the API key (HTTP {status}: {detail}); {hint}")
    if status in (400, 422):
        named = [(name, message) for name, message in fields if name]
        if named:
            listed = "; ".join(f"field '{name}': {message or detail}" for name, message in named)
            return InputValidationError(f"{app} refused its input: {listed}; fix that input", named[0][0])
        field = validation_field(detail)
        where = f"field '{field}': " if field else ""
        return InputValidationError(f"{app} refused its input (HTTP {status}): {where}{detail}; fix the input",
                                    field or None)
    hint = {404: "check the app name", 402: "add credits on inference.sh"}.get(status, "check the request")
    return InfshError(f"inference.sh refused the request for {app} (HTTP {status}: {detail}); {hint}")


# --------------------------------------------------------------------------- CLI


class CliBackend:
    """The ``infsh``/``belt`` command line: ``app run APP --input JSON --json --no-wait`` and ``task get ID --json``."""

    name = "cli"
    #: Seconds one CLI call may take.
    call_timeout = 300.0

    def __init__(self, executable: str, api_key: str | None = None) -> None:
        self.executable = executable
        self.api_key = api_key

    def prepare(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Local files as absolute paths: the CLI uploads them itself."""
        return _replace_paths(inputs, lambda path: str(path.resolve()))

    def submit(self, app: str, inputs: dict[str, Any]) -> str:
        payload = json.dumps(inputs, ensure_ascii=False)
        stdout = self._call(app, ["app", "run", app, "--input", payload, "--json", "--no-wait"], submitting=True)
        task = _parse_json(stdout)
        task_id = (task or {}).get("id") or (task or {}).get("task_id")
        if not task_id:
            match = re.search(r"Task ID:\s*(\S+)", stdout)
            task_id = match.group(1) if match else None
        if not task_id:
            raise InfshError(f"{self._program} printed no task id for {app}; update the CLI "
                             f"(output: {_one_line(stdout[-200:])})")
        return str(task_id)

    def poll(self, app: str, task_id: str) -> dict[str, Any]:
        stdout = self._call(app or "a task", ["task", "get", task_id, "--json"])
        task = _parse_json(stdout)
        if task is None:
            raise InfshError(f"{self._program} printed no JSON for task {task_id}; update the CLI "
                             f"(output: {_one_line(stdout[-200:])})")
        return task

    @property
    def _program(self) -> str:
        return Path(self.executable).name

    def _call(self, app: str, arguments: list[str], *, submitting: bool = False) -> str:
        environment = {**os.environ, "BELT_NO_UPDATE_CHECK": "1"}
        if self.api_key:
            environment["INFSH_API_KEY"] = self.api_key
        try:
            completed = subprocess.run([self.executable, *arguments], check=False, capture_output=True, text=True,
                                       env=environment, timeout=self.call_timeout, encoding="utf-8",
                                       errors="replace")
        except subprocess.TimeoutExpired as error:
            raise TransientError(f"{self._program} did not answer within {self.call_timeout:.0f} s",
                                 maybe_taken=submitting) from error
        except OSError as error:
            raise InfshError(f"cannot run {self.executable}: {error}") from error
        if completed.returncode == 0:
            return completed.stdout
        task = _parse_json(completed.stdout) or {}
        message = _one_line(task.get("error") or _last_line(completed.stderr) or _last_line(completed.stdout)
                            or "no message")
        message = re.sub(r"^(error:\s*)", "", message, flags=re.IGNORECASE)
        raise _cli_error(app, self._program, completed.returncode, message)


def _cli_error(app: str, program: str, code: int, message: str) -> InfshError:
    lower = message.lower()
    where = f"({program} exit {code})"
    if "not authenticated" in lower or "not logged in" in lower:
        return MissingKeyError(f"{program} is not logged in {where}: {message}; run '{program} login' "
                               "or set INFERENCE_API_KEY")
    if "api key invalid" in lower or "unauthorized" in lower or re.search(r"\b40[13]\b", lower):
        return RefusedKeyError(f"inference.sh refused the API key {where}: {message}; "
                               "check INFSH_API_KEY or run 'infsh login' again")
    status = re.search(r"\b(429|5\d\d)\b", message)
    if status or "connection" in lower or "timed out" in lower or "temporarily" in lower:
        wait = re.search(r"retry[- ]after[:\s]+(\d+(?:\.\d+)?)", lower)
        return TransientError(f"{app} {where}: {message}", float(wait.group(1)) if wait else None,
                              maybe_taken=status is None and "connection refused" not in lower)
    field = validation_field(message)
    if field is not None:
        return InputValidationError(f"{app} refused its input {where}: {message}; fix that input", field or None)
    if "quota" in lower or "credits" in lower:
        return InfshError(f"{app} {where}: {message}; add credits on inference.sh")
    return InfshError(f"{app} failed on inference.sh {where}: {message}")


# --------------------------------------------------------------------------- shared


def file_url(value: Any) -> str | None:
    """The URL of a file output: a string, or an object with ``uri`` or ``url``."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict):
        return value.get("uri") or value.get("url") or None
    return None


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def local_files(value: Any) -> list[Path]:
    """Every :class:`Path` inside an input value (nested dicts and lists too)."""
    if isinstance(value, Path):
        return [value]
    if isinstance(value, dict):
        return [path for item in value.values() for path in local_files(item)]
    if isinstance(value, (list, tuple)):
        return [path for item in value for path in local_files(item)]
    return []


def _replace_paths(value: Any, replace: Callable[[Path], str]) -> Any:
    if isinstance(value, Path):
        return replace(value)
    if isinstance(value, dict):
        return {key: _replace_paths(item, replace) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replace_paths(item, replace) for item in value]
    return value


def _http_download(url: str, target: Path, what: str) -> None:
    import requests

    try:
        with requests.get(url, stream=True, timeout=60) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientError(f"downloading the {what} failed (HTTP {response.status_code})",
                                     _seconds(response.headers.get("Retry-After")))
            if response.status_code != 200:
                raise InfshError(f"downloading the {what} failed (HTTP {response.status_code}); "
                                 "the link may have expired: run the task again")
            with open(target, "wb") as sink:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    sink.write(chunk)
    except requests.RequestException as error:
        raise TransientError(f"downloading the {what} failed ({_short(error)})") from error


def _parse_json(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    if start < 0:
        return None
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


def _short(error: BaseException) -> str:
    """An exception as one short line (urllib3's nested reprs cut down)."""
    return _one_line(str(error) or type(error).__name__)[:200]
