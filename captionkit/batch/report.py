"""``batch-report.html``: one page that shows how a batch went, opened straight from disk.

A summary at the top (tasks by status, caption files passing lint, the runs so far), the failures with
their errors, then a row per task and language: status, which run made it and when, how long it took,
the lint result, and a poster frame with the caption shown at that moment (burned in when the job burned
captions, else drawn over the frame by the page). Poster frames are embedded as data URIs, so the file
can be mailed or archived alone; caption files are linked relative to the report.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from ..files import write_bytes_atomic, write_text_atomic
from .manifest import REPORT_FILES, Manifest, Task
from .state import DONE, FAILED, NEEDS_INPUT, BatchState, TaskRecord

NOT_RUN = "not run"
STATUS_LABELS = {DONE: "done", FAILED: "failed", NEEDS_INPUT: "needs input", NOT_RUN: "not run"}
#: Badge colours by status; the page's only saturated colours, so a screenshot shows them at a glance.
STATUS_COLOURS = {DONE: "#1a7f37", FAILED: "#cf222e", NEEDS_INPUT: "#bf8700", NOT_RUN: "#6e7781"}
RIGHT_TO_LEFT = {"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug"}

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 20px; margin: 0 0 12px; } h2 { font-size: 16px; margin: 24px 0 8px; }
table { border-collapse: collapse; } th, td { border-bottom: 1px solid #d0d7de; padding: 6px 10px;
  text-align: left; vertical-align: top; } th { background: #f6f8fa; }
.summary { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
.figure { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 14px; min-width: 90px; }
.figure b { display: block; font-size: 22px; }
.badge { display: inline-block; color: #fff; border-radius: 10px; padding: 1px 10px; font-weight: 600; }
.poster { position: relative; display: inline-block; line-height: 0; }
.poster img { display: block; width: 320px; height: auto; }
.said { display: block; max-width: 320px; font-size: 12px; color: #57606a; margin-top: 2px; }
td.nowrap { white-space: nowrap; }
.poster .caption { position: absolute; left: 4px; right: 4px; bottom: 6px; line-height: 1.25; color: #fff;
  text-align: center; font-weight: 600; white-space: pre-line; text-shadow: 0 0 3px #000, 0 0 2px #000; }
.error { color: #cf222e; max-width: 520px; } .muted { color: #6e7781; } .lint-ok { color: #1a7f37; }
.lint-bad { color: #cf222e; }
"""


def write_report(manifest: Manifest, state: BatchState, path: Path) -> Path:
    """Write the report of ``manifest``'s tasks as ``state`` records them to ``path`` (atomically)."""
    return write_text_atomic(path, render_report(manifest, state, path.parent))


def report_fonts() -> list[Path]:
    """The fonts the report draws caption text with, in fallback order: the bundled Noto Sans, Arabic
    and Hebrew, then Noto Sans CJK JP when its package is installed (each caption is tagged with its
    language, so a browser draws Chinese and Korean in their own forms from it: OpenType ``locl``)."""
    from ..style.fonts import cjk_font, fonts_dir

    fonts = [fonts_dir() / name for name in
             ("NotoSans-Regular.ttf", "NotoSansArabic-Regular.ttf", "NotoSansHebrew-Regular.ttf")]
    cjk = cjk_font()
    if cjk is not None:
        fonts.append(cjk)
    return [font for font in fonts if font.is_file()]


def font_faces(text: str, cache: Path) -> tuple[str, list[str]]:
    """``@font-face`` rules embedding, for each report font, the subset that draws ``text``, and the family
    names in fallback order: caption text shows in every script without fonts on the viewer's system.

    Subsets are kept in ``cache`` by font and characters, so rewriting the report costs nothing.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    wanted = {ord(char) for char in text if not char.isspace()}
    rules, families = [], []
    for number, path in enumerate(report_fonts(), start=1):
        font = TTFont(str(path), lazy=True)
        drawn = sorted(wanted & set(font.getBestCmap()))
        if not drawn:
            continue
        wanted -= set(drawn)
        key = hashlib.sha256(f"{path.name}:{drawn}".encode()).hexdigest()[:16]
        stored = cache / f"{path.stem}.{key}{path.suffix}"
        if not stored.is_file():
            options = subset.Options()
            options.layout_features = ["*"]  # keep shaping: Arabic joining forms, ligatures, vertical forms
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=drawn)
            subsetter.subset(font)
            buffer = io.BytesIO()
            font.save(buffer)
            write_bytes_atomic(stored, buffer.getvalue())
        family = f"captionkit-report-{number}"
        kind = "otf" if path.suffix == ".otf" else "ttf"
        data = base64.b64encode(stored.read_bytes()).decode("ascii")
        rules.append(f"@font-face {{ font-family: '{family}'; src: url(data:font/{kind};base64,{data}); }}")
        families.append(f"'{family}'")
    return "\n".join(rules), families


def render_report(manifest: Manifest, state: BatchState, base: Path) -> str:
    """The report's HTML; links are relative to ``base``, the folder it is written to."""
    entries = [(task, _current(state.tasks.get(task.key), task)) for task in manifest.tasks]
    statuses = Counter(record.status if record else NOT_RUN for _, record in entries)
    rows = [row for _, record in entries if record for row in record.rows]
    lint_passed = sum(row["lint"]["passed"] for row in rows)
    seconds = sum(record.seconds for _, record in entries if record)
    figures = [
        ("tasks", len(entries), None), *((STATUS_LABELS[s], statuses[s], s) for s in STATUS_LABELS if statuses[s]),
        ("caption files", len(rows), None), ("pass lint", f"{lint_passed}/{len(rows)}", None),
        ("task time", f"{seconds:.1f} s", None),
    ]
    faces, families = font_faces("".join(row["poster_text"] for row in rows), manifest.output / REPORT_FILES / "fonts")
    caption_fonts = f".caption, .said {{ font-family: {', '.join([*families, 'sans-serif'])}; }}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>captionkit batch: {_e(manifest.path.name)}</title>",
        f"<style>{_STYLE}{faces}\n{caption_fonts}</style></head><body>",
        f"<h1>Batch report: {_e(manifest.path.name)}</h1>",
        f'<p class="muted">Outputs in {_e(str(manifest.output))}</p>',
        '<div class="summary" id="summary">',
        *(f'<div class="figure" data-figure="{_e(label)}"><b>{_e(str(value))}</b>{_badge(status, label) if status else _e(label)}</div>'
          for label, value, status in figures),
        "</div>",
        _runs_table(state), _failures(entries), _tasks_table(entries, manifest, base),
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _current(record: TaskRecord | None, task: Task) -> TaskRecord | None:
    """The task's record if it is for these inputs and settings (an older one describes other outputs)."""
    return record if record is not None and record.fingerprint == task.fingerprint else None


def _runs_table(state: BatchState) -> str:
    lines = [('<h2>Runs</h2><table id="runs"><tr><th>run</th><th>started (UTC)</th><th>finished</th>'
              "<th>executor</th><th>workers</th><th>tasks run</th><th>kept from earlier runs</th></tr>")]
    for run in state.runs:
        finished = _time(run["finished"]) if run["finished"] else "stopped before the end"
        lines.append(f"<tr><td>{run['run']}</td><td>{_time(run['started'])}</td><td>{finished}</td>"
                     f"<td>{_e(run['executor'])}</td><td>{run['workers']}</td><td>{run['ran']}</td>"
                     f"<td>{run['kept']}</td></tr>")
    return "\n".join(lines) + "</table>"


def _failures(entries: list[tuple[Task, TaskRecord | None]]) -> str:
    problems = [(task, record) for task, record in entries if record and record.status in (FAILED, NEEDS_INPUT)]
    if not problems:
        return ""
    items = "".join(f'<li data-key="{_e(task.key)}"><b>{_e(task.key)}</b> (job {task.job}, {task.kind}): '
                    f'<span class="error">{_e(record.error or "")}</span></li>' for task, record in problems)
    return f'<h2>Failures and inputs still needed</h2><ul id="failures">{items}</ul>'


def _tasks_table(entries: list[tuple[Task, TaskRecord | None]], manifest: Manifest, base: Path) -> str:
    lines = [('<h2>Tasks</h2><table id="tasks"><tr><th>job</th><th>input</th><th>language</th><th>status</th>'
              "<th>run</th><th>time</th><th>lint</th><th>poster</th><th>captions</th></tr>")]
    for task, record in entries:
        status = record.status if record else NOT_RUN
        rows = record.rows if record and record.rows else [None]
        for row in rows:
            language = row["language"] if row else ", ".join(task.languages) or "—"
            ran = (f"run {record.run}<br><span class=\"muted\">{_time(record.started)}</span>" if record else "—")
            took = f"{record.seconds:.1f} s" if record else "—"
            lines.append(
                f'<tr data-key="{_e(task.key)}" data-language="{_e(language)}" data-status="{status}"'
                f' data-run="{record.run if record else ""}">'
                f"<td>{task.job} · {task.kind}</td><td>{_e(task.key)}<br><span class=\"muted\">{_e(task.input.name)}"
                f"</span></td><td>{_e(language)}</td><td>{_badge(status)}</td><td class=\"nowrap\">{ran}</td>"
                f"<td class=\"nowrap\">{took}</td>"
                f"<td>{_lint(row) if row else _error(record)}</td><td>{_poster(row, manifest.output) if row else ''}</td>"
                f"<td>{_link(row, manifest.output, base) if row else ''}</td></tr>"
            )
    return "\n".join(lines) + "</table>"


def _badge(status: str, label: str | None = None) -> str:
    return (f'<span class="badge" data-badge="{status}" style="background:{STATUS_COLOURS[status]}">'
            f"{_e(label or STATUS_LABELS[status])}</span>")


def _lint(row: dict) -> str:
    lint = row["lint"]
    unavoidable = f'<br><span class="muted">{lint["unavoidable"]} unavoidable</span>' if lint["unavoidable"] else ""
    if lint["passed"]:
        return f'<span class="lint-ok">passes {_e(lint["profile"])}</span> ({row["cues"]} cues){unavoidable}'
    first = f'<br><span class="muted">{_e(lint["first"])}</span>' if lint.get("first") else ""
    errors = f'{lint["errors"]} error{"s" if lint["errors"] != 1 else ""}'
    return f'<span class="lint-bad">{errors} under {_e(lint["profile"])}</span>{first}{unavoidable}'


def _error(record: TaskRecord | None) -> str:
    return f'<span class="error">{_e(record.error)}</span>' if record and record.error else ""


def _poster(row: dict, output: Path) -> str:
    if not row.get("poster"):
        return '<span class="muted">no picture</span>'
    image = output / row["poster"]
    if not image.is_file():
        return '<span class="muted">poster missing</span>'
    data = base64.b64encode(image.read_bytes()).decode("ascii")
    language = row["language"]
    direction = "rtl" if language.split("-")[0] in RIGHT_TO_LEFT else "ltr"
    text = f'lang="{_e(language)}" dir="{direction}">{_e(row["poster_text"])}</span>'
    title = f'{row["poster_time"]:.2f} s: {row["poster_text"]}'
    if row.get("burned"):  # the frame shows the burned captions; their text again below, readable at any size
        return (f'<span class="poster" title="{_e(title)}"><img alt="{_e(row["poster_text"])}" '
                f'src="data:image/jpeg;base64,{data}"></span><span class="said" {text}')
    return (f'<span class="poster" title="{_e(title)}"><img alt="{_e(row["poster_text"])}" '
            f'src="data:image/jpeg;base64,{data}"><span class="caption" {text}</span>')


def _link(row: dict, output: Path, base: Path) -> str:
    target = output / row["captions"]
    try:
        href = quote(target.relative_to(base).as_posix())
    except ValueError:
        href = target.as_uri()
    return f'<a href="{_e(href)}">{_e(target.name)}</a>'


def _time(moment: str) -> str:
    """``2026-12-02T12:00:00.123+00:00`` -> ``2026-12-02 12:00:00``."""
    return _e(moment[:19].replace("T", " "))


def _e(text: str) -> str:
    return html.escape(text, quote=True)
