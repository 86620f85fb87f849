"""A fake inference.sh for tests: an HTTP server on 127.0.0.1 that speaks the SDK's protocol, and a fake
``infsh`` CLI script. Its ``infsh/caption-videos`` app really captions the uploaded video (with ffmpeg and
libass, from the ``segments`` it is sent) so the client downloads real media.

Protocol (as the inferencesh SDK 0.36 uses it): ``POST /files`` -> upload URLs, ``PUT`` the bytes,
``POST /apps/run`` -> a task, ``GET /tasks/{id}`` and ``GET /tasks/{id}/stream`` (NDJSON updates),
and the outputs served at plain URLs. Statuses are the SDK's integers (7 running, 10 completed, 11 failed).
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

from captionkit.model import Cue, Track

CAPTION_VIDEOS_SCHEMA = {
    "required": ("segments", "video_file"),
    "font": ("Roboto", "Open Sans", "Lato", "Montserrat", "Oswald", "Source Sans Pro", "Raleway", "Ubuntu",
             "Merriweather", "Playfair Display", "Poppins", "Noto Sans", "Rubik", "Alef", "Work Sans", "Nunito",
             "Fira Sans", "Quicksand", "PT Sans"),
    "position": ("center-bottom", "center-top", "center-center", "left-bottom", "left-top", "left-center",
                 "right-bottom", "right-top", "right-center"),
}


class AppError(Exception):
    """Raised by a fake app: the task ends FAILED with this message."""


def caption_videos(inputs: dict[str, Any], video: Path, out_dir: Path) -> dict[str, Any]:
    """The fake ``infsh/caption-videos``: validate like the real schema, then burn the segments."""
    from captionkit.render.burn import burn

    for name in CAPTION_VIDEOS_SCHEMA["required"]:
        if name not in inputs:
            raise AppError(f"validation error: field '{name}' is required")
    for name in ("font", "position"):
        if name in inputs and inputs[name] not in CAPTION_VIDEOS_SCHEMA[name]:
            raise AppError(f"validation error: {name} '{inputs[name]}' is not one of the allowed values")
    cues = [Cue(float(s.get("start") or 0), float(s["end"]), s["text"].split("\n")) for s in inputs["segments"]]
    out = out_dir / f"captioned-{uuid.uuid4().hex[:8]}.mp4"
    burn(video, Track(cues), out, style="boxed", preset="ultrafast", progress=False)
    return {"captioned_video": out}


class FakeService:
    """The HTTP fake. ``apps`` maps an app name to ``handler(inputs, local_video, out_dir) -> output``."""

    def __init__(self, api_key: str = "inf_test_key") -> None:
        self.api_key = api_key
        self.apps: dict[str, Callable] = {"infsh/caption-videos": caption_videos}
        self.files: dict[str, bytes] = {}
        self.names: dict[str, str] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.folder = Path(tempfile.mkdtemp(prefix="fake-infsh-"))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeService":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def output_url(self, path: Path) -> str:
        return f"{self.url}/outputs/{path.name}"

    def run_app(self, app: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Run a fake app on already-uploaded inputs; the task dict it ends in."""
        task = {"id": uuid.uuid4().hex[:12], "status": 7, "input": inputs, "output": None, "error": None}
        handler = self.apps.get(app)
        try:
            if handler is None:
                raise AppError(f"app not found: {app}")
            video = self._local(inputs.get("video_file"))
            output = handler(inputs, video, self.folder)
            task["output"] = {k: self.output_url(v) if isinstance(v, Path) else v for k, v in output.items()}
            task["status"] = 10
        except AppError as error:
            task["status"], task["error"] = 11, str(error)
        return task

    def _local(self, uri: str | None) -> Path | None:
        if not uri:
            return None
        file_id = uri.split("/")[3] if uri.startswith("inf://files/") else None
        if file_id not in self.files:
            raise AppError(f"input file {uri} was never uploaded")
        path = self.folder / f"input-{file_id}-{self.names[file_id]}"
        path.write_bytes(self.files[file_id])
        return path

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _json(self, status: int, data: Any, content_type: str = "application/json") -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {service.api_key}":
                    return True
                self._json(401, {"title": "Unauthorized", "status": 401, "detail": "API key invalid"},
                           "application/problem+json")
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
                        service.names[file_id] = spec.get("filename") or "upload.bin"
                        created.append({"id": file_id, "uri": f"inf://files/{file_id}/{service.names[file_id]}",
                                        "upload_url": f"{service.url}/upload/{file_id}"})
                    self._json(200, {"data": created})
                elif self.path == "/apps/run":
                    request = json.loads(body)
                    task = service.run_app(request["app"], request["input"])
                    service.tasks[task["id"]] = task
                    self._json(200, {"data": {**task, "status": 2, "output": None, "error": None}})
                else:
                    self._json(404, {"title": "Not Found", "detail": self.path})

            def do_PUT(self) -> None:
                file_id = self.path.rsplit("/", 1)[-1]
                service.files[file_id] = self._body()
                service.requests.append(("PUT", self.path, len(service.files[file_id])))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                service.requests.append(("GET", self.path, None))
                if self.path.startswith("/outputs/"):
                    path = service.folder / self.path.rsplit("/", 1)[-1]
                    data = path.read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Type", "video/mp4")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if not self._authorised():
                    return
                parts = self.path.strip("/").split("/")
                task = service.tasks.get(parts[1]) if len(parts) >= 2 and parts[0] == "tasks" else None
                if task is None:
                    self._json(404, {"title": "Not Found", "detail": f"no task {self.path}"})
                elif len(parts) == 3 and parts[2] == "stream":
                    lines = [{"id": task["id"], "status": 7, "output": None}, task]
                    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-ndjson")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self._json(200, {"data": task})

        return Handler


FAKE_CLI = '''#!{python}
"""A fake infsh CLI: `infsh app run APP --input JSON --json`, captioning for real and serving the result."""
import json, os, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from infsh_fake import AppError, caption_videos

args = sys.argv[1:]
if args[:2] != ["app", "run"] or "--input" not in args:
    print("unknown command", file=sys.stderr); sys.exit(2)
app = args[2]
inputs = json.loads(args[args.index("--input") + 1])
print("Running " + app, file=sys.stderr)
if os.environ.get("FAKE_INFSH_FAIL"):
    print("Error: " + os.environ["FAKE_INFSH_FAIL"], file=sys.stderr); sys.exit(1)
video = Path(inputs.get("video_file", ""))
if not video.is_absolute() or not video.is_file():
    print("Error: invalid input: video_file must be a local file or URL", file=sys.stderr); sys.exit(1)
try:
    output = caption_videos(inputs, video, Path(os.environ["FAKE_INFSH_SERVE_DIR"]))
except AppError as error:
    print(json.dumps({{"id": "t1", "status": 11, "status_text": "failed", "error": str(error)}})); sys.exit(1)
url = os.environ["FAKE_INFSH_URL"] + "/outputs/" + output["captioned_video"].name
print("Task ID: t1", file=sys.stderr)
print(json.dumps({{"id": "t1", "status": 10, "status_text": "completed", "output": {{"captioned_video": url}}}}))
'''


def install_fake_cli(bin_dir: Path, name: str = "infsh") -> Path:
    """Write the fake CLI as ``bin_dir/name`` (executable)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text(FAKE_CLI.format(python=sys.executable, tests=str(Path(__file__).resolve().parent)))
    script.chmod(0o755)
    return script
