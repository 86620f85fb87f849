"""A fake inference.sh for tests: an HTTP server on 127.0.0.1 speaking the SDK's protocol, and a fake ``infsh``
CLI that talks to the same server. Its apps make real media locally:

- ``falai/dia-tts`` (``text``; optional ``ref_audio`` + ``ref_text``) -> ``audio``: a 44.1 kHz WAV spoken by piper;
- ``bytedance/omnihuman-1-5`` and ``bytedance/omnihuman-1-0`` (``image``, ``audio``; as the deployed schema in
  ``/work/shared/infsh.md``) -> ``video``: a 30 fps H.264/AAC MP4 of the portrait, exactly as long as the audio;
- ``infsh/caption-videos`` (``video_file``, ``segments``, style options) -> ``captioned_video``, burned with libass.

Protocol (as the inferencesh SDK 0.36 uses it): ``POST /files`` -> upload URLs, ``PUT`` the bytes,
``POST /apps/run`` -> a task (``{"data": task}``), ``GET /tasks/{id}``, ``POST /tasks/{id}/cancel``, outputs at
plain URLs. Statuses are the SDK's integers (2 queued, 7 running, 10 completed, 11 failed, 12 cancelled); errors
are RFC 9457 problem+json. A missing required input is refused at submission (HTTP 422 naming the field).

Tasks run in the server's own threads and finish no sooner than ``seconds`` after submission (per app), so
tests can find them pending. The server lives in the test process: a client in another process (a CLI run,
killed and started again) talks to the same tasks and counts. Test controls: ``register_app``, ``fail``,
``hang``, ``flaky`` (N transient 5xx/429 replies, with ``Retry-After``), ``slow``; read ``submissions``
(tasks created, per app), ``attempts`` (every ``/apps/run`` request) and ``most_in_flight``.
"""

from __future__ import annotations

import json
import mimetypes
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

from captionkit.model import Cue, Track

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = 2, 7, 10, 11, 12
STATUS_TEXT = {QUEUED: "queued", RUNNING: "running", COMPLETED: "completed", FAILED: "failed", CANCELLED: "cancelled"}

#: ``handler(inputs, out_dir) -> output``: file inputs arrive as local Paths; Path values in the output are served.
Handler = Callable[[dict[str, Any], Path], dict[str, Any]]


class AppError(Exception):
    """Raised by a fake app: the task ends FAILED with this message."""


@dataclass
class FakeApp:
    handler: Handler
    required: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    #: Seconds a task takes at the least (from submission to completion).
    seconds: float = 0.0
    #: Dollars per task, from its inputs and output (None: the service reports no cost).
    cost: Callable[[dict[str, Any], dict[str, Any]], float] | None = None


@dataclass
class Fault:
    fail: str | None = None
    hang: bool = False
    transient: int = 0
    transient_status: int = 503
    retry_after: float | None = None
    on: str = "submit"


# --------------------------------------------------------------------------- apps

_DIA_SPEAKER = re.compile(r"\[S(\d+)\]")
_DIA_NONVERBAL = re.compile(r"\([a-z ]+\)")


def dia_tts(inputs: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The fake ``falai/dia-tts``: speak the Dia text with piper (``[S2]`` slower, so it differs) at 44.1 kHz."""
    from captionkit.engines.piper_tts import concatenate, silence, synthesize
    from captionkit.media import run_ffmpeg

    text = inputs["text"]
    if not isinstance(text, str) or not text.strip():
        raise AppError("validation error: 1 validation error for AppInput\ntext\n  String should have at least 1 character")
    if inputs.get("ref_audio") and not inputs.get("ref_text"):
        raise AppError("validation error: 1 validation error for AppInput\nref_text\n  required when ref_audio is set")
    parts = []
    for turn in re.split(r"(?=\[S\d+\])", text):
        speaker = _DIA_SPEAKER.match(turn.strip())
        spoken = " ".join(_DIA_NONVERBAL.sub(" ", _DIA_SPEAKER.sub(" ", turn)).split())
        if spoken:
            slower = 1.12 if speaker and speaker.group(1) == "2" else 1.0
            parts += [synthesize(spoken, length_scale=slower, with_timings=False, deterministic=True), silence(0.25)]
    if not parts:
        raise AppError("no speakable text in 'text'")
    speech = concatenate([silence(0.15), *parts])
    raw = speech.write_wav(out_dir / f"dia-{uuid.uuid4().hex[:8]}-22k.wav")
    out = out_dir / f"dia-{uuid.uuid4().hex[:8]}.wav"
    run_ffmpeg(["-i", str(raw), "-ar", "44100", "-c:a", "pcm_s16le", str(out)], what="fake dia-tts")
    raw.unlink()
    return {"audio": out, "output_meta": {"outputs": [{"type": "audio", "seconds": speech.duration}]}}


def omnihuman() -> Handler:
    """The fake ``bytedance/omnihuman-1-x``: the portrait as a 30 fps video, as long as the audio."""

    def run(inputs: dict[str, Any], out_dir: Path) -> dict[str, Any]:
        import cv2

        from captionkit.media import probe, run_ffmpeg

        image, audio = inputs["image"], inputs["audio"]
        if image.stat().st_size > 5 * 1024 * 1024:
            raise AppError("validation error: image must be at most 5 MB")
        picture = cv2.imread(str(image))
        if picture is None:
            raise AppError("validation error: image: cannot decode the image (use JPG or PNG)")
        height, width = picture.shape[:2]
        if max(width, height) > 4096:
            raise AppError("validation error: image must be at most 4096x4096")
        try:
            seconds = probe(audio).duration
        except Exception as error:  # noqa: BLE001 - the service words it its own way
            raise AppError(f"validation error: audio: cannot decode the audio ({error})") from error
        if seconds > 30.5:
            raise AppError(f"audio is {seconds:.1f} s long; the limit is 30 s")
        scale = min(1.0, 480 / max(width, height))
        size = (max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2))
        out = out_dir / f"omnihuman-{uuid.uuid4().hex[:8]}.mp4"
        run_ffmpeg(["-loop", "1", "-framerate", "30", "-i", str(image), "-i", str(audio),
                    "-vf", f"scale={size[0]}:{size[1]},format=yuv420p", "-r", "30", "-t", f"{seconds:.6f}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage",
                    "-c:a", "aac", "-b:a", "128k", "-ar", "48000", str(out)], what="fake omnihuman")
        return {"video": out, "output_meta": {"outputs": [{"type": "video", "seconds": seconds, "fps": 30}]}}

    return run


CAPTION_VIDEOS_FONTS = (
    "Roboto", "Open Sans", "Lato", "Montserrat", "Oswald", "Source Sans Pro", "Raleway", "Ubuntu", "Merriweather",
    "Playfair Display", "Poppins", "Noto Sans", "Rubik", "Alef", "Work Sans", "Nunito", "Fira Sans", "Quicksand",
    "PT Sans")
CAPTION_VIDEOS_POSITIONS = ("center-bottom", "center-top", "center-center", "left-bottom", "left-top",
                            "left-center", "right-bottom", "right-top", "right-center")


def caption_videos(inputs: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """The fake ``infsh/caption-videos``: validate like the real schema, then burn the segments."""
    from captionkit.render.burn import burn

    for name, allowed in (("font", CAPTION_VIDEOS_FONTS), ("position", CAPTION_VIDEOS_POSITIONS)):
        if name in inputs and inputs[name] not in allowed:
            raise AppError(f"validation error: field '{name}': '{inputs[name]}' is not one of the allowed values")
    cues = [Cue(float(s.get("start") or 0), float(s["end"]), s["text"].split("\n")) for s in inputs["segments"]]
    out = out_dir / f"captioned-{uuid.uuid4().hex[:8]}.mp4"
    burn(inputs["video_file"], Track(cues), out, style="boxed", preset="ultrafast", progress=False)
    return {"captioned_video": out}


def default_apps() -> dict[str, FakeApp]:
    return {
        "falai/dia-tts": FakeApp(dia_tts, required=("text",), files=("ref_audio",),
                                 cost=lambda inputs, output: round(0.0004 * len(inputs["text"]), 4)),
        "bytedance/omnihuman-1-5": FakeApp(omnihuman(), required=("image", "audio"), files=("image", "audio"),
                                           cost=_video_cost(0.16)),
        "bytedance/omnihuman-1-0": FakeApp(omnihuman(), required=("image", "audio"), files=("image", "audio"),
                                           cost=_video_cost(0.14)),
        "infsh/caption-videos": FakeApp(caption_videos, required=("segments", "video_file"), files=("video_file",)),
    }


def _video_cost(per_second: float) -> Callable[[dict[str, Any], dict[str, Any]], float]:
    return lambda inputs, output: round(per_second * output["output_meta"]["outputs"][0]["seconds"], 4)


# --------------------------------------------------------------------------- the service


class FakeService:
    """The HTTP fake (use as a context manager). ``url`` is its base URL, ``api_key`` the key it accepts."""

    def __init__(self, api_key: str = "inf_test_key") -> None:
        self.api_key = api_key
        self.apps: dict[str, FakeApp] = default_apps()
        self.faults: dict[str, Fault] = {}
        self.files: dict[str, Path] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.submissions: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self.most_in_flight = 0
        self.folder = Path(tempfile.mkdtemp(prefix="fake-infsh-"))
        self.lock = threading.RLock()
        self.workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="fake-infsh-app")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.workers.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------ test controls

    def register_app(self, name: str, handler: Handler, *, required: tuple[str, ...] = (),
                     files: tuple[str, ...] = (), seconds: float = 0.0,
                     cost: Callable[[dict[str, Any], dict[str, Any]], float] | None = None) -> None:
        """Add (or replace) an app: ``handler(inputs, out_dir) -> output``; ``files`` are its file inputs."""
        self.apps[name] = FakeApp(handler, required, files, seconds, cost)

    def fail(self, app: str, message: str) -> None:
        """Every task of ``app`` ends FAILED with ``message``."""
        self._fault(app).fail = message

    def hang(self, app: str) -> None:
        """Tasks of ``app`` never finish (they stay running)."""
        self._fault(app).hang = True

    def flaky(self, app: str, times: int, *, status: int = 503, retry_after: float | None = None,
              on: str = "submit") -> None:
        """The next ``times`` requests for ``app`` (``on`` "submit" or "poll") get HTTP ``status`` instead."""
        fault = self._fault(app)
        fault.transient, fault.transient_status, fault.retry_after, fault.on = times, status, retry_after, on

    def slow(self, app: str, seconds: float) -> None:
        """Tasks of ``app`` take at least ``seconds`` from submission."""
        self.apps[app].seconds = seconds

    def output_url(self, path: Path) -> str:
        return f"{self.url}/outputs/{path.name}"

    # ------------------------------------------------------------ tasks

    def _fault(self, app: str) -> Fault:
        return self.faults.setdefault(app, Fault())

    def _transient(self, app: str, on: str) -> Fault | None:
        with self.lock:
            fault = self.faults.get(app)
            if fault is None or fault.transient <= 0 or fault.on != on:
                return None
            fault.transient -= 1
            return fault

    def submit(self, app: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Create a task (after validating the inputs) and start it; the task as first returned."""
        spec = self.apps[app]
        local = dict(inputs)
        for name in spec.files:
            if inputs.get(name) is not None:
                local[name] = self._local(inputs[name], name)
        task_id = uuid.uuid4().hex[:16]
        task: dict[str, Any] = {"id": task_id, "app": app, "status": QUEUED, "input": inputs, "output": None,
                                "error": None, "created": time.monotonic(), "ready_at": time.monotonic() + spec.seconds,
                                "result": None}
        with self.lock:
            self.tasks[task_id] = task
            self.submissions[app] += 1
            in_flight = sum(1 for other in self.tasks.values() if self._visible(other)["status"] in (QUEUED, RUNNING))
            self.most_in_flight = max(self.most_in_flight, in_flight)
        fault = self.faults.get(app)
        if fault is None or not fault.hang:
            self.workers.submit(self._work, task, spec, local, fault.fail if fault else None)
        return self._visible(task)

    def _work(self, task: dict[str, Any], spec: FakeApp, inputs: dict[str, Any], failure: str | None) -> None:
        task["started"] = True
        try:
            if failure:
                raise AppError(failure)
            out_dir = Path(tempfile.mkdtemp(dir=self.folder))
            output = spec.handler(inputs, out_dir)
            served = {key: self.output_url(self._serve(value)) if isinstance(value, Path) else value
                      for key, value in output.items()}
            task["result"] = (COMPLETED, served, None, spec.cost(inputs, output) if spec.cost else None)
        except AppError as error:
            task["result"] = (FAILED, None, str(error), None)
        except Exception as error:  # noqa: BLE001 - an app crash is a failed task, as on the service
            task["result"] = (FAILED, None, f"internal error: {type(error).__name__}: {error}", None)

    def _serve(self, path: Path) -> Path:
        served = self.folder / f"{uuid.uuid4().hex[:8]}-{path.name}"
        shutil.move(str(path), served)
        return served

    def _visible(self, task: dict[str, Any]) -> dict[str, Any]:
        """The task as the service shows it now."""
        status, output, error, cost = task["status"], None, None, None
        if status != CANCELLED:
            if task["result"] is not None and time.monotonic() >= task["ready_at"]:
                status, output, error, cost = task["result"]
            elif task.get("started"):
                status = RUNNING
        shown = {"id": task["id"], "app": task["app"], "status": status, "output": output, "error": error,
                 "input": task["input"]}
        if cost is not None:
            shown["cost"] = cost
        return shown

    def _local(self, value: Any, name: str) -> Path:
        file_id = None
        if isinstance(value, str) and value.startswith("inf://files/"):
            file_id = value.split("/")[3]
        elif isinstance(value, str) and value.startswith(f"{self.url}/outputs/"):
            served = self.folder / value.rsplit("/", 1)[-1]
            if served.is_file():
                return served
        if file_id not in self.files:
            raise ValidationFailure(name, f"file {value!r} was never uploaded")
        return self.files[file_id]

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps(data).encode(), "application/json", headers)

            def _problem(self, status: int, title: str, detail: str, *, errors: list | None = None,
                         headers: dict[str, str] | None = None) -> None:
                body = {"title": title, "status": status, "detail": detail}
                if errors:
                    body["errors"] = errors
                self._send(status, json.dumps(body).encode(), "application/problem+json", headers)

            def _transient(self, fault: Fault) -> None:
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
                title = "Too Many Requests" if fault.transient_status == 429 else "Service Unavailable"
                self._problem(fault.transient_status, title, "try again later", headers=headers)

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {service.api_key}":
                    return True
                self._problem(401, "Unauthorized", "API key invalid")
                return False

            def do_POST(self) -> None:
                body = self._body()
                service.requests.append(("POST", self.path, json.loads(body or b"null")))
                if not self._authorised():
                    return
                if self.path == "/files":
                    created = []
                    for spec in json.loads(body)["files"]:
                        file_id = uuid.uuid4().hex[:10]
                        name = Path(spec.get("filename") or "upload.bin").name
                        service.files[file_id] = service.folder / f"upload-{file_id}-{name}"
                        created.append({"id": file_id, "uri": f"inf://files/{file_id}/{name}",
                                        "upload_url": f"{service.url}/upload/{file_id}"})
                    self._json(200, {"data": created})
                elif self.path == "/apps/run":
                    request = json.loads(body)
                    app = str(request.get("app", "")).split("@")[0]
                    service.attempts[app] += 1
                    if (fault := service._transient(app, "submit")) is not None:
                        return self._transient(fault)
                    if app not in service.apps:
                        return self._problem(404, "Not Found", f"app not found: {app}")
                    inputs = request.get("input") or {}
                    missing = [name for name in service.apps[app].required if inputs.get(name) in (None, "", [])]
                    if missing:
                        return self._problem(422, "Unprocessable Entity", "validation failed", errors=[
                            {"location": f"body.input.{name}", "message": "field required"} for name in missing])
                    try:
                        task = service.submit(app, inputs)
                    except ValidationFailure as failure:
                        return self._problem(422, "Unprocessable Entity", "validation failed", errors=[
                            {"location": f"body.input.{failure.field}", "message": failure.message}])
                    self._json(200, {"data": task})
                elif re.fullmatch(r"/tasks/\w+/cancel", self.path):
                    task = service.tasks.get(self.path.split("/")[2])
                    if task is None:
                        return self._problem(404, "Not Found", f"no task {self.path}")
                    if service._visible(task)["status"] in (QUEUED, RUNNING):
                        task["status"] = CANCELLED
                    self.send_response(204)
                    self.end_headers()
                else:
                    self._problem(404, "Not Found", self.path)

            def do_PUT(self) -> None:
                file_id = self.path.rsplit("/", 1)[-1]
                data = self._body()
                if file_id not in service.files:
                    return self._problem(404, "Not Found", "no such upload")
                service.files[file_id].write_bytes(data)
                service.requests.append(("PUT", self.path, len(data)))
                self._send(200, b"", "text/plain")

            def do_GET(self) -> None:
                service.requests.append(("GET", self.path, None))
                if self.path.startswith("/outputs/"):
                    path = service.folder / self.path.rsplit("/", 1)[-1]
                    if not path.is_file():
                        return self._problem(404, "Not Found", "no such output")
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return self._send(200, path.read_bytes(), kind)
                if not self._authorised():
                    return
                parts = self.path.strip("/").split("/")
                task = service.tasks.get(parts[1]) if len(parts) == 2 and parts[0] == "tasks" else None
                if task is None:
                    return self._problem(404, "Not Found", f"no task {self.path}")
                if (fault := service._transient(task["app"], "poll")) is not None:
                    return self._transient(fault)
                self._json(200, {"data": service._visible(task)})

        return Handler


class ValidationFailure(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


# --------------------------------------------------------------------------- the fake CLI

FAKE_CLI = r'''#!{python}
"""A fake infsh CLI talking to the fake service at $FAKE_INFSH_URL: app run (--no-wait), task get, login, me."""
import json, os, sys, time, urllib.error, urllib.request
from pathlib import Path

URL = os.environ["FAKE_INFSH_URL"]
CONFIG = Path(os.environ["FAKE_INFSH_HOME"]) / "config.json"


def fail(message, code=1):
    print("Error: " + message, file=sys.stderr)
    sys.exit(code)


def key():
    if os.environ.get("INFSH_API_KEY"):
        return os.environ["INFSH_API_KEY"]
    if CONFIG.is_file():
        return json.loads(CONFIG.read_text())["key"]
    fail("not authenticated: run 'infsh login'")


def call(method, path, body=None, raw=None, url=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url or URL + path, data=data, method=method,
                                     headers={{"Authorization": "Bearer " + key(), "Content-Type": "application/json"}})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as error:
        problem = json.loads(error.read().decode() or "{{}}")
        fields = "; ".join("field '%s': %s" % (e["location"].rsplit(".", 1)[-1], e["message"])
                           for e in problem.get("errors", []))
        if error.code == 401:
            fail("API key invalid")
        if error.code == 422:
            fail("invalid input: " + (fields or problem.get("detail", "")))
        wait = error.headers.get("Retry-After")
        fail("HTTP %d: %s%s" % (error.code, problem.get("detail", ""), " (retry after %s s)" % wait if wait else ""))
    except urllib.error.URLError as error:
        fail("connection failed: %s" % error.reason)
    return json.loads(text)["data"] if text else None


def upload(value):
    if isinstance(value, dict):
        return {{k: upload(v) for k, v in value.items()}}
    if isinstance(value, list):
        return [upload(v) for v in value]
    if isinstance(value, str) and value.startswith("/") and Path(value).is_file():
        created = call("POST", "/files", {{"files": [{{"filename": Path(value).name}}]}})[0]
        call("PUT", "", raw=Path(value).read_bytes(), url=created["upload_url"])
        return created["uri"]
    return value


def shown(task):
    names = {{2: "queued", 7: "running", 10: "completed", 11: "failed", 12: "cancelled"}}
    return {{**task, "status_text": names.get(task["status"], "running")}}


args = sys.argv[1:]
if args[:1] == ["login"] and "--key" in args:
    CONFIG.parent.mkdir(parents=True, exist_ok=True)
    CONFIG.write_text(json.dumps({{"key": args[args.index("--key") + 1]}}))
    print("logged in")
elif args[:1] == ["me"]:
    key()
    print(json.dumps({{"user": "test"}}))
elif args[:2] == ["app", "run"] and "--input" in args:
    app = args[2]
    inputs = upload(json.loads(args[args.index("--input") + 1]))
    task = call("POST", "/apps/run", {{"app": app, "input": inputs}})
    print("Task ID: " + task["id"], file=sys.stderr)
    if "--no-wait" not in args:
        while task["status"] not in (10, 11, 12):
            time.sleep(0.2)
            task = call("GET", "/tasks/" + task["id"])
    print(json.dumps(shown(task)))
    sys.exit(1 if task["status"] in (11, 12) else 0)
elif args[:2] == ["task", "get"] and len(args) >= 3:
    print(json.dumps(shown(call("GET", "/tasks/" + args[2]))))
else:
    fail("unknown command: " + " ".join(args), 2)
'''


def install_fake_cli(bin_dir: Path, name: str = "infsh") -> Path:
    """Write the fake CLI as ``bin_dir/name`` (executable). It needs FAKE_INFSH_URL and FAKE_INFSH_HOME set."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text(FAKE_CLI.format(python=sys.executable))
    script.chmod(0o755)
    return script
