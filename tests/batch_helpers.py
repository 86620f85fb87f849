"""Test data for batch runs: short talking clips with their scripts, hand-written translations, and
readers for the batch report (as HTML, and as a real browser shows it)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from align_helpers import speak_to_wav

from captionkit.engines import synthetic

#: Ten one-sentence clips, with hand-written Spanish, Japanese and Arabic.
LINES = [
    ("Welcome to lesson one.", "Bienvenidos a la lección uno.", "第一課へようこそ。", "مرحبا بكم في الدرس الأول."),
    ("Today we learn about colors.", "Hoy aprendemos los colores.", "今日は色について学びます。", "اليوم نتعلم الألوان."),
    ("Thank you for watching.", "Gracias por mirar.", "ご覧いただきありがとうございます。", "شكرا على المشاهدة."),
    ("Please open the settings menu.", "Abra el menú de ajustes.", "設定メニューを開いてください。", "من فضلك افتح قائمة الإعدادات."),
    ("Save your work before you leave.", "Guarde su trabajo antes de salir.", "帰る前に作業を保存してください。", "احفظ عملك قبل أن تغادر."),
    ("The report is ready to share.", "El informe está listo para compartir.", "レポートは共有の準備ができています。", "التقرير جاهز للمشاركة."),
    ("Click the blue button to start.", "Pulse el botón azul para empezar.", "青いボタンを押して始めます。", "انقر على الزر الأزرق للبدء."),
    ("Our team is here to help.", "Nuestro equipo está aquí para ayudar.", "私たちのチームがお手伝いします。", "فريقنا هنا للمساعدة."),
    ("This video is about safety.", "Este vídeo trata de la seguridad.", "この動画は安全についてです。", "هذا الفيديو عن السلامة."),
    ("See you in the next lesson.", "Nos vemos en la próxima lección.", "次の課でお会いしましょう。", "نراكم في الدرس القادم."),
]
TRANSLATED = {"es": 1, "ja": 2, "ar": 3}


def make_clips(folder: Path, count: int = len(LINES), *, cache: Path, size: tuple[int, int] = (160, 90)) -> list[Path]:
    """``count`` black clips (160x90 unless ``size`` says otherwise) of one spoken line each in ``folder/videos``,
    scripts in ``folder/scripts``.

    Clips are made once into ``cache`` and copied, so every test gets the same bytes cheaply.
    """
    videos, scripts = folder / "videos", folder / "scripts"
    videos.mkdir(parents=True, exist_ok=True)
    scripts.mkdir(exist_ok=True)
    made = []
    for number, (english, *_) in enumerate(LINES[:count], start=1):
        name = f"lesson {number:02d}"
        cached = cache / f"{name} {size[0]}x{size[1]}.mp4"
        if not cached.exists():
            speech = speak_to_wav(english, cache / f"{name}.wav", lead=0.3, tail=0.4)
            synthetic.make_video(cached, round(speech.duration + 0.1, 2), size=size, source="black",
                                 audio=cache / f"{name}.wav")
        shutil.copy2(cached, videos / f"{name}.mp4")
        (scripts / f"{name}.txt").write_text(english + "\n", encoding="utf-8")
        made.append(videos / f"{name}.mp4")
    return made


def folder_hashes(folder: Path, suffixes: tuple[str, ...] | None = None) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> SHA-256), optionally only these suffixes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and (suffixes is None or path.suffix in suffixes)
    }


class ReportRows(HTMLParser):
    """The report's task rows as dicts of their data attributes plus the text of each cell."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self._row: dict | None = None
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and "data-key" in attributes:
            self._row = {key[5:]: value for key, value in attributes.items() if key.startswith("data-")}
            self._row["cells"] = []
            self._row["images"] = []
        elif self._row is not None and tag == "td":
            self._cell = []
        elif self._row is not None and tag == "img":
            self._row["images"].append(attributes.get("src", ""))

    def handle_endtag(self, tag):
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def report_rows(path: Path) -> list[dict]:
    return ReportRows(path.read_text(encoding="utf-8")).rows


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "the report test needs Debian's chromium: apt-get install -y chromium (.ci/run installs it)"
    return found


def browser(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run headless chromium on a local file, as a user's browser would open it (no server)."""
    environment = {**os.environ, "HOME": str(cwd)}  # its profile and crash files stay in the test folder
    return subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--allow-file-access-from-files", f"--user-data-dir={cwd / 'chromium-profile'}", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd, env=environment, check=False,
    )


def write_translations(folder: Path, count: int = len(LINES)) -> Path:
    """The hand-written translations as filled ``file``-translator CSVs: ``folder/<stem>.<lang>.csv``."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    for number, line in enumerate(LINES[:count], start=1):
        for language, column in TRANSLATED.items():
            with open(folder / f"lesson {number:02d}.{language}.csv", "w", encoding="utf-8", newline="") as stream:
                writer = csv.writer(stream, lineterminator="\n")
                writer.writerow(["id", "source", "target"])
                writer.writerow(["s0001", line[0], line[column]])
    return folder
